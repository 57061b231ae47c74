"""The form as an Excel/WPS workbook: the same contract as the YAML form, another container.

A department head who keeps a 台账 in Excel or WPS can fill
``inputs/<term>/<campus>/<department>.xlsx`` instead of the ``.yaml``. The
workbook has one sheet per part of the form, with Chinese names and headers:

=============  ==========================================================
基本信息        one row per top-level field: 项目 (A) and 内容 (B); a row
               本期安全事件 (有/无) says whether incidents are reported
开展的工作      one row per activity, one column per field (标题, 分类 …)
数据            one row per figure
安全事件        one row per incident
不足与打算      two columns, 存在的不足 and 今后打算, one item per cell
标题改写        optional: per-form rewording of a heading
填写说明        help for people; never read
=============  ==========================================================

:func:`layout` derives the sheets and columns from the form model, so an
optional field added to the model gets its column (headed by its Chinese
label) without a change here.

:func:`load_workbook` returns a :class:`WorkbookLoaded`: the same plain data a
YAML form gives (so validation, classification and wording are shared) and
the position of every value as a cell. Diagnostics then read
``后勤处.xlsx:开展的工作!D12: 错误: 次数：…``. Problems of the workbook itself
(an unknown column, a formula without a saved result) are collected in
``errors`` and reported together with validation's, in one run.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import re
import typing
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic, FormError
from pipeline.form.fields import KINDS
from pipeline.form.loader import Loaded, PathKey, Positions
from pipeline.text.characters import without_invisible
from pipeline.text.suggest import did_you_mean
from pipeline.workspace.reading import TooLarge, Unreadable, read_capped

INFO_SHEET = "基本信息"
HELP_SHEET = "填写说明"
LISTS_SHEET = "不足与打算"
HEADINGS_SHEET = "标题改写"
#: The row of 基本信息 that tells "no incidents happened" (无) from "not reported" (blank).
INCIDENTS_ROW = "本期安全事件"
INCIDENTS_YES, INCIDENTS_NO = "有", "无"
INFO_HEADERS = ("项目", "内容", "说明")

#: Refuse workbooks larger than this (a form's workbook is some tens of KB).
MAX_BYTES = 20 * 1024 * 1024
#: ... or whose parts unpack to more than this (a zip bomb).
MAX_UNPACKED = 200 * 1024 * 1024
#: A sheet with more rows than this is not a form.
MAX_ROWS = 20_000
#: The header row is looked for in the first rows of a sheet (a title row may stand above it).
HEADER_SEARCH = 10

# Sheet names and headers of the contract's fields; a field the model gains later is headed by
# its label in pipeline.form.FIELD_LABELS (or its key), so it flows through without a change here.
_INFO_LABELS = {"organization": "单位", "campus": "校区", "department": "部门", "term": "学期",
                "date": "成文日期", "author": "落款", "title": "标题", "intro": "导语", "closing": "结束语"}
_RECORD_SHEETS = {
    "activities": ("开展的工作", {"title": "标题", "category": "分类", "group": "分组", "date": "日期",
                                 "times": "次数", "participants": "人次", "details": "做法", "result": "成效"}),
    "counts": ("数据", {"item": "项目", "value": "数值", "unit": "单位", "category": "分类",
                       "previous": "上期", "note": "备注"}),
    "incidents": ("安全事件", {"date": "日期", "description": "经过", "severity": "严重程度",
                              "handling": "处理情况", "resolved": "是否解决", "category": "分类"}),
}
_LIST_HEADERS = {"shortcomings": "存在的不足", "plans": "今后打算"}
_HEADING_HEADERS = {"key": "标题代号", "title": "标题文字", "intro": "引导语"}
#: Columns a 台账 often has that carry nothing of the form: read past, never an error.
IGNORED_HEADERS = ("序号", "编号", "说明")

#: Choices offered in a dropdown, by field (the model accepts more spellings; these are the Chinese ones).
SEVERITY_CHOICES = ("轻微", "一般", "严重")
RESOLVED_CHOICES = ("是", "否")


@dataclass(frozen=True)
class Column:
    """One field in a workbook: its header and what its cells hold."""

    field: str
    header: str
    kind: str = "text"  # text, date, span, count, number, bool
    required: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """What a person may head the column with: the header, the field's Chinese label, its key."""
        from pipeline.form.model import FIELD_LABELS

        return tuple(dict.fromkeys([self.header, FIELD_LABELS.get(self.field, self.header), self.field]))


