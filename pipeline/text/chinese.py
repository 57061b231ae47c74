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


def count(n: int) -> str:
    """3 → 三, 2 → 两, 12 → 十二: a small count in running prose (上述三项打算), where a
    document reads better in words; 100 and over stay numerals."""
    if n == 2:
        return "两"
    return ordinal(n) if 0 <= n < 100 else str(n)


def date(value: dt.date) -> str:
    """2025-01-05 → 2025年1月5日 (Arabic numerals without zero padding)."""
    return f"{value.year}年{value.month}月{value.day}日"


def date_in_words(value: dt.date) -> str:
    """2025-01-15 → 二〇二五年一月十五日: the 成文日期 in Chinese numerals, as many schools' rules ask
    (the year digit by digit with 〇 for zero, the month and day as numbers: 十、十一、二十)."""
    year = "".join("〇" if digit == "0" else _DIGITS[int(digit)] for digit in str(value.year))
    return f"{year}年{ordinal(value.month)}月{ordinal(value.day)}日"


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


#: A clause shorter than this says too little alone (与施工方协调): the next one is kept with it.
CLAUSE_MIN_CHARS = 8


def clause(text: Any) -> str:
    """The first clause of a sentence: up to its first comma or full stop, without it.

    A clause too short to say what is to be done (与施工方协调，在质保期满前完成整改)
    keeps the clauses after it, up to the next comma or full stop, until it is long enough.
    """
    parts = re.split(r"([，。；！？,;!?])", "" if text is None else str(text).strip())
    kept = parts[0]
    for mark, following in zip(parts[1::2], parts[2::2]):
        if len(kept) >= CLAUSE_MIN_CHARS or mark not in "，," or not following:
            break
        kept += mark + following
    return kept


#: Time adverbials a plan often opens with (下学期把……, 寒假期间对……, 入冬前完成……):
#: glued behind a connective (首先下学期把……) they read as one phrase, so a comma parts them.
_OPENING_TIME = re.compile(
    r"(?:下一?|本|新|上)(?:个)?(?:学期|学年|阶段|半年|年度)|明年|今年|今后|近期|年内|年底|年初|月底|月初"
    r"|学期(?:初|中|末)|期(?:初|中|末)|开学|入[冬夏秋春]|汛期|[寒暑]假|假期|[春夏秋冬]季|春节|国庆"
    r"|\d{1,4}年|\d{1,2}月|[一二三四五六七八九十]{1,2}月")


def connect(text: Any, connective: str) -> str:
    """``connective`` (首先, 同时, 其次 …) before ``text``; a comma between them when the
    text opens with a time (首先，下学期把观察记录的分析纳入教研), none otherwise
    (首先向学校申请增补两名宿管员)."""
    text = "" if text is None else str(text).strip()
    return f"{connective}，{text}" if _OPENING_TIME.match(text) else f"{connective}{text}"


_COUNT_WORDS = "人次|次|场|轮|回|批"
_SMALL_NUMBERS = {2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def states_count(text: Any, count: int | None) -> bool:
    """Whether ``text`` already states ``count`` as a number of times or things
    (办理转入转出手续23人次, 两次按楼层核对), so that 共开展23次 after it would say it again.
    A date, a time, an ordinal or a number of people does not count (23日, 2分40秒, 第三次, 3名)."""
    if not count or text is None:
        return False
    text = str(text)
    if re.search(rf"(?<![\d.]){count}(?:{_COUNT_WORDS})", text):
        return True
    words = _SMALL_NUMBERS.get(count, "")
    return bool(words) and re.search(rf"(?<![一二三四五六七八九十两第])[{words}](?:次|场|轮|回)", text) is not None


def states_day(text: Any, day: dt.date | None) -> bool:
    """Whether ``text`` names the day ``day`` (11月8日 or 2024年11月8日), so that the date
    written before it would be said twice."""
    if day is None or text is None:
        return False
    return re.search(rf"(?<!\d){day.month}月{day.day}日", str(text)) is not None


def bare(text: Any) -> str:
    """Text without trailing punctuation: for titles that a template punctuates."""
    return _TRAILING.sub("", "" if text is None else str(text))
