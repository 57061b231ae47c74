"""The layout stage's fast path: the .docx written directly as WordprocessingML text.

:func:`pipeline.layout.engines.lay_out` has two engines that make the same bytes:

``python-docx``  the reference: open the base package, add paragraphs as lxml
                 elements, save, re-zip with fixed timestamps. Slow (python-docx
                 import, parsing, serialising, compressing every part twice) but
                 obviously right.
``fast``         this module: a document is eleven zip members of which nine never
                 change for a profile. Those are serialised, deflated and framed as
                 zip entries once per process and profile (:func:`package`); per
                 document only ``word/document.xml`` and ``docProps/core.xml`` are
                 written, as strings, deflated, and joined with the cached entries.

Byte-identical means imitating python-docx exactly, so every rule below mirrors
one of its behaviours (tests/test_fast_layout.py holds both engines to it):

* parts python-docx parses are written back by lxml, whose XML declaration uses
  single quotes; parts it does not parse (font table, app.xml) keep ours;
* the zip members come in python-docx's order, each framed as :mod:`zipfile`
  frames it (see :func:`_entry`);
* text is escaped as lxml escapes text nodes (``& < >`` and ``\\r``); a run's text
  turns tabs into ``<w:tab/>`` and line ends into ``<w:br/>``, as ``run.text``
  does; a ``<w:t>`` whose text starts or ends with white space keeps it with
  ``xml:space="preserve"``;
* a table is :func:`pipeline.layout.parts.table_block_xml`'s text as lxml writes it back
  after python-docx parsed it: without its own declaration of ``w:`` (the
  document declares it), an empty ``<w:t>`` closed as ``<w:t .../>``, and line
  ends as an XML parser reads them (``\\r\\n`` and ``\\r`` become ``\\n``); the
  paragraph before a table keeps with it, as in the reference engine.

Blocks are made by :data:`EMITTERS`, one small function per manuscript role.
A new kind of block is a new emitter here plus its python-docx counterpart in
:mod:`pipeline.layout`; until it has an emitter, a manuscript holding it is
laid out by the reference engine (see :func:`can_render`).
"""

from __future__ import annotations

import posixpath
import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from pipeline.document.manuscript import Block, Manuscript, Paragraph, Table
from pipeline.layout.measure import (
    BREAK,
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
    ROLE_STYLES,
    RUNIN_STYLE,
    ZIP_DATE,
    R,
    W,
    base_parts,
    core_property,
    east_asian_font,
    punctuation_fonts,
    seal,
    section_xml,
    table_block_xml,
)
from pipeline.layout.present import Raw, present
from pipeline.layout.profile import Profile

# --- text, as lxml and python-docx write it ----------------------------------

#: The XML declaration lxml writes (``etree.tostring(..., standalone=True)``).
LXML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"

#: Content types of the parts python-docx parses into lxml trees (its PartFactory), and
#: so serialises again on save; it writes the package's own members (content types,
#: relationships) anew as well. Every other part is saved as it was read.
PARSED_CONTENT_TYPES = frozenset(
    "application/vnd.openxmlformats-" + kind for kind in (
        "package.core-properties+xml",
        "officedocument.wordprocessingml.comments+xml",
        "officedocument.wordprocessingml.document.main+xml",
        "officedocument.wordprocessingml.footer+xml",
        "officedocument.wordprocessingml.header+xml",
        "officedocument.wordprocessingml.numbering+xml",
        "officedocument.wordprocessingml.settings+xml",
        "officedocument.wordprocessingml.styles+xml",
    ))
PER_DOCUMENT = frozenset({"word/document.xml", "docProps/core.xml"})

_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))  # & first
_RUN_BREAKS = re.compile(r"([\t\r\n])")


def escape(text: str) -> str:
    """``text`` as lxml writes a text node."""
    # str.replace behind a substring test: str.translate with a mapping costs
    # microseconds per Chinese paragraph, more than the rest of the paragraph.
    for char, entity in _TEXT_ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def t(text: str) -> str:
    """A ``<w:t>`` element, as python-docx's ``CT_R.add_t`` makes it."""
    if len(text.strip()) < len(text):
        return f'<w:t xml:space="preserve">{escape(text)}</w:t>'
    return f"<w:t>{escape(text)}</w:t>"


def run_content(text: str) -> str:
    """The inside of a run whose text is set with python-docx's ``run.text = text``."""
    if "\t" not in text and "\r" not in text and "\n" not in text:
        return t(text) if text else ""
    out = []
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            out.append(t(piece))
    return "".join(out)


