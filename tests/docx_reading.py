"""Reading generated .docx files in tests: paragraphs with their styles, parts as XML."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def w(name: str) -> str:
    return f"{{{W}}}{name}"


@dataclass
class Para:
    style: str  # the style's name as Word shows it (Title, Heading 1, Normal …)
    text: str
    element: object


def paragraphs(source: Path | bytes) -> list[Para]:
    document = docx.Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    return [Para(p.style.name, p.text, p._p) for p in document.paragraphs]


def part(source: Path | bytes, name: str):
    """One part of the package, parsed: part(path, "word/styles.xml")."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(name))


def style(styles, name: str):
    """The w:style element whose w:name is ``name``."""
    found = styles.xpath(f'w:style[w:name/@w:val="{name}"]', namespaces=NS)
    assert found, f"style {name!r} is missing"
    return found[0]


def attr(element, path: str, attribute: str) -> str | None:
    found = element.xpath(path, namespaces=NS)
    return found[0].get(w(attribute)) if found else None
