"""Layout tests on real pages: ``worksum build --pdf`` on the sample workspace,
then every page of every PDF is measured against shared/spec/layout.md.

The PDFs come from LibreOffice with the project's font stand-ins; positions
are read with poppler (tests/pdfpages.py). The expected numbers come from the
layout profile, so the tests check the profile's promise, not copies of it.
Without LibreOffice these tests skip with the reason, except under CI, where
they fail (pdfpages.require_renderer).
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import ROOT, worksum
from pdfpages import (
    HANGING,
    PT_PER_MM,
    Document,
    Line,
    embedded_fonts,
    face,
    fonts_by_text,
    read,
    require_renderer,
)

from pipeline.export.pdf import FONTS_CONF
from pipeline.layout.profile import GBT9704 as PROFILE

pytestmark = pytest.mark.slow  # LibreOffice renders every page

CHAR = PROFILE.char_twips / 20  # one body character, points
PITCH = PROFILE.line_pitch_twips / 20
LEFT = PROFILE.margin_left_mm * PT_PER_MM
RIGHT = (PROFILE.page_width_mm - PROFILE.margin_right_mm) * PT_PER_MM
TOP = PROFILE.margin_top_mm * PT_PER_MM
BOTTOM = (PROFILE.page_height_mm - PROFILE.margin_bottom_mm) * PT_PER_MM
NUMBER_CHAR = PROFILE.page_number_size_pt
TOLERANCE = 1.5  # points: a tenth of a character

#: Characters that may not start a line (避头): a line that breaks before one holds 27.
NO_LINE_START = set("，。、；：！？”’）》")
HEADING = re.compile("^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[tuple[Path, Path, Document]]:
    """The sample workspace built with --pdf: (docx, pdf, pages) for every document."""
    require_renderer()
    folder = tmp_path_factory.mktemp("pdf") / "ws"
    folder.mkdir()
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    done = worksum("build", "--pdf", cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    documents = sorted((folder / "outputs").rglob("*.docx"))
    assert len(documents) == len(list((folder / "inputs").rglob("*.yaml"))) > 0
    return [(d, d.with_suffix(".pdf"), read(d.with_suffix(".pdf"))) for d in documents]


def body_lines(page) -> list[Line]:
    """Lines inside the text block (not the page number)."""
    return [line for line in page.lines if line.bottom <= BOTTOM + TOLERANCE]


def signature(document_path: Path) -> tuple[str, str]:
    paragraphs = [p.text for p in docx.Document(document_path).paragraphs if p.style.style_id == "Signature"]
    assert len(paragraphs) == 2, paragraphs
    return paragraphs[0], paragraphs[1]


def test_build_pdf_writes_a_pdf_beside_every_docx(built):
    for document, pdf, pages in built:
        assert pdf.read_bytes().startswith(b"%PDF-"), pdf
        assert len(pages.pages) >= 2
        assert pdf.parent == document.parent
        assert not list(document.parent.glob(".worksum-*")), "a temporary file was left behind"
        # The PDF's metadata title is the document's title, as in the .docx.
        assert pages.title == docx.Document(document).core_properties.title


def test_every_character_of_the_document_is_on_the_pages(built):
    """Nothing is dropped: LibreOffice once did not draw commas hanging past a justified line."""
    for document, _pdf, pages in built:
        written = collections.Counter(ch for p in docx.Document(document).paragraphs for ch in p.text
                                      if not ch.isspace())
        printed = collections.Counter(ch for page in pages.pages for line in body_lines(page) for ch in line.text)
        assert written == printed, (document.name, written - printed, printed - written)


def test_pages_are_a4_with_all_text_inside_the_margins(built):
    for _document, pdf, pages in built:
        for page in pages.pages:
            assert page.width == pytest.approx(PROFILE.page_width_mm * PT_PER_MM, abs=1)
            assert page.height == pytest.approx(PROFILE.page_height_mm * PT_PER_MM, abs=1)
            for line in body_lines(page):
                assert line.x0 >= LEFT - TOLERANCE, (pdf.name, page.number, line.text)
                # Only punctuation may stand past the right margin (hanging), by less than a character.
                limit = RIGHT + (CHAR if line.text[-1] in HANGING else TOLERANCE)
                assert line.x1 <= limit, (pdf.name, page.number, line.text)
                assert line.top >= TOP - TOLERANCE, (pdf.name, page.number, line.text)


def test_a_full_body_page_holds_22_lines_on_the_grid(built):
    full_pages = 0
    for _document, pdf, pages in built:
        for page in pages.pages[1:]:  # page 1 holds the title, which is not on the body grid
            lines = body_lines(page)
            slots = [(line.top - TOP) / PITCH for line in lines]
            offset = slots[0] - int(slots[0])
            for line, slot in zip(lines, slots):
                assert abs(slot - offset - round(slot - offset)) * PITCH < 2, (pdf.name, page.number, line.text)
            assert len(lines) <= PROFILE.lines_per_page, (pdf.name, page.number)
            assert round(slots[-1] - offset) < PROFILE.lines_per_page, (pdf.name, page.number)
            full_pages += len(lines) == PROFILE.lines_per_page
        # A page ends early only where text must stay with what follows: a heading
        # with its first lines, or the closing paragraph with the signature.
        for page, following in zip(pages.pages[1:-1], pages.pages[2:]):
            if len(body_lines(page)) < PROFILE.lines_per_page:
                first = body_lines(following)[0].text
                assert HEADING.match(first) or following is pages.pages[-1], (pdf.name, page.number, first)
    assert full_pages >= 5


def test_a_line_of_body_text_holds_28_characters(built):
    """A pure-Chinese line from margin to margin holds 28 characters, and closing
    punctuation after the 28th hangs past the margin as Word sets it (overflowPunct; the
    PDF renderer is told so, pipeline.export.pdf). 27 only where two closing marks
    follow, which cannot both hang (避头尾)."""
    counted = collections.Counter()
    for _document, pdf, pages in built:
        for page, next_page in zip(pages.pages, [*pages.pages[1:], None]):
            lines = body_lines(page)
            for number, line in enumerate(lines):
                if not (line.all_wide and abs(line.x0 - LEFT) < TOLERANCE and line.x1 > RIGHT - CHAR / 2):
                    continue
                # the next line of text, on this page or at the top of the next
                after = lines[number + 1:] or (body_lines(next_page)[:1] if next_page else [])
                following = after[0].text if after else ""
                hangs = line.text[-1] in HANGING and line.x1 > RIGHT + TOLERANCE
                count = len(line.text) - hangs
                if count == PROFILE.chars_per_line - 1:
                    # two closing marks (one may hang, not both), or a number (93.5%) wider than
                    # the one place left: it moves down whole.
                    assert ((set(following[1:3]) <= NO_LINE_START and len(following) > 2)
                            or re.match(r"[0-9A-Za-z][0-9A-Za-z.%]{2,}", following)), (
                        pdf.name, page.number, line.text, following)
                else:
                    assert count == PROFILE.chars_per_line, (pdf.name, page.number, line.text)
                counted[count, hangs] += 1
    assert counted[PROFILE.chars_per_line, False] >= 20, counted
    assert counted[PROFILE.chars_per_line, True] >= 5, counted  # as Word sets them
    assert counted[PROFILE.chars_per_line - 1, False] < counted[PROFILE.chars_per_line, True]


def test_a_first_line_is_indented_two_characters(built):
    indented = 0
    for _document, _pdf, pages in built:
        for page in pages.pages:
            for line in body_lines(page):
                if line.x0 > LEFT + CHAR / 2 and line.x1 > RIGHT - CHAR / 2:
                    assert line.x0 == pytest.approx(LEFT + PROFILE.indent_chars * CHAR, abs=TOLERANCE), line.text
                    indented += 1
    assert indented >= 20


def test_the_title_is_centred_above_a_blank_line(built):
    centre = (LEFT + RIGHT) / 2
    for _document, pdf, pages in built:
        lines = pages.pages[0].lines
        title_lines, text = [], ""
        for line in lines:
            if text == pages.title:
                break
            title_lines.append(line)
            text += line.text
        assert text == pages.title, (pdf.name, text)
        body = lines[len(title_lines)]
        for line in title_lines:
            assert line.centre == pytest.approx(centre, abs=TOLERANCE), (pdf.name, line.text)
            assert line.height > body.height * 1.2, "the title is larger than the body text"
        # Balanced: no line of a wrapped title is much shorter than the others.
        widths = [line.x1 - line.x0 for line in title_lines]
        assert min(widths) > max(widths) * 0.6, (pdf.name, [l.text for l in title_lines])
        assert body.top - title_lines[-1].bottom > PITCH, "one empty line between title and body"
        # Exact lines, as Word sets them, not snapped to two grid lines each as LibreOffice
        # would: the title's lines and the blank line after it each take one pitch.
        for above, below in zip(title_lines, title_lines[1:]):
            assert below.top - above.top == pytest.approx(PITCH, abs=TOLERANCE), (pdf.name, below.text)
        assert body.top - title_lines[-1].top == pytest.approx(2 * PITCH, abs=2 * TOLERANCE), pdf.name


def test_page_numbers_read_dash_n_dash_and_alternate_sides(built):
    for _document, pdf, pages in built:
        for page in pages.pages:
            footer = [line for line in page.lines if line.top > BOTTOM]
            assert len(footer) == 1, (pdf.name, page.number, [l.text for l in footer])
            number = footer[0]
            assert number.text == f"\u2014{page.number}\u2014", (pdf.name, number.text)
            assert number.top == pytest.approx(BOTTOM + PROFILE.page_number_gap_mm * PT_PER_MM, abs=4)
            if page.number % 2:  # odd pages: right, one character in
                assert RIGHT - number.x1 == pytest.approx(NUMBER_CHAR, abs=TOLERANCE), (pdf.name, page.number)
            else:  # even pages: left, one character in
                assert number.x0 - LEFT == pytest.approx(NUMBER_CHAR, abs=TOLERANCE), (pdf.name, page.number)


def test_signature_and_date_stand_where_layout_md_says(built):
    """Name right with 2 characters of space, date starting 2 characters right of the
    name's start; a date too long for that keeps the 2 characters and moves the name left."""
    cases = collections.Counter()
    for document, pdf, pages in built:
        name_text, date_text = signature(document)
        last = body_lines(pages.pages[-1])
        name, date = last[-2], last[-1]
        assert (name.text, date.text) == (name_text, date_text), pdf.name
        assert date.top - name.top == pytest.approx(PITCH, abs=1)
        assert name.top - last[-3].top == pytest.approx(2 * PITCH, abs=2), "one empty line above the name"
        assert date.x0 - name.x0 == pytest.approx(PROFILE.date_offset_chars * CHAR, abs=TOLERANCE), pdf.name
        name_space, date_space = RIGHT - name.x1, RIGHT - date.x1
        space = PROFILE.signature_right_chars * CHAR
        assert min(name_space, date_space) == pytest.approx(space, abs=TOLERANCE), pdf.name
        assert min(name_space, date_space) > space - TOLERANCE
        cases["name keeps the space" if name_space < date_space + TOLERANCE else "date keeps the space"] += 1
        # The signature never stands alone on a page: body text comes with it.
        assert len(last) >= 3 and last[-3].x0 < name.x0 - CHAR
    assert set(cases) == {"name keeps the space", "date keeps the space"}, cases


