"""The manuscript's table block and how the layout draws it."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.oxml.ns import qn

from pipeline.document.manuscript import Manuscript, Table
from pipeline.layout.engines import lay_out
from pipeline.layout.measure import column_widths
from pipeline.layout.profile import GBT9704

HEADER = ["项目", "单位", "本部校区", "东湖校区", "合计"]
ROWS = [["维修课桌凳", "套", "124", "—", "124"], ["节约水电费", "元", "21400", "12600", "34000"]]


def document_with_table(header=HEADER, rows=ROWS):
    manuscript = Manuscript("表格", "作者", dt.datetime(2025, 1, 16, 8))
    manuscript.add("title", "表格")
    manuscript.add("body", "主要数据见下表：")
    manuscript.add_table(header, rows)
    manuscript.add("body", "表后的一段。")
    return docx.Document(io.BytesIO(lay_out(manuscript, GBT9704)))


def test_a_table_block_becomes_a_word_table_between_its_paragraphs():
    document = document_with_table()

    body = [child.tag.rsplit("}", 1)[-1] for child in document.element.body.iterchildren()]
    assert body == ["p", "p", "tbl", "p", "sectPr"]
    [table] = document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [HEADER, *ROWS]
    assert table.style.name == "Table Grid"


def test_cells_use_the_table_styles_of_the_profile():
    document = document_with_table()
    table = document.tables[0]
    heading_style = table.rows[0].cells[0].paragraphs[0].style
    text_style = table.rows[1].cells[2].paragraphs[0].style
    assert (heading_style.name, text_style.name) == ("Table Heading", "Table Text")
    fonts = text_style.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == GBT9704.table_font
    assert heading_style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == GBT9704.table_header_font
    assert text_style.font.size.pt == GBT9704.table_size_pt
    assert text_style.paragraph_format.first_line_indent in (None, 0)  # the body's indent does not leak in


def test_the_header_repeats_rows_do_not_split_and_the_intro_stays_with_the_table():
    document = document_with_table()
    rows = document.tables[0].rows
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    assert document.paragraphs[1].paragraph_format.keep_with_next is True
    assert document.paragraphs[2].paragraph_format.keep_with_next is not True


def test_columns_fill_the_text_width_and_numbers_are_not_squeezed():
    table = Table(tuple(HEADER), tuple(tuple(r) for r in ROWS))
    widths = column_widths(table, GBT9704)
    assert sum(widths) == GBT9704.text_width_twips
    crowded = Table(("项目名称很长很长很长很长很长很长",) + tuple(f"第{n}校区" for n in range(1, 9)),
                    (("很长很长很长很长很长很长的项目名称",) + tuple("123456" for _ in range(8)),))
    widths = column_widths(crowded, GBT9704)
    assert sum(widths) == GBT9704.text_width_twips
    number = 3 * GBT9704.table_size_pt * 20  # six digits are three characters wide
    assert all(w >= number for w in widths[1:])


def test_a_wrapped_header_is_broken_into_balanced_lines():
    header = ["项目"] + [f"{name}校区" for name in ("本部", "东湖", "滨江", "城南", "城北", "开发区")] + ["合计", "上期合计"]
    rows = [["很长的一项数据的名称", *["1234"] * 7, "8638"]]
    document = document_with_table(header, rows)
    cells = [c.text for c in document.tables[0].rows[0].cells]
    assert "本部\n校区" in cells


def test_a_ragged_table_is_refused():
    with pytest.raises(ValueError):
        Table(("a", "b"), (("1",),))


def test_a_table_has_text_like_a_paragraph():
    manuscript = Manuscript("t", "a", dt.datetime(2025, 1, 1))
    manuscript.add("body", "前")
    manuscript.add_table(["甲", "乙"], [["1", "2"]])
    assert manuscript.text() == "前\n甲\t乙\n1\t2"
