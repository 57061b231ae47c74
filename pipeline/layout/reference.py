"""The reference layout engine: a Manuscript laid out with python-docx.

The document starts from the base package (:mod:`pipeline.layout.parts`: A4
page, styles with explicit East Asian fonts and no theme fonts, ``zh-CN``, exact
line spacing, odd/even page-number footers), built once per process and
profile; each document is then the base plus its paragraphs and tables, added
with python-docx using style ids resolved once. The fast engine
(:mod:`pipeline.layout.fast`) writes the same bytes directly as XML text,
several times faster; this one is what it is held to.

The result is deterministic: fixed timestamps in the zip and the core
properties, and parts always in the same order, so the same manuscript gives
the same bytes.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.document.manuscript import Manuscript, Table
from pipeline.layout.measure import (
    BREAK,
    balanced_lines,
    clean,
    line_runs,
    pieces,
    signature_block,
    signature_indents,
    signature_lines,
)
from pipeline.layout.parts import (
    PUNCTUATION_FONT_SLOTS,
    ROLE_STYLES,
    RUNIN_STYLE,
    base_package,
    core_property,
    east_asian_font,
    table_block_xml,
    zip_parts,
)
from pipeline.layout.profile import Profile


def lay_out(manuscript: Manuscript, profile: Profile) -> bytes:
    """The .docx bytes of ``manuscript`` in ``profile``, built with python-docx."""
    import docx  # deferred: commands that write no document never import python-docx
    from docx.oxml import parse_xml
    from docx.shared import Twips

    document = docx.Document(io.BytesIO(base_package(profile)))
    body = document.element.body
    signature = next((p.text for p in manuscript.paragraphs if p.role == "signature"), "")
    date = next((p.text for p in manuscript.paragraphs if p.role == "date"), "")
    name_indent, date_indent = signature_indents(profile, clean(signature), clean(date))
    keep_with_next = signature_block(manuscript.paragraphs)

    blocks = manuscript.paragraphs
    for index, paragraph in enumerate(blocks):
        if isinstance(paragraph, Table):
            for piece in table_block_xml(paragraph, profile):
                body.sectPr.addprevious(parse_xml(piece))
            continue
        p = body.add_p()  # inserted before sectPr
        style = ROLE_STYLES[paragraph.role]
        p.get_or_add_pPr().style = style
        introduces_table = index + 1 < len(blocks) and isinstance(blocks[index + 1], Table)
        if index in keep_with_next or introduces_table:  # a table's opening line stays with it
            p.get_or_add_pPr().keepNext_val = True
        if paragraph.role == "title":
            lines = balanced_lines(clean(paragraph.text), profile.title_chars_per_line, paragraph.breaks)
            _add_lines(p, lines, east_asian_font(profile, style))
            continue
        if paragraph.role in ("signature", "date"):
            indent = name_indent if paragraph.role == "signature" else date_indent
            p.get_or_add_pPr().get_or_add_ind().right = Twips(indent)
        if paragraph.role == "signature":
            if name := clean(paragraph.text):
                _add_lines(p, signature_lines(profile, name), east_asian_font(profile, style))
            continue
        _add_runs(p, clean(paragraph.runin), east_asian_font(profile, RUNIN_STYLE), RUNIN_STYLE)
        _add_runs(p, clean(paragraph.text), east_asian_font(profile, style))

    core = document.core_properties
    core.title = core_property(manuscript.title)
    core.author = core_property(manuscript.author)
    core.last_modified_by = core_property(manuscript.author)
    core.created = core.modified = manuscript.created
    core.revision = 1

    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as saved:  # python-docx stamps the current time on zip members
        return zip_parts((info.filename, saved.read(info)) for info in saved.infolist())


def _punctuation_fonts(run, font: str) -> None:
    """Chinese punctuation's run: the Chinese font in every slot and the east-Asian hint."""
    from docx.oxml.ns import qn

    fonts = run.get_or_add_rPr().get_or_add_rFonts()
    for slot in PUNCTUATION_FONT_SLOTS:
        fonts.set(qn(f"w:{slot}"), font)
    fonts.set(qn("w:hint"), "eastAsia")


def _add_runs(p, text: str, font: str, run_style: str | None = None) -> None:
    """``text`` set with ``run.text``, one run per piece; Chinese punctuation in ``font``."""
    for piece, east_asian in pieces(text):
        run = p.add_r()
        if run_style:
            run.get_or_add_rPr().style = run_style
        if east_asian:
            _punctuation_fonts(run, font)
        run.text = piece


def _add_lines(p, lines: list[str], font: str) -> None:
    """Lines in one paragraph, joined by breaks, as :func:`line_runs` groups them."""
    for east_asian, content in line_runs(lines):
        run = p.add_r()
        if east_asian:
            _punctuation_fonts(run, font)
        for item in content:
            if item is BREAK:
                run.add_br()
            else:
                run.add_t(item)
