"""A form's figures as a 附件: the table a layout profile with ``attachments`` adds to a
campus's document, on a page of its own after the signature.

The document's text keeps its sentence of figures (``figures.j2``); the 附件 lists
them all in one table for the reader who compares. A roll-up's tables become 附件
in :mod:`pipeline.wording.rollup`, where the sentence before each says which one.
"""

from __future__ import annotations

from pipeline.document.assemble import Summary
from pipeline.document.manuscript import Attachment, Table
from pipeline.text import chinese
from pipeline.text.chinese import bare
from pipeline.wording.rollup import MISSING_CELL, change_cell

#: The columns of a form's figures as a 附件 table.
FIGURE_COLUMNS = ("项目", "单位", "本期", "上期", "增减", "说明")


def figures_table(figures: list) -> Table | None:
    """Figures as a table: item, unit, this period's value, last period's and the change
    (when any figure has a last period's value), and the note (when any has one)."""
    if not figures:
        return None
    previous = any(f.previous is not None for f in figures)
    notes = any(f.note for f in figures)
    columns = [c for c in FIGURE_COLUMNS if (previous or c not in ("上期", "增减")) and (notes or c != "说明")]
    rows = []
    for f in figures:
        cells = {"项目": f.item, "单位": f.unit or "", "本期": chinese.number(f.value),
                 "上期": MISSING_CELL if f.previous is None else chinese.number(f.previous),
                 "增减": change_cell(f.value, f.previous), "说明": bare(f.note) if f.note else ""}
        rows.append(tuple(cells[c] for c in columns))
    return Table(tuple(columns), tuple(rows))


def figures_attachment(summary: Summary) -> list[Attachment]:
    """The 附件 of a campus's document: its figures, when it has any."""
    table = figures_table([figure for section in summary.sections for figure in section.figures])
    return [Attachment(f"{summary.campus}{summary.department}主要数据统计表", table)] if table else []
