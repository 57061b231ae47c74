"""Write a workbook form: blank for a department to fill, or holding a form's data.

The sheets and columns are :func:`pipeline.form.workbook.layout`'s, so what
this module writes is what the reader reads. For the person filling it in:
dropdown lists for 分类, 严重程度, 是否解决 and 本期安全事件; whole-number
and date checks on the columns that hold them (a figure may be written 100多, so
its column is not checked as a number); a hint on every column
(shown when a cell is selected); a frozen header row; column widths that fit
the Chinese headers; and a help sheet, 填写说明. A note (new-term's "上学期：4")
becomes a cell comment.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.form.workbook import (
    HEADINGS_SHEET,
    HELP_SHEET,
    INCIDENTS_NO,
    INCIDENTS_ROW,
    INCIDENTS_YES,
    INFO_HEADERS,
    INFO_SHEET,
    LISTS_SHEET,
    RESOLVED_CHOICES,
    SEVERITY_CHOICES,
    Column,
    layout,
)

#: Rows of a record sheet that carry the dropdowns and checks (a department's year fits easily).
FILLED_ROWS = 500
#: The standard headings' Chinese names, offered in 分类's dropdown (config.yaml may add more).
CATEGORY_CHOICES = ("学习", "岗位", "安全", "财务")
HEADING_KEYS = ("study", "duties", "safety", "finance", "shortcomings")
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
#: Fields whose cells hold paragraphs: wide and wrapped.
_PROSE = {"details", "result", "description", "handling", "intro", "closing", "note", "title"}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HINT_FONT = Font(color="808080")
_WRAP = Alignment(wrap_text=True, vertical="top")

# What a person is told about a field: in 基本信息's 说明 column and as a column's input hint.
_HINTS = {
    "organization": "单位全称，如：明德实验学校（config.yaml 中已填写的，这里可以空着）",
    "campus": "校区，如：本部校区", "department": "部门，如：后勤处",
    "term": "学期：2024-2025-1 第一学期，2024-2025-2 第二学期，2024-2025 学年，2024 年度",
    "date": "成文日期，写在落款处，如：2025-01-15",
    "author": "落款单位，不填则为“校区+部门”", "title": "标题，一般不填，由程序生成",
    "intro": "导语（开头一段），一般不填；填写则替换模板的导语",
    "closing": "结束语（最后一段），一般不填；填写则替换模板的结束语",
    ("activities", "title"): "做了什么，如：食堂从业人员食品安全培训",
    ("activities", "group"): "小标题，同一分组的工作写在一起，如：营养员工作",
    ("activities", "date"): "某一天 2024-11-09，某个月 2024-10，或一段时间 2024-09-01 ~ 2025-01-10",
    ("activities", "times"): "开展了几次，只填整数，如：4",
    ("activities", "participants"): "参与人次，只填整数，如：85",
    ("activities", "details"): "具体做法，用自己的话写",
    ("activities", "result"): "取得的成效",
    ("counts", "item"): "项目名称，如：维修课桌凳",
    ("counts", "value"): "本期数值，只填数字，单位写在“单位”列；只知道大概的，写成 100多、约160",
    ("counts", "unit"): "单位，如：套、次、元、%",
    ("counts", "previous"): "上期数值；不填时自动查找上一期填报表中同名项目",
    ("counts", "note"): "简短说明",
    ("incidents", "date"): "发生日期，如：2024-10-21",
    ("incidents", "description"): "经过",
    ("incidents", "severity"): "轻微、一般、严重；不填为轻微",
    ("incidents", "handling"): "处理情况",
    ("incidents", "resolved"): "是 / 否；不填为是",
    ("incidents", "category"): "归入哪个标题；不填归入安全",
    "category": "归入哪个标题：学习、岗位、安全、财务；不填由程序根据文字判断",
    "shortcomings": "存在的不足，每格一条", "plans": "今后打算，每格一条",
}

HELP_LINES = [
    "工作总结填报表（Excel 版）填写说明",
    "",
    "本工作簿与 YAML 填报表内容完全相同，只是换成了表格。每个校区、每个部门、每个学期填写一份，",
    "保存为 inputs/<学期>/<校区>/<部门>.xlsx（如 inputs/2024-2025-1/本部校区/后勤处.xlsx），然后运行 worksum build。",
    "同一部门只能有一份填报表：有了 .xlsx 就不要再放同名的 .yaml。",
    "",
    "各工作表：",
    f"  {INFO_SHEET}：单位、校区、部门、学期、成文日期等，每项一行，填在“内容”列。",
    (f"      {INCIDENTS_ROW}：有事件填“{INCIDENTS_YES}”并在“安全事件”表逐条填写；没有发生填“{INCIDENTS_NO}”"
    "（文中写明未发生安全责任事故）；空着则文中不提。"),
    "  开展的工作：每项工作一行。标题必填；分类不填时由程序根据文字判断；次数、人次只填整数。",
    "  数据：每个数据一行。项目、数值必填；数值只填数字，单位写在“单位”列。",
    "  安全事件：每件一行。日期、经过必填；严重程度从下拉列表选择。",
    f"  {LISTS_SHEET}：存在的不足和今后打算，每格一条，从上往下填。",
    (f"  {HEADINGS_SHEET}：改写某个标题的文字或它下面的第一段话，一般不填。"
    "标题代号：study 学习、duties 岗位职责、safety 安全、finance 财务、shortcomings 不足。"),
    "",
    "注意：",
    "  · 红色的列名是必填项。列名（第一行）不要修改；可以在最前面加一列“序号”。中间空行、行尾空格都没有关系。",
    "  · 日期写成 2024-11-09；一段时间写成 2024-09-01 ~ 2025-01-10。",
    "  · 可以用公式，但请在 Excel/WPS 中保存后再生成（程序读取的是保存时的计算结果）。",
    "  · 生成前请先保存并关闭工作簿。有错误时，程序会指出工作表和单元格，如 开展的工作!D12。",
    "  · 本表“填写说明”不会被读取，可以随意修改。",
]


def _hint(sheet_key: str | None, column: Column) -> str:
    return _HINTS.get((sheet_key, column.field)) or _HINTS.get(column.field) or column.header


def _width(text: str) -> float:
    """Columns as Excel counts them: a Chinese character is two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _fit(ws, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _validation(ws, column: Column, letter: str, first: int, last: int, prompt: str, choices=()) -> None:
    """The dropdown or check of one column, with its hint."""
    area = f"{letter}{first}:{letter}{last}"
    options = {"allow_blank": True, "showInputMessage": True, "promptTitle": column.header[:32], "prompt": prompt[:255],
                   "showErrorMessage": True, "errorTitle": column.header[:32]}
    if choices:
        # 分类 warns instead of refusing: config.yaml may add headings the list does not name.
        rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                              errorStyle="warning" if column.field == "category" else "stop",
                              error=f"请从下拉列表中选择：{'、'.join(choices)}", **options)
    elif column.kind == "count":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                              error="请填写整数（0 或正整数），不要写单位", **options)
    elif column.kind == "date":
        rule = DataValidation(type="date", operator="greaterThan", formula1="32874",  # 1990-01-01
                              error="请填写日期，如 2025-01-15", **options)
    else:
        rule = DataValidation(**{k: v for k, v in options.items() if not k.startswith(("showError", "error"))})
    ws.add_data_validation(rule)
    rule.add(area)