@dataclass(frozen=True)
class RecordSheet:
    """A sheet with one record per row (开展的工作, 数据, 安全事件)."""

    key: str  # the form's list field
    name: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Layout:
    """Every sheet of the workbook form, derived from the model."""

    info: tuple[Column, ...]  # 基本信息's rows
    records: tuple[RecordSheet, ...]
    lists: tuple[Column, ...]  # 不足与打算's columns
    headings: tuple[Column, ...]  # 标题改写's columns

    def sheet_of(self, key: str) -> RecordSheet | None:
        return next((sheet for sheet in self.records if sheet.key == key), None)

    def column(self, loc: tuple) -> Column | None:
        """The column (or 基本信息 row) a validation location points into."""
        if not loc:
            return None
        head = loc[0]
        if len(loc) == 1:
            return next((c for c in (*self.info, *self.lists) if c.field == head), None)
        sheet = self.sheet_of(head)
        if sheet is not None:
            return next((c for c in sheet.columns if len(loc) > 2 and c.field == loc[2]), None)
        if head == "headings":
            return next((c for c in self.headings if len(loc) > 2 and c.field == loc[2]), None)
        return next((c for c in self.lists if c.field == head), None)


def kind_of(info) -> str:
    """text, date, span, count, number or bool: what a model field holds (its pydantic FieldInfo)."""
    return _kind(info.annotation, info.metadata)


#: A field type's JSON Schema, for a validator KINDS does not name: what its cells hold.
_SCHEMA_KINDS = {"number": "number", "integer": "count", "boolean": "bool"}


def _kind(annotation: Any, metadata=()) -> str:
    metadata = (*metadata, *getattr(annotation, "__metadata__", ()))
    for meta in metadata:
        func = getattr(meta, "func", None)
        if func in KINDS:
            return KINDS[func]
    for meta in metadata:  # a type added later: its schema says whether it is a number, a date …
        schema = getattr(meta, "json_schema", None)
        if isinstance(schema, dict) and isinstance(schema.get("type"), str) and schema["type"] in _SCHEMA_KINDS:
            return _SCHEMA_KINDS[schema["type"]]
        if isinstance(schema, dict) and schema.get("format") == "date":
            return "date"
    for arg in typing.get_args(annotation):
        kind = _kind(arg)
        if kind != "text":
            return kind
    return "text"


def _model_of_list(annotation: Any):
    """The record model of a ``list[Model]`` field (Optional allowed), or None."""
    from pydantic import BaseModel

    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is list:
            (item,) = typing.get_args(arg)
            if isinstance(item, type) and issubclass(item, BaseModel):
                return item
    return None


def _is_text_list(annotation: Any) -> bool:
    return any(typing.get_origin(arg) is list and _model_of_list(arg) is None
               for arg in (annotation, *typing.get_args(annotation)))


def _columns(model, headers: dict[str, str]) -> tuple[Column, ...]:
    from pipeline.form.model import FIELD_LABELS

    names = [name for name in headers if name in model.model_fields]
    names += [name for name in model.model_fields if name not in headers]
    return tuple(Column(name, headers.get(name) or FIELD_LABELS.get(name, name),
                        kind_of(model.model_fields[name]), model.model_fields[name].is_required())
                 for name in names)


@cache
def layout() -> Layout:
    """The workbook form's sheets and columns, from the form model."""
    from pipeline.form.model import FIELD_LABELS, Form, HeadingOverride

    info, records, lists = [], [], []
    for name, info_field in Form.model_fields.items():
        annotation = info_field.annotation
        record_model = _model_of_list(annotation)
        if record_model is not None:
            sheet_name, headers = _RECORD_SHEETS.get(name, (FIELD_LABELS.get(name, name), {}))
            records.append(RecordSheet(name, sheet_name, _columns(record_model, headers)))
        elif _is_text_list(annotation):
            lists.append(Column(name, _LIST_HEADERS.get(name) or FIELD_LABELS.get(name, name)))
        elif typing.get_origin(annotation) is dict:
            continue  # headings: a sheet of its own
        else:
            info.append(Column(name, _INFO_LABELS.get(name) or FIELD_LABELS.get(name, name), kind_of(info_field),
                               info_field.is_required() or name == "organization"))
    headings = (Column("key", _HEADING_HEADERS["key"], required=True),
                *_columns(HeadingOverride, _HEADING_HEADERS))
    return Layout(tuple(info), tuple(records), tuple(lists), headings)


