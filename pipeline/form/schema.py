"""The JSON Schema of the form, for editors: completion and inline errors while typing.

``worksum schema`` writes it; VS Code's YAML extension (redhat.vscode-yaml) and
other editors that speak yaml-language-server read it (README: 在编辑器中填写).
The schema is generated from :class:`pipeline.form.model.Form` by pydantic, so it
follows the model; this module adds what a person filling the form needs to
see: a Chinese title and description for every field (kept here, not in
form.py, so the model stays readable), the choices of ``severity`` and
``category``, and the spellings of dates and yes/no that worksum accepts, so
the editor does not mark as wrong what ``worksum validate`` takes.

The category names come from the workspace's config.yaml when the schema is
written in a workspace (``worksum init``, ``worksum schema``); the campuses and
departments config.yaml allows are not in the schema: ``worksum validate``
checks them.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache

from pipeline.form import fields
from pipeline.form.config import Config
from pipeline.form.model import FIELD_LABELS, SEVERITY_NAMES, Form

#: Draft 7: what every yaml-language-server version reads; pydantic's "#/$defs/…"
#: references are plain JSON pointers there.
DIALECT = "http://json-schema.org/draft-07/schema#"

#: The standard heading keys and their Chinese short names (shared/spec/form.md).
CATEGORY_EXAMPLES = ["study", "duties", "safety", "finance", "学习", "岗位", "职责", "安全", "财务"]

#: Title and description of each model, by pydantic's name for it.
MODELS = {
    "Form": ("工作总结填报表",
             ("每个校区、每个部门、每学期填写一份。字段说明见 docs/填报指南.md；"
             "未知字段会报错，多半是拼写错误。")),
    "Activity": ("开展的工作", "做了的一件事：名称、时间、次数、人次、具体做法和成效。"),
    "Figure": ("数据", "一项数据：项目、数值和单位，可写上期数值以便比较。"),
    "Incident": ("安全事件", "出过的问题：安全事件、事故或投诉，写明经过和处理情况。"),
    "HeadingOverride": ("标题设置", "改写本份总结中某个标题的文字，或给它加一段导语。"),
}

#: Title and description of every field, by model and field name.
FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "Form": {
        "organization": ("单位全称", "例如：阳光实验幼儿园。config.yaml 已写单位名称时可以不填。"),
        "campus": ("校区", ("例如：东园区。config.yaml 列有 campuses 名单时，须是名单中的一个；"
                   "填报表放在 inputs/<学期>/<校区>/ 下时，须与文件夹名一致。")),
        "department": ("部门", ("例如：后勤部。config.yaml 列有 departments 名单时，须是名单中的一个；"
                       "须与文件名（<部门>.yaml）一致。")),
        "term": ("学期编号", ("2024-2025-1 表示 2024—2025学年第一学期，2024-2025-2 表示第二学期，"
                 "2024-2025 表示学年，2024 表示年度。")),
        "date": ("成文日期", "写在落款下面的日期，例如：2025-01-15（也可写 2025年1月15日）。"),
        "author": ("落款", "文末署名的单位；不填时用“校区＋部门”，例如：东园区后勤部。"),
        "title": ("标题", "不填时自动生成：单位＋校区＋部门＋学期＋工作总结。"),
        "intro": ("导语", "开头一段；不填时按模板生成，以“现总结如下：”结尾。"),
        "closing": ("结束语", "结尾一段；不填时按模板生成。"),
        "headings": ("标题设置", ("按标题改写本份总结的标题文字或导语，"
                     "键为 study、duties、safety、finance、shortcomings 或 config.yaml 新增的标题。")),
        "activities": ("开展的工作", "本学期做了哪些工作，每项一条。"),
        "counts": ("数据", "本学期的数据，每项一条：项目、数值、单位。"),
        "incidents": ("安全事件", ("事故、投诉等也写在这里，每件一条。写 [] 表示本学期没有发生；"
                      "不写这一项表示不报告，文中也不提。")),
        "shortcomings": ("存在的不足", "每条一句话。"),
        "plans": ("今后打算", "今后的打算或努力方向，每条一句话。"),
    },
    "Activity": {
        "title": ("工作名称", "做了什么，例如：后勤人员业务学习。"),
        "confirmed": ("是否已确认", ("worksum new-term 从上一期带来的工作写着“否”：本期做了，改为“是”或删去这一行；"
                      "没有做，删去整项。写着“否”的填报表不会生成文档。")),
        "category": ("分类", ("归入哪个标题：study/学习、duties/岗位/职责、safety/安全、finance/财务，"
                     "或 config.yaml 新增的标题。不填时按文字自动推断，把握不大时会提示。")),
        "date": ("时间", "某一天 2024-11-09、某个月 2024-10，或一段时间 2024-09-01 ~ 2025-01-10。"),
        "times": ("次数", "开展了几次，整数。"),
        "participants": ("人次", "参加的人次，整数。"),
        "details": ("具体做法", "怎么做的，用自己的话写。"),
        "result": ("成效", "取得了什么效果。"),
        "group": ("分组", "同一标题下再分小类时填写，例如：营养员工作。同组的工作排在一起，"
                  "印成小标题“（一）营养员工作”，下面编号1. 2.……"),
    },
    "Figure": {
        "item": ("项目", "例如：维修课桌椅。"),
        "value": ("数值", "只写数字，不加逗号和单位，例如：23500。约数可以写成 100多、约160、80余。"),
        "unit": ("单位", "套、次、元、%、人等。"),
        "category": ("分类", ("归入哪个标题：study/学习、duties/岗位/职责、safety/安全、finance/财务。"
                     "不填时按文字自动推断。")),
        "previous": ("上期数值", "上一期的同一项数据，用于比较；不填时从上一期的填报表中查找。"),
        "note": ("备注", "简短说明。"),
        "approx": ("约数", "数值是约数时填写：约、近（写在数字前）或 多、余、以上（写在数字后）。"
                   "也可以直接把数值写成 100多、约160。约数不与上期比较百分比。"),
    },
    "Incident": {
        "date": ("日期", "发生的日期，例如：2024-10-21。"),
        "description": ("经过", "发生了什么。"),
        "category": ("分类", "归入哪个标题，默认 safety（安全）。"),
        "severity": ("严重程度", "轻微、一般或严重（也可写 minor、moderate、serious），默认轻微。"),
        "handling": ("处理情况", "采取了哪些措施。"),
        "resolved": ("是否解决", "true/false，也可写 是/否、已解决/未解决；默认已解决。"),
    },
    "HeadingOverride": {
        "title": ("标题文字", "这个标题在本份总结中的文字。"),
        "intro": ("导语", "标题下的第一段。"),
    },
}


def _date_schema() -> dict:
    # The spellings fields.Date accepts (2025-01-15, 2025/1/15, 2025年1月15日), not only ISO dates.
    return {"type": "string", "pattern": fields._DATE.pattern}


def _bool_schema() -> dict:
    words = sorted(fields._TRUE | fields._FALSE)
    return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": words}]}


#: Term ids as fields.TermId reads them (2024 may also be written as a number).
TERM_PATTERN = r"^\s*\d{4}(-\d{4}(-[12])?)?\s*$"
TERM_MESSAGE = "学期编号应写成 2024-2025-1（第一学期）、2024-2025-2（第二学期）、2024-2025（学年）或 2024（年度）"


def _annotate(model: str, schema: dict, categories: tuple[str, ...]) -> None:
    # A field added to the model later still gets its Chinese name from form.py (the tests ask
    # for a description of every field); the hover shows the title above the description, so
    # the description never starts with the title again.
    title, description = MODELS.get(model, (schema.get("title", model), schema.get("description", "")))
    schema["title"], schema["description"] = title, description
    for name, prop in schema["properties"].items():
        label = FIELD_LABELS.get(name, name)
        prop["title"], prop["description"] = FIELDS.get(model, {}).get(name, (label, "写法见 docs/填报指南.md。"))
        if prop.get("format") == "date":
            prop.pop("format")
            prop.update(_date_schema())
        if name == "category":
            prop["examples"] = CATEGORY_EXAMPLES
            prop["anyOf"] = [{"type": "string", "enum": list(categories),
                              "errorMessage": f"未知的分类；可用的分类：{'、'.join(categories)}"}, {"type": "null"}]
        if name == "term" and model == "Form":
            prop.update(pattern=TERM_PATTERN, patternErrorMessage=TERM_MESSAGE)
        if prop.get("type") == "boolean" or {"type": "boolean"} in prop.get("anyOf", []):
            # resolved, confirmed: 是/否 and the other words fields.Bool takes
            empty = [{"type": "null"}] if {"type": "null"} in prop.pop("anyOf", []) else []
            prop.pop("type", None)
            prop["anyOf"] = _bool_schema()["anyOf"] + empty
    if model == "Incident":
        severity = schema["properties"]["severity"]
        severity["enum"] = [*SEVERITY_NAMES, *SEVERITY_NAMES.values()]
        severity["errorMessage"] = "严重程度应为 轻微、一般、严重（或 minor、moderate、serious）"


@lru_cache(maxsize=4)
def _form_schema(categories: tuple[str, ...]) -> dict:
    schema = Form.model_json_schema()
    for name, definition in schema["$defs"].items():
        _annotate(name, definition, categories)
    _annotate("Form", schema, categories)
    return {"$schema": DIALECT, **schema}


def form_schema(config: Config | None = None) -> dict:
    """The JSON Schema of a form, with Chinese titles and descriptions; ``category`` takes the
    names of ``config``'s headings (the default headings without one)."""
    return copy.deepcopy(_form_schema(tuple((config or Config()).category_names)))


def form_schema_json(config: Config | None = None) -> str:
    return json.dumps(form_schema(config), ensure_ascii=False, indent=2) + "\n"
