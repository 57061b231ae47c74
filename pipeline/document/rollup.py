"""Group one department's forms across every campus: the Rollup model (汇总).

The input is each campus's :class:`~pipeline.document.assemble.Summary`, so records are
placed under headings, and figures carry last period's values, exactly as in
that campus's own document. The output is what the combined document says,
before it is worded:

* the headings in config order, each holding every campus's part under it
  (activities, incidents, shortcomings and plans), campuses in config order;
* the figures as rows of a campus × item table: one row per item and unit,
  each campus's value, the total, and the previous period's total where every
  campus's previous value is known (the form's ``previous``, else last
  period's form, see :mod:`pipeline.form.history`). Percentages are not added up. An item a campus files under another heading than the others is
  shown under the heading most campuses chose;
* incident totals per heading: how many, by campus and severity, unresolved,
  and which campuses reported that none happened.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pipeline.document.assemble import Summary
from pipeline.form.config import Config
from pipeline.form.kinds import SCHOOL
from pipeline.form.model import Activity, Incident
from pipeline.form.periods import Term
from pipeline.text.chinese import Quantity

RATE_UNIT = "%"


@dataclass
class CampusPart:
    """What one campus says under one heading."""

    campus: str
    activities: list[Activity] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    no_incidents: bool = False
    shortcomings: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.activities or self.incidents or self.no_incidents or self.shortcomings or self.plans)


@dataclass
class FigureRow:
    """One item's values across campuses."""

    item: str
    unit: str | None
    values: dict[str, Quantity] = field(default_factory=dict)  # campus → value (int or Decimal: exact)
    previous: dict[str, Quantity | None] = field(default_factory=dict)  # campus → last period's, None: unknown

    @property
    def summable(self) -> bool:
        return self.unit != RATE_UNIT

    @property
    def total(self) -> Quantity | None:
        return sum(self.values.values()) if self.summable else None

    @property
    def previous_total(self) -> Quantity | None:
        """Last period's total, only when every campus's previous value is known."""
        if not self.summable or any(self.previous.get(campus) is None for campus in self.values):
            return None
        return sum(self.previous[campus] for campus in self.values)


@dataclass
class IncidentTally:
    """The incidents under one heading, counted."""

    by_campus: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)  # severity key → count, mildest first
    unresolved: int = 0
    quiet: list[str] = field(default_factory=list)  # campuses that reported none happened

    @property
    def total(self) -> int:
        return sum(self.by_campus.values())


@dataclass
class RollupSection:
    """One numbered heading of the combined document."""

    key: str
    number: int
    title: str
    parts: list[CampusPart] = field(default_factory=list)
    rows: list[FigureRow] = field(default_factory=list)
    incidents: IncidentTally | None = None
    campuses: list[str] = field(default_factory=list)  # every campus of the roll-up, in order
    name: str = ""  # the heading's short name
    worded: bool = False  # config.yaml wrote the title: templates do not reword it

    # Every campus's records together, for templates written for one campus's Section.
    @property
    def activities(self) -> list[Activity]:
        return [a for part in self.parts for a in part.activities]

    @property
    def shortcomings(self) -> list[str]:
        return [s for part in self.parts for s in part.shortcomings]

    @property
    def plans(self) -> list[str]:
        return [p for part in self.parts for p in part.plans]

    @property
    def table_campuses(self) -> list[str]:
        """The campuses with a value in this heading's table, in campus order."""
        present = {campus for row in self.rows for campus in row.values}
        return [campus for campus in self.campuses if campus in present]


@dataclass
class Rollup:
    """One department's combined summary for one period."""

    organization: str
    department: str
    period: Term
    date: dt.date
    campuses: list[str]  # the campuses included, in order
    missing: list[str]  # campuses config.yaml names that sent no form
    sections: list[RollupSection]
    kind: str = SCHOOL  # institution kind, as the campuses' summaries have it

    @property
    def author(self) -> str:
        return f"{self.organization}{self.department}"


def campus_order(config: Config, campuses) -> list[str]:
    """config.yaml's campus order, then any others by name."""
    listed = list(config.campuses or [])
    return [c for c in listed if c in campuses] + sorted(c for c in campuses if c not in listed)


def roll_up(summaries: list[Summary], config: Config) -> Rollup:
    """The :class:`Rollup` of one department's ``summaries`` (one per campus)."""
    if not summaries:
        raise ValueError("a roll-up needs at least one summary")
    order = campus_order(config, {s.campus for s in summaries})
    summaries = sorted(summaries, key=lambda s: order.index(s.campus))

    rows: dict[tuple[str, str], FigureRow] = {}
    votes: dict[tuple[str, str], Counter] = {}
    parts: dict[str, list[CampusPart]] = {h.key: [] for h in config.heading_list}
    tallies: dict[str, IncidentTally] = {}
    for summary in summaries:
        for section in summary.sections:
            part = CampusPart(summary.campus, list(section.activities), list(section.incidents),
                              section.no_incidents, list(section.shortcomings), list(section.plans))
            if not part.empty:
                parts[section.key].append(part)
            if section.incidents or section.no_incidents:
                _count_incidents(tallies.setdefault(section.key, IncidentTally()), part)
            for figure in section.figures:
                key = (figure.item, figure.unit or "")
                row = rows.setdefault(key, FigureRow(figure.item, figure.unit))
                votes.setdefault(key, Counter())[section.key] += 1
                known = figure.previous
                if summary.campus in row.values:  # the same item twice in one form: add up
                    row.values[summary.campus] += figure.value
                    earlier = row.previous[summary.campus]
                    row.previous[summary.campus] = None if earlier is None or known is None else earlier + known
                else:
                    row.values[summary.campus] = figure.value
                    row.previous[summary.campus] = known

    heading_keys = [h.key for h in config.heading_list]
    placed: dict[str, list[FigureRow]] = {key: [] for key in heading_keys}
    for key, row in rows.items():
        # The heading most campuses chose; a tie goes to the earlier heading.
        best = max(votes[key].items(), key=lambda kv: (kv[1], -heading_keys.index(kv[0])))[0]
        placed[best].append(row)

    sections = []
    for heading in config.heading_list:
        if not (parts[heading.key] or placed[heading.key]):
            continue
        sections.append(RollupSection(heading.key, len(sections) + 1, heading.title, parts[heading.key],
                                      placed[heading.key], tallies.get(heading.key), order,
                                      heading.name, heading.worded))

    first = summaries[0]
    listed = list(config.campuses or [])
    return Rollup(
        organization=next((s.organization for s in summaries if s.organization), ""),
        department=first.department,
        period=first.period,
        date=max(s.date for s in summaries),
        campuses=[s.campus for s in summaries],
        missing=[c for c in listed if c not in {s.campus for s in summaries}],
        sections=sections,
        kind=first.kind,
    )


_SEVERITY_ORDER = ("minor", "moderate", "serious")


def _count_incidents(tally: IncidentTally, part: CampusPart) -> None:
    if part.incidents:
        tally.by_campus[part.campus] = tally.by_campus.get(part.campus, 0) + len(part.incidents)
    elif part.no_incidents:
        tally.quiet.append(part.campus)
    for incident in part.incidents:
        tally.by_severity[incident.severity] = tally.by_severity.get(incident.severity, 0) + 1
        tally.unresolved += not incident.resolved
    tally.by_severity = {k: tally.by_severity[k] for k in _SEVERITY_ORDER if k in tally.by_severity}