def run(content: str, rpr: str = "") -> str:
    """A ``<w:r>``; lxml writes an element with no children as ``<w:r/>``."""
    inner = rpr + content
    return f"<w:r>{inner}</w:r>" if inner else "<w:r/>"


# --- paragraphs: one emitter per manuscript role -----------------------------

@dataclass
class Context:
    """What an emitter needs beyond its paragraph: the profile and per-document values."""

    profile: Profile
    signature_indent: int
    date_indent: int
    section_ends: dict[int, str]  # block index → the w:sectPr of a section it ends (as reparsed)
    index: int = 0  # the block being written
    names: tuple[str, ...] = ()  # the unit's names, which a title line does not break inside


def _section_end(context: Context) -> str:
    return context.section_ends.get(context.index, "")


def ppr(style: str, keep_next: bool = False, ind: str = "", section: str = "") -> str:
    """Paragraph properties, their children in the schema's order (as python-docx inserts them);
    ``section``: the ``w:sectPr`` of a section this paragraph ends."""
    return f'<w:pPr><w:pStyle w:val="{style}"/>{"<w:keepNext/>" if keep_next else ""}{ind}{section}</w:pPr>'


@lru_cache(maxsize=64)
def _run_properties(profile: Profile, style: str, run_style: str) -> tuple[str, str, str]:
    """The ``<w:rPr>`` of a run of text, of a MARK and of a LATIN_MARK (:func:`pieces`), per style:
    indexed by the kind."""
    style_xml = f'<w:rStyle w:val="{run_style}"/>' if run_style else ""
    font = east_asian_font(profile, run_style or style)
    return ((f"<w:rPr>{style_xml}</w:rPr>" if style_xml else ""),
            *(f"<w:rPr>{style_xml}{punctuation_fonts(font, latin)}</w:rPr>" for latin in (False, True)))


def _runs(text: str, context: Context, style: str, run_style: str = "", before: str = "") -> str:
    """``text`` as python-docx's ``run.text`` sets it, one run per :func:`pieces` piece;
    Chinese punctuation in the style's Chinese font (its pieces hold only those marks:
    no white space, nothing to escape)."""
    properties = _run_properties(context.profile, style, run_style)
    return "".join(run(run_content(piece), properties[kind]) if kind == TEXT
                   else f"<w:r>{properties[kind]}<w:t>{piece}</w:t></w:r>"
                   for piece, kind in pieces(text, before))


def _line_runs(lines: list[str], context: Context, style: str) -> str:
    """Lines in one paragraph, joined by ``<w:br/>`` (:func:`line_runs`)."""
    properties = _run_properties(context.profile, style, "")
    return "".join(run("".join("<w:br/>" if item is BREAK else t(item) for item in content), properties[kind])
                   for kind, content in line_runs(lines))


def _text_paragraph(paragraph: Paragraph, context: Context, keep_next: bool, ind: str = "") -> str:
    """Body, blank, headings and items: an optional run-in title, then the text."""
    style = ROLE_STYLES[paragraph.role]
    runin = clean(paragraph.runin)
    body = _runs(runin, context, style, RUNIN_STYLE) + _runs(clean(paragraph.text), context, style, before=runin)
    return f"<w:p>{ppr(style, keep_next, ind, _section_end(context))}{body}</w:p>"


def _title(paragraph: Paragraph, context: Context, keep_next: bool) -> str:
    """The balanced lines, joined by ``<w:br/>``."""
    lines = title_lines(paragraph.text, context.profile, paragraph.breaks, context.names)
    return f'<w:p>{ppr(ROLE_STYLES["title"], keep_next)}{_line_runs(lines, context, ROLE_STYLES["title"])}</w:p>'


def _signature(paragraph: Paragraph, context: Context, keep_next: bool) -> str:
    """The unit's name, in lines when it is long (:func:`signature_lines`)."""
    style = ROLE_STYLES["signature"]
    name = clean(paragraph.text)
    ind = f'<w:ind w:right="{context.signature_indent}"/>'
    runs = _line_runs(signature_lines(context.profile, name), context, style) if name else ""
    return f"<w:p>{ppr(style, keep_next, ind)}{runs}</w:p>"


def _date(paragraph: Paragraph, context: Context, keep_next: bool) -> str:
    return _text_paragraph(paragraph, context, keep_next, f'<w:ind w:right="{context.date_indent}"/>')


_NAMESPACES = (f' xmlns:w="{W}"', f' xmlns:r="{R}"')
_EMPTY_CELL_TEXT = ('<w:t xml:space="preserve"></w:t>', '<w:t xml:space="preserve"/>')


