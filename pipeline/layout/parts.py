"""The parts of a .docx that do not depend on the text: styles, settings, footers,
fonts, section, package; and a table's XML. Both engines build on them."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from functools import lru_cache
from xml.sax.saxutils import escape

from pipeline.document.manuscript import Table
from pipeline.layout.measure import (
    BREAK,
    LATIN_MARK,
    TEXT,
    arranged,
    balanced_lines,
    clean,
    column_widths,
    line_runs,
)
from pipeline.layout.profile import Profile, mm_to_twips

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


#: Manuscript role → paragraph style id (all defined in :func:`styles_xml`).
ROLE_STYLES = {
    "title": "Title",
    "blank": "Normal",
    "body": "Normal",
    "heading1": "Heading1",
    "heading2": "Heading2",
    "heading3": "Heading3",
    "item": "Normal",
    "signature": "Signature",
    "date": "Signature",
}


RUNIN_STYLE = "ItemTitle"


TABLE_STYLE = "TableGrid"


TABLE_TEXT_STYLE = "TableText"


TABLE_HEADING_STYLE = "TableHeading"


ZIP_DATE = (1980, 1, 1, 0, 0, 0)


#: Word's limit on a document property such as the title (python-docx raises beyond it).
PROPERTY_CHARS = 255


def core_property(text: str) -> str:
    """``text`` as a document property: cleaned, cut to Word's length limit."""
    return clean(text)[:PROPERTY_CHARS]


def _fonts(east_asian: str, latin: str) -> str:
    return (f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asian}" '
            f'w:cs="{latin}"/>')


def east_asian_font(p: Profile, style: str) -> str:
    """The Chinese font of a paragraph or character style (as :func:`styles_xml` sets it)."""
    return {"Title": p.title_font, "Heading1": p.heading1_font, "Heading2": p.heading2_font,
            "Heading3": p.heading3_font, "Heading4": p.heading4_font, RUNIN_STYLE: p.heading3_font,
            TABLE_TEXT_STYLE: p.table_font, TABLE_HEADING_STYLE: p.table_header_font}.get(style, p.body_font)


#: The Latin font slots of a Chinese punctuation run's ``w:rFonts`` (a LATIN_MARK's), in
#: the order both engines write them, before the hint.
LATIN_FONT_SLOTS = ("ascii", "hAnsi")


def punctuation_fonts(font: str, latin: bool) -> str:
    """``w:rFonts`` for a run of :data:`~pipeline.layout.measure.EAST_ASIAN_PUNCTUATION`:
    the east-Asian hint, for Word, which then takes the style's Chinese font; where
    LibreOffice would draw the marks in the Latin font (``latin``, a LATIN_MARK of
    :func:`~pipeline.layout.measure.pieces`), ``font`` in the Latin slots as well."""
    slots = "".join(f'w:{slot}="{font}" ' for slot in LATIN_FONT_SLOTS) if latin else ""
    return f'<w:rFonts {slots}w:hint="eastAsia"/>'


