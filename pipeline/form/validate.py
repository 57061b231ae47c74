"""Validate loaded YAML against the form and config models.

The models raise pydantic errors; this stage turns every one of them into a
Chinese :class:`~pipeline.diagnostics.Diagnostic` at the line and column of the
offending key or value, so all problems of a file are reported in one run.
"""

from __future__ import annotations

import os
import re
import typing
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.diagnostics import Diagnostic, FormError, shown
from pipeline.form import container, profiles, schema
from pipeline.form.config import CheckConfig, Config, HeadingConfig
from pipeline.form.fields import with_unit
from pipeline.form.identity import folder_disagreements
from pipeline.form.loader import Loaded, load_file
from pipeline.form.model import (
    FIELD_LABELS,
    Activity,
    Figure,
    Form,
    FormContext,
    HeadingOverride,
    Incident,
)
from pipeline.text.suggest import closest, did_you_mean
from pipeline.workspace import templatesets
from pipeline.workspace.reading import read_capped, reason
from pipeline.workspace.root import CONFIG_NAME
from pipeline.workspace.scaffold import SKELETON

# Which model describes the mapping found at a path; int stands for any list index.
_FORM_SHAPES: dict[tuple, type[BaseModel]] = {
    (): Form,
    ("activities", int): Activity,
    ("counts", int): Figure,
    ("incidents", int): Incident,
    ("headings", str): HeadingOverride,
}
_CONFIG_SHAPES: dict[tuple, type[BaseModel]] = {(): Config, ("headings", int): HeadingConfig, ("check",): CheckConfig}


def _keys(shapes: dict) -> frozenset[str]:
    """Every field name of these models: the keys whose typing slips the loader reports."""
    return frozenset(name for model in shapes.values() for name in model.model_fields)


def _lists(shapes: dict) -> frozenset[str]:
    """The field names of these models whose value is a list: where list items stand."""
    def is_list(annotation) -> bool:
        return typing.get_origin(annotation) is list or any(is_list(a) for a in typing.get_args(annotation))

    return frozenset(name for model in shapes.values() for name, field in model.model_fields.items()
                     if is_list(field.annotation))


_FORM_KEYS, _FORM_LISTS = _keys(_FORM_SHAPES), _lists(_FORM_SHAPES)
_CONFIG_KEYS, _CONFIG_LISTS = _keys(_CONFIG_SHAPES) | profiles.KEY_NAMES, _lists(_CONFIG_SHAPES)  # format's keys too


def read_config(workspace: Path | None) -> Config:
    """config.yaml of ``workspace``, or the defaults when there is none."""
    path = workspace / CONFIG_NAME if workspace else None
    if path is None or not os.path.lexists(path):
        return Config()
    if not path.is_file():  # a folder, a dangling or looping link, a pipe: said, not ignored
        try:
            read_capped(path, 0)
        except OSError as exc:
            display = os.path.normpath(os.path.join(shown(path.parent), CONFIG_NAME))  # the link, not its target
            raise FormError([Diagnostic(display, 1, 1, "error", f"无法读取 config.yaml：{reason(exc)}；"
                                        "请改正或删除它（没有 config.yaml 时按默认设置生成）")]) from None
    loaded = load_file(path, shown(path), keys=_CONFIG_KEYS, lists=_CONFIG_LISTS)
    if loaded.data is None:
        return Config()
    try:
        config = validate(loaded, Config, _CONFIG_SHAPES)
    except FormError as exc:  # the layout profile's mistakes are reported with the rest
        raise FormError(_sorted(exc.diagnostics + _profile_problems(loaded, workspace))) from None
    problems = templatesets.config_problems(config.templates, config.departments, workspace)
    if problems:
        raise FormError([loaded.diagnostic(at, message, at_key=at_key) for at, message, at_key in problems])
    config._profile = _profile(loaded, workspace)
    return config


def _profile(loaded: Loaded, workspace: Path | None) -> dict:
    """The resolved layout profile config.yaml's ``format`` stands for (see pipeline.form.profiles)."""
    value = loaded.data.get("format") if isinstance(loaded.data, dict) else None
    layers = profiles.layers_of_format(value, workspace, loaded)
    return profiles.resolve(layers, value if isinstance(value, str) else profiles.DEFAULT)


