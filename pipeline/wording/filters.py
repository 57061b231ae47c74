"""The filters templates may use, beyond Jinja2's own: dates, changes, amounts, sentences."""

from __future__ import annotations

import datetime as dt

from pipeline.form.fields import DateSpan
from pipeline.form.model import SEVERITY_NAMES, Figure
from pipeline.form.periods import Term
from pipeline.text import chinese
from pipeline.text.chinese import bare, sentence


def span(value: DateSpan | dt.date | None) -> str:
    """A date, month or range in words: 2024年9月1日至2025年1月10日."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return chinese.date(value)
    one = (lambda d: chinese.month(d.year, d.month)) if value.month_only else chinese.date
    return f"{one(value.start)}至{one(value.end)}" if value.end else one(value.start)


def change(figure: Figure, period: Term) -> str:
    """How ``figure`` moved since its ``previous`` value, or "" when unknown."""
    if figure.previous is None:
        return ""
    if figure.unit == "%":
        return chinese.point_change(figure.value, figure.previous, period.unit)
    return chinese.change(figure.value, figure.previous, period.unit)


def amount(figure: Figure) -> str:
    """The figure with its unit: 112套, 100%, 23500元."""
    return f"{chinese.number(figure.value)}{figure.unit or ''}"


FILTERS = {
    "cn_date": chinese.date,
    "cn_ordinal": chinese.ordinal,
    "number": chinese.number,
    "percent": chinese.percent,
    "period_name": lambda term: Term.parse(term).name if not isinstance(term, Term) else term.name,
    "sentence": sentence,
    "bare": bare,
    "span": span,
    "change": change,
    "amount": amount,
    "severity_name": lambda key: SEVERITY_NAMES.get(key, key),
}