def styles_xml(p: Profile) -> str:
    """styles.xml: the body, title, heading, signature and footer styles."""
    body_sz = p.half_points(p.body_size_pt)
    indent = f'<w:ind w:firstLineChars="{p.indent_chars * 100}" w:firstLine="{p.indent_chars * p.char_twips}"/>'
    no_indent = '<w:ind w:left="0" w:right="0" w:firstLineChars="0" w:firstLine="0"/>'
    exact = f'<w:spacing w:before="0" w:after="0" w:line="{p.line_pitch_twips}" w:lineRule="exact"/>'
    table_spacing = (f'<w:spacing w:before="{p.table_cell_spacing_twips}" w:after="{p.table_cell_spacing_twips}" '
                     f'w:line="{p.table_line_twips}" w:lineRule="exact"/>')

    def run(font: str, size: float, bold: bool = False, spacing: int = p.body_char_spacing) -> str:
        sz = p.half_points(size)
        b = "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>'
        sp = f'<w:spacing w:val="{spacing}"/>' if spacing else ""
        return f'<w:rPr>{_fonts(font, p.latin_font)}{b}{sp}<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/></w:rPr>'

    def heading(level: int, font: str, bold: bool, size: float) -> str:
        return (f'<w:style w:type="paragraph" w:styleId="Heading{level}"><w:name w:val="heading {level}"/>'
                f'<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>'
                f'<w:pPr><w:keepNext/><w:keepLines/>{exact}{indent}<w:jc w:val="both"/>'
                f'<w:outlineLvl w:val="{level - 1}"/></w:pPr>{run(font, size, bold)}</w:style>')

    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:styles xmlns:w="{W}">'
        f'<w:docDefaults><w:rPrDefault><w:rPr>{_fonts(p.body_font, p.latin_font)}'
        f'<w:kern w:val="2"/><w:sz w:val="{body_sz}"/><w:szCs w:val="{body_sz}"/>'
        f'<w:lang w:val="en-US" w:eastAsia="{p.language}" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr>{exact}</w:pPr></w:pPrDefault></w:docDefaults>'
        # Normal: the body text
        f'<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
        # overflowPunct="1" is Word's default (punctuation may hang past the margin), written
        # out for LibreOffice: it reads the element the other way round, and a comma it lets
        # hang at the end of a justified line is not drawn at all; told this, it breaks the
        # line before the punctuation instead, and every comma is on the page.
        f'<w:pPr><w:widowControl w:val="0"/><w:overflowPunct w:val="1"/>{exact}{indent}<w:jc w:val="both"/></w:pPr>'
        f'{run(p.body_font, p.body_size_pt)}</w:style>'
        f'<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        f'<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
        f'<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        f'<w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
        f'<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        f'</w:tblCellMar></w:tblPr></w:style>'
        # Title: 二号 小标宋, centred, no indent
        f'<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/>'
        f'<w:next w:val="Normal"/><w:uiPriority w:val="10"/><w:qFormat/>'
        # Off the grid: Word ignores the document grid for exact line spacing, LibreOffice
        # would give each 22 pt title line two grid lines unless told so. Its lines are the
        # body's pitch unless its type needs more (Profile.title_line_twips).
        f'<w:pPr><w:keepNext/><w:snapToGrid w:val="0"/>'
        f'<w:spacing w:before="0" w:after="0" w:line="{p.title_line_twips}" w:lineRule="exact"/>'
        f'{no_indent}<w:jc w:val="center"/></w:pPr>'
        f'{run(p.title_font, p.title_size_pt, p.title_bold, spacing=0)}</w:style>'
        + heading(1, p.heading1_font, p.heading1_bold, p.heading1_size_pt)
        + heading(2, p.heading2_font, p.heading2_bold, p.heading2_size_pt)
        + heading(3, p.heading3_font, p.heading3_bold, p.heading3_size_pt)
        + heading(4, p.heading4_font, p.heading4_bold, p.heading4_size_pt)
        + f'<w:style w:type="character" w:styleId="{RUNIN_STYLE}"><w:name w:val="Item Title"/>'
        f'<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="11"/><w:qFormat/>'
        f'{run(p.heading3_font, p.heading3_size_pt, p.heading3_bold)}</w:style>'
        # Signature: right-aligned, no first-line indent; the right indent is per paragraph
        f'<w:style w:type="paragraph" w:styleId="Signature"><w:name w:val="Signature"/>'
        f'<w:basedOn w:val="Normal"/><w:pPr>{exact}{no_indent}<w:jc w:val="right"/></w:pPr></w:style>'
        # Footer: the page number line, 四号 宋体, its own indent and spacing
        f'<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>'
        f'<w:pPr><w:spacing w:before="0" w:after="0" w:line="{p.page_number_line_twips}" w:lineRule="exact"/>'
        f'{no_indent}</w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{p.page_number_font}" w:hAnsi="{p.page_number_font}" '
        f'w:eastAsia="{p.page_number_font}" w:cs="{p.page_number_font}"/><w:spacing w:val="0"/>'
        f'<w:sz w:val="{p.half_points(p.page_number_size_pt)}"/>'
        f'<w:szCs w:val="{p.half_points(p.page_number_size_pt)}"/></w:rPr></w:style>'
        f'<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/>'
        f'<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        f'<w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        f'<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        f'<w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        f'<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        f'<w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders></w:tblPr></w:style>'
        # TableText / TableHeading: cells and the header row, off the body grid with their own spacing
        f'<w:style w:type="paragraph" w:styleId="{TABLE_TEXT_STYLE}"><w:name w:val="Table Text"/>'
        f'<w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:snapToGrid w:val="0"/>{table_spacing}{no_indent}'
        f'<w:jc w:val="center"/></w:pPr>{run(p.table_font, p.table_size_pt, spacing=0)}</w:style>'
        f'<w:style w:type="paragraph" w:styleId="{TABLE_HEADING_STYLE}"><w:name w:val="Table Heading"/>'
        f'<w:basedOn w:val="{TABLE_TEXT_STYLE}"/><w:qFormat/><w:pPr><w:keepNext/><w:snapToGrid w:val="0"/>'
        f'{table_spacing}{no_indent}<w:jc w:val="center"/></w:pPr>'
        f'{run(p.table_header_font, p.table_size_pt, spacing=0)}</w:style>'
        f'</w:styles>'
    )