def _profile_problems(loaded: Loaded, workspace: Path | None) -> list[Diagnostic]:
    value = loaded.data.get("format") if isinstance(loaded.data, dict) else None
    if not (isinstance(value, dict) or isinstance(value, str) and value.strip()):
        return []  # the Config model names a format that is neither
    try:
        _profile(loaded, workspace)
    except FormError as exc:
        return exc.diagnostics
    return []


def form_context(config: Config) -> FormContext:
    return FormContext(
        categories=config.category_names,
        headings=tuple(h.key for h in config.heading_list),
        campuses=tuple(config.campuses) if config.campuses is not None else None,
        departments=tuple(config.departments) if config.departments is not None else None,
    )


def read_form(path: Path, config: Config, display: str | None = None, raw: bytes | None = None) -> tuple[Form, Loaded]:
    """Load and validate one form, a YAML file or a workbook (``raw``: its bytes, when
    they were read already). Raises :class:`FormError` listing every problem; a form under
    ``inputs/`` must say the term, campus and department its place there says, and be its
    department's only form."""
    display = display or shown(path)
    twins = container.twins(Path(path))
    if twins:
        raise FormError([container.twins_error(Path(path), display, twins)])
    loaded = container.load_form(path, display, raw, keys=_FORM_KEYS, lists=_FORM_LISTS, words=_CHINESE_KEYS)
    form = validate_form(loaded, config)
    disagreements = folder_disagreements(path, form, loaded)
    if disagreements:
        raise FormError(disagreements)
    return form, loaded


def validate_form(loaded: Loaded, config: Config) -> Form:
    """The form ``loaded`` holds. Raises :class:`FormError` with every problem: its container's
    (a workbook's unreadable cells, pipeline.form.workbook) and validation's, one per place."""
    unread = list(loaded.errors)
    try:
        form = _validate_form(loaded, config)
    except FormError as exc:
        taken = {(d.line, d.col) for d in unread}  # a cell that could not be read is not also "empty"
        raise FormError(_sorted(unread + [d for d in exc.diagnostics if (d.line, d.col) not in taken])) from None
    if unread:
        raise FormError(_sorted(unread))
    return form


def _validate_form(loaded: Loaded, config: Config) -> Form:
    if not isinstance(loaded.data, dict):
        raise FormError([loaded.diagnostic((), "填报表应由“字段: 内容”组成（如 campus: 东园区），现在是空的或格式不对")])
    data = loaded.data
    problems = []
    written_otherwise = any(key not in Form.model_fields and _meant_key(str(key), list(Form.model_fields)) == "organization"
                            for key in data)
    if not data.get("organization") and not written_otherwise:
        if config.organization:
            data = {**data, "organization": config.organization}
        else:
            problems.append(loaded.diagnostic(("organization",), loaded.missing(("organization",))
                                              + "；也可以在 config.yaml 中统一填写"))
    try:
        form = validate(loaded, Form, _FORM_SHAPES, data=data, context=form_context(config))
    except FormError as exc:
        raise FormError(_sorted(problems + exc.diagnostics)) from None
    if problems:
        raise FormError(problems)
    too_long = _file_name_too_long(loaded, form)
    if too_long:
        raise FormError([too_long])
    return form


#: Bytes a file name may have on every common file system, less room for ".edited-<time>.docx".
MAX_FILE_NAME_BYTES = 255 - len(".edited-20250101-000000-9.docx")


def _file_name_too_long(loaded: Loaded, form: Form) -> Diagnostic | None:
    """The document's file name is its title (unit, campus, department, period): one past what
    file systems allow fails only when written, so it is said here, at the longest part's line."""
    parts = {"title": form.title} if form.title else {
        "organization": form.organization or "", "campus": form.campus, "department": form.department}
    name = "".join(parts.values()) + ("" if form.title else form.period.name + "工作总结")
    size = len(name.encode("utf-8"))
    if size <= MAX_FILE_NAME_BYTES:
        return None
    longest = max(parts, key=lambda key: len(parts[key]))
    at = (longest,) if longest in loaded.data else ()
    return loaded.diagnostic(at, f"名称过长：文档的文件名“{name[:20]}…”会有 {size} 字节，超过文件系统允许的 255 字节；"
                                 f"请缩短 {'、'.join(parts)}（中文每字占 3 字节）", at_key=bool(at))


