"""Layout tests on real pages: ``worksum build --pdf`` on the sample workspace, once per
layout profile (the built-in ones, and the three published school format rules written
as profiles in tests/data/profiles/, see docs/版式指南.md), then every page of every
PDF is measured against the profile: paper, margins, lines per page, characters per
line, indents, title, page numbers, signature and date.

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
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from conftest import ROOT, worksum
from hypothesis import HealthCheck, assume, given, settings
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
from profile_cases import profile_texts, resolved

from pipeline.export.pdf import FONTS_CONF
from pipeline.layout.profile import Profile

pytestmark = pytest.mark.slow  # LibreOffice renders every page

PROFILE_FILES = ROOT / "tests" / "data" / "profiles"
#: (config.yaml's format, the workspace profile file it names or None)
PROFILES = {
    "gbt9704": None,
    "school": None,
    "sunwu": PROFILE_FILES / "sunwu.profile.yaml",
    "aynu": PROFILE_FILES / "aynu.profile.yaml",
    "zznu": PROFILE_FILES / "zznu.profile.yaml",
}
TOLERANCE = 1.5  # points: a tenth of a character

#: Characters that may not start a line (避头): a line that breaks before one holds one fewer.
NO_LINE_START = set("，。、；：！？”’）》")
HEADING = re.compile("^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")


@dataclass
class Built:
    """One profile's sample build: the profile, its page geometry in points, and the documents."""

    name: str
    profile: Profile
    documents: list[tuple[Path, Path, Document]]

    def __post_init__(self):
        p = self.profile
        self.char = p.char_twips / 20  # one body character
        self.pitch = p.line_pitch_twips / 20
        self.left = p.margin_left_mm * PT_PER_MM
        self.right = (p.page_width_mm - p.margin_right_mm) * PT_PER_MM
        self.top = p.margin_top_mm * PT_PER_MM
        self.bottom = (p.page_height_mm - p.margin_bottom_mm) * PT_PER_MM

    def body_lines(self, page) -> list[Line]:
        """Lines inside the text block (not the page number)."""
        return [line for line in page.lines if line.bottom <= self.bottom + TOLERANCE]


