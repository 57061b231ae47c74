"""A roll-up's figures as a workbook: the campus × item table, for the bureau's own sums.

Beside each roll-up ``.docx`` the roll-up writes an ``.xlsx`` of the same name
holding every figure of the document: one row per item and unit, under the
heading it is printed under, with each campus's value, the total and last
period's total (where the document gives them). Values are numbers, not text,
so the sheet can be summed and sorted at once. Percentages are not added up,
as in the document.

The bytes depend on the figures only (fixed timestamps), so an unchanged
roll-up leaves its workbook unchanged too; and the workbook says it was made
by worksum as its documents do (:func:`pipeline.layout.parts.made_by_worksum`),
so one saved in Excel afterwards is kept as a backup before it is replaced.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from pipeline import __version__
from pipeline.document.rollup import Rollup
from pipeline.layout.parts import ZIP_DATE

SHEET = "数据汇总"
#: The time stored in the workbook's properties and zip members: the same bytes for the same figures.
STAMP = dt.datetime(*ZIP_DATE)


def has_figures(rollup: Rollup) -> bool:
    return any(section.rows for section in rollup.sections)


def figures_workbook(rollup: Rollup) -> bytes:
    """The .xlsx of ``rollup``'s figures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    campuses = [c for c in rollup.campuses if any(c in row.values for s in rollup.sections for row in s.rows)]
    book = Workbook()
    book.properties.created = book.properties.modified = STAMP
    book.properties.creator = "worksum"
    ws = book.active
    ws.title = SHEET
    title = f"{rollup.organization}{rollup.department}{rollup.period.name}数据汇总"
    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    headers = ["标题", "项目", "单位", *campuses, "合计", "上期合计"]
    for col, text in enumerate(headers, 1):
        cell = ws.cell(2, col, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    row = 2
    for section in rollup.sections:
        for figure in section.rows:
            row += 1
            values = [section.title, figure.item, figure.unit or "",
                      *(figure.values.get(campus) for campus in campuses), figure.total, figure.previous_total]
            for col, value in enumerate(values, 1):
                if value is not None and value != "":
                    ws.cell(row, col, _number(value))
    ws.freeze_panes = "D3"
    widths = [30, 24, 8, *([12] * len(campuses)), 12, 12]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    out = io.BytesIO()
    book.save(out)
    return _stamped(out.getvalue())


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stamped(data: bytes) -> bytes:
    """``data`` with every zip member stamped :data:`ZIP_DATE` (openpyxl stamps the present) and
    worksum named as the application, as in the documents worksum writes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/app.xml":
                content = re.sub(rb"<Application>[^<]*</Application>",
                                 f"<Application>worksum {__version__}</Application>".encode(), content)
            elif info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + STAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", content)
            member = zipfile.ZipInfo(info.filename, ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, content)
    return out.getvalue()