def validate(loaded: Loaded, model: type[BaseModel], shapes: dict, *, data: Any = None, context: Any = None):
    """Validate ``loaded`` (or ``data``) against ``model``; raise FormError in Chinese."""
    if data is None:
        data = loaded.data
    if not isinstance(data, dict):
        raise FormError([loaded.diagnostic((), "文件应由“字段: 内容”组成")])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        # "成文日期: …" or "dat: …" is the date written under another name: said once, at that key.
        meant = {(tuple(e["loc"][:-1]), _meant(e, shapes)) for e in errors if e["type"] == "extra_forbidden"}
        errors = [e for e in errors if not (e["type"] == "missing" and (tuple(e["loc"][:-1]), e["loc"][-1]) in meant)]
        diagnostics = [_diagnostic(loaded, error, shapes) for error in errors]
        raise FormError(_sorted(_unique(diagnostics))) from None


def _meant(error: dict, shapes: dict) -> str | None:
    """The field an unknown key of a validation error stands for."""
    loc = tuple(error["loc"])
    return _meant_key(str(loc[-1]), _known_fields(loc[:-1], shapes))


def _meant_key(key: str, known: list[str]) -> str | None:
    """The field among ``known`` that the unknown ``key`` stands for: written in Chinese, in full-width
    letters (ｃａｍｐｕｓ), or misspelt."""
    narrow = unicodedata.normalize("NFKC", key).strip()
    return _from_chinese(key, known) or (narrow if narrow in known else None) or closest(key, known)


def _diagnostic(loaded: Loaded, error: dict, shapes: dict) -> Diagnostic:
    loc = tuple(error["loc"])
    kind = error["type"]
    field = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        known = _known_fields(loc[:-1], shapes)
        meant = _from_chinese(str(field), known)
        narrow = unicodedata.normalize("NFKC", str(field)).strip()
        hint = (f"，字段名要用英文，应写成 \"{meant}\"" if meant else
                f"，字段名要用半角英文字母，应写成 \"{narrow}\"" if narrow != field and narrow in known else
                did_you_mean(narrow, known) or f"；可用的字段：{'、'.join(known)}")
        return loaded.diagnostic(loc, f"未知字段 \"{field}\"{hint}", at_key=True)
    if kind == "missing":
        return loaded.diagnostic(loc[:-1], loaded.missing(loc))
    where = loaded.describe(loc)
    if kind == "worksum" and "input" in error and error["input"] is None and error["msg"] != "不能为空":
        # "date:" with nothing after it: the person has not filled it in yet (not a format problem).
        label = FIELD_LABELS.get(str(field), "")
        return loaded.diagnostic(loc, f"{where}还没有填写" + (f"（{label}）" if label else "") + _after_comment(loaded, loc))
    message = error_message(error)
    if kind == "worksum" and error.get("input") is None and error["msg"] == "不能为空":
        message += _after_comment(loaded, loc)
    written = (error.get("ctx") or {}).get("written")
    if kind == "worksum" and written:
        record = _at(loaded.data, loc[:-1])
        message = with_unit(error["ctx"]["number"], written, record.get("unit") if isinstance(record, dict) else None) \
            or message
    return loaded.diagnostic(loc, f"{where}{message}")


def _after_comment(loaded: Loaded, loc: tuple) -> str:
    """For an empty value: the words typed at the end of the blank form's line, after its
    comment (``campus:   # 【必填】校区，如：本部校区 东湖校区``), where they are not read."""
    line = loaded.positions.key(loc)[0]
    lines = loaded.text.split("\n")
    match = re.match(r"^[^#]*:\s*(#.*?)\s*$", lines[line - 1]) if line <= len(lines) else None
    if not match:
        return ""
    comment = match.group(1)
    for explained in _blank_form_comments().get(str(loc[-1]), ()):
        typed = comment[len(explained):].strip() if comment.startswith(explained) else ""
        if typed:
            return (f"；“{typed}”写在了“#”后面，那里是说明，不会被读取：请把它移到冒号后面"
                    f"（{loc[-1]}: {typed}）")
    return ""