def build_sample(folder: Path, format_name: str, profile_file: Path | None) -> list[tuple[Path, Path, Document]]:
    folder.mkdir()
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^format:.*$", f"format: {format_name}", config)
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    if profile_file:
        (folder / "templates").mkdir()
        shutil.copy(profile_file, folder / "templates" / profile_file.name)
    done = worksum("build", "--pdf", cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    documents = sorted((folder / "outputs").rglob("*.docx"))
    assert len(documents) == len(list((folder / "inputs").rglob("*.yaml"))) > 0
    return [(d, d.with_suffix(".pdf"), read(d.with_suffix(".pdf"))) for d in documents]


@pytest.fixture(scope="module", params=list(PROFILES))
def built(request, tmp_path_factory) -> Built:
    """The sample workspace built with --pdf in one profile."""
    require_renderer()
    from pipeline.commands.context import workspace_at

    name = request.param
    folder = tmp_path_factory.mktemp(f"pdf-{name}") / "ws"
    documents = build_sample(folder, name, PROFILES[name])
    profile = workspace_at(folder).profile
    return Built(name, profile, documents)


def signature(document_path: Path) -> tuple[list[str], str]:
    """The 落款's lines and its date, as the .docx holds them."""
    paragraphs = [p.text for p in docx.Document(document_path).paragraphs if p.style.style_id == "Signature"]
    assert len(paragraphs) >= 2, paragraphs
    return paragraphs[:-1], paragraphs[-1]


def test_the_profiles_differ_as_their_rules_say(built):
    """Each profile is what its written rules ask for (docs/版式指南.md), not the default."""
    expected = {  # lines per page, characters per line, line pitch (pt)
        "gbt9704": (22, 28, 28.95), "school": (24, 31, 28), "sunwu": (28, 29, 26), "aynu": (25, 26, 28),
        "zznu": (22, 28, 29)}[built.name]
    p = built.profile
    assert (p.lines_per_page, p.chars_per_line, p.line_pitch_twips / 20) == expected


def test_build_pdf_writes_a_pdf_beside_every_docx(built):
    for document, pdf, pages in built.documents:
        assert pdf.read_bytes().startswith(b"%PDF-"), pdf
        assert pages.pages  # a short form's document fits one page in sunwu's 28 lines
        assert pdf.parent == document.parent
        assert not list(document.parent.glob(".worksum-*")), "a temporary file was left behind"
        # The PDF's metadata title is the document's title, as in the .docx.
        assert pages.title == docx.Document(document).core_properties.title


def test_every_character_of_the_document_is_on_the_pages(built):
    """Nothing is dropped: LibreOffice once did not draw commas hanging past a justified line."""
    for document, _pdf, pages in built.documents:
        written = collections.Counter(ch for p in docx.Document(document).paragraphs for ch in p.text
                                      if not ch.isspace())
        printed = collections.Counter(ch for page in pages.pages for line in built.body_lines(page)
                                      for ch in line.text)
        assert written == printed, (document.name, written - printed, printed - written)


def test_pages_have_the_profiles_paper_with_all_text_inside_the_margins(built):
    p = built.profile
    for _document, pdf, pages in built.documents:
        for page in pages.pages:
            assert page.width == pytest.approx(p.page_width_mm * PT_PER_MM, abs=1)
            assert page.height == pytest.approx(p.page_height_mm * PT_PER_MM, abs=1)
            for line in built.body_lines(page):
                assert line.x0 >= built.left - TOLERANCE, (pdf.name, page.number, line.text)
                # Only punctuation may stand past the right margin (hanging), by less than a character.
                limit = built.right + TOLERANCE + (built.char if line.text[-1] in HANGING else 0)  # measuring tolerance on every line
                assert line.x1 <= limit, (pdf.name, page.number, line.text)
                assert line.top >= built.top - TOLERANCE, (pdf.name, page.number, line.text)


def test_a_full_body_page_holds_the_profiles_lines_on_the_grid(built):
    lines_per_page, pitch = built.profile.lines_per_page, built.pitch
    full_pages = 0
    for _document, pdf, pages in built.documents:
        for page in pages.pages[1:]:  # page 1 holds the title, which is not on the body grid
            lines = built.body_lines(page)
            slots = [(line.top - built.top) / pitch for line in lines]
            offset = slots[0] - int(slots[0])
            for line, slot in zip(lines, slots):
                assert abs(slot - offset - round(slot - offset)) * pitch < 2, (pdf.name, page.number, line.text)
            assert len(lines) <= lines_per_page, (pdf.name, page.number)
            assert round(slots[-1] - offset) < lines_per_page, (pdf.name, page.number)
            full_pages += len(lines) == lines_per_page
        # A page ends early only where text must stay with what follows: a heading
        # with its first lines, or the closing paragraph with the signature.
        for page, following in zip(pages.pages[1:-1], pages.pages[2:]):
            if len(built.body_lines(page)) < lines_per_page:
                first = built.body_lines(following)[0].text
                assert HEADING.match(first) or following is pages.pages[-1], (pdf.name, page.number, first)
    # The sample's documents end with their last plan kept with the signature, so most second
    # pages end a line short of full (sunwu holds one full page, gbt9704 three or more).
    assert full_pages >= 1


def test_a_line_of_body_text_holds_the_profiles_characters(built):
    """A pure-Chinese line from margin to margin holds chars_per_line characters, and closing
    punctuation after the last hangs past the margin as Word sets it (overflowPunct; the
    PDF renderer is told so, pipeline.export.pdf). One fewer only where two closing marks
    follow, which cannot both hang (避头尾); fewer where a number or Latin word wider than
    the places left moves down whole."""
    chars = built.profile.chars_per_line
    counted = collections.Counter()
    for _document, pdf, pages in built.documents:
        for page, next_page in zip(pages.pages, [*pages.pages[1:], None]):
            lines = built.body_lines(page)
            for number, line in enumerate(lines):
                if not (line.all_wide and abs(line.x0 - built.left) < TOLERANCE
                        and line.x1 > built.right - built.char / 2):
                    continue
                # the next line of text, on this page or at the top of the next
                after = lines[number + 1:] or (built.body_lines(next_page)[:1] if next_page else [])
                following = after[0].text if after else ""
                hangs = line.text[-1] in HANGING and line.x1 > built.right + TOLERANCE
                count = len(line.text) - hangs
                unbroken = re.match(r"[0-9A-Za-z][0-9A-Za-z.%]{2,}", following)
                if unbroken and count < chars:  # the number moved down whole
                    assert chars - count <= len(unbroken.group()) / 2 + 1, (pdf.name, page.number, line.text)
                elif count == chars - 1:  # two closing marks: one may hang, not both
                    assert set(following[1:3]) <= NO_LINE_START and len(following) > 2, (
                        pdf.name, page.number, line.text, following)
                else:
                    assert count == chars, (pdf.name, page.number, line.text)
                counted[count, hangs] += 1
    assert counted[chars, False] >= 20, counted
    assert counted[chars, True] >= 1, counted  # as Word sets them
    assert counted[chars - 1, False] <= counted[chars, True], counted


def test_a_first_line_is_indented_as_the_profile_says(built):
    indented = 0
    for _document, _pdf, pages in built.documents:
        for page in pages.pages:
            for line in built.body_lines(page):
                if line.x0 > built.left + built.char / 2 and line.x1 > built.right - built.char / 2:
                    expected = built.left + built.profile.indent_chars * built.char
                    assert line.x0 == pytest.approx(expected, abs=TOLERANCE), line.text
                    indented += 1
    assert indented >= 20


def test_the_title_is_centred_above_a_blank_line(built):
    centre = (built.left + built.right) / 2
    for _document, pdf, pages in built.documents:
        lines = pages.pages[0].lines
        title_lines, text = [], ""
        for line in lines:
            if text == pages.title:
                break
            title_lines.append(line)
            text += line.text
        assert text == pages.title, (pdf.name, text)
        assert title_lines[0].top == pytest.approx(built.top, abs=built.pitch), "the title opens the text block"
        body = lines[len(title_lines)]
        for line in title_lines:
            assert line.centre == pytest.approx(centre, abs=TOLERANCE), (pdf.name, line.text)
            assert line.height > body.height * 1.2, "the title is larger than the body text"
        # Balanced: no line of a wrapped title is much shorter than the others.
        widths = [line.x1 - line.x0 for line in title_lines]
        assert min(widths) > max(widths) * 0.6, (pdf.name, [l.text for l in title_lines])
        assert body.top - title_lines[-1].bottom > built.pitch, "one empty line between title and body"
        # Exact lines, as Word sets them, not snapped to two grid lines each as LibreOffice
        # would: the title's lines each take one pitch, or what the title's type needs where
        # that is more (sunwu: 28.6 pt under 26 pt spacing), and the blank line after it one pitch.
        title_line = built.profile.title_line_twips / 20
        assert title_line == max(built.pitch, round(built.profile.title_size_pt * 20 * 1.3) / 20)
        for above, below in zip(title_lines, title_lines[1:]):
            assert below.top - above.top == pytest.approx(title_line, abs=TOLERANCE), (pdf.name, below.text)
        # (A line's box top lies half the leading above its type: smaller type, lower top.)
        shift = (built.profile.title_size_pt - built.profile.body_size_pt) / 2 + (title_line - built.pitch) / 2
        assert body.top - title_lines[-1].top == pytest.approx(2 * built.pitch + shift, abs=2 * TOLERANCE), pdf.name


def page_number_text(style: str, number: int, pages: int) -> str:
    """The page number as it prints, spaces dropped as pdfpages drops them."""
    return style.replace("N", str(number)).replace("M", str(pages)).replace(" ", "")


def test_page_numbers_read_and_stand_as_the_profile_says(built):
    p = built.profile
    number_char = p.page_number_size_pt
    for _document, pdf, pages in built.documents:
        for page in pages.pages:
            footer = [line for line in page.lines if line.top > built.bottom]
            assert len(footer) == 1, (pdf.name, page.number, [l.text for l in footer])
            number = footer[0]
            assert number.text == page_number_text(p.page_number_style, page.number, len(pages.pages)), \
                (pdf.name, number.text)
            assert number.top == pytest.approx(built.bottom + p.page_number_gap_mm * PT_PER_MM, abs=4)
            side = p.page_number_position
            if side == "outside":
                side = "right" if page.number % 2 else "left"  # odd pages right, even pages left
            if side == "right":
                assert built.right - number.x1 == pytest.approx(number_char * p.page_number_indent_chars,
                                                                abs=TOLERANCE), (pdf.name, page.number)
            elif side == "left":
                assert number.x0 - built.left == pytest.approx(number_char * p.page_number_indent_chars,
                                                               abs=TOLERANCE), (pdf.name, page.number)
            else:
                assert number.centre == pytest.approx((built.left + built.right) / 2, abs=TOLERANCE)


def test_signature_and_date_stand_where_the_profile_says(built):
    """Name right with the profile's space, date starting date_offset characters right of
    the name's start; a date too long for that keeps the space and moves the name left.
    The date is in the profile's numerals."""
    p = built.profile
    cases = collections.Counter()
    for document, pdf, pages in built.documents:
        name_lines, date_text = signature(document)
        last = built.body_lines(pages.pages[-1])
        *names, date = last[-len(name_lines) - 1:]
        assert [n.text for n in names] == [t.replace(" ", "") for t in name_lines], pdf.name
        assert date.text == date_text, pdf.name
        arabic = re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", date.text)
        words = re.fullmatch(r"[〇一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日", date.text)
        assert (arabic if p.date_style == "arabic" else words), date.text
        name = min(names, key=lambda n: n.x0)  # the widest line
        assert date.top - names[-1].top == pytest.approx(built.pitch, abs=1)
        above = last[-len(name_lines) - 2]
        assert names[0].top - above.top == pytest.approx(2 * built.pitch, abs=2), "one empty line above the name"
        assert date.x0 - name.x0 == pytest.approx(p.date_offset_chars * built.char, abs=TOLERANCE), pdf.name
        for line in names:
            assert line.x1 == pytest.approx(names[0].x1, abs=TOLERANCE), "the 落款's lines end together"
        name_space, date_space = built.right - name.x1, built.right - date.x1
        space = p.signature_right_chars * built.char
        assert min(name_space, date_space) == pytest.approx(space, abs=TOLERANCE), pdf.name
        assert min(name_space, date_space) > space - TOLERANCE
        cases["name keeps the space" if name_space < date_space + TOLERANCE else "date keeps the space"] += 1
        # The signature never stands alone on a page: body text comes with it.
        assert len(last) >= len(name_lines) + 2 and above.x0 < name.x0 - built.char
    if built.name == "gbt9704":  # the sample forms have names both shorter and longer than the date
        assert set(cases) == {"name keeps the space", "date keeps the space"}, cases


def test_a_page_ends_short_only_where_a_heading_or_the_signature_must_move(built):
    """What keeps with what is limited as a typesetter limits it: a heading keeps with the
    first line after it, the closing paragraph with the signature, nothing more. So a page
    that is not the last ends short only by fewer lines than the block opening the next page
    needs (the headings there and one line; or the closing, the empty line, signature and
    date, which LibreOffice moves whole), and never ends with a heading."""
    short = collections.Counter()
    for document, pdf, pages in built.documents:
        paragraphs = docx.Document(document).paragraphs
        if docx.Document(document).tables:  # a table that fits on a page is not split: measured elsewhere
            continue
        headings = {p.text for p in paragraphs if p.style.style_id.startswith("Heading")}
        first_signature = next(i for i, p in enumerate(paragraphs) if p.style.style_id == "Signature")
        closing = next(p.text for p in reversed(paragraphs[:first_signature]) if p.text)
        for page, next_page in zip(pages.pages, pages.pages[1:]):
            lines, following = built.body_lines(page), [line.text for line in built.body_lines(next_page)]
            assert lines[-1].text not in headings, (pdf.name, page.number, lines[-1].text)
            used = len(lines) * built.pitch  # the grid's lines; page 1: the title's are taller, then an empty line
            if page.number == 1:
                title = next(i for i in range(len(lines)) if "".join(l.text for l in lines[:i + 1]) == pages.title) + 1
                used += title * (built.profile.title_line_twips / 20 - built.pitch) + built.pitch
            free = int((built.profile.lines_per_page * built.pitch - used + 0.1) // built.pitch)  # whole lines
            if following[0] in headings:
                needed = next(i for i, text in enumerate(following) if text not in headings) + 1
            elif closing.startswith(following[0]) and next_page is pages.pages[-1]:
                needed = len(following) + 1  # and the empty line above the signature
            else:
                needed = 1  # a paragraph runs on: the page is full
            assert free < needed, (pdf.name, page.number, free, following[:needed])
            short[free] += 1
    assert short[0] >= 3, short  # most pages are full


def test_title_body_and_headings_are_in_the_profiles_fonts(built):
    """Title, body and headings are each in the stand-in fonts.conf names for the profile's
    font; in the built-in profiles 仿宋, 楷体, 黑体 and the title's 小标宋 are four faces.
    (A school's rules may ask for a bold title or heading: the face is compared without
    its weight there, since LibreOffice may embolden the regular face.)"""
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match (fontconfig) is missing")
    p = built.profile

    def stand_in(family: str) -> str:
        done = subprocess.run(["fc-match", "-f", "%{postscriptname}", family], capture_output=True, text=True,
                              env={"FONTCONFIG_FILE": str(FONTS_CONF), "PATH": "/usr/bin:/bin"})
        return face(done.stdout)

    expected = {role: stand_in(font) for role, font in [
        ("title", p.title_font), ("body", p.body_font),
        ("heading1", p.heading1_font), ("heading2", p.heading2_font)]}
    if built.name in ("gbt9704", "school"):
        assert len(set(expected.values())) == 4, expected
    emboldened = {"title": p.title_bold, "body": False, "heading1": p.heading1_bold, "heading2": p.heading2_bold}

    def weightless(name: str) -> str:
        return name.removesuffix("-bold")

    seen: dict[str, set[str]] = collections.defaultdict(set)
    for document, pdf, pages in built.documents:
        # The signature can be the title's first line word for word (明德实验学校本部校区教务处), and
        # a one-page document has both on page 1: such a text tells no role by its words.
        signed = signature(document)[0]
        for page in pages.pages:
            for font, bold, text in fonts_by_text(pdf, page.number):
                role = (None if text in signed else
                        "title" if page.number == 1 and re.fullmatch(r"[\u4e00-\u9fff]{4,}", text) and text in pages.title else
                        "heading1" if re.match("^[一二三四五六七八九十]+、", text) else
                        "heading2" if re.match("^（[一二三四五六七八九十]+）", text) else
                        "body" if re.fullmatch(r"[\u4e00-\u9fff，。、；：]{8,}", text) else None)
                if role:
                    seen[role].add(face(font, bold))
        fonts = {weightless(face(name)) for name in embedded_fonts(pdf)}
        assert weightless(expected["body"]) in fonts and weightless(expected["title"]) in fonts, (pdf.name, fonts)
    for role, font in expected.items():
        if emboldened[role]:
            assert {weightless(f) for f in seen[role]} == {weightless(font)}, (role, seen[role], font)
        else:
            assert seen[role] == {font}, (role, seen[role], font)


# Derandomized: each CI run renders the same six profiles. A random search once found a title
# drawn 1.7 pt above the text block (a 二号 title under exact spacing of about 23 pt); the
# title's lines now never fall below what its type needs (Profile.title_line_twips), and
# test_a_title_larger_than_the_line_pitch_stays_in_the_text_block renders that edge every run.
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=profile_texts())
def test_any_valid_profile_keeps_every_line_on_its_page(text, tmp_path_factory):
    """A profile the checks accept, rendered: every line of a sample form inside the text
    block (punctuation may hang), no more lines on a page than the profile says, the page
    number below the text block and above the paper's edge."""
    require_renderer()
    from pipeline.diagnostics import FormError
    from pipeline.export.pdf import convert
    from pipeline.layout.engines import lay_out

    try:
        profile = resolved(text)
    except FormError:
        assume(False)
    path = tmp_path_factory.mktemp("any") / "any.docx"
    path.write_bytes(lay_out(_sample_manuscript(), profile))
    (pdf,) = convert([path])
    built = Built("any", profile, [])
    paper_bottom = profile.page_height_mm * PT_PER_MM
    for page in read(pdf).pages:
        body = built.body_lines(page)
        footer = [line for line in page.lines if line not in body]
        assert len(body) <= profile.lines_per_page + (2 if page.number == 1 else 0), (text, page.number)
        for line in body:
            assert line.x0 >= built.left - TOLERANCE and line.top >= built.top - TOLERANCE, (text, line.text)
            limit = built.right + TOLERANCE + (built.char if line.text[-1] in HANGING else 0)  # measuring tolerance on every line
            assert line.x1 <= limit, (text, page.number, line.text)
        assert len(footer) == 1 and footer[0].bottom < paper_bottom, (text, [l.text for l in footer])


@pytest.mark.parametrize("size, spacing", [("二号", "23.6pt"), ("小一", "24.5pt")])
def test_a_title_larger_than_the_line_pitch_stays_in_the_text_block(size, spacing, tmp_path):
    """Exact body spacing smaller than the title's type (28.6 pt for 二号): the title's lines
    take what the type needs, and its first line starts inside the text block, not above it
    (at 23.6 pt the grid leaves almost no room above the first line: 1.7 pt above, once)."""
    require_renderer()
    from pipeline.export.pdf import convert
    from pipeline.layout.engines import lay_out

    profile = resolved(f"format:\n  title: {{size: {size}}}\n  line_spacing: {spacing}\n")
    assert profile.title_line_twips == round(profile.title_size_pt * 20 * 1.3) > profile.line_pitch_twips
    manuscript = _sample_manuscript()
    path = tmp_path / "title.docx"
    path.write_bytes(lay_out(manuscript, profile))
    (pdf,) = convert([path])
    built = Built("title", profile, [])
    page = read(pdf).pages[0]
    title_lines = page.lines[:2]
    assert "".join(line.text for line in title_lines) == manuscript.title
    assert title_lines[0].top >= built.top, (title_lines[0].top, built.top)
    assert title_lines[1].top - title_lines[0].top == pytest.approx(profile.title_line_twips / 20, abs=TOLERANCE)


def _sample_manuscript():
    from pipeline.commands.context import find_workspace
    from pipeline.document.assemble import assemble
    from pipeline.form.validate import read_form
    from pipeline.wording.summary import word

    form = ROOT / "inputs" / "2024-2025-1" / "东湖校区" / "后勤处.yaml"
    workspace = find_workspace(form.parent)
    parsed, loaded = read_form(form, workspace.config)
    summary, _ = assemble(parsed, workspace.config, lambda: workspace.classifier, loaded.diagnostic)
    return word(summary, workspace.templates_for(parsed.department))


#: Word's line breaking for Chinese (kinsoku): these never start a line, and one of them
#: after a full line hangs past the margin (overflowPunct); these never end a line.
NO_LINE_END = set("“‘（《「『")
CHINESE_ONLY = re.compile(r"^[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e“”‘’—…·]+$")


def word_lines(text: str, first_line_chars: int, chars: int) -> list[str]:
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
        start, room = end, chars
    return lines


def test_chinese_paragraphs_break_into_lines_as_word_sets_them(built):
    """Every paragraph of Chinese text (no digits or Latin letters, whose widths differ
    between the fonts) breaks into the lines Word's rules give it, here computed
    independently of LibreOffice; the page breaks follow from the lines and the 22-line
    grid tested above."""
    checked = 0
    for document, pdf, pages in built.documents:
        paragraphs = docx.Document(document).paragraphs
        if docx.Document(document).tables:  # cells interleave with the text; campus documents only
            continue
        lines = [line.text for page in pages.pages for line in built.body_lines(page)]
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
                chars = built.profile.chars_per_line
                expected = word_lines(text, chars - int(built.profile.indent_chars), chars)
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
    "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结": 3,
    "明德实验学校东湖校区教务处2024—2025学年第一学期工作总结": 3,  # LibreOffice: 4
    "明德实验学校本部校区后勤处2024—2025学年第一学期工作总结": 4,
    "明德实验学校本部校区教务处2024—2025学年第一学期工作总结": 3,  # LibreOffice: 4
    "明德实验学校滨江校区后勤处2024—2025学年第一学期工作总结": 3,
    "明德实验学校滨江校区教务处2024—2025学年第一学期工作总结": 3,
}