#: The page-number style's marks: N the page's number, M the number of pages.
_PAGE_FIELDS = {"N": "PAGE", "M": "NUMPAGES"}


def footer_xml(p: Profile, odd: bool) -> str:
    """A footer with the page number in the profile's style (``— N —``: GB/T 9704's) at the
    profile's position: ``outside`` puts odd pages' at the right and even pages' at the
    left, ``page_number_indent_chars`` in from the text block's edge."""
    indent = round(p.page_number_indent_chars * p.page_number_size_pt * 20)
    side = {"right": "right", "left": "left", "center": "center"}.get(p.page_number_position,
                                                                     "right" if odd else "left")
    side = (f'<w:ind w:right="{indent}"/><w:jc w:val="right"/>' if side == "right" else
            f'<w:ind w:left="{indent}"/><w:jc w:val="left"/>' if side == "left" else '<w:jc w:val="center"/>')
    text = lambda t: f'<w:r><w:t xml:space="preserve">{t}</w:t></w:r>'
    field = lambda name: (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                          f'<w:r><w:instrText xml:space="preserve"> {name} </w:instrText></w:r>'
                          f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                          f'<w:r><w:t>{1 if odd or name != "PAGE" else 2}</w:t></w:r>'
                          f'<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    runs = "".join(field(_PAGE_FIELDS[piece]) if piece in _PAGE_FIELDS else text(escape(piece))
                   for piece in re.split("([NM])", p.page_number_style) if piece)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p><w:pPr><w:pStyle w:val="Footer"/>{side}</w:pPr>'
            f'{runs}</w:p></w:ftr>')


