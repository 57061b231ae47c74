"""Period ids (``term`` in a form) and how the genre names them.

Three kinds of period exist:

=============  =========================  ==========================
id             kind                       name
=============  =========================  ==========================
``2024-2025-1``  first semester             2024—2025学年第一学期
``2024-2025-2``  second semester            2024—2025学年第二学期
``2024-2025``    school year                2024—2025学年
``2024``         calendar year              2024年度
=============  =========================  ==========================

The dash in a name is the em dash (U+2014), as layout.md asks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{4})(?:-([12]))?)?$")
_SEMESTER_NAMES = {1: "第一学期", 2: "第二学期"}


#: The years a period may start in: four digits, and no year 0 (whose previous period has no id).
FIRST_YEAR, LAST_YEAR = 1900, 2998


class TermError(ValueError):
    """A period id that is not one of the accepted forms; the message is Chinese."""


@dataclass(frozen=True, order=True)
class Term:
    """A reporting period parsed from its id."""

    start: int
    end: int | None = None  # None for a calendar year
    semester: int | None = None  # 1 or 2 for a semester, None for a whole year

    @classmethod
    def parse(cls, value: str | int) -> Term:
        text = str(value).strip()
        match = _PATTERN.match(text)
        if not match:
            raise TermError(f"学期编号 \"{text}\" 格式不对；应写成 2024-2025-1（第一学期）、"
                            "2024-2025-2（第二学期）、2024-2025（学年）或 2024（年度）")
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else None
        if not FIRST_YEAR <= start <= LAST_YEAR:
            raise TermError(f"学期编号 \"{text}\" 中的年份 {match.group(1)} 不对；应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份，"
                            "如 2024-2025-1")
        if end is not None and end != start + 1:
            raise TermError(f"学期编号 \"{text}\" 中的学年应为相邻两年，如 {start}-{start + 1}")
        semester = int(match.group(3)) if match.group(3) else None
        return cls(start, end, semester)

    @property
    def id(self) -> str:
        if self.end is None:
            return str(self.start)
        base = f"{self.start}-{self.end}"
        return f"{base}-{self.semester}" if self.semester else base

    @property
    def name(self) -> str:
        """2024—2025学年第一学期, 2024—2025学年, 2024年度."""
        if self.end is None:
            return f"{self.start}年度"
        return f"{self.start}\u2014{self.end}学年{_SEMESTER_NAMES.get(self.semester, '')}"

    @property
    def unit(self) -> str:
        """What the genre calls this kind of period in 较上学期 / 较上学年 / 较上年."""
        if self.semester:
            return "学期"
        return "学年" if self.end else "年"

    @property
    def this(self) -> str:
        """本学期 / 本学年 / 本年度: how the text refers to the period itself."""
        return {"学期": "本学期", "学年": "本学年", "年": "本年度"}[self.unit]

    def dates(self) -> tuple[dt.date, dt.date]:
        """The first and last day the period covers: a first semester August to January, a second
        February to July, a school year August to July, a calendar year January to December."""
        if self.end is None:
            return dt.date(self.start, 1, 1), dt.date(self.start, 12, 31)
        if self.semester == 2:
            return dt.date(self.end, 2, 1), dt.date(self.end, 7, 31)
        return dt.date(self.start, 8, 1), (dt.date(self.end, 1, 31) if self.semester == 1 else dt.date(self.end, 7, 31))

    def previous(self) -> Term:
        """The period before: 2024-2025-1 → 2023-2024-2, 2024-2025-2 → 2024-2025-1."""
        if self.semester == 2:
            return Term(self.start, self.end, 1)
        if self.semester == 1:
            return Term(self.start - 1, self.start, 2)
        if self.end is not None:
            return Term(self.start - 1, self.start)
        return Term(self.start - 1)

    def __str__(self) -> str:
        return self.id
