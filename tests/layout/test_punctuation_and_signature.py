"""Chinese punctuation in the Chinese font, and a long signature, in the .docx itself."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx_reading import W, paragraphs, w

from pipeline.document.manuscript import Manuscript, Paragraph, Table
from pipeline.layout.engines import ENGINES, lay_out
from pipeline.layout.measure import signature_indents, signature_lines, width
from pipeline.layout.profile import GBT9704 as PROFILE

MARKS = "“”‘’—…·"


def runs_with_fonts(element) -> list[tuple[str, dict[str, str]]]:
    """(text, rFonts attributes) of every run under ``element``; breaks as "\\n"."""
    found = []
    for run in element.iter(w("r")):
        fonts = run.find(f"{w('rPr')}/{w('rFonts')}")
        attributes = ({key.removeprefix("{" + W + "}"): value for key, value in fonts.attrib.items()}
                      if fonts is not None else {})
        text = "".join("\n" if child.tag == w("br") else child.text or ""
                       for child in run if child.tag in (w("t"), w("br")))
        found.append((text, attributes))
    return found


def hinted(font: str | None = None) -> dict[str, str]:
    """A mark run's rFonts: the east-Asian hint, and ``font`` in the Latin slots if given."""
    return {"ascii": font, "hAnsi": font, "hint": "eastAsia"} if font else {"hint": "eastAsia"}


@pytest.mark.parametrize("engine", ENGINES)
def test_shared_punctuation_is_hinted_and_named_in_the_latin_slots_only_where_libreoffice_needs_it(engine):
    """Every mark run carries the east-Asian hint (Word takes the style's Chinese font); the
    Latin slots name the style's Chinese font only where LibreOffice would take the Latin
    font: after a digit or Latin letter, at the start of a paragraph or line, and for ·."""
    text = "他说：“好”——2024—2025学年……玛丽·居里 “甲”"
    manuscript = Manuscript("t", "a", dt.datetime(2025, 1, 1), [
        Paragraph("title", "“平安校园”2024—2025学年总结"), Paragraph("body", text),
        Paragraph("heading1", "一、“双减”落实"), Paragraph("item", text, runin="1.“午餐”管理。"),
        Paragraph("item", "“早读”坚持", runin="2.晨读。"), Paragraph("body", "“早读”坚持"),
        Table(("项目“甲”", "说明"), (("1—2", "“好”"),))])
    laid = paragraphs(lay_out(manuscript, PROFILE, engine=engine))
    title, body, head = PROFILE.title_font, PROFILE.body_font, PROFILE.heading3_font
    in_body = [("“", hinted()), ("”——", hinted()), ("—", hinted(body)), ("……", hinted()), ("·", hinted(body)),
               ("“", hinted()), ("”", hinted())]
    expected = [
        [("“", hinted(title)), ("”", hinted()), ("—", hinted(title))],
        in_body,
        [("“", hinted()), ("”", hinted())],
        [("“", hinted(head)), ("”", hinted()), *in_body],  # the run-in title's marks in its font
        [("“", hinted()), ("”", hinted())],  # after the run-in title's 。
        [("“", hinted(body)), ("”", hinted())],  # at the paragraph's start
    ]
    assert [p.text for p in laid[:6]] == ["“平安校园”2024—2025学年总结", text, "一、“双减”落实",
                                          "1.“午餐”管理。" + text, "2.晨读。“早读”坚持", "“早读”坚持"]
    for paragraph, marks in zip(laid, expected, strict=False):
        runs = runs_with_fonts(paragraph.element)
        assert [(t, fonts) for t, fonts in runs if set(t) & set(MARKS)] == marks, paragraph.text
        for run_text, fonts in runs:  # marks have runs of their own; the rest keeps its style's fonts
            assert not (set(run_text) & set(MARKS)) or set(run_text) <= set(MARKS), run_text
            assert set(run_text) & set(MARKS) or fonts == {}, run_text


def test_a_mark_opening_a_title_line_names_the_font_in_the_latin_slots():
    """After a line break LibreOffice takes the Latin font, as at a paragraph's start."""
    unit = "明德实验学校东湖校区后勤处"
    title = Paragraph("title", unit + "“平安校园”创建工作总结", breaks=(len(unit),))
    laid = paragraphs(lay_out(Manuscript("t", "a", dt.datetime(2025, 1, 1), [title]), PROFILE))
    assert laid[0].text.split("\n") == [unit, "“平安校园”创建工作总结"]
    runs = runs_with_fonts(laid[0].element)
    assert next(fonts for text, fonts in runs if "“" in text) == hinted(PROFILE.title_font)


def test_table_cells_put_their_punctuation_in_the_table_fonts():
    manuscript = Manuscript("t", "a", dt.datetime(2025, 1, 1), [Table(("项目“甲”",), (("“好”",),))])
    document = docx.Document(io.BytesIO(lay_out(manuscript, PROFILE)))
    header, body = (document.tables[0].rows[i].cells[0]._tc for i in (0, 1))
    assert [run for run in runs_with_fonts(header) if run[0] in "“”"] == [("“", hinted()), ("”", hinted())]
    assert [run for run in runs_with_fonts(body) if run[0] in "“”"] == [("“", hinted(PROFILE.table_font)),
                                                                         ("”", hinted())]


def test_a_sixty_character_signature_wraps_and_the_date_stays_inside_the_block():
    name = "明德实验学校附属第二小学东湖校区后勤保障处与校园安全管理办公室联合工作小组全体成员暨家长委员会代表和社区志愿服务队伍代表"
    assert len(name) == 60
    lines = signature_lines(PROFILE, name)
    assert "".join(lines) == name and [len(line) for line in lines] == [20, 20, 20]
    name_right, date_right = signature_indents(PROFILE, name, "2025年1月15日")
    char = PROFILE.char_twips
    assert name_right == round(PROFILE.signature_right_chars * char)
    # the date starts 2 characters right of where the name's lines start
    name_start = PROFILE.chars_per_line * char - name_right - 20 * char
    date_start = PROFILE.chars_per_line * char - date_right - width("2025年1月15日", PROFILE.autospace_chars) * char
    assert date_start - name_start == pytest.approx(PROFILE.date_offset_chars * char, abs=1)
    laid = paragraphs(lay_out(Manuscript("t", name, dt.datetime(2025, 1, 1), [
        Paragraph("signature", name), Paragraph("date", "2025年1月15日")]), PROFILE))
    assert laid[0].text == "\n".join(lines)


def test_indents_never_reach_past_the_left_margin():
    for name, date in (("1" * 300, "2025年1月15日"), ("东湖", "2" * 300), ("长" * 3000, "")):
        name_right, date_right = signature_indents(PROFILE, name, date)
        limit = PROFILE.chars_per_line * PROFILE.char_twips
        assert 0 <= name_right <= limit and 0 <= date_right <= limit