# --- positions as cells ----------------------------------------------------------

#: Positions are (line, column) pairs, as for YAML; a cell's line is its sheet's number times
#: this plus its row, so diagnostics sort by sheet, row and column.
_SHEET_SPAN = 1 << 21  # more than Excel's 1,048,576 rows


def column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


@dataclass
class WorkbookLoaded(Loaded):
    """A loaded workbook form: :class:`~pipeline.form.loader.Loaded` whose positions are cells."""

    sheets: list[str] = field(default_factory=list)  # by number, as positions encode them
    digest: str = ""  # of the workbook's bytes: its content, as a YAML form's is its text

    @property
    def content(self) -> str:
        return f"xlsx:{self.digest}"

    def place(self, line: int, col: int) -> str:
        number, row = divmod(line, _SHEET_SPAN)
        if not 0 <= number < len(self.sheets):
            return ""
        return f"{self.sheets[number]}!{column_letter(max(col, 1))}{max(row, 1)}"

    def row_name(self, line: int) -> str:
        number, row = divmod(line, _SHEET_SPAN)
        return f"“{self.sheets[number]}”表第{row}行" if 0 <= number < len(self.sheets) else f"第{row}行"

    def describe(self, loc: tuple) -> str:
        column = layout().column(tuple(loc))
        if column is not None:
            return f"{column.header}："
        if loc and loc[0] == "incidents" and len(loc) == 1:
            return f"{INCIDENTS_ROW}："
        return ""

    def missing(self, loc: tuple) -> str:
        column = layout().column(tuple(loc))
        header = column.header if column is not None else str(loc[-1])
        return f"缺少必填项“{header}”"


def row_name_in(path: Path, line: int) -> str:
    """A position's row in words (“开展的工作”表第5行) in the workbook at ``path``, read for its
    sheet names only; 第5行 when it cannot be read."""
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(read_capped(path, MAX_BYTES)), read_only=True)
        sheets = list(book.sheetnames)
        book.close()
    except Exception:  # noqa: BLE001 - changed or unreadable since it was indexed: the row alone
        sheets = []
    return WorkbookLoaded(str(path), None, Positions(), sheets=sheets).row_name(line)


# --- reading ---------------------------------------------------------------------

def load_workbook(path: str | Path, display: str | None = None, raw: bytes | None = None) -> WorkbookLoaded:
    """Read the workbook form at ``path`` (``raw``: its bytes, when they were read already). Raises
    :class:`FormError` when it cannot be read at all."""
    display = display or str(path)
    path = Path(path)
    try:
        raw = read_capped(path, MAX_BYTES) if raw is None else raw  # a pipe named .xlsx is refused, not waited on
    except TooLarge:
        raise FormError([_whole(display, "error", _too_large())]) from None
    except FileNotFoundError:
        raise FormError([_whole(display, "error", "文件不存在")]) from None
    except IsADirectoryError:
        raise FormError([_whole(display, "error", "这是一个文件夹，不是工作簿")]) from None
    except Unreadable as exc:
        said = "这是一个文件夹，不是工作簿" if exc.errno == errno.EISDIR else exc.reason
        raise FormError([_whole(display, "error", said)]) from None
    except PermissionError:
        raise FormError([_whole(display, "error", "无法读取：文件被占用或没有读取权限"
                                                  "（如果正在 Excel/WPS 中打开，请关闭后再试）")]) from None
    except OSError as exc:
        raise FormError([_whole(display, "error", f"无法读取文件（{exc.strerror}）")]) from None
    loaded = load_workbook_bytes(raw, display, name=path.name)
    loaded.warnings[:0] = lock_warnings(path, display)
    return loaded


