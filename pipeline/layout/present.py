"""What a profile makes of a manuscript before either engine lays it out.

The manuscript says what the document holds; the profile says how it reads on
paper, and some of that is more than fonts and sizes: the 落款's lines and the
date's numerals, the headings' numbering style, the 红头 over the title, the
"附件：" list and the 附件 pages. :func:`present` turns the manuscript into the
blocks to lay out: manuscript paragraphs (re-worded where the profile says so)
and tables, plus :class:`Raw` blocks, written here as WordprocessingML once
for both engines, so they stay byte-identical. A profile that asks for nothing
of the kind (the built-in ``gbt9704``) leaves the manuscript's blocks as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from xml.sax.saxutils import escape

from pipeline.document.manuscript import (
    NUMBERING,
    Attachment,
    Manuscript,
    Paragraph,
    Table,
)
from pipeline.form.profiles import red_header_lines
from pipeline.layout.measure import arranged, clean, width
from pipeline.layout.parts import R, W, landscape_width, section_xml, table_block_xml, table_xml
from pipeline.layout.profile import Profile
from pipeline.text import chinese

_PLACEHOLDER = re.compile(r"<(author|organization|campus|department)>")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass(frozen=True)
class Raw:
    """A block written here as a ``w:p`` or ``w:tbl`` element (declaring ``w:`` and ``r:``);
    both engines put it into the body as it is. ``text`` is what it shows, for readers."""

    xml: str
    text: str = ""
    role: str = "raw"
    runin: str = ""


@dataclass
class Presented:
    """The blocks to lay out and the section properties that close the body."""

    blocks: list = field(default_factory=list)
    #: index of a paragraph block → the ``w:sectPr`` ending a section there (a change of orientation)
    section_ends: dict[int, str] = field(default_factory=dict)
    landscape_last: bool = False  # whether the body's own (last) section is landscape


# --- labels --------------------------------------------------------------------

def label(style: str, number: int) -> str:
    """A heading's number in ``style`` (written as it reads for 1): 一、→ 十二、, （1）→ （12）."""
    if "一" in style:
        return style.replace("一", chinese.ordinal(number), 1)
    if "①" in style:
        return style.replace("①", _CIRCLED[number - 1] if number <= len(_CIRCLED) else f"({number})", 1)
    return style.replace("1", str(number), 1)


def _renumbered(paragraph: Paragraph, profile: Profile) -> Paragraph:
    """The paragraph with its number in the profile's style instead of the manuscript's."""
    level = {"heading1": 1, "heading2": 2, "item": 3}.get(paragraph.role)
    if not level or not paragraph.number:
        return paragraph
    style = getattr(profile, f"heading{level}_numbering")
    written, wanted = label(NUMBERING[paragraph.role], paragraph.number), label(style, paragraph.number)
    if written == wanted:
        return paragraph
    if paragraph.role == "item" and paragraph.runin.startswith(written):
        return replace(paragraph, runin=wanted + paragraph.runin[len(written):])
    if paragraph.text.startswith(written):
        return replace(paragraph, text=wanted + paragraph.text[len(written):])
    return paragraph


def signature_lines(manuscript: Manuscript, profile: Profile, signed: str) -> list[str]:
    """The 落款's lines: the profile's patterns filled from the manuscript (``<author>`` is the
    manuscript's own signature line, ``signed``); lines left empty are dropped."""
    values = {"author": signed, "organization": manuscript.organization,
              "campus": manuscript.campus, "department": manuscript.department}
    lines = [_PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern).strip() for pattern in profile.signature_lines]
    return [line for line in lines if line] or [signed]


def date_text(manuscript: Manuscript, profile: Profile, written: str) -> str:
    """The 落款's date in the profile's numerals; the manuscript writes it in Arabic ones."""
    if profile.date_style == "chinese" and manuscript.date is not None:
        return chinese.date_in_words(manuscript.date)
    return written


# --- the stage -----------------------------------------------------------------

def present(manuscript: Manuscript, profile: Profile) -> Presented:
    """The blocks to lay out ``manuscript`` in ``profile``, and how its sections end."""
    blocks: list = []
    for block in manuscript.paragraphs:
        if isinstance(block, Table):
            blocks.append(block)
        elif block.role == "signature":
            blocks += [Paragraph("signature", line) for line in signature_lines(manuscript, profile, block.text)]
        elif block.role == "date":
            blocks.append(replace(block, text=date_text(manuscript, profile, block.text)))
        else:
            blocks.append(_renumbered(block, profile))
    if profile.red_header:
        title = next((i for i, b in enumerate(blocks) if b.role == "title"), 0)
        blocks[title:title] = red_header(manuscript, profile)
    presented = Presented(blocks)
    if manuscript.attachments:
        _attach(presented, manuscript.attachments, profile)
    return presented


# --- 红头 -----------------------------------------------------------------------