def test_title_body_and_headings_are_in_different_fonts(built):
    """仿宋, 楷体, 黑体 and the title's 小标宋 keep different faces in the PDF, each the
    stand-in fonts.conf names for it."""
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match (fontconfig) is missing")

    def stand_in(family: str) -> str:
        done = subprocess.run(["fc-match", "-f", "%{postscriptname}", family], capture_output=True, text=True,
                              env={"FONTCONFIG_FILE": str(FONTS_CONF), "PATH": "/usr/bin:/bin"})
        return face(done.stdout)

    expected = {role: stand_in(font) for role, font in [
        ("title", PROFILE.title_font), ("body", PROFILE.body_font),
        ("heading1", PROFILE.heading1_font), ("heading2", PROFILE.heading2_font)]}
    assert len(set(expected.values())) == 4, expected

    seen: dict[str, set[str]] = collections.defaultdict(set)
    for _document, pdf, pages in built:
        for page in pages.pages:
            for font, bold, text in fonts_by_text(pdf, page.number):
                role = ("title" if page.number == 1 and re.fullmatch(r"[\u4e00-\u9fff]{4,}", text) and text in pages.title else
                        "heading1" if re.match("^[一二三四五六七八九十]+、", text) else
                        "heading2" if re.match("^（[一二三四五六七八九十]+）", text) else
                        "body" if re.fullmatch(r"[\u4e00-\u9fff，。、；：]{8,}", text) else None)
                if role:
                    seen[role].add(face(font, bold))
        fonts = {face(name) for name in embedded_fonts(pdf)}
        assert expected["body"] in fonts and expected["title"] in fonts, (pdf.name, fonts)
    for role, font in expected.items():
        assert seen[role] == {font}, (role, seen[role], font)


