"""The manuscript: a worded document, as the layout stage receives it.

A :class:`Manuscript` is a list of paragraphs, each with a *role* that the
layout profile maps to a Word style. It holds only text: no YAML, no records,
no Word. The roles:

``title``      the document title, centred
``blank``      an empty line of the body grid
``body``       a body paragraph, first line indented
``heading1``   一、…   ``heading2``  （一）…   ``heading3``  1.…
``item``       a body paragraph that opens with a run-in title (``runin``: "1.标题。")
``signature``  the unit's name under the body     ``date``  the date below it

Headings and items keep their number (``number``) beside the text that shows it
in the conventional style (:data:`NUMBERING`), so a layout profile with another
numbering style can write it its own way. The manuscript also says whose and
of which day it is (``organization``, ``campus``, ``department``, ``date``):
a profile's 落款 and 红头 are made of them. ``attachments`` are tables that go
on pages of their own after the signature (附件), each with its title.

Besides paragraphs, a manuscript may hold a :class:`Table` (role ``table``): a
header row and rows of cell strings, all of one width, laid out as a real Word
table. A table has ``text`` and ``runin`` like a paragraph, so code that reads
a manuscript's text keeps working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["title", "blank", "body", "heading1", "heading2", "heading3", "item", "signature", "date"]


@dataclass(frozen=True)
class Paragraph:
    role: Role
    text: str = ""
    runin: str = ""  # for ``item``: the run-in title printed before ``text``
    breaks: tuple[int, ...] = ()  # for ``title``: offsets where a wrapped line should preferably end
    number: int = 0  # for headings and items: the number their text (or run-in title) opens with


@dataclass(frozen=True)
class Table:
    """A table: a header row, then rows of cells; every row as wide as the header."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()
    role: Literal["table"] = "table"
    runin: str = ""

    def __post_init__(self) -> None:
        if not self.header or any(len(row) != len(self.header) for row in self.rows):
            raise ValueError("every row of a table must have as many cells as its header")

    @property
    def text(self) -> str:
        """The cells, tab-separated, one row a line."""
        return "\n".join("\t".join(row) for row in (self.header, *self.rows))


Block = Paragraph | Table

#: How headings and items are numbered in a manuscript, as each reads for number 1.
NUMBERING = {"heading1": "一、", "heading2": "（一）", "item": "1."}


@dataclass(frozen=True)
class Attachment:
    """A 附件: a table with its title, on pages of its own after the signature."""

    title: str
    table: Table


@dataclass
class Manuscript:
    """Everything the layout needs: paragraphs, and the file's properties."""

    title: str
    author: str
    created: dt.datetime  # a fixed time, so the same input gives the same bytes
    paragraphs: list[Block] = field(default_factory=list)  # paragraphs and tables, in order
    organization: str = ""
    campus: str = ""
    department: str = ""
    date: dt.date | None = None  # the date the signature carries
    attachments: list[Attachment] = field(default_factory=list)

    def add(self, role: Role, text: str = "", runin: str = "", breaks: tuple[int, ...] = (), number: int = 0) -> None:
        self.paragraphs.append(Paragraph(role, text, runin, breaks, number))

    def add_table(self, header, rows) -> None:
        self.paragraphs.append(Table(tuple(header), tuple(tuple(row) for row in rows)))

    def text(self) -> str:
        """The plain text, one paragraph a line (for tests and diffs)."""
        return "\n".join(p.runin + p.text for p in self.paragraphs)