def settings_xml(p: Profile) -> str:
    """settings.xml, its children in the schema's order (CT_Settings): Word may drop an
    element out of order, and evenAndOddHeaders carries the even-page footers."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:settings xmlns:w="{W}"><w:zoom w:percent="100"/>'
            f'<w:defaultTabStop w:val="{p.char_twips * 2}"/><w:evenAndOddHeaders/>'
            f'<w:characterSpacingControl w:val="doNotCompress"/>'
            f'<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/>'
            f'<w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>'
            f'<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
            f'w:val="15"/></w:compat>'
            f'<w:themeFontLang w:val="en-US" w:eastAsia="{p.language}"/>'
            f'<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>')


A = "http://schemas.openxmlformats.org/drawingml/2006/main"

#: The theme's colours: Office's, which nothing in a summary uses but the schema requires.
_THEME_COLOURS = (("dk1", '<a:sysClr val="windowText" lastClr="000000"/>'),
                  ("lt1", '<a:sysClr val="window" lastClr="FFFFFF"/>'),
                  ("dk2", '<a:srgbClr val="44546A"/>'), ("lt2", '<a:srgbClr val="E7E6E6"/>'),
                  ("accent1", '<a:srgbClr val="4472C4"/>'), ("accent2", '<a:srgbClr val="ED7D31"/>'),
                  ("accent3", '<a:srgbClr val="A5A5A5"/>'), ("accent4", '<a:srgbClr val="FFC000"/>'),
                  ("accent5", '<a:srgbClr val="5B9BD5"/>'), ("accent6", '<a:srgbClr val="70AD47"/>'),
                  ("hlink", '<a:srgbClr val="0563C1"/>'), ("folHlink", '<a:srgbClr val="954F72"/>'))


def theme_xml(p: Profile) -> str:
    """theme1.xml, which Word always writes and validators expect: its heading font is
    the title's, its body font the body's, so text that falls back to the theme (a
    paragraph pasted in Word, WPS's defaults) keeps the profile's fonts."""
    colours = "".join(f"<a:{name}>{colour}</a:{name}>" for name, colour in _THEME_COLOURS)

    def fonts(tag: str, east_asian: str) -> str:
        return (f'<a:{tag}><a:latin typeface="{p.latin_font}"/><a:ea typeface="{east_asian}"/>'
                f'<a:cs typeface="{p.latin_font}"/><a:font script="Hans" typeface="{east_asian}"/></a:{tag}>')

    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    line = f'<a:ln w="6350">{fill}</a:ln>'
    effect = "<a:effectStyle><a:effectLst/></a:effectStyle>"
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<a:theme xmlns:a="{A}" name="worksum"><a:themeElements><a:clrScheme name="worksum">{colours}'
            f'</a:clrScheme><a:fontScheme name="worksum">{fonts("majorFont", p.title_font)}'
            f'{fonts("minorFont", p.body_font)}</a:fontScheme><a:fmtScheme name="worksum">'
            f'<a:fillStyleLst>{fill * 3}</a:fillStyleLst><a:lnStyleLst>{line * 3}</a:lnStyleLst>'
            f'<a:effectStyleLst>{effect * 3}</a:effectStyleLst><a:bgFillStyleLst>{fill * 3}</a:bgFillStyleLst>'
            f'</a:fmtScheme></a:themeElements><a:objectDefaults/><a:extraClrSchemeLst/></a:theme>')


# Windows names, with the names older or newer Windows carry them under.
_FONT_ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei",
                   "宋体": "SimSun"}


def font_table_xml(p: Profile) -> str:
    names = dict.fromkeys([p.latin_font, p.body_font, p.title_font, p.heading1_font, p.heading2_font,
                           p.heading3_font, p.heading4_font, p.page_number_font, p.table_font,
                           p.table_header_font])
    fonts = []
    for name in names:
        if name == p.latin_font:
            fonts.append(f'<w:font w:name="{name}"><w:charset w:val="00"/><w:family w:val="roman"/>'
                         f'<w:pitch w:val="variable"/></w:font>')
            continue
        alt = _FONT_ALT_NAMES.get(name)
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        fonts.append(f'<w:font w:name="{name}">{alt_xml}<w:charset w:val="86"/><w:family w:val="modern"/>'
                     f'<w:pitch w:val="fixed"/></w:font>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:fonts xmlns:w="{W}">{"".join(fonts)}</w:fonts>')


def section_xml(p: Profile, landscape: bool = False, new_page: bool = False) -> str:
    """A section's properties: the page, margins and footers. A landscape section (a wide
    附件 table) turns the page and its margins a quarter turn: the binding edge, the
    portrait page's left, is the landscape page's top."""
    width, height = mm_to_twips(p.page_width_mm), mm_to_twips(p.page_height_mm)
    top, right, bottom, left = p.margin_top_mm, p.margin_right_mm, p.margin_bottom_mm, p.margin_left_mm
    size = f'<w:pgSz w:w="{width}" w:h="{height}"/>'
    footer = p.footer_twips
    if landscape:
        top, right, bottom, left = left, top, right, bottom
        size = f'<w:pgSz w:w="{height}" w:h="{width}" w:orient="landscape"/>'
        footer = mm_to_twips(bottom - p.page_number_gap_mm) - p.page_number_line_twips
    namespaces = f' xmlns:w="{W}" xmlns:r="{R}"' if new_page else ""
    return (f'<w:sectPr{namespaces}><w:footerReference w:type="default" r:id="rIdFooterOdd"/>'
            f'<w:footerReference w:type="even" r:id="rIdFooterEven"/>'
            f'{size}'
            f'<w:pgMar w:top="{mm_to_twips(top)}" w:right="{mm_to_twips(right)}" '
            f'w:bottom="{mm_to_twips(bottom)}" w:left="{mm_to_twips(left)}" '
            f'w:header="{mm_to_twips(p.header_mm)}" w:footer="{footer}" w:gutter="0"/>'
            f'<w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="{p.line_pitch_twips}"/></w:sectPr>')


def landscape_width(p: Profile) -> int:
    """The text width of a landscape page (see :func:`section_xml`)."""
    return mm_to_twips(p.page_height_mm - p.margin_top_mm - p.margin_bottom_mm)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/word/footer1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/word/footer2.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/word/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>'
)


_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>'
)


_DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'settings" Target="settings.xml"/>'
    '<Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'fontTable" Target="fontTable.xml"/>'
    '<Relationship Id="rIdFooterOdd" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/footer" Target="footer1.xml"/>'
    '<Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/footer" Target="footer2.xml"/>'
    '<Relationship Id="rIdTheme" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'theme" Target="theme/theme1.xml"/>'
    '</Relationships>'
)


_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dc:title></dc:title><dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy><cp:revision>1</cp:revision>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
    '</cp:coreProperties>'
)


def _app_xml() -> str:
    from pipeline import __version__

    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f'<Application>worksum {__version__}</Application></Properties>')


def base_parts(profile: Profile) -> dict[str, str]:
    """Every part of an empty document in this profile, by zip member name."""
    return {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _PACKAGE_RELS,
        "docProps/core.xml": _CORE,
        "docProps/app.xml": _app_xml(),
        "word/document.xml": (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                              f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{section_xml(profile)}'
                              f'</w:body></w:document>'),
        "word/_rels/document.xml.rels": _DOCUMENT_RELS,
        "word/styles.xml": styles_xml(profile),
        "word/settings.xml": settings_xml(profile),
        "word/fontTable.xml": font_table_xml(profile),
        "word/theme/theme1.xml": theme_xml(profile),
        "word/footer1.xml": footer_xml(profile, odd=True),
        "word/footer2.xml": footer_xml(profile, odd=False),
    }


@lru_cache(maxsize=4)
def base_package(profile: Profile) -> bytes:
    """The empty document as .docx bytes; built once per process and profile."""
    return zip_parts((name, text.encode("utf-8")) for name, text in base_parts(profile).items())


def zip_parts(parts) -> bytes:
    """A .docx zip of ``(name, bytes)`` parts with fixed timestamps, in the given order, sealed (:func:`seal`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 3  # Unix on every OS, so Windows builds give the same bytes
            archive.writestr(info, data)
        archive.comment = seal((info.filename, info.CRC, info.file_size) for info in archive.infolist())
    return buffer.getvalue()


SEAL_PREFIX = b"worksum "


def seal(members) -> bytes:
    """The zip comment worksum writes: a digest of every member's name, CRC and size.

    A program that saves the document again writes its own zip (no comment, or
    ours over members that no longer match it), so :func:`made_by_worksum` tells
    a document worksum wrote from one changed since, even by a tool that keeps
    worksum's name in app.xml and its time stamps.
    """
    digest = hashlib.sha256()
    for name, crc, size in members:
        digest.update(f"{name}\0{crc}\0{size}\n".encode("utf-8"))
    return SEAL_PREFIX + digest.hexdigest()[:32].encode("ascii")


def table_block_xml(table: Table, profile: Profile) -> list[str]:
    """A table block as the page shows it (:func:`~pipeline.layout.measure.arranged`): one
    ``w:tbl``, or several with an empty line between them (Word joins adjacent tables),
    each element with its own declaration of ``w:``."""
    pieces = []
    for number, part in enumerate(arranged(table, profile)):
        if number:
            pieces.append(f'<w:p xmlns:w="{W}"><w:pPr><w:pStyle w:val="{ROLE_STYLES["blank"]}"/><w:keepNext/>'
                          f'</w:pPr></w:p>')
        pieces.append(table_xml(part, profile))
    return pieces


def table_xml(table: Table, profile: Profile, available: int | None = None) -> str:
    """A ``w:tbl`` element: full text width (or ``available``), grid lines, header row
    repeated on every page."""
    widths = column_widths(table, profile, available)
    margin = profile.table_cell_margin_twips

    def text_runs(text: str, column_width: int, style: str) -> str:
        # A cell that must wrap is broken into balanced lines here (本部/校区, not 本部校/区).
        text = clean(text)
        if not text:  # nothing Word can store: an empty cell
            return ""
        capacity = (column_width - 2 * margin) / (profile.table_size_pt * 20) - profile.table_slack_chars / 2
        lines = balanced_lines(text, capacity) if capacity > 0 else [text]
        font = east_asian_font(profile, style)
        return "".join(
            f'<w:r>{f"<w:rPr>{punctuation_fonts(font, kind == LATIN_MARK)}</w:rPr>" if kind != TEXT else ""}'
            + "".join("<w:br/>" if item is BREAK else f'<w:t xml:space="preserve">{escape(item)}</w:t>'
                      for item in content) + "</w:r>"
            for kind, content in line_runs(lines))

    def row(cells: tuple[str, ...], style: str, header: bool, last: bool = False) -> str:
        properties = "<w:cantSplit/><w:tblHeader/>" if header else "<w:cantSplit/>"
        keep = "" if last else "<w:keepNext/>"  # a table that fits on a page is not split
        tcs = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>{text_runs(text, w, style)}</w:p></w:tc>'
            for text, w in zip(cells, widths))
        return f"<w:tr><w:trPr>{properties}</w:trPr>{tcs}</w:tr>"

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (f'<w:tbl xmlns:w="{W}"><w:tblPr><w:tblStyle w:val="{TABLE_STYLE}"/>'
            f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
            f'<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
            + row(table.header, TABLE_HEADING_STYLE, header=True, last=not table.rows)
            + "".join(row(cells, TABLE_TEXT_STYLE, header=False, last=i == len(table.rows) - 1)
                      for i, cells in enumerate(table.rows))
            + "</w:tbl>")


def made_by_worksum(docx: bytes) -> bool:
    """Whether ``docx`` is a document worksum wrote that nothing has changed since.

    worksum writes its own name in ``docProps/app.xml`` (Word, WPS and
    LibreOffice put theirs there when they save), stamps every zip member with
    the same fixed time (any other program that saves stamps the present), and
    seals the zip with a digest of its members (:func:`seal`).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            app = archive.read("docProps/app.xml").decode("utf-8", "replace")
            members = archive.infolist()
            comment = archive.comment
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return False
    return ("<Application>worksum " in app and {info.date_time for info in members} == {ZIP_DATE}
            and comment == seal((info.filename, info.CRC, info.file_size) for info in members))
