"""Numbers, dates and changes written the way a Chinese 工作总结 writes them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (heading numbers)."""
    if n < 0:
        raise ValueError(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else
                                     (_DIGITS[1] if rest < 20 else "") + ordinal(rest))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def date(value: dt.date) -> str:
    """2025-01-05 → 2025年1月5日 (Arabic numerals without zero padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def month(year: int, month_: int) -> str:
    return f"{year}年{month_}月"


def number(value: float | int) -> str:
    """23500 → 23500, 12.50 → 12.5, 3.0 → 3: no trailing zeros, no thousands separators."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent(value: float, digits: int = 1) -> str:
    """30.232 → 30.2%, 25.0 → 25%."""
    text = f"{abs(value):.{digits}f}".rstrip("0").rstrip(".") if digits else f"{abs(value):.0f}"
    return f"{text}%"


def change(value: float, previous: float, unit: str = "学期") -> str:
    """How a figure moved: 较上学期增长30.2% / 较上年下降5% / 与上学期持平.

    Returns "" when no honest percentage exists (previous is zero). When the
    figure itself is a percentage, the change is in percentage points.
    """
    if previous == value:
        return f"与上{unit}持平"
    if previous == 0:
        return ""
    rate = (value - previous) / abs(previous) * 100
    verb = "增长" if rate > 0 else "下降"
    return f"较上{unit}{verb}{percent(rate)}"


def point_change(value: float, previous: float, unit: str = "学期") -> str:
    """For figures that are themselves percentages: 较上学期提高2.5个百分点."""
    if previous == value:
        return f"与上{unit}持平"
    diff = value - previous
    verb = "提高" if diff > 0 else "降低"
    return f"较上{unit}{verb}{number(round(abs(diff), 2))}个百分点"


_END = "。！？；…!?;"
_CLOSERS = "”’』」）)》】"
_TRAILING = re.compile(r"[。，、；：！？,.;:!?\s]+$")
_OPEN_END = re.compile(r"[，、：,:\s]+$")


def sentence(text: Any) -> str:
    """Text that ends as a sentence: 。 added unless it already ends with one.

    A closing quote or bracket ends a sentence only when a full stop stands inside
    it (他说：“好。”); 开展“六T”管理 gets its 。. A trailing comma or colon
    (提升整体素质：) is replaced, never followed by 。.
    """
    text = _OPEN_END.sub("", "" if text is None else str(text).strip())
    inner = text.rstrip(_CLOSERS)
    return text if not text or (inner and inner[-1] in _END) else text + "。"


def clause(text: Any) -> str:
    """The first clause of a sentence: up to its first comma or full stop, without it."""
    return re.split(r"[，。；！？,;!?]", "" if text is None else str(text).strip(), maxsplit=1)[0]


def bare(text: Any) -> str:
    """Text without trailing punctuation: for titles that a template punctuates."""
    return _TRAILING.sub("", "" if text is None else str(text))
