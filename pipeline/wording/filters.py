"""The filters templates may use, beyond Jinja2's own: dates, changes, amounts, sentences."""

from __future__ import annotations

import datetime as dt

from pipeline.form.fields import DateSpan
from pipeline.form.model import APPROX_BEFORE, SEVERITY_NAMES, Figure
from pipeline.form.periods import Term
from pipeline.text import chinese
from pipeline.text.chinese import bare, clause, connect, sentence, states_count, states_day


def span(value: DateSpan | dt.date | None) -> str:
    """A date, month or range in words: 2024年9月1日至2025年1月10日."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return chinese.date(value)
    one = (lambda d: chinese.month(d.year, d.month)) if value.month_only else chinese.date
    if not value.end:
        return one(value.start)
    end = one(value.end)
    if value.end.year == value.start.year:  # 2024年10月8日至11月30日: the year is said once
        end = end.removeprefix(f"{value.end.year}年")
        if value.end.month == value.start.month and not value.month_only:
            end = end.removeprefix(f"{value.end.month}月")  # 2024年8月26日至30日
    return f"{one(value.start)}至{end}"


def change(figure: Figure, period: Term) -> str:
    """How ``figure`` moved since its ``previous`` value, or "" when unknown or approximate."""
    if figure.previous is None or figure.approx:
        return ""  # 100多 against 86 has no honest percentage
    if figure.unit == "%":
        return chinese.point_change(figure.value, figure.previous, period.unit)
    return chinese.change(figure.value, figure.previous, period.unit)


def amount(figure: Figure) -> str:
    """The figure with its unit: 112套, 100%, 23500元; approximate: 约160平方米, 100多件, 30人以上;
    negative, as the decline it is: 下降3.5%, 减少2000元 (:func:`chinese.signed`)."""
    verb, size = chinese.signed(figure.value, figure.unit)
    approx, unit = figure.approx or "", figure.unit or ""
    if approx in APPROX_BEFORE:
        return f"{verb}{approx}{size}{unit}"
    if approx == "以上":
        return f"{verb}{size}{unit}以上"
    return f"{verb}{size}{approx}{unit}"


def says(text: str | None, value: DateSpan | dt.date | int | None) -> bool:
    """Whether ``text`` already says ``value``: a count as a number of times or things
    (23人次, 两次), or a single day (11月8日); a template then does not say it again."""
    if isinstance(value, DateSpan):
        return not value.end and not value.month_only and states_day(text, value.start)
    if isinstance(value, dt.date):
        return states_day(text, value)
    if isinstance(value, int) and not isinstance(value, bool):
        return states_count(text, value)
    return False


FILTERS = {
    "cn_date": chinese.date,
    "cn_ordinal": chinese.ordinal,
    "cn_count": chinese.count,
    "number": chinese.number,
    "percent": chinese.percent,
    "period_name": lambda term: Term.parse(term).name if not isinstance(term, Term) else term.name,
    "sentence": sentence,
    "clause": clause,
    "connect": connect,
    "says": says,
    "bare": bare,
    "span": span,
    "change": change,
    "amount": amount,
    "severity_name": lambda key: SEVERITY_NAMES.get(key, key),
}