@lru_cache(maxsize=1)
def _blank_form_comments() -> dict[str, tuple[str, ...]]:
    """The comment the blank form (``worksum init``) gives each field's line, by field name."""
    comments: dict[str, tuple[str, ...]] = {}
    for line in (SKELETON / "blank-form.yaml").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:#\s*)?(?:-\s*)?(\w+):\s*(?:[^#]*?)\s*(#.*?)\s*$", line)
        if match:
            comments[match.group(1)] = comments.get(match.group(1), ()) + (match.group(2),)
    return comments


def _at(data: Any, path: tuple) -> Any:
    """The raw value at ``path`` of the loaded data, or None."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def error_message(error: dict) -> str:
    """The Chinese message of one pydantic error of a form or config model."""
    kind, msg = error["type"], error["msg"]
    if kind == "worksum":
        return msg
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind in ("list_type", "tuple_type"):
        return "应为列表（每一项另起一行，以“- ”开头）"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "应写成“字段: 内容”的形式"
    if kind in ("string_type", "str_type"):
        return "应为文字"
    return f"内容无效（{msg}）"


# Chinese words people write as keys, mapped to the English keys they mean: every label the
# editor's hover texts (pipeline.form.schema), the blank form and docs/填报指南.md give a field,
# and the words people use for it besides.
_WORDS: dict[str, tuple[str, ...]] = {
    "单位": ("organization", "unit"), "单位名称": ("organization",), "学校": ("organization",),
    "园区": ("campus",), "处室": ("department",), "学期": ("term",), "学年": ("term",),
    "时间": ("date",), "日期": ("date",), "发生日期": ("date",), "发生时间": ("date",),
    "落款单位": ("author",), "署名": ("author",),
    "名称": ("title", "item"), "做了什么": ("title",), "标题文字": ("title",), "改写后的标题文字": ("title",),
    "标题下的第一段话": ("intro",), "改写标题": ("headings",),
    "类别": ("category",), "归入哪个标题": ("category",),
    "次数": ("times",), "开展了几次": ("times",), "人数": ("participants",), "参与人次": ("participants",),
    "参加人次": ("participants",), "详情": ("details",), "内容": ("details", "description"), "做法": ("details",),
    "效果": ("result",), "结果": ("result",), "取得的成效": ("result",),
    "项目名称": ("item",), "数量": ("value",), "本期数值": ("value",), "简短说明": ("note",), "说明": ("note",),
    "是否已解决": ("resolved",), "是否已经解决": ("resolved",),
    "工作": ("activities",), "事件": ("incidents",), "事故": ("incidents",), "投诉": ("incidents",),
    "安全事件、事故、投诉": ("incidents",), "不足": ("shortcomings",), "打算": ("plans",), "计划": ("plans",),
    "今后努力方向": ("plans",), "努力方向": ("plans",),
}


def _chinese_keys() -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {}

    def add(word: str, *names: str) -> None:
        keys[word] = keys.get(word, ()) + tuple(n for n in names if n not in keys.get(word, ()))

    for name, label in FIELD_LABELS.items():
        add(label, name)
    for fields_of_model in schema.FIELDS.values():
        for name, (title, _description) in fields_of_model.items():
            add(title, name)
    for word, names in _WORDS.items():
        add(word, *names)
    return keys


_CHINESE_KEYS = _chinese_keys()


def _from_chinese(word: str, known: list[str]) -> str | None:
    """The English key a Chinese key such as 落款 or 详情 stands for, among ``known``."""
    return next((key for key in _CHINESE_KEYS.get(word, ()) if key in known), None)


def _known_fields(loc: tuple, shapes: dict) -> list[str]:
    pattern = tuple(int if isinstance(part, int) else part for part in loc)
    # ("headings", "safety") is described by ("headings", str)
    model = shapes.get(pattern) or (shapes.get(pattern[:-1] + (str,)) if pattern else None)
    return list(model.model_fields) if model else []


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return list(dict.fromkeys(diagnostics))


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.col))