def test_each_sample_has_the_pages_words_rules_give(built):
    pages = {pdf.stem: len(document.pages) for _document, pdf, document in built.documents}
    if built.name == "gbt9704":  # the counts above are gbt9704's
        assert pages == WORD_PAGES
    # every profile: no page holds more lines than it may, so the pages are at least
    for _document, pdf, document in built.documents:
        lines = sum(len(built.body_lines(page)) for page in document.pages)
        assert pages[pdf.stem] >= -(-lines // (built.profile.lines_per_page + 2)), pdf.name


@pytest.mark.parametrize("title", ["明德实验学校后勤处2024年秋季学期工作总结", "明德实验学校教务处2025年春季学期工作总结"])
def test_a_large_title_printed_never_breaks_inside_the_genres_title_words(title, tmp_path):
    """At 初号 (ten characters a line) jieba's words let 2024年秋季|学期工作总结 break inside
    秋季学期: on the rendered page every title line ends outside 秋季学期 and 工作总结, as measured."""
    require_renderer()
    import dataclasses

    from pipeline.export.pdf import convert
    from pipeline.layout.engines import lay_out
    from pipeline.layout.measure import title_lines

    profile = resolved("format:\n  title: {size: 初号}\n")
    manuscript = dataclasses.replace(_sample_manuscript(), title=title)
    manuscript.paragraphs[0] = dataclasses.replace(manuscript.paragraphs[0], text=title, breaks=())
    path = tmp_path / "title.docx"
    path.write_bytes(lay_out(manuscript, profile))
    (pdf,) = convert([path])
    measured = title_lines(title, profile, names=("明德实验学校", "后勤处", "教务处"))
    printed = [line.text for line in read(pdf).pages[0].lines[:len(measured)]]
    assert printed == measured
    assert "".join(printed) == title
    assert all(not line.endswith(("秋季", "春季", "工作")) for line in printed), printed