def _choices(column: Column, categories: tuple[str, ...]) -> tuple[str, ...]:
    if column.field == "category":
        return categories
    if column.field == "severity":
        return SEVERITY_CHOICES
    if column.kind == "bool":
        return RESOLVED_CHOICES
    return ()


def _put(cell, value: Any, column: Column | None = None) -> None:
    """Write a form value into a cell so that reading it back gives the same value."""
    if value is None:
        return
    if isinstance(value, bool) and column is not None and column.kind == "bool":
        cell.value = RESOLVED_CHOICES[0] if value else RESOLVED_CHOICES[1]
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = DATE_FORMAT + " hh:mm"
    elif isinstance(value, dt.date):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str):
        cell.value = value
        cell.number_format = TEXT_FORMAT  # 2024-10 or 007 stays the text it is
        if "\n" in value:
            cell.alignment = _WRAP
    elif isinstance(value, (int, float)):
        cell.value = value
    else:
        cell.value = str(value)


def _header_row(ws, headers: list[tuple[str, bool]]) -> None:
    for col, (text, required) in enumerate(headers, 1):
        cell = ws.cell(1, col, text)
        cell.font = _REQUIRED_FONT if required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"


def write_workbook(data: dict | None = None, *, categories: tuple[str, ...] = CATEGORY_CHOICES,
                   notes: dict[tuple, str] | None = None) -> bytes:
    """The workbook form holding ``data`` (a form's raw data; None or {} for a blank one).

    ``notes``: comments to attach, by the path of the value they are about.
    """
    data = dict(data or {})
    notes = dict(notes or {})
    shape = layout()
    book = Workbook()
    info = book.active
    info.title = INFO_SHEET
    _header_row(info, [(text, False) for text in INFO_HEADERS])
    cells: dict[tuple, Any] = {}
    row = 1
    for column in shape.info:
        row += 1
        label = info.cell(row, 1, column.header)
        label.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        value_cell = info.cell(row, 2)
        _put(value_cell, data.get(column.field), column)
        if column.kind == "date" and value_cell.value is None:
            value_cell.number_format = DATE_FORMAT
        elif column.kind != "date" and value_cell.value is None:
            value_cell.number_format = TEXT_FORMAT  # 2024-2025-1 must not turn into a date
        hint = ("【必填】" if column.required else "") + _hint(None, column)
        info.cell(row, 3, hint).font = _HINT_FONT
        if column.kind == "date":
            _validation(info, column, "B", row, row, _hint(None, column))
        cells[(column.field,)] = value_cell
    row += 1
    info.cell(row, 1, INCIDENTS_ROW).font = _HEADER_FONT
    incidents = data.get("incidents")
    answer = None if incidents is None else INCIDENTS_YES if incidents else INCIDENTS_NO
    if answer:
        info.cell(row, 2, answer)
    flag_hint = (f"有安全事件填“{INCIDENTS_YES}”并在“安全事件”表逐条填写；没有发生填“{INCIDENTS_NO}”；"
                 "空着则文中不提")
    info.cell(row, 3, flag_hint).font = _HINT_FONT
    _validation(info, Column("incidents", INCIDENTS_ROW), "B", row, row, flag_hint, (INCIDENTS_YES, INCIDENTS_NO))
    cells[("incidents",)] = info.cell(row, 2)
    for line in range(2, row + 1):
        info.cell(line, 2).alignment = _WRAP
    _fit(info, {1: 14, 2: 44, 3: max(_width(_hint(None, c)) for c in shape.info) * 0.9 + 8})

    for sheet in shape.records:
        ws = book.create_sheet(sheet.name)
        _header_row(ws, [(c.header, c.required) for c in sheet.columns])
        cells[(sheet.key,)] = ws.cell(1, 1)
        widths = {}
        for col, column in enumerate(sheet.columns, 1):
            letter = get_column_letter(col)
            prose = column.field in _PROSE
            widths[col] = 36 if prose and column.field != "title" else 24 if prose else max(_width(column.header) + 4, 10)
            if column.kind == "date":
                widths[col] = 13
            if column.kind == "span":
                widths[col] = 24
            _validation(ws, column, letter, 2, FILLED_ROWS + 1, _hint(sheet.key, column),
                        _choices(column, categories))
            ws.column_dimensions[letter].number_format = DATE_FORMAT if column.kind == "date" else (
                TEXT_FORMAT if column.kind in ("text", "span") else "General")
        for index, record in enumerate(data.get(sheet.key) or []):
            for col, column in enumerate(sheet.columns, 1):
                cell = ws.cell(index + 2, col)
                _put(cell, record.get(column.field) if isinstance(record, dict) else None, column)
                if column.field in _PROSE:
                    cell.alignment = _WRAP
                cells[(sheet.key, index, column.field)] = cell
            cells[(sheet.key, index)] = ws.cell(index + 2, 1)
        _fit(ws, widths)

    lists = book.create_sheet(LISTS_SHEET)
    _header_row(lists, [(c.header, False) for c in shape.lists])
    for col, column in enumerate(shape.lists, 1):
        _validation(lists, column, get_column_letter(col), 2, FILLED_ROWS + 1, _hint(None, column))
        lists.column_dimensions[get_column_letter(col)].number_format = TEXT_FORMAT
        for index, item in enumerate(data.get(column.field) or []):
            cell = lists.cell(index + 2, col)
            _put(cell, item, column)
            cell.alignment = _WRAP
            cells[(column.field, index)] = cell
    _fit(lists, {col: 50 for col in range(1, len(shape.lists) + 1)})

    headings = book.create_sheet(HEADINGS_SHEET)
    _header_row(headings, [(c.header, c.required) for c in shape.headings])
    for col, column in enumerate(shape.headings, 1):
        choices = HEADING_KEYS if column.field == "key" else ()
        hint = "study 学习、duties 岗位职责、safety 安全、finance 财务、shortcomings 不足" if choices else column.header
        _validation(headings, column, get_column_letter(col), 2, 21, hint, choices)
    overrides = data.get("headings") or {}
    for index, (key, override) in enumerate(overrides.items() if isinstance(overrides, dict) else []):
        headings.cell(index + 2, 1, key)
        for col, column in enumerate(shape.headings[1:], 2):
            _put(headings.cell(index + 2, col), (override or {}).get(column.field), column)
            cells[("headings", key, column.field)] = headings.cell(index + 2, col)
    _fit(headings, {1: 16, 2: 36, 3: 60})

    help_sheet = book.create_sheet(HELP_SHEET)
    for number, line in enumerate(HELP_LINES, 1):
        help_sheet.cell(number, 1, line)
    help_sheet["A1"].font = Font(bold=True, size=14)
    _fit(help_sheet, {1: 120})

    for path, text in notes.items():
        cell = cells.get(tuple(path))
        if cell is not None:
            cell.comment = Comment(text, "worksum", width=240, height=80)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def categories_of(config) -> tuple[str, ...]:
    """The Chinese names 分类's dropdown offers: every heading of ``config`` a record may fall under."""
    return tuple(heading.name for heading in config.heading_list if heading.key != "shortcomings")
