"""The form: what a department head fills in, as a validated model.

This module is the contract of ``shared/spec/form.md`` in code. It knows nothing
of YAML or Word. Checks that depend on the workspace (the headings a
``category`` may name, the campuses and departments config.yaml allows) read
them from the validation context, a :class:`FormContext`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from pipeline.form.fields import (
    Amount,
    Bool,
    Count,
    Date,
    Name,
    RequiredText,
    Span,
    TermId,
    Text,
)
from pipeline.form.periods import Term
from pipeline.text.suggest import did_you_mean

Severity = Literal["minor", "moderate", "serious"]

SEVERITY_NAMES = {"minor": "轻微", "moderate": "一般", "serious": "严重"}
_SEVERITY_BY_NAME = {**{v: k for k, v in SEVERITY_NAMES.items()}, **{k: k for k in SEVERITY_NAMES}}


@dataclass(frozen=True)
class FormContext:
    """What validation needs to know of the workspace."""

    categories: dict[str, str]  # every accepted category name → heading key
    headings: tuple[str, ...]  # heading keys a form may override
    campuses: tuple[str, ...] | None = None
    departments: tuple[str, ...] | None = None


def _context(info: ValidationInfo) -> FormContext | None:
    return info.context if isinstance(info.context, FormContext) else None


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Text | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None, info: ValidationInfo) -> str | None:
        context = _context(info)
        if value is None or context is None:
            return value
        key = context.categories.get(value) or context.categories.get(value.lower())
        if key is None:
            names: dict[str, list[str]] = {}
            for name, heading in context.categories.items():
                names.setdefault(heading, []).append(name)
            choices = "；".join(f"{k}（{'、'.join(n for n in v if n != k)}）" for k, v in names.items())
            raise ValueError(f"未知的分类 \"{value}\"{did_you_mean(value, context.categories) or '；'}可用的分类：{choices}")
        return key


class Activity(_Record):
    """A piece of work done: 开展的工作."""

    title: RequiredText
    #: False: carried over from last period's form by new-term and not yet confirmed as done
    #: this period; such a form is not built (absent, as in every form a person writes: done).
    confirmed: Bool | None = None
    date: Span | None = None
    times: Count | None = None
    participants: Count | None = None
    details: Text | None = None
    result: Text | None = None
    group: Text | None = None  # a sub-heading under its heading: （一）营养员工作

    @field_validator("confirmed")
    @classmethod
    def _confirmed(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if value is False:
            title = info.data.get("title")
            what = f"“{title}”" if title else "这一项"
            raise ValueError(f"{what}是从上一期的填报表带过来的，还没有确认：本期做了的，把“否”改为“是”"
                             f"（或删去这一行），并按本期的情况填写时间、做法和成效；没有做的，删去这一整项")
        return value


#: Markers of an approximate figure, as people write them: 约160, 近50 / 100多, 80余, 30以上.
APPROX_BEFORE = ("约", "近")
APPROX_AFTER = ("多", "余", "以上")
MARKED_VALUE = re.compile(r"^\s*(约|近)?\s*(\d+(?:\.\d+)?)\s*(多|余|以上)?\s*$")
#: What editors are told a value may be: a number, or one written with a marker ("100多").
_VALUE_SCHEMA = {"anyOf": [{"type": "number"},  # any number: a decline or a deficit is negative
                           {"type": "string", "pattern": MARKED_VALUE.pattern}]}


def _marked_number(schema: dict) -> None:
    """JSON Schema of a figure's value: a number, or a number with its approximate marker."""
    keep = {key: schema[key] for key in ("title", "description") if key in schema}
    schema.clear()
    schema.update(keep, **_VALUE_SCHEMA)


class Figure(_Record):
    """A figure with its unit: 数据 (``counts`` in the form)."""

    item: RequiredText
    value: Amount = Field(json_schema_extra=lambda schema: _marked_number(schema))
    unit: Text | None = None
    previous: Amount | None = None
    note: Text | None = None
    approx: Text | None = None  # an approximate figure: 约 / 近 before the number, 多 / 余 / 以上 after it

    @model_validator(mode="before")
    @classmethod
    def _marked_value(cls, data):
        # "100多" or "约160" written as the value: the number, and its marker as ``approx``.
        if isinstance(data, dict) and isinstance(data.get("value"), str) and data.get("approx") is None:
            match = MARKED_VALUE.match(data["value"])
            if match and bool(match.group(1)) != bool(match.group(3)):
                return {**data, "value": match.group(2), "approx": match.group(1) or match.group(3)}
        return data

    @field_validator("approx")
    @classmethod
    def _known_marker(cls, value: str | None) -> str | None:
        if value is not None and value not in APPROX_BEFORE + APPROX_AFTER:
            raise ValueError(f"未知的约数写法 \"{value}\"，应为 {'、'.join(APPROX_BEFORE + APPROX_AFTER)} 之一"
                             "（如 约160、100多）")
        return value


