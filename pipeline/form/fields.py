"""Field types shared by the form and config models, with Chinese error messages.

Each type is a plain validator: it takes what YAML produced and either returns a
clean value or raises :class:`pydantic_core.PydanticCustomError` with a message a
department head can act on. Using our own validators (not pydantic's lax
coercions) keeps surprises out: ``date: 20250115`` is not a Unix timestamp, and
``value: 23,500`` gets a hint about the comma.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from pipeline.form.periods import Term, TermError
from pipeline.text.characters import NOT_IN_FILE_NAMES, ODD_SPACES, named


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("worksum", message)


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


# --- text -----------------------------------------------------------------

#: The longest text of one field: a whole term's summary is a few thousand characters, and a
#: templates' step may make at most 200 000 (pipeline.wording.sandbox.MAX_SIZE).
MAX_TEXT = 50_000

def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise _fail(f"应为文字，现在是 {value!r}；如要写“是/否”，请加引号")
    if isinstance(value, (int, float, dt.date)):
        return str(value)  # a title such as 2024 is text to a person
    if isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value)), str):
        # "- 要求: 每餐留样": the English colon and space made the text a field and its value.
        raise _fail(f"文字中的英文冒号“:”后面有空格，“{_show(next(iter(value)))}: …”被当成了“字段: 内容”；"
                    f"请改成中文冒号“：”，或者给整段文字加上引号")
    if not isinstance(value, str):
        raise _fail("应为一段文字，不能是列表或多个字段；如文字中含有冒号或以“-”开头，请给整段文字加引号")
    if len(value) > MAX_TEXT:
        raise _fail(f"文字过长（{len(value)} 字），一项内容不应超过 {MAX_TEXT} 字；请分成几项填写")
    return value.strip()


def _required_text(value: Any) -> str:
    text = _text(value) if value is not None else ""
    if not text:
        raise _fail("不能为空")
    return text


Text = Annotated[str, PlainValidator(_text), WithJsonSchema({"type": "string"})]
RequiredText = Annotated[str, PlainValidator(_required_text), WithJsonSchema({"type": "string", "minLength": 1})]

# Characters a name may not hold: it becomes a folder or file name.
_UNSAFE_NAME = re.compile(f"[{NOT_IN_FILE_NAMES}]")


#: The longest campus or department name: it becomes a folder name and part of a file name.
MAX_NAME = 30


def _name(value: Any) -> str:
    text = _required_text(value)
    if _UNSAFE_NAME.search(text) or text.strip(".") == "" or ".." in text:
        raise _fail(f"名称 \"{_show(text)}\" 含有不能用于文件夹名的字符（/ \\ : * ? \" < > | 或 ..）")
    odd = ODD_SPACES.search(text)
    if odd:
        raise _fail(f"名称 \"{_show(text)}\" 中有特殊空格 {named(odd.group())}（多见于从网页复制的文字），"
                    "看起来与普通名称一样却不相同；请删除")
    if len(text) > MAX_NAME:
        raise _fail(f"名称过长（{len(text)} 字），不应超过 {MAX_NAME} 字：它会成为文件夹名和文件名的一部分")
    return text


Name = Annotated[str, PlainValidator(_name), WithJsonSchema({"type": "string", "minLength": 1})]


# --- numbers --------------------------------------------------------------

def _exact_number(value: Any, *, has_unit_field: bool = True) -> int | Decimal:
    """The number ``value`` stands for, exactly: an int, or a Decimal with the digits
    written (a YAML float by its shortest repr, which gives back what was typed)."""
    if isinstance(value, bool) or value is None:
        raise _fail(f"应为数字，现在是 {_show(value)}")
    if isinstance(value, int):
        if abs(value) >= 10 ** (MAX_EXPONENT + 1):
            raise _fail("应为数字")
        return value
    if isinstance(value, (float, Decimal)):
        number = Decimal(repr(value)) if isinstance(value, float) else value
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?[\d,，]+(\.\d+)?", text) and re.search("[,，]", text):
            raise _fail(f"数字 \"{text}\" 中不要加逗号，请写成 {re.sub('[,，]', '', text)}")
        if re.fullmatch(r"-?\d+(\.\d+)?\s*%", text):
            raise _fail(f"请只写数字 {text.rstrip('% ')}，把“%”写在 unit 字段里")
        match = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*([^\d\s.]+)", text)
        if match and has_unit_field:
            # The figure's own unit is known only beside it: validation words the advice (with_unit).
            raise PydanticCustomError("worksum", f"请只写数字 {match.group(1)}，把单位“{match.group(2)}”写在 unit 字段里",
                                      {"number": match.group(1), "written": match.group(2)})
        if match:
            raise _fail(f"请只写数字 {match.group(1)}（“{match.group(2)}”不用写）")
        try:
            number = Decimal(text) if "." in text else int(text)
        except (ValueError, ArithmeticError):
            raise _fail(f"应为数字，现在是 \"{_show(text)}\"") from None
        if isinstance(number, int):
            return _exact_number(number)
    else:
        raise _fail("应为数字")
    # NaN, infinity, and exponents no figure has (1.0e99999 would print a hundred thousand digits)
    if not number.is_finite() or not -MAX_EXPONENT <= number.adjusted() <= MAX_EXPONENT:
        raise _fail("应为数字")
    return int(number) if number == number.to_integral_value() else number


#: The largest power of ten a figure may have, either way (a figure is a count, an amount
#: or a rate; 10^100 is none of them).
MAX_EXPONENT = 100


def _number(value: Any, *, has_unit_field: bool = True) -> int | float:
    """A number that is not negative (a setting such as a share): int or float."""
    number = _exact_number(value, has_unit_field=has_unit_field)
    if number < 0:
        raise _fail(f"不能为负数（现在是 {number}）")
    return number if isinstance(number, int) else float(number)


def _amount(value: Any) -> int | Decimal:
    """A figure's value: any number, negative included (a decline, a deficit), kept exact
    so sums and changes carry no binary-float artefacts at any size."""
    return _exact_number(value)


#: What a figure written with a Chinese multiplier (41.2万) is worth in plain numbers.
MULTIPLIERS = {"万": 10_000, "千": 1_000, "百": 100, "亿": 100_000_000}


def with_unit(number: str, written: str, unit: Any) -> str | None:
    """The advice for ``value: 41.2万`` when the figure's unit is ``元``: the value in plain
    numbers, or the multiplier moved into the unit. None when ``written`` is no multiplier
    of ``unit`` (the plain advice then stands)."""
    if not isinstance(unit, str) or not unit.strip() or written[0] not in MULTIPLIERS:
        return None
    unit = unit.strip()
    if written[1:] not in ("", unit):
        return None
    plain = format((Decimal(number) * MULTIPLIERS[written[0]]).normalize(), "f")
    return (f"数值只写数字：“{number}{written}”写成 {plain}（unit 已是“{unit}”）；"
            f"或者写 {number}，并把 unit 改为“{written[0]}{unit}”")


def _count(value: Any) -> int:
    number = _number(value, has_unit_field=False)  # times and participants: the unit is implied
    if isinstance(number, float):
        if not number.is_integer():
            raise _fail(f"应为整数，现在是 {number}")
        number = int(number)
    return number


Number = Annotated[float, PlainValidator(_number), WithJsonSchema({"type": "number", "minimum": 0})]
Amount = Annotated[Decimal, PlainValidator(_amount), WithJsonSchema({"type": "number"})]
Count = Annotated[int, PlainValidator(_count), WithJsonSchema({"type": "integer", "minimum": 0})]


# --- booleans -------------------------------------------------------------

_TRUE = {"是", "对", "已解决", "已处理", "true", "yes"}
_FALSE = {"否", "不", "未解决", "未处理", "false", "no"}


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _fail(f"应为 true 或 false（是/否），现在是 \"{_show(value)}\"")


Bool = Annotated[bool, PlainValidator(_bool), WithJsonSchema({"type": "boolean"})]


# --- dates ----------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_RANGE_SEPARATORS = re.compile(r"\s*(?:~|～|至|到)\s*")


def _parse_date(text: str) -> dt.date | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day = map(int, match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _fail(f"日期 \"{text.strip()}\" 不存在（{year}年{month}月没有{day}日）") from None


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        parsed = _parse_date(value)
        if parsed:
            return parsed
    raise _fail(f"日期格式不对（现在是 \"{_show(value)}\"），应写成 2025-01-15")


Date = Annotated[dt.date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


@dataclass(frozen=True)
class DateSpan:
    """When an activity happened: a day, a month (``day`` is None), or a range."""

    start: dt.date
    end: dt.date | None = None
    month_only: bool = False


_MONTH_DAY = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DAY = re.compile(r"^(\d{1,2})\s*日$")
_MONTH_ONLY = re.compile(r"^(\d{1,2})\s*月$")


def _end_of_range(text: str, start: DateSpan) -> DateSpan | None:
    """The end of a range written without what it shares with its start, as people write
    it: 2024年8月19日至8月30日, 8月19日至30日, 2024年9月至12月. An end before the start is
    in the next year (2024年12月20日至1月5日). None when ``text`` is not written so."""
    text = text.strip()
    first = start.start
    month_only = _MONTH_ONLY.match(text)
    if start.month_only:
        if not month_only:
            return None
        month = int(month_only.group(1))
        if not 1 <= month <= 12:
            raise _fail(f"月份 \"{text}\" 不存在")
        return DateSpan(dt.date(first.year + (month < first.month), month, 1), month_only=True)
    match = _MONTH_DAY.match(text)
    if match:
        month, day = map(int, match.groups())
        year = first.year + ((month, day) < (first.month, first.day))
    elif _DAY.match(text):
        year, month, day = first.year, first.month, int(_DAY.match(text).group(1))
    else:
        return None
    try:
        return DateSpan(dt.date(year, month, day))
    except ValueError:
        raise _fail(f"日期 \"{text}\" 不存在（{year}年{month}月没有{day}日）") from None


def _span(value: Any) -> DateSpan:
    if isinstance(value, (dt.date, dt.datetime)):
        return DateSpan(_date(value))
    if not isinstance(value, str):
        raise _fail(f"日期格式不对（现在是 \"{_show(value)}\"），应写成 2024-11-09、2024-10 或 2024-09-01 ~ 2025-01-10")
    parts = _RANGE_SEPARATORS.split(value.strip())
    if len(parts) == 2:
        start = _span(parts[0])
        end = (_end_of_range(parts[1], start) if not start.end else None) or _span(parts[1])
        if start.end or end.end:
            raise _fail("日期范围格式不对，应写成 2024-09-01 ~ 2025-01-10")
        if end.start < start.start:
            raise _fail(f"日期范围 \"{value.strip()}\" 的结束早于开始")
        return DateSpan(start.start, end.start, start.month_only and end.month_only)
    text = value.strip()
    parsed = _parse_date(text)
    if parsed:
        return DateSpan(parsed)
    match = _MONTH.match(text)
    if match:
        year, month = map(int, match.groups())
        if 1 <= month <= 12:
            return DateSpan(dt.date(year, month, 1), month_only=True)
        raise _fail(f"月份 \"{text}\" 不存在")
    raise _fail(f"日期格式不对（现在是 \"{_show(text)}\"），应写成 2024-11-09、2024-10 或 2024-09-01 ~ 2025-01-10")


Span = Annotated[DateSpan, PlainValidator(_span), WithJsonSchema({"type": "string"})]


# --- period id ------------------------------------------------------------

def _term(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _fail(f"学期编号格式不对（现在是 \"{_show(value)}\"），应写成 2024-2025-1")
    try:
        return Term.parse(value).id
    except TermError as exc:
        raise _fail(str(exc)) from None


TermId = Annotated[str, PlainValidator(_term), WithJsonSchema({"type": ["string", "integer"]})]


#: What a field of each type holds, by its validator: for a container that must know before
#: validating (a workbook's date cells, pipeline.form.workbook). Other fields hold text.
KINDS = {_date: "date", _span: "span", _count: "count", _number: "number", _bool: "bool"}
