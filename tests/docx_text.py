"""Reading a generated .docx in tests: its paragraphs, with style names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docx


@dataclass(frozen=True)
class Para:
    style: str  # as Word shows it: Title, Heading 1, Normal …
    text: str


def paragraphs(path: Path) -> list[Para]:
    return [Para(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


def texts(path: Path) -> list[str]:
    return [p.text for p in paragraphs(path)]


def headings(path: Path, level: int = 1) -> list[str]:
    return [p.text for p in paragraphs(path) if p.style == f"Heading {level}"]
