"""Numbers, dates and changes written the way a Chinese 工作总结 writes them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
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


Quantity = int | float | Decimal | Fraction


def _fixed(value: Quantity, digits: int) -> str:
    """|value| rounded half up to ``digits`` decimals, without trailing zeros; exact at
    any size (integer arithmetic on the exact fraction, never a binary float)."""
    scaled = abs(Fraction(value)) * 10 ** digits
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    if not digits:
        return str(whole)
    text = str(whole).rjust(digits + 1, "0")
    return (text[:-digits] + "." + text[-digits:]).rstrip("0").rstrip(".")


def number(value: Quantity) -> str:
    """23500 → 23500, 12.50 → 12.5, 3.0 → 3, -3.5 → -3.5: at most two decimals, no
    trailing zeros, no thousands separators, every digit exact."""
    text = _fixed(value, 2)
    return "-" + text if value < 0 and text != "0" else text


def percent(value: Quantity, digits: int = 1) -> str:
    """30.232 → 30.2%, 25.0 → 25% (the size of a change: the sign is the verb's)."""
    return f"{_fixed(value, digits)}%"


def rate(value: Quantity, previous: Quantity) -> Fraction | None:
    """The change from ``previous`` to ``value`` in per cent, exactly; None when no honest
    percentage exists: nothing to compare with (previous 0), or a sign in the way (a
    deficit last period, or this period: 减少 of a negative is not a percentage)."""
    if previous <= 0 or value < 0:
        return None
    return (Fraction(value) - Fraction(previous)) / Fraction(previous) * 100


def change(value: Quantity, previous: Quantity, unit: str = "学期") -> str:
    """How a figure moved: 较上学期增长30.2% / 较上年下降5% / 与上学期持平.

    Returns "" when no honest percentage exists (:func:`rate`). When the figure
    itself is a percentage, :func:`point_change` words it in percentage points.
    """
    if previous == value:
        return f"与上{unit}持平"
    moved = rate(value, previous)
    if moved is None:
        return ""
    return f"较上{unit}{'增长' if moved > 0 else '下降'}{percent(moved)}"


def point_change(value: Quantity, previous: Quantity, unit: str = "学期") -> str:
    """For figures that are themselves percentages: 较上学期提高2.5个百分点."""
    if previous == value:
        return f"与上{unit}持平"
    diff = Fraction(value) - Fraction(previous)
    return f"较上{unit}{'提高' if diff > 0 else '降低'}{number(abs(diff))}个百分点"


def signed(value: Quantity, unit: str | None) -> tuple[str, str]:
    """How a figure reads with its sign: ("", "112") for 112; a negative one as the decline
    it is, the verb and the size: ("下降", "3.5") for -3.5 %, ("减少", "2000") for -2000 元."""
    if value < 0:
        return ("下降" if unit == "%" else "减少"), number(-value)
    return "", number(value)


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
