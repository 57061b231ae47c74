"""Read the text lines of a PDF's pages, with their positions, through poppler.

The layout tests look at pages as a reader sees them: where each line of text
stands on the paper. ``pdftotext -bbox-layout`` (poppler-utils) gives every
line's box in points, measured from the page's top-left corner; ``pdftohtml
-xml`` gives the font of each run of text. No Python PDF library is needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

PT_PER_MM = 72 / 25.4

#: Chinese characters and full-width punctuation: one body character wide each.
_WIDE = re.compile(r"^[\u3000-\u303f\u3400-\u9fff\uff01-\uff5e]+$")
#: Punctuation LibreOffice (like Word) may let hang past the right margin.
HANGING = set("，。、；：！？”’）》")


@dataclass
class Line:
    """One line of text on a page: its box in points and its characters (spaces dropped)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def all_wide(self) -> bool:
        """Only Chinese characters and full-width punctuation (no digits, Latin, curly quotes)."""
        return bool(_WIDE.match(self.text))


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


@dataclass
class Document:
    title: str
    pages: list[Page]


def tools_missing() -> list[str]:
    return [tool for tool in ("pdftotext", "pdftohtml", "pdffonts") if shutil.which(tool) is None]


def read(pdf: Path) -> Document:
    """Every page's lines, top to bottom; words on the same baseline form one line."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = ElementTree.fromstring(re.sub(rb'xmlns="[^"]+"', b"", xml, count=1))
    title = root.findtext("head/title") or ""
    pages = []
    for number, page_element in enumerate(root.iter("page"), start=1):
        page = Page(number, float(page_element.get("width")), float(page_element.get("height")))
        for line_element in page_element.iter("line"):
            words = list(line_element.iter("word"))
            page.lines.append(Line(
                float(line_element.get("xMin")), float(line_element.get("yMin")),
                float(line_element.get("xMax")), float(line_element.get("yMax")),
                "".join((w.text or "").replace(" ", "") for w in words)))
        page.lines = _merge_same_row(page.lines)
        pages.append(page)
    return Document(title, pages)


def _merge_same_row(lines: list[Line]) -> list[Line]:
    """pdftotext may cut one printed line into blocks; join the pieces left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (round(l.top), l.x0)):
        if rows and abs(rows[-1][0].top - line.top) < 2:
            rows[-1].append(line)
        else:
            rows.append([line])
    merged = []
    for row in rows:
        row.sort(key=lambda l: l.x0)
        merged.append(Line(row[0].x0, min(l.top for l in row), max(l.x1 for l in row),
                           max(l.bottom for l in row), "".join(l.text for l in row)))
    return merged


def fonts_by_text(pdf: Path, page: int) -> list[tuple[str, bool, str]]:
    """``(font family, bold, text)`` for each run of text on one page (``pdftohtml -xml``).

    pdftohtml names the family without its style and marks bold runs with ``<b>``.
    """
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-zoom", "1", "-f", str(page), "-l", str(page),
                          str(pdf)], capture_output=True, check=True).stdout
    root = ElementTree.fromstring(re.sub(rb"<!DOCTYPE[^>]*>", b"", xml))
    fonts = {spec.get("id"): spec.get("family") for spec in root.iter("fontspec")}
    return [(fonts[text.get("font")], text.find(".//b") is not None, "".join(text.itertext()))
            for text in root.iter("text")]


def face(font: str, bold: bool | None = None) -> str:
    """A comparable name for a font face: family in lower case without subset prefix,
    style or CJK region, plus ``-bold`` for a bold face (``bold`` None: read it from the name).

    A Noto CJK collection names every region's face after the Japanese one in a PDF.
    """
    name = font.split("+", 1)[-1]
    family = re.sub(r"cjk(jp|sc|tc|kr|hk)", "cjk", name.split("-", 1)[0].lower())
    if bold is None:
        bold = "bold" in name.lower()
    return family + ("-bold" if bold else "")


def embedded_fonts(pdf: Path) -> set[str]:
    """The fonts embedded in the PDF (pdffonts), subset prefixes removed."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    return {row.split()[0].split("+", 1)[-1] for row in out.splitlines()[2:] if row.strip()}


def require_renderer() -> None:
    """Skip a test that needs LibreOffice and poppler where they are missing, with the
    reason; under CI (CI=true) fail instead, so the layout tests never vanish there."""
    import os

    import pytest

    from pipeline.export.pdf import PACKAGES, find_soffice

    missing = (["LibreOffice (soffice)"] if find_soffice() is None else []) + tools_missing()
    if not missing:
        return
    reason = f"缺少 {', '.join(missing)}（安装：apt-get install {PACKAGES} poppler-utils）"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI 中的版面测试不能跳过：{reason}", pytrace=False)
    pytest.skip(f"版面测试跳过：{reason}")


@dataclass
class Band:
    """Rows of a page that hold ink of one colour, one after another: their extent in points."""

    top: float
    bottom: float
    x0: float
    x1: float


_INK = {"red": lambda r, g, b: r > 180 and g < 110 and b < 110,
        "black": lambda r, g, b: r < 100 and g < 100 and b < 100}


def ink_rows(pdf: Path, page: int, colour: str, dpi: int = 144) -> list[Band]:
    """The bands of ``colour`` ink ("red" or "black") on one page, top to bottom (pdftoppm).

    Text boxes (``read``) stand where the font says; ink shows where the glyphs and rules
    are drawn, which is what GB/T 9704's distances measure (the 红头's top edge, the rule).
    """
    data = subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), str(pdf)],
                          capture_output=True, check=True).stdout
    magic, size, _maximum, pixels = data.split(b"\n", 3)
    assert magic == b"P6"
    width, height = map(int, size.split())
    inked = _INK[colour]
    scale = 72 / dpi
    bands: list[Band] = []
    for y in range(height):
        row = pixels[y * width * 3:(y + 1) * width * 3]
        xs = [x for x, pixel in enumerate(zip(row[0::3], row[1::3], row[2::3])) if inked(*pixel)]
        if not xs:
            continue
        if bands and y * scale - bands[-1].bottom <= scale * 1.5:
            band = bands[-1]
            band.bottom, band.x0, band.x1 = (y + 1) * scale, min(band.x0, xs[0] * scale), max(band.x1, (xs[-1] + 1) * scale)
        else:
            bands.append(Band(y * scale, (y + 1) * scale, xs[0] * scale, (xs[-1] + 1) * scale))
    return bands