def _too_large(size: int | None = None) -> str:
    found = f"（{size // 1024 // 1024} MB）" if size is not None else ""
    return f"文件过大{found}，一份填报表不应超过 {MAX_BYTES // 1024 // 1024} MB"


def lock_warnings(path: Path, display: str) -> list[Diagnostic]:
    """A warning when Excel, WPS or LibreOffice holds the workbook open (their lock files beside it)."""
    names = [f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"]
    for name in dict.fromkeys(names):
        if (path.parent / name).exists():
            return [_whole(display, "warning", f"这个工作簿可能正在 Excel/WPS 中打开（旁边有锁文件 {name}）；"
                                               "读取的是最后一次保存的内容，没有保存的修改不会生效")]
    return []


def _whole(display: str, severity: str, message: str) -> Diagnostic:
    """A diagnostic about the whole file (no cell)."""
    return Diagnostic(display, 1, 1, severity, message, place="")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _unreadable(raw: bytes, name: str) -> str | None:
    """Why ``raw`` is not a workbook openpyxl can read, in Chinese, or None when it may be one."""
    if len(raw) > MAX_BYTES:
        return _too_large(len(raw))
    if raw.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in raw:
            return ("工作簿设置了打开密码（已加密），无法读取；请在 Excel/WPS 中打开，"
                    "去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存")
        return "这是旧版 Excel 格式（.xls）的文件；请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）"
    if name.startswith("~$"):
        return "这是 Excel/WPS 打开工作簿时留下的锁文件，不是填报表；关闭工作簿后它会自动消失"
    if not raw.startswith(b"PK"):
        return "文件已损坏，或不是 Excel 工作簿（.xlsx）；请在 Excel/WPS 中打开，“另存为”Excel 工作簿（.xlsx）"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                return "工作簿解压后过大，已拒绝读取"
            if "xl/workbook.xml" not in archive.namelist():
                return "这不是 Excel 工作簿（.xlsx）（可能是改了扩展名的其他文件）"
    except zipfile.BadZipFile:
        return "文件已损坏（不完整或不是 .xlsx）；请在 Excel/WPS 中打开，“另存为”Excel 工作簿（.xlsx）"
    return None


def _has_formulas(raw: bytes) -> bool:
    """Whether any sheet of the workbook holds a formula (an ``<f>`` element)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return any(re.search(rb"<(?:\w+:)?f[ >/]", archive.read(name))
                   for name in archive.namelist() if name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _open(raw: bytes, data_only: bool):
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "extension is not supported": WPS's and Excel's own additions
        return openpyxl.load_workbook(io.BytesIO(raw), data_only=data_only, rich_text=False)


def load_workbook_bytes(raw: bytes, display: str, name: str = "") -> WorkbookLoaded:
    """Read a workbook form given as bytes; see :func:`load_workbook`."""
    problem = _unreadable(raw, name)
    if problem:
        raise FormError([_whole(display, "error", problem)])
    try:
        values = _open(raw, data_only=True)
        # A formula's text is only in a second reading; most forms have none, so read it only then.
        formulas = _open(raw, data_only=False) if _has_formulas(raw) else None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file; the person needs one answer
        raise FormError([_whole(display, "error", "工作簿已损坏，无法读取；请在 Excel/WPS 中打开，"
                                                  "“另存为”Excel 工作簿（.xlsx）后再试")]) from None
    loaded = _Reader(display, values, formulas).read()
    loaded.digest = hashlib.sha256(raw).hexdigest()
    return loaded


class _Reader:
    """Walks the sheets of one workbook into form data, positions and problems."""

    def __init__(self, display: str, values, formulas):
        self.display = display
        self.values = values
        self.formulas = formulas
        self.sheets = [ws.title for ws in values.worksheets]
        self.loaded = WorkbookLoaded(display, None, Positions(), sheets=self.sheets)
        self.layout = layout()
        self.extents: dict[str, tuple[int, int]] = {}

    # -- the extent of a sheet

    def extent(self, ws) -> tuple[int, int]:
        """The last row and column that hold a value. (openpyxl's max_row also counts cells that
        only carry a border or a format: a 台账 formatted down to row 10000 has no 10000 rows.)"""
        if ws.title not in self.extents:
            sheets = [ws] + ([self.formulas[ws.title]] if self.formulas is not None else [])
            # A formula without a saved result is blank in the values: its formula counts.
            filled = [key for sheet in sheets for key, cell in sheet._cells.items()
                      if not _blank(cell.value)]
            self.extents[ws.title] = (max((r for r, _ in filled), default=0), max((c for _, c in filled), default=0))
        return self.extents[ws.title]

    def rows_of(self, ws) -> int:
        return self.extent(ws)[0]

    def columns_of(self, ws) -> int:
        return self.extent(ws)[1]

    # -- positions and problems

    def line(self, ws, row: int) -> int:
        return self.sheets.index(ws.title) * _SHEET_SPAN + row

    def at(self, path: PathKey, ws, row: int, col: int, key: bool = False) -> None:
        self.loaded.positions.values.setdefault(tuple(path), (self.line(ws, row), col))
        if key:
            self.loaded.positions.keys.setdefault(tuple(path), (self.line(ws, row), col))

    def problem(self, ws, row: int, col: int, message: str, severity: str = "error") -> None:
        line = self.line(ws, row)
        diagnostic = Diagnostic(self.display, line, col, severity, message, place=self.loaded.place(line, col))
        (self.loaded.errors if severity == "error" else self.loaded.warnings).append(diagnostic)

    # -- the workbook

    def read(self) -> WorkbookLoaded:
        by_name = {_normal(ws.title): ws for ws in self.values.worksheets}
        known = {_normal(INFO_SHEET), _normal(HELP_SHEET), _normal(LISTS_SHEET), _normal(HEADINGS_SHEET),
                 *(_normal(sheet.name) for sheet in self.layout.records)}
        data: dict[str, Any] = {}
        info = by_name.get(_normal(INFO_SHEET))
        if info is None:
            first = self.values.worksheets[0]
            self.problem(first, 1, 1, f"缺少工作表“{INFO_SHEET}”（填写单位、校区、部门、学期、成文日期）"
                                      + _suggest(first.title, [INFO_SHEET]))
            flag = None
        else:
            self.at((), info, 1, 1)
            flag = self.read_info(info, data)
        for sheet in self.layout.records:
            ws = by_name.get(_normal(sheet.name))
            if ws is not None:
                rows = self.read_records(ws, sheet)
                if rows is not None:
                    data[sheet.key] = rows
        lists = by_name.get(_normal(LISTS_SHEET))
        if lists is not None:
            self.read_lists(lists, data)
        headings = by_name.get(_normal(HEADINGS_SHEET))
        if headings is not None:
            self.read_headings(headings, data)
        self.settle_incidents(data, flag)
        for ws in self.values.worksheets:
            if _normal(ws.title) in known and ws.sheet_state != "visible" and _normal(ws.title) != _normal(HELP_SHEET):
                self.problem(ws, 1, 1, f"工作表“{ws.title}”是隐藏的，其中的内容照样读取，会写进文档", severity="warning")
            if _normal(ws.title) not in known:
                self.problem(ws, 1, 1, f"工作表“{ws.title}”不是填报表的一部分，没有读取"
                                       + _suggest(ws.title, [s for s in self._sheet_names() if _normal(s) not in by_name]),
                             severity="warning")
        self.loaded.data = data
        return self.loaded

    def _sheet_names(self) -> list[str]:
        return [INFO_SHEET, *(s.name for s in self.layout.records), LISTS_SHEET, HEADINGS_SHEET]

    # -- cells

    def cell(self, ws, row: int, col: int, kind: str = "text") -> tuple[Any, str | None]:
        """The value of a cell as form data, and a problem with it (Chinese) or None."""
        value = ws.cell(row, col).value
        formula = self.formulas[ws.title].cell(row, col) if self.formulas is not None else None
        is_formula = formula is not None and (formula.data_type == "f" or str(formula.value).startswith("="))
        if is_formula and value is None:
            return None, (f"单元格是公式 {_short(str(formula.value))}，但文件中没有保存计算结果；"
                          "请在 Excel/WPS 中打开并保存一次，或直接填写数值")
        if ws.cell(row, col).data_type == "e":
            return None, f"单元格是错误值 {value}（公式出错），请改正"
        if isinstance(value, str):
            value, said = without_invisible(value)  # as in a YAML form
            if said:
                self.problem(ws, row, col, said, severity="warning")
        return _value(value, kind, ws.cell(row, col).number_format, self.values.epoch), None

    def read_info(self, ws, data: dict) -> tuple[str, int] | None:
        """基本信息 into ``data``; returns the 本期安全事件 answer and its row, when given."""
        by_name = {_normal(name): column for column in self.layout.info for name in column.names}
        seen: dict[str, int] = {}
        flag = None
        for row in range(1, min(self.rows_of(ws), MAX_ROWS) + 1):
            label, problem = self.cell(ws, row, 1)
            label_text = _normal(str(label)) if label is not None else ""
            if label_text in (_normal(INFO_HEADERS[0]), ""):
                value, _ = self.cell(ws, row, 2)
                if not label_text and value is not None:
                    self.problem(ws, row, 1, "这一行填了内容，但 A 列没有写是哪一项（如 校区）")
                continue
            if label_text == _normal(INCIDENTS_ROW):
                value, problem = self.cell(ws, row, 2)
                flag = (str(value).strip() if value is not None else "", row)
                self.at(("incidents",), ws, row, 2)
                continue
            column = by_name.get(label_text)
            if column is None:
                names = [c.header for c in self.layout.info] + [INCIDENTS_ROW]
                self.problem(ws, row, 1, f"未知的项目“{label}”" + (_suggest(str(label), names)
                                                                  or f"；可填写的项目：{'、'.join(names)}"))
                continue
            if column.field in seen:
                self.problem(ws, row, 1, f"“{column.header}”重复出现（第一次在第 {seen[column.field]} 行）")
                continue
            seen[column.field] = row
            self.at((column.field,), ws, row, 2)
            self.loaded.positions.keys[(column.field,)] = (self.line(ws, row), 1)
            value, problem = self.cell(ws, row, 2, column.kind)
            if problem:
                self.problem(ws, row, 2, problem)
            if value is not None:
                data[column.field] = value
            elif column.required:
                data[column.field] = None  # "还没有填写" at this cell (or the problem said there)
        return flag

    def header(self, ws, columns: tuple[Column, ...]) -> tuple[int, dict[int, Column]] | None:
        """The header row of a record sheet and its columns, or None when the sheet is empty."""
        by_name = {_normal(name): column for column in columns for name in column.names}
        ignored = {_normal(name) for name in IGNORED_HEADERS}
        for row in range(1, min(self.rows_of(ws), HEADER_SEARCH) + 1):
            texts = {col: _normal(str(ws.cell(row, col).value)) for col in range(1, self.columns_of(ws) + 1)
                     if ws.cell(row, col).value is not None}
            texts = {col: text if text in by_name else _without_unit(text) for col, text in texts.items()}
            if not any(text in by_name for text in texts.values()):
                continue
            found: dict[int, Column] = {}
            for col, text in texts.items():
                column = by_name.get(text)
                if column is None:
                    if text not in ignored:
                        names = [c.header for c in columns]
                        self.problem(ws, row, col, f"未知的列名“{ws.cell(row, col).value}”"
                                     + (_suggest(str(ws.cell(row, col).value), names)
                                        or f"；可用的列名：{'、'.join(names)}") + "；这一列没有读取")
                    continue
                earlier = next((c for c, known in found.items() if known is column), None)
                if earlier is not None:
                    self.problem(ws, row, col, f"列名“{column.header}”重复出现（另一列是 {column_letter(earlier)} 列）")
                    continue
                found[col] = column
            return row, found
        return None

    def rows(self, ws, header: int, columns: dict[int, Column]) -> list[tuple[int, dict[int, tuple[int, int]]]]:
        """The rows below ``header`` that hold something: (row, column → the cell its value is in).

        A cell inside a merged range takes the value of the range's first cell (a 分类 merged
        over three rows is each row's 分类). Blank rows are skipped. Something written in a
        column without a header is reported (it would be lost), once per column.
        """
        if self.rows_of(ws) > MAX_ROWS:
            self.problem(ws, 1, 1, f"工作表“{ws.title}”填到了第 {self.rows_of(ws)} 行，超过了 {MAX_ROWS} 行，已拒绝读取")
            return []
        spread: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in ws.merged_cells.ranges:
            if merged.min_col in columns and merged.max_row > header:
                for row in range(max(merged.min_row, header + 1), merged.max_row + 1):
                    spread[(row, merged.min_col)] = (merged.min_row, merged.min_col)
        unheaded = [col for col in range(1, self.columns_of(ws) + 1)
                    if col not in columns and _blank(ws.cell(header, col).value)]
        reported: set[int] = set()
        found = []
        for row in range(header + 1, self.rows_of(ws) + 1):
            for col in unheaded:
                if col not in reported and not _blank(ws.cell(row, col).value):
                    reported.add(col)
                    merged = next((m for m in ws.merged_cells.ranges if m.min_row <= header <= m.max_row
                                   and m.min_col < col <= m.max_col), None)
                    if merged is not None:  # a header merged across columns names only its first
                        self.problem(ws, row, col, f"这一格填了内容，但这一列的列名格与左边合并了（{merged.coord}），"
                                                   f"这一列没有自己的列名，没有读取；请取消合并，给每一列填写列名")
                        continue
                    self.problem(ws, row, col, "这一格填了内容，但这一列没有列名，没有读取；"
                                               "请填写列名，或把内容移到对应的列")
            sources = {col: spread.get((row, col), (row, col)) for col in columns}
            if all(_blank(ws.cell(row, col).value) for col in columns if sources[col] == (row, col)):
                continue
            found.append((row, sources))
        hidden = [row for row, _ in found if ws.row_dimensions[row].hidden]
        if hidden:  # hiding a row is not deleting it
            self.problem(ws, hidden[0], 1, f"第{'、'.join(map(str, hidden[:10]))}{'等' if len(hidden) > 10 else ''}行"
                                           f"是隐藏的，其中的内容照样读取，会写进文档；不要的内容请删去整行", severity="warning")
        return found

    def read_records(self, ws, sheet: RecordSheet) -> list | None:
        found = self.header(ws, sheet.columns)
        if found is None:
            if self.rows_of(ws):
                names = "、".join(c.header for c in sheet.columns)
                self.problem(ws, 1, 1, f"“{sheet.name}”表中没有找到列名行（应有 {names} 等列名）")
            return None
        header, columns = found
        self.at((sheet.key,), ws, header, 1)
        records = []
        for row, sources in self.rows(ws, header, columns):
            index = len(records)
            record: dict[str, Any] = {}
            self.at((sheet.key, index), ws, row, 1)
            for col, column in columns.items():
                source_row, source_col = sources[col]
                self.at((sheet.key, index, column.field), ws, source_row, source_col, key=True)
                value, problem = self.cell(ws, source_row, source_col, column.kind)
                if problem:
                    self.problem(ws, source_row, source_col, problem)
                if value is not None:
                    record[column.field] = value
                elif column.required:
                    record[column.field] = None  # said at this cell (once: validate_form drops a second)
            records.append(record)
        return records or None  # no rows: as a YAML form that leaves the list out

    def read_lists(self, ws, data: dict) -> None:
        found = self.header(ws, self.layout.lists)
        if found is None:
            return
        header, columns = found
        for col, column in columns.items():
            items = []
            self.at((column.field,), ws, header, col)
            for row in range(header + 1, min(self.rows_of(ws), MAX_ROWS) + 1):
                value, problem = self.cell(ws, row, col)
                if problem:
                    self.problem(ws, row, col, problem)
                    continue
                if value is None:
                    continue
                self.at((column.field, len(items)), ws, row, col)
                items.append(value)
            if items:
                data[column.field] = items

    def read_headings(self, ws, data: dict) -> None:
        found = self.header(ws, self.layout.headings)
        if found is None:
            return
        header, columns = found
        key_col = next((col for col, column in columns.items() if column.field == "key"), None)
        headings: dict[str, dict] = {}
        self.at(("headings",), ws, header, 1)
        for row, sources in self.rows(ws, header, columns):
            key, problem = self.cell(ws, row, key_col) if key_col else (None, None)
            if key is None:
                self.problem(ws, row, key_col or 1, f"没有填写{_HEADING_HEADERS['key']}（study、duties、safety、finance、shortcomings）")
                continue
            key = str(key).strip()
            if key in headings:
                self.problem(ws, row, key_col, f"标题“{key}”重复出现")
                continue
            override: dict[str, Any] = {}
            self.at(("headings", key), ws, row, key_col)
            for col, column in columns.items():
                if column.field == "key":
                    continue
                self.at(("headings", key, column.field), ws, row, col)
                value, problem = self.cell(ws, row, col)
                if problem:
                    self.problem(ws, row, col, problem)
                elif value is not None:
                    override[column.field] = value
            headings[key] = override
        if headings:
            data["headings"] = headings

    def settle_incidents(self, data: dict, flag: tuple[str, int] | None) -> None:
        """本期安全事件: 有 with rows, 无 without (an explicit "none happened"), blank: as the rows say."""
        rows = data.get("incidents") or []
        if flag is None or flag[0] == "":
            if not rows:
                data.pop("incidents", None)  # not reported: nothing is claimed
            return
        answer, row = flag
        info = next(ws for ws in self.values.worksheets if _normal(ws.title) == _normal(INFO_SHEET))
        if answer == INCIDENTS_NO:
            if rows:
                self.problem(info, row, 2, f"填写了“{INCIDENTS_NO}”，但“安全事件”表中有 {len(rows)} 件事件；"
                                           f"请改为“{INCIDENTS_YES}”，或删去表中的事件")
            data["incidents"] = []
        elif answer == INCIDENTS_YES:
            if not rows:
                self.problem(info, row, 2, f"填写了“{INCIDENTS_YES}”，但“安全事件”表中没有填写事件")
        else:
            self.problem(info, row, 2, f"应填写“{INCIDENTS_YES}”或“{INCIDENTS_NO}”，现在是“{answer}”"
                                       "（没有发生安全事件填“无”；空着则文中不提）")


# --- values ----------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
#: Excel's serial day numbers of 1990-01-01 and 2099-12-31: a number in a date column between
#: them is a date whose cell lost its date format (pasted as values); outside, it is a mistake.
_SERIALS = (32874, 73050)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _normal(text: str) -> str:
    """A sheet name or header as compared: without spaces, required marks and colons."""
    return re.sub(r"[\s*＊:：]|[（(]必填[)）]", "", text).lower()


def _without_unit(header: str) -> str:
    """A header without the unit or note people add in brackets: 次数（次） → 次数."""
    return re.sub(r"[（(][^（()）]*[)）]$", "", header)


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"


def _suggest(word: str, choices) -> str:
    return did_you_mean(word, choices, quotes="“”")


def _value(value: Any, kind: str, number_format: str, epoch) -> Any:
    """A cell's value as the YAML form would hold it: str, int, float, bool or date."""
    if _blank(value):
        return None
    if isinstance(value, str):
        value = _CONTROL.sub("", value).replace("\r\n", "\n")
        if kind == "bool" and value.strip() in RESOLVED_CHOICES:
            return value.strip() == RESOLVED_CHOICES[0]  # the dropdown's 是/否, as YAML's true/false
        return value.strip(" \u3000\t") if kind != "text" else value
    if isinstance(value, dt.datetime):
        if kind == "span" and not re.search("d", number_format, re.IGNORECASE):
            return f"{value.year}-{value.month:02d}"  # typed as 2024-10: a month
        date = value.date()
        if kind in ("date", "span") or value.time() == dt.time(0):
            return date if kind in ("date", "span") else date.isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value if kind in ("date", "span") else value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if kind in ("date", "span") and _SERIALS[0] <= value <= _SERIALS[1] and float(value).is_integer():
            from openpyxl.utils.datetime import from_excel

            return from_excel(value, epoch).date()
        if isinstance(value, float):
            value = float(f"{value:.12g}")  # 0.1 + 0.2 as a person reads it
            if value.is_integer() and abs(value) < 2 ** 53:
                value = int(value)
        return value
    return str(value)
