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

from pipeline.document.manuscript import Manuscript, Paragraph, Table
from pipeline.layout.measure import (
    balanced_lines,
    clean,
    signature_block,
    signature_indents,
    signature_texts,
)
from pipeline.layout.parts import (
    ROLE_STYLES,
    RUNIN_STYLE,
    base_package,
    core_property,
    section_xml,
    table_xml,
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
            body.sectPr.addprevious(parse_xml(table_xml(paragraph, profile)))
            continue
        if isinstance(paragraph, Raw):
            body.sectPr.addprevious(parse_xml(paragraph.xml))
            continue
        p = body.add_p()  # inserted before sectPr
        p.get_or_add_pPr().style = ROLE_STYLES[paragraph.role]
        introduces_table = index + 1 < len(blocks) and blocks[index + 1].role == "table"
        if index in keep_with_next or introduces_table:  # a table's opening line stays with it
            p.get_or_add_pPr().keepNext_val = True
        if paragraph.role == "title":
            _add_title(p, paragraph, profile)
            continue
        if paragraph.runin:
            run = p.add_r()
            run.get_or_add_rPr().style = RUNIN_STYLE
            run.text = clean(paragraph.runin)
        if paragraph.text:
            p.add_r().text = clean(paragraph.text)
        if paragraph.role in ("signature", "date"):
            indent = name_indent if paragraph.role == "signature" else date_indent
            p.get_or_add_pPr().get_or_add_ind().right = Twips(indent)
        if index in presented.section_ends:  # the last paragraph of a section holds its properties
            p.get_or_add_pPr().append(parse_xml(presented.section_ends[index]))
    if presented.landscape_last:
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


def _add_title(p, paragraph: Paragraph, profile: Profile) -> None:
    # Title width is measured in title-size characters; line breaks make balanced lines.
    lines = balanced_lines(clean(paragraph.text), profile.title_chars_per_line, paragraph.breaks)
    run = p.add_r()
    for i, line in enumerate(lines):
        if i:
            run.add_br()
        run.add_t(line)

