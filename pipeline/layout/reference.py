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
    LATIN_MARK,
    TEXT,
    clean,
    line_runs,
    pieces,
    signature_block,
    signature_indents,
    signature_lines,
    signature_texts,
    title_lines,
    unit_names,
)
from pipeline.layout.parts import (
    LATIN_FONT_SLOTS,
    ROLE_STYLES,
    RUNIN_STYLE,
    base_package,
    core_property,
    east_asian_font,
    section_xml,
    table_block_xml,
    zip_parts,
)
from pipeline.layout.present import Raw, present
from pipeline.layout.profile import Profile


def lay_out(manuscript: Manuscript, profile: Profile) -> bytes:
    """The .docx bytes of ``manuscript`` in ``profile``, built with python-docx."""
    import docx  # deferred: commands that write no document never import python-docx
    from docx.oxml import parse_xml
    from docx.shared import Twips

    document = docx.Document(io.BytesIO(base_package(profile)))
    body = document.element.body
    presented = present(manuscript, profile)
    blocks = presented.blocks
    name_indent, date_indent = signature_indents(profile, *signature_texts(blocks))
    keep_with_next = signature_block(blocks)

    for index, paragraph in enumerate(blocks):
        if isinstance(paragraph, Table):
            for piece in table_block_xml(paragraph, profile):
                body.sectPr.addprevious(parse_xml(piece))
            continue
        if isinstance(paragraph, Raw):
            body.sectPr.addprevious(parse_xml(paragraph.xml))
            continue
        p = body.add_p()  # inserted before sectPr
        style = ROLE_STYLES[paragraph.role]
        p.get_or_add_pPr().style = style
        introduces_table = index + 1 < len(blocks) and blocks[index + 1].role == "table"
        if index in keep_with_next or introduces_table:  # a table's opening line stays with it
            p.get_or_add_pPr().keepNext_val = True
        if paragraph.role == "title":
            lines = title_lines(paragraph.text, profile, paragraph.breaks, unit_names(manuscript))
            _add_lines(p, lines, east_asian_font(profile, style))
            continue
        if paragraph.role in ("signature", "date"):
            indent = name_indent if paragraph.role == "signature" else date_indent
            p.get_or_add_pPr().get_or_add_ind().right = Twips(indent)
        if paragraph.role == "signature":
            if name := clean(paragraph.text):
                _add_lines(p, signature_lines(profile, name), east_asian_font(profile, style))
            continue
        runin = clean(paragraph.runin)
        _add_runs(p, runin, east_asian_font(profile, RUNIN_STYLE), RUNIN_STYLE)
        _add_runs(p, clean(paragraph.text), east_asian_font(profile, style), before=runin)
        if index in presented.section_ends:  # the last paragraph of a section holds its properties
            p.get_or_add_pPr().append(parse_xml(presented.section_ends[index]))
    if presented.landscape_last:  # the body's own section holds a landscape 附件
        body.replace(body.sectPr, parse_xml(section_xml(profile, landscape=True, new_page=True)))

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


def _punctuation_fonts(run, font: str, kind: int) -> None:
    """Chinese punctuation's run: the east-Asian hint, and for a LATIN_MARK ``font`` in the
    Latin slots (:func:`pipeline.layout.parts.punctuation_fonts`)."""
    from docx.oxml.ns import qn

    fonts = run.get_or_add_rPr().get_or_add_rFonts()
    if kind == LATIN_MARK:
        for slot in LATIN_FONT_SLOTS:
            fonts.set(qn(f"w:{slot}"), font)
    fonts.set(qn("w:hint"), "eastAsia")


def _add_runs(p, text: str, font: str, run_style: str | None = None, before: str = "") -> None:
    """``text`` set with ``run.text``, one run per piece; Chinese punctuation in ``font``."""
    for piece, kind in pieces(text, before):
        run = p.add_r()
        if run_style:
            run.get_or_add_rPr().style = run_style
        if kind != TEXT:
            _punctuation_fonts(run, font, kind)
        run.text = piece


def _add_lines(p, lines: list[str], font: str) -> None:
    """Lines in one paragraph, joined by breaks, as :func:`line_runs` groups them."""
    for kind, content in line_runs(lines):
        run = p.add_r()
        if kind != TEXT:
            _punctuation_fonts(run, font, kind)
        for item in content:
            if item is BREAK:
                run.add_br()
            else:
                run.add_t(item)