class Incident(_Record):
    """Something that went wrong: 安全事件 / 事故 / 投诉."""

    date: Date
    description: RequiredText
    severity: Text = "minor"
    handling: Text | None = None
    resolved: Bool = True

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        if value not in _SEVERITY_BY_NAME:
            raise ValueError(f"未知的严重程度 \"{value}\"，应为 轻微/一般/严重（minor/moderate/serious）")
        return _SEVERITY_BY_NAME[value]


class HeadingOverride(BaseModel):
    """A per-form rewording of one heading."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text | None = None
    intro: Text | None = None


def _or_left_empty(schema: dict) -> None:
    """JSON Schema of a list or map key that may also be left empty, as validation allows."""
    body = {key: schema.pop(key) for key in ("type", "items", "additionalProperties") if key in schema}
    schema["anyOf"] = [body, {"type": "null"}]


class Form(BaseModel):
    """One campus's, one department's summary for one period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: Text | None = None
    campus: Name
    department: Name
    term: TermId
    date: Date
    author: Text | None = None
    title: Text | None = None
    intro: Text | None = None
    closing: Text | None = None
    headings: dict[str, HeadingOverride] = Field(default_factory=dict, json_schema_extra=_or_left_empty)
    activities: list[Activity] = Field(default_factory=list, json_schema_extra=_or_left_empty)
    counts: list[Figure] = Field(default_factory=list, json_schema_extra=_or_left_empty)
    incidents: Optional[list[Incident]] = None  # None: not reported; []: none happened
    shortcomings: list[RequiredText] = Field(default_factory=list, json_schema_extra=_or_left_empty)
    plans: list[RequiredText] = Field(default_factory=list, json_schema_extra=_or_left_empty)

    @property
    def period(self) -> Term:
        return Term.parse(self.term)

    @field_validator("activities", "counts", "shortcomings", "plans", "headings", mode="before")
    @classmethod
    def _empty_means_none_yet(cls, value, info: ValidationInfo):
        # "plans:" with nothing under it (as a blank or new-term form has it) means none yet.
        if value is None:
            return {} if info.field_name == "headings" else []
        return value

    @field_validator("campus")
    @classmethod
    def _known_campus(cls, value: str, info: ValidationInfo) -> str:
        context = _context(info)
        if context and context.campuses is not None and value not in context.campuses:
            raise ValueError(_not_listed("校区", value, "campuses", context.campuses))
        return value

    @field_validator("department")
    @classmethod
    def _known_department(cls, value: str, info: ValidationInfo) -> str:
        context = _context(info)
        if context and context.departments is not None and value not in context.departments:
            raise ValueError(_not_listed("部门", value, "departments", context.departments))
        return value

    @field_validator("headings")
    @classmethod
    def _known_headings(cls, value: dict, info: ValidationInfo) -> dict:
        context = _context(info)
        if context:
            for key in value:
                if key not in context.headings:
                    raise ValueError(f"未知的标题 \"{key}\"{did_you_mean(key, context.headings) or '；'}"
                                     f"可用的标题：{'、'.join(context.headings)}")
        return value


def _not_listed(what: str, value: str, key: str, listed: tuple[str, ...]) -> str:
    if not listed:  # "campuses: []": no name is allowed, which no one means
        return (f"{what} \"{value}\" 不在 config.yaml 的 {key} 名单中：名单是空的（{key}: []）；"
                f"请在名单中列出{what}名称，或删去 {key} 这一行（不限制{what}名称）")
    return f"{what} \"{value}\" 不在 config.yaml 的 {key} 名单中{did_you_mean(value, listed)}"


#: Chinese names of form fields, for messages such as 缺少必填字段.
FIELD_LABELS = {
    "organization": "单位全称", "campus": "校区", "department": "部门", "term": "学期编号",
    "date": "日期", "author": "落款", "title": "标题", "intro": "导语", "closing": "结束语",
    "headings": "标题设置", "activities": "开展的工作", "counts": "数据", "incidents": "安全事件",
    "shortcomings": "存在的不足", "plans": "今后打算", "category": "分类", "times": "次数",
    "participants": "人次", "confirmed": "是否已确认", "details": "具体做法", "result": "成效", "item": "项目",
    "value": "数值", "unit": "单位", "previous": "上期数值", "note": "备注", "description": "经过", "severity": "严重程度",
    "handling": "处理情况", "resolved": "是否解决", "group": "分组", "approx": "约数",
}
