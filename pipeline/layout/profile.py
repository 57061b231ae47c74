"""Layout profiles: every number of the page, in one place.

A profile is data: the built-in ones are YAML files shipped in
``pipeline/profiles/`` (``gbt9704``: GB/T 9704-2012 as schools use it for
工作总结; ``school``: the plainer style many schools ask for), and a workspace
can name, write or adjust one in config.yaml's ``format`` (docs/版式指南.md).
:mod:`pipeline.form.profiles` reads and checks those files; this module holds
the resolved numbers the layout stage reads, and what follows from them.

Units: lengths in millimetres or points as written rules state them; the
properties convert to Word's units (twips = 1/20 pt, half-points for sizes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipeline.form.profiles import TYPE_HEIGHT_EM, mm_to_twips, type_line_twips


@dataclass(frozen=True)
class Profile:
    """The numbers and fonts of one layout (see pipeline/profiles/gbt9704.yaml for their meaning)."""

    name: str
    description: str
    # paper and margins, mm
    page_width_mm: float
    page_height_mm: float
    margin_top_mm: float
    margin_bottom_mm: float
    margin_left_mm: float
    margin_right_mm: float
    header_mm: float
    # the grid
    lines_per_page: int
    chars_per_line: int
    line_pitch_twips: int
    # body text, first line indented, justified
    body_font: str
    body_size_pt: float
    body_char_spacing: int  # twentieths of a point: what makes chars_per_line fill the line
    latin_font: str
    indent_chars: float
    title_font: str
    title_size_pt: float
    title_bold: bool
    # headings: the numbering as it reads for number 1 (一、 （一） 1. （1）), font, bold
    heading1_font: str
    heading1_bold: bool
    heading1_numbering: str
    heading2_font: str
    heading2_bold: bool
    heading2_numbering: str
    heading3_font: str
    heading3_bold: bool
    heading3_numbering: str
    heading4_font: str
    heading4_bold: bool
    heading4_numbering: str
    heading1_size_pt: float  # the body's size unless a profile says otherwise
    heading2_size_pt: float
    heading3_size_pt: float
    heading4_size_pt: float
    # the 落款: its lines (<author> <organization> <campus> <department>), right space, date
    signature_lines: tuple[str, ...]
    signature_right_chars: float
    date_offset_chars: float
    date_style: str  # arabic (2025年1月15日) or chinese (二〇二五年一月十五日)
    # page number: style with N (and M, the page count), position outside/center/right/left
    page_number_style: str
    page_number_position: str
    page_number_font: str
    page_number_size_pt: float
    page_number_gap_mm: float
    page_number_indent_chars: float
    # tables
    table_font: str
    table_header_font: str
    table_size_pt: float
    table_line_twips: int
    # 红头 (GB/T 9704's 版头)
    red_header: bool
    red_header_unit: str
    red_header_font: str
    red_header_size_pt: float
    red_header_color: str
    red_header_top_mm: float
    red_header_number: str
    red_header_number_font: str
    red_header_rule_gap_mm: float
    red_header_rule_pt: float
    # 附件
    attachments: bool
    attachment_label_font: str
    attachment_landscape: bool
    # How renderers set type, not what a school's rules say; the same for every profile.
    # The gap Word and LibreOffice put between Chinese and a run of digits or Latin
    # letters (LibreOffice: 1/5 of the font size), in body characters: "2025年1月15日"
    # is a character wider than its letters, and the signature block must count it.
    autospace_chars: float = 0.2
    table_cell_spacing_twips: int = 30  # above and below the text in each cell
    table_cell_margin_twips: int = 57  # left and right inside each cell (1 mm): room for 7–8 columns
    table_min_column_chars: float = 2
    table_slack_chars: float = 0.5  # per column: Latin signs such as % are wider than half a character
    # More columns than this (a roll-up of five campuses or more), or numbers that would
    # break: the table is turned, campuses as rows (layout.measure.arranged).
    table_max_columns: int = 9
    # How tall renderers set a line of type, in ems of its size (pipeline.form.profiles, whose
    # checks measure with it too).
    type_height_em: float = TYPE_HEIGHT_EM
    language: str = "zh-CN"

    # --- derived, in Word units ----------------------------------------------

    @property
    def char_twips(self) -> int:
        """The advance of one body character: 16 pt − 0.25 pt = 315 twips."""
        return round(self.body_size_pt * 20) + self.body_char_spacing

    @property
    def text_width_twips(self) -> int:
        return mm_to_twips(self.page_width_mm - self.margin_left_mm - self.margin_right_mm)

    @property
    def title_line_twips(self) -> int:
        """The title's exact line height: the body's pitch, or what the title's type needs
        when that is more (a 二号 title under 23.3 pt body spacing gets 28.6 pt lines), so
        the title is never drawn above the text block."""
        return type_line_twips(self.line_pitch_twips, self.title_size_pt, self.type_height_em)

    @property
    def title_chars_per_line(self) -> float:
        return self.text_width_twips / (self.title_size_pt * 20)

    @property
    def footer_twips(self) -> int:
        """Footer distance from the page's bottom edge, so the number's line starts
        ``page_number_gap_mm`` below the text block."""
        number_line = self.page_number_line_twips
        return mm_to_twips(self.margin_bottom_mm - self.page_number_gap_mm) - number_line

    @property
    def page_number_line_twips(self) -> int:
        return round(self.page_number_size_pt * 20 * 1.2)

    @staticmethod
    def half_points(pt: float) -> int:
        return round(pt * 2)


@cache
def builtin(name: str) -> Profile:
    """A built-in profile (``pipeline/profiles/<name>.yaml``), read and checked once per process."""
    from pipeline.form.profiles import chain, resolve

    return Profile(**resolve(chain(name, None, (None, ("format",))), name))


def __getattr__(name: str) -> Profile:
    # GBT9704 is read from its data file when first used, not when the layout is imported.
    if name == "GBT9704":
        return builtin("gbt9704")
    raise AttributeError(name)
