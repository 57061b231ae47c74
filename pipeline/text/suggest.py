"""“是否应为…？”: the one way worksum says what a person probably meant.

Every unknown name a person can type (a field, a heading key, a department, a
template set, an output placeholder, a template variable) is compared with the
names that exist, and the closest one, if close enough, is offered::

    >>> did_you_mean("catgory", ["category", "details"])
    '，是否应为 "category"？'
    >>> did_you_mean("xyz", ["category"])
    ''
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike (difflib's ratio) a name must be to be offered.
CUTOFF = 0.5


def closest(word: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The choice most like ``word``, or None when none is alike enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str], *, quotes: str = '""', lead: str = "，",
                 cutoff: float = CUTOFF) -> str:
    """``lead`` + '是否应为 "x"？' for the closest choice, or '' when none is close.

    ``quotes`` are the opening and closing marks around the suggestion: '""' in
    messages about YAML, '“”' in prose, '<>' for placeholders.
    """
    match = closest(word, choices, cutoff)
    space = " " if quotes[0].isascii() else ""  # ASCII marks are set off by a space; “” need none
    return f"{lead}是否应为{space}{quotes[0]}{match}{quotes[1]}？" if match else ""