#: Word's line breaking for Chinese (kinsoku): these never start a line, and one of them
#: after a full line hangs past the margin (overflowPunct); these never end a line.
NO_LINE_END = set("“‘（《「『")
CHINESE_ONLY = re.compile(r"^[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e“”‘’—…·]+$")


def word_lines(text: str, first_line_chars: int) -> list[str]:
    """The lines Word sets a paragraph of Chinese text in (every character one body
    character wide): 28 a line, the first line less its indent; a closing mark after a full
    line hangs, two cannot, and then the line gives its last character to the next; an
    opening mark at a line's end moves down with the text it opens."""
    lines, start, room = [], 0, first_line_chars
    while start < len(text):
        end = start + room
        if end < len(text) and text[end] in NO_LINE_START:  # hangs
            end += 1
            if end < len(text) and text[end] in NO_LINE_START:  # a second cannot: pull back
                end -= 2
        while start + 1 < end < len(text) and text[end - 1] in NO_LINE_END:
            end -= 1
        lines.append(text[start:end])
        start, room = end, PROFILE.chars_per_line
    return lines


def test_chinese_paragraphs_break_into_lines_as_word_sets_them(built):
    """Every paragraph of Chinese text (no digits or Latin letters, whose widths differ
    between the fonts) breaks into the lines Word's rules give it, here computed
    independently of LibreOffice; the page breaks follow from the lines and the 22-line
    grid tested above."""
    checked = 0
    for document, pdf, pages in built:
        paragraphs = docx.Document(document).paragraphs
        if docx.Document(document).tables:  # cells interleave with the text; campus documents only
            continue
        lines = [line.text for page in pages.pages for line in body_lines(page)]
        lines = lines[next(i for i in range(len(lines)) if "".join(lines[:i + 1]) == pages.title) + 1:]
        for paragraph in paragraphs[1:]:  # the title is measured above
            text = paragraph.text.replace(" ", "")
            if not text:
                continue
            taken = 0
            while len("".join(lines[:taken])) < len(text):
                taken += 1
            assert "".join(lines[:taken]) == text, (pdf.name, text)  # every character, in order
            style = paragraph.style.style_id
            if style in ("Normal", "Heading1", "Heading2", "Heading3") and CHINESE_ONLY.match(text):
                expected = word_lines(text, PROFILE.chars_per_line - PROFILE.indent_chars)
                assert lines[:taken] == expected, (pdf.name, lines[:taken], expected)
                checked += 1
            lines = lines[taken:]
    assert checked >= 30, checked


