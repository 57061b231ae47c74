"""Layout profiles: every number of the page, in one place.

``GBT9704`` follows GB/T 9704-2012 as schools use it for 工作总结
(shared/spec/layout.md). The layout stage reads sizes only from a profile; to
change the look, change or add a profile, not the layout code.

Units: lengths in millimetres or points as the standard states them; the
properties convert to Word's units (twips = 1/20 pt, half-points for sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
TWIPS_PER_INCH = 1440


def mm_to_twips(mm: float) -> int:
    return round(mm / MM_PER_INCH * TWIPS_PER_INCH)


@dataclass(frozen=True)
class Profile:
    """The numbers and fonts of one layout."""

    name: str
    # page (A4) and margins, mm
    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    header_mm: float = 15
    # the grid: 22 lines of 28 characters
    lines_per_page: int = 22
    chars_per_line: int = 28
    line_pitch_twips: int = 579  # exactly 28.95 pt
    # body text: 三号 仿宋, 2-character first-line indent, justified
    body_font: str = "仿宋_GB2312"
    body_size_pt: float = 16
    body_char_spacing: int = -5  # twentieths of a point: −0.25 pt makes 28 characters fit a line
    latin_font: str = "Times New Roman"
    indent_chars: int = 2
    # title: 二号 小标宋, centred
    title_font: str = "方正小标宋简体"
    title_size_pt: float = 22
    # headings: 一、黑体  （一）楷体  1. 仿宋 (bold by local habit)  （1）仿宋
    heading1_font: str = "黑体"
    heading2_font: str = "楷体_GB2312"
    heading3_font: str = "仿宋_GB2312"
    heading3_bold: bool = True
    heading4_font: str = "仿宋_GB2312"
    # signature block: 2 characters of space at the right; the date starts 2 characters in
    signature_right_chars: float = 2
    date_offset_chars: float = 2
    # The gap Word and LibreOffice put between Chinese and a run of digits or Latin
    # letters (LibreOffice: 1/5 of the font size), in body characters: "2025年1月15日"
    # is a character wider than its letters, and the signature block must count it.
    autospace_chars: float = 0.2
    # page number: — 1 —, 四号 宋体, 7 mm below the text block, 1 character in from the edge
    page_number_font: str = "宋体"
    page_number_size_pt: float = 14
    page_number_gap_mm: float = 7
    page_number_indent_chars: float = 1
    # tables: 小四 仿宋 cells, 黑体 header row, exact 18 pt lines, centred; full text width
    table_font: str = "仿宋_GB2312"
    table_header_font: str = "黑体"
    table_size_pt: float = 12
    table_line_twips: int = 360
    table_cell_spacing_twips: int = 30  # above and below the text in each cell
    table_cell_margin_twips: int = 57  # left and right inside each cell (1 mm): room for 7–8 columns
    table_min_column_chars: float = 2
    table_slack_chars: float = 0.5  # per column: Latin signs such as % are wider than half a character
    # More columns than this (a roll-up of five campuses or more), or numbers that would
    # break: the table is turned, campuses as rows (layout.measure.arranged).
    table_max_columns: int = 9
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


GBT9704 = Profile(name="gbt9704")

PROFILES = {GBT9704.name: GBT9704}


def get(name: str) -> Profile:
    return PROFILES[name]