def reparsed(xml: str) -> str:
    """An element's text as lxml writes it back once python-docx parsed it into the document:
    without its own namespace declarations (the document declares them), an empty
    ``<w:t>`` closed as ``<w:t .../>``, line ends as an XML parser reads them."""
    head, rest = xml.split(">", 1)
    for declaration in _NAMESPACES:
        head = head.replace(declaration, "", 1)
    xml = head + ">" + rest
    if "\r" in xml:  # only in text: no attribute holds one
        xml = xml.replace("\r\n", "\n").replace("\r", "\n")
    if _EMPTY_CELL_TEXT[0] in xml:  # a cell of characters Word cannot store
        xml = xml.replace(*_EMPTY_CELL_TEXT)
    return xml


def _table(table: Table, context: Context, keep_next: bool) -> str:
    """The reference engine's table text, as it comes out of python-docx again (its rows
    keep together in table_xml; the table itself keeps with nothing after it)."""
    return "".join(reparsed(piece) for piece in table_block_xml(table, context.profile))


#: (block, per-document context, whether it keeps with the next block) → XML
Emitter = Callable[[Block, Context, bool], str]

#: Manuscript role → the function writing its ``<w:p>`` or ``<w:tbl>``.
EMITTERS: dict[str, Emitter] = {
    "title": _title,
    "blank": _text_paragraph,
    "body": _text_paragraph,
    "heading1": _text_paragraph,
    "heading2": _text_paragraph,
    "heading3": _text_paragraph,
    "item": _text_paragraph,
    "signature": _signature,
    "date": _date,
    "table": _table,
}


def can_render(manuscript: Manuscript) -> bool:
    """Whether every block's role has an emitter here."""
    return all(p.role in EMITTERS for p in manuscript.paragraphs)


# --- the zip, framed as zipfile frames it ------------------------------------

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir, header offset last
_END_RECORD = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_DOS_DATE = (ZIP_DATE[0] - 1980) << 9 | ZIP_DATE[1] << 5 | ZIP_DATE[2]
_DOS_TIME = ZIP_DATE[3] << 11 | ZIP_DATE[4] << 5 | ZIP_DATE[5] // 2
_VERSION = 20  # zipfile's DEFAULT_VERSION, also its DEFLATED_VERSION
_CREATE_SYSTEM = 3  # layout.zip_parts pins Unix, whatever the OS
_EXTERNAL_ATTR = 0o600 << 16


@dataclass(frozen=True)
class Entry:
    """One zip member: its local header and deflated data, and its central record
    without the trailing header offset (known only when the zip is put together)."""

    local: bytes
    central: bytes
    name: bytes
    crc: int = 0
    size: int = 0


def _entry(name: str, data: bytes) -> Entry:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # as zipfile does
    deflated = compressor.compress(data) + compressor.flush()
    crc = zlib.crc32(data)
    encoded = name.encode("ascii")
    local = _LOCAL_HEADER.pack(b"PK\x03\x04", _VERSION, 0, 0, 8, _DOS_TIME, _DOS_DATE, crc,
                               len(deflated), len(data), len(encoded), 0) + encoded + deflated
    central = _CENTRAL_HEADER.pack(b"PK\x01\x02", _VERSION, _CREATE_SYSTEM, _VERSION, 0, 0, 8, _DOS_TIME,
                                   _DOS_DATE, crc, len(deflated), len(data), len(encoded), 0, 0, 0, 0,
                                   _EXTERNAL_ATTR, 0)[:-4]
    return Entry(local, central, encoded, crc, len(data))


def zip_entries(entries: list[Entry]) -> bytes:
    """The zip of ``entries``, byte for byte what :func:`pipeline.layout.parts.zip_parts` makes."""
    body, directory, offset = [], [], 0
    for entry in entries:
        directory += (entry.central, offset.to_bytes(4, "little"), entry.name)
        body.append(entry.local)
        offset += len(entry.local)
    central = b"".join(directory)
    comment = seal((entry.name.decode("ascii"), entry.crc, entry.size) for entry in entries)
    end = _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), offset, len(comment))
    return b"".join(body) + central + end + comment


# --- the package, once per process and profile -------------------------------

@dataclass(frozen=True)
class Package:
    """The cached parts of a profile's documents, ready to be zipped."""

    names: tuple[str, ...]  # the zip members, in python-docx's order
    entries: tuple[Entry | None, ...]  # None where a document's own part goes
    document_head: str  # word/document.xml up to the first paragraph
    document_tail: str  # the section properties and the closing tags
    core_template: str  # docProps/core.xml with {title} {author} {created} slots