#: Pages of each sample document under Word's rules (title lines one pitch each, closing
#: punctuation hanging at a line's end). LibreOffice's own rules give one page more for the
#: two marked: the title took four grid lines, not two. A change of wording that moves a
#: page break changes these, on purpose: look at the pages, then update.
WORD_PAGES = {
    "明德实验学校东湖校区后勤处2023—2024学年第二学期工作总结": 2,
    "明德实验学校东湖校区教务处2023—2024学年第二学期工作总结": 2,
    "明德实验学校本部校区后勤处2023—2024学年第二学期工作总结": 2,
    "明德实验学校本部校区教务处2023—2024学年第二学期工作总结": 2,
    "明德实验学校滨江校区后勤处2023—2024学年第二学期工作总结": 2,
    "明德实验学校滨江校区教务处2023—2024学年第二学期工作总结": 2,
    "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结": 4,
    "明德实验学校东湖校区教务处2024—2025学年第一学期工作总结": 3,  # LibreOffice: 4
    "明德实验学校本部校区后勤处2024—2025学年第一学期工作总结": 4,
    "明德实验学校本部校区教务处2024—2025学年第一学期工作总结": 3,  # LibreOffice: 4
    "明德实验学校滨江校区后勤处2024—2025学年第一学期工作总结": 3,
    "明德实验学校滨江校区教务处2024—2025学年第一学期工作总结": 3,
}


def test_each_sample_has_the_pages_words_rules_give(built):
    assert {pdf.stem: len(pages.pages) for _document, pdf, pages in built} == WORD_PAGES
