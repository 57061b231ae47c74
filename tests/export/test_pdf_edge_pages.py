"""Edge cases on real pages: a 60-character author (落款) and Chinese punctuation after
digits, laid out, rendered by LibreOffice with Word's rules (pipeline.export.pdf) and
measured with poppler (tests/pdfpages.py)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile

import pytest
from conftest import ROOT
from pdfpages import PT_PER_MM, face, fonts_by_text, read, require_renderer
from profile_cases import resolved

from pipeline.document.manuscript import Manuscript, Paragraph
from pipeline.export import pdf
from pipeline.layout.engines import lay_out
from pipeline.layout.profile import GBT9704 as PROFILE

pytestmark = pytest.mark.slow  # LibreOffice renders every page

CHAR = PROFILE.char_twips / 20
LEFT = PROFILE.margin_left_mm * PT_PER_MM
RIGHT = (PROFILE.page_width_mm - PROFILE.margin_right_mm) * PT_PER_MM
TOLERANCE = 1.5
AUTHOR = ("明德实验学校附属第二小学东湖校区后勤保障处与校园安全管理办公室联合工作小组"
          "全体成员暨家长委员会代表和社区志愿服务队伍代表")
assert len(AUTHOR) == 60
PUNCTUATED = "2024—2025学年“平安校园”创建……共12次·全员参与"
DATE = "2025年1月15日"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    require_renderer()
    folder = tmp_path_factory.mktemp("edge")
    manuscript = Manuscript("边界", AUTHOR, dt.datetime(2025, 1, 15, 8), [
        Paragraph("title", "明德实验学校工作总结"), Paragraph("blank"),
        Paragraph("body", "本学期开展" + PUNCTUATED + "。"), Paragraph("blank"),
        Paragraph("signature", AUTHOR), Paragraph("date", DATE)])
    document = folder / "edge.docx"
    document.write_bytes(lay_out(manuscript, PROFILE))
    [made] = pdf.convert([document])
    return made, read(made)


def test_a_sixty_character_author_wraps_and_the_date_follows_it(rendered):
    _pdf, pages = rendered
    assert len(pages.pages) == 1
    lines = pages.pages[0].lines
    date = next(line for line in lines if line.text == DATE)
    name_lines = [line for line in lines if line.top < date.top and line.text and line.text in AUTHOR]
    assert "".join(line.text for line in name_lines) == AUTHOR
    assert len(name_lines) == 3  # balanced: 20 characters a line
    for line in [*name_lines, date]:  # nothing past either margin
        assert LEFT - TOLERANCE <= line.x0 and line.x1 <= RIGHT + TOLERANCE, line.text
    widest = min(line.x0 for line in name_lines)
    assert date.x0 - widest == pytest.approx(PROFILE.date_offset_chars * CHAR, abs=TOLERANCE)
    assert max(line.x1 for line in name_lines) == pytest.approx(RIGHT - PROFILE.signature_right_chars * CHAR,
                                                               abs=TOLERANCE)


def test_chinese_punctuation_after_digits_is_drawn_in_the_chinese_font(rendered):
    made, _pages = rendered
    runs = fonts_by_text(made, 1)
    body_face = {face(font) for font, _bold, text in runs if text.startswith("本学期")}
    assert len(body_face) == 1
    runs = [run for run in runs if not re.fullmatch(r"—\s*\d+\s*—", run[2].strip())]  # not the page number
    for mark in "—“”…·":
        faces = {face(font) for font, _bold, text in runs if mark in text}
        assert faces == body_face, (mark, faces)


def test_libreoffice_gets_a_copy_with_words_rules(tmp_path):
    document = tmp_path / "a.docx"
    manuscript = Manuscript("t", "a", dt.datetime(2025, 1, 1), [Paragraph("body", "正文。")])
    document.write_bytes(lay_out(manuscript, PROFILE))
    copy = tmp_path / "copy.docx"
    assert pdf.copy_for_libreoffice(document, copy) is None
    with zipfile.ZipFile(document) as original, zipfile.ZipFile(copy) as changed:
        assert original.namelist() == changed.namelist()
        before, after = original.read("word/styles.xml").decode(), changed.read("word/styles.xml").decode()
        assert original.read("word/document.xml") == changed.read("word/document.xml")
    assert '<w:overflowPunct w:val="1"/>' in before and '<w:overflowPunct w:val="0"/>' in after
    assert '<w:jc w:val="both"/>' in before and '<w:jc w:val="both"/>' not in after
    not_a_docx = tmp_path / "b.docx"  # not given to LibreOffice at all: no copy, and why
    not_a_docx.write_bytes(b"not a zip")
    assert pdf.copy_for_libreoffice(not_a_docx, tmp_path / "b-copy.docx") == (
        "文件已损坏：不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）；请在 Word 中打开检查、另存后再生成 PDF")
    assert not (tmp_path / "b-copy.docx").exists()


def test_a_full_line_with_quotes_after_chinese_holds_its_characters(tmp_path):
    """A closing quote and comma after Chinese text take one grid place each in LibreOffice,
    as in Word: the layout names no font on marks after Chinese (layout.measure.pieces).
    Named the Chinese font, LibreOffice set ”， wider, and this 28-character line (zznu
    profile, from the sample 教务处 document) broke before 研."""
    require_renderer()
    (tmp_path / "templates").mkdir()
    shutil.copy(ROOT / "tests" / "data" / "profiles" / "zznu.profile.yaml", tmp_path / "templates")
    zznu = resolved("format: zznu\n", tmp_path)
    lines = ["下一步，教务处将按照上述三项打算，首先制定晚自习辅导",
             "工作细则，同时启动“青蓝工程”，在常规管理上求细，在教研", "活动上求实。"]
    assert zznu.chars_per_line == len(lines[1]) == len(lines[0]) + zznu.indent_chars
    document = tmp_path / "quotes.docx"
    document.write_bytes(lay_out(Manuscript("t", "a", dt.datetime(2025, 1, 1), [
        Paragraph("body", "".join(lines))]), zznu))
    [made] = pdf.convert([document])
    assert [line.text for line in read(made).pages[0].lines][:3] == lines