_OVERRIDE = re.compile(r'<Override PartName="/([^"]+)" ContentType="([^"]+)"/>')
_TARGET = re.compile(r'<Relationship [^>]*Target="([^"]+)"')


def saved_parts(parts: dict[str, str]) -> dict[str, str]:
    """Base parts as python-docx saves them, in its order: the content types, the
    package relationships, then a depth-first walk of the relationships, each part
    followed by its own relationships; parsed parts get lxml's declaration, and
    the content types list their overrides sorted by part name."""
    types = parts["[Content_Types].xml"]
    overrides = list(_OVERRIDE.finditer(types))
    content_type = {m.group(1): m.group(2) for m in overrides}
    first, last = overrides[0].start(), overrides[-1].end()  # the overrides stand together
    types = types[:first] + "".join(m.group(0) for m in sorted(overrides, key=lambda m: m.group(1))) + types[last:]
    order = ["[Content_Types].xml", "_rels/.rels"]

    def walk(rels: str, folder: str) -> None:
        for target in _TARGET.findall(parts[rels]):
            name = posixpath.normpath(posixpath.join(folder, target))
            if name in order:
                continue
            order.append(name)
            own_rels = posixpath.join(posixpath.dirname(name), "_rels", posixpath.basename(name) + ".rels")
            if own_rels in parts:
                order.append(own_rels)
                walk(own_rels, posixpath.dirname(name))

    walk("_rels/.rels", "")
    saved = {}
    for name in order:
        text = types if name == "[Content_Types].xml" else parts[name]
        if name.endswith(".rels") or name == "[Content_Types].xml" or content_type[name] in PARSED_CONTENT_TYPES:
            text = LXML_DECLARATION + text.split("\n", 1)[1]
        saved[name] = text
    return saved


@lru_cache(maxsize=4)
def package(profile: Profile) -> Package:
    parts = saved_parts(base_parts(profile))
    head, tail = parts["word/document.xml"].split("<w:body>", 1)
    core = parts["docProps/core.xml"].replace("{", "{{").replace("}", "}}")
    for tag, slot in (("dc:title", "title"), ("dc:creator", "author"), ("cp:lastModifiedBy", "author")):
        core = core.replace(f"<{tag}></{tag}>", f"<{tag}>{{{slot}}}</{tag}>")
    core = re.sub(r'(<dcterms:(?:created|modified) xsi:type="dcterms:W3CDTF">)[^<]*', r"\1{created}", core)
    entries = tuple(None if name in PER_DOCUMENT else _entry(name, text.encode("utf-8"))
                    for name, text in parts.items())
    return Package(tuple(parts), entries, head + "<w:body>", tail, core)


# --- the stage ---------------------------------------------------------------

def lay_out(manuscript: Manuscript, profile: Profile) -> bytes:
    """The .docx bytes of ``manuscript``: the same bytes as the python-docx engine."""
    cached = package(profile)
    presented = present(manuscript, profile)
    blocks = presented.blocks
    ends = {index: reparsed(xml) for index, xml in presented.section_ends.items()}
    context = Context(profile, *signature_indents(profile, *signature_texts(blocks)), ends,
                      names=unit_names(manuscript))
    keep = signature_block(blocks)
    keep.update(i - 1 for i, block in enumerate(blocks) if i and block.role == "table")  # a table's opening line
    parts = []
    for index, block in enumerate(blocks):
        if isinstance(block, Raw):  # 红头 and 附件, written once for both engines
            parts.append(reparsed(block.xml))
            continue
        context.index = index
        parts.append(EMITTERS[block.role](block, context, index in keep))
    body = "".join(parts)
    tail = cached.document_tail
    if presented.landscape_last:  # the body's own section holds a landscape 附件
        tail = reparsed(section_xml(profile, landscape=True, new_page=True)) + tail[tail.index("</w:body>"):]
    created = manuscript.created.strftime("%Y-%m-%dT%H:%M:%SZ")  # python-docx's format
    author = escape(core_property(manuscript.author))
    core = cached.core_template.format(title=escape(core_property(manuscript.title)), author=author,
                                       created=created)
    own = {
        "word/document.xml": _entry("word/document.xml",
                                    (cached.document_head + body + tail).encode("utf-8")),
        "docProps/core.xml": _entry("docProps/core.xml", core.encode("utf-8")),
    }
    return zip_entries([entry or own[name] for name, entry in zip(cached.names, cached.entries)])