def _run(text: str, font: str, half_points: int, color: str = "", bold: bool = False) -> str:
    fonts = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'
    b = "<w:b/><w:bCs/>" if bold else ""
    c = f'<w:color w:val="{color}"/>' if color else ""
    return (f'<w:r><w:rPr>{fonts}{b}{c}<w:spacing w:val="0"/><w:sz w:val="{half_points}"/>'
            f'<w:szCs w:val="{half_points}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def red_header(manuscript: Manuscript, profile: Profile) -> list:
    """GB/T 9704's 版头: the issuing unit in red, centred, its top ``red_header_top_mm`` below
    the text block's top; the document number two lines below it; a red rule of the text
    block's width ``red_header_rule_gap_mm`` below the number; two empty lines to the title."""

    values = {"author": manuscript.author, "organization": manuscript.organization or manuscript.author,
              "campus": manuscript.campus, "department": manuscript.department}
    unit = clean(_PLACEHOLDER.sub(lambda m: values[m.group(1)], profile.red_header_unit)).strip()
    # Too long a name is set smaller until it fits the line (GB/T 9704: 醒目、美观、庄重).
    size = profile.half_points(profile.red_header_size_pt)
    fits = int(profile.text_width_twips / max(width(unit), 1) / 10)
    size = max(min(size, fits), 2)
    number = clean(profile.red_header_number).strip()
    lines = red_header_lines(profile.red_header_top_mm, size, bool(number), profile.line_pitch_twips,
                             profile.body_size_pt, profile.red_header_rule_gap_mm, profile.red_header_rule_pt)
    before, line = lines.before, lines.mark_line
    rule = (f'<w:pBdr><w:bottom w:val="single" w:sz="{lines.rule_eighths}" '
            f'w:space="{lines.rule_space_pt}" w:color="{profile.red_header_color}"/></w:pBdr>')
    no_indent = '<w:ind w:left="0" w:right="0" w:firstLineChars="0" w:firstLine="0"/>'
    blocks = [Raw(
        f'<w:p xmlns:w="{W}"><w:pPr><w:keepNext/>{"" if number else rule}'
        f'<w:spacing w:before="{before}" w:after="0" w:line="{line}" w:lineRule="exact"/>{no_indent}'
        f'<w:jc w:val="center"/></w:pPr>{_run(unit, profile.red_header_font, size, profile.red_header_color)}</w:p>',
        unit)]
    if number:
        blocks.append(Raw(
            f'<w:p xmlns:w="{W}"><w:pPr><w:keepNext/>{rule}'
            f'<w:spacing w:before="{2 * profile.line_pitch_twips}" w:after="0" w:line="{profile.line_pitch_twips}" '
            f'w:lineRule="exact"/>{no_indent}<w:jc w:val="center"/></w:pPr>'
            f'{_run(number, profile.red_header_number_font, profile.half_points(profile.body_size_pt))}</w:p>',
            number))
    return blocks + [Paragraph("blank"), Paragraph("blank")]


# --- 附件 -----------------------------------------------------------------------

def _attach(presented: Presented, attachments: list[Attachment], profile: Profile) -> None:
    """The "附件：" list between the body and the signature, and each attachment on pages
    of its own after the date: 附件N in the first line, its title centred in the third,
    then its table; landscape where the table's cells do not fit the portrait width."""
    blocks = presented.blocks
    single = len(attachments) == 1
    names = [clean(a.title) for a in attachments]
    char = profile.char_twips
    head = width("附件：")
    listed = []
    for number, name in enumerate(names, 1):
        mark = "" if single else f"{number}."
        hang = width(mark)
        left = round((profile.indent_chars + head + hang) * char)
        first = number == 1
        indent = (f'<w:ind w:left="{left}" w:hanging="{round((head + hang) * char)}"/>' if first
                  else f'<w:ind w:left="{left}" w:hanging="{round(hang * char)}"/>')
        text = ("附件：" if first else "") + mark + name
        listed.append(Raw(f'<w:p xmlns:w="{W}"><w:pPr><w:keepNext/>{indent}</w:pPr>'
                          f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>', text))
    # GB/T 9704: one empty line after the body, the list, one empty line, the 落款.
    signature = next((i for i, b in enumerate(blocks) if b.role == "signature"), len(blocks))
    blocks[signature:signature] = listed + [Paragraph("blank")]

    landscape = [profile.attachment_landscape and _too_wide(a.table, profile) for a in attachments]
    current = False  # the main text is portrait
    for number, (attachment, wide) in enumerate(zip(attachments, landscape), 1):
        if wide != current:  # a section ends before this attachment, in the paragraph before it
            if isinstance(blocks[-1], Paragraph):
                presented.section_ends[len(blocks) - 1] = section_xml(profile, current, new_page=True)
            else:  # after a table: a paragraph of its own, one point high
                blocks.append(Raw(f'<w:p xmlns:w="{W}" xmlns:r="{R}"><w:pPr><w:spacing w:before="0" w:after="0" '
                                  f'w:line="20" w:lineRule="exact"/>{section_xml(profile, current)}</w:pPr></w:p>'))
            current = wide
            page_break = ""
        else:
            page_break = "<w:pageBreakBefore/>"
        text = "附件" if single else f"附件{number}"
        blocks.append(Raw(
            f'<w:p xmlns:w="{W}"><w:pPr><w:keepNext/>{page_break}'
            f'<w:ind w:left="0" w:right="0" w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/></w:pPr>'
            f'{_run(text, profile.attachment_label_font, profile.half_points(profile.body_size_pt))}</w:p>', text))
        blocks.append(Paragraph("blank"))
        blocks.append(Paragraph("title", names[number - 1]))
        blocks.append(Paragraph("blank"))
        if wide:
            blocks.append(Raw(table_xml(attachment.table, profile, landscape_width(profile)), attachment.table.text,
                              role="table"))
        else:  # upright, as a table in the text is laid out
            blocks += [Raw(piece, attachment.table.text, role="table")
                       for piece in table_block_xml(attachment.table, profile)]
    presented.landscape_last = current


def _too_wide(table: Table, profile: Profile) -> bool:
    """Whether the table does not fit an upright page as it is (it would have to be turned
    or cut, :func:`~pipeline.layout.measure.arranged`): GB/T 9704 sets it landscape."""
    return arranged(table, profile) != [table]
