"""Group a form's records under the document's headings: the Summary model.

A :class:`Summary` is what the document says, before it is worded: the
headings in config order, each holding the records that fall under it, empty
headings dropped and the rest numbered 1, 2, 3 without gaps. Records without a
``category`` are placed by :mod:`pipeline.document.classify`; a close call is a warning
naming the record's line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Mapping

from pipeline.diagnostics import Diagnostic
from pipeline.document.classify import Classifier
from pipeline.form.config import Config
from pipeline.form.kinds import SCHOOL, institution_kind
from pipeline.form.model import Activity, Figure, Form, Incident
from pipeline.form.periods import Term
from pipeline.text.chinese import Quantity

#: Reports a warning about the value at a form path (the loader knows the line).
Warn = Callable[[tuple, str], Diagnostic]


@dataclass
class Section:
    """One numbered heading and what stands under it."""

    key: str
    number: int
    title: str
    name: str = ""  # the heading's short name (学习, 安全 …), for wording such as 安全方面
    worded: bool = False  # config.yaml or the form wrote the title: templates do not reword it
    intro: str | None = None  # the form's own lead paragraph, replacing the template's
    activities: list[Activity] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    no_incidents: bool = False  # the form said ``incidents: []``: none happened
    shortcomings: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.activities or self.figures or self.incidents or self.no_incidents
                    or self.shortcomings or self.plans)


@dataclass
class Summary:
    """The document's content, grouped and numbered; input of the wording stage."""

    organization: str
    campus: str
    department: str
    period: Term
    date: dt.date
    author: str
    sections: list[Section]
    title: str | None = None  # the form's own title, replacing the template's
    intro: str | None = None
    closing: str | None = None
    kind: str = SCHOOL  # institution kind: config.yaml's, or read from the organization's name


def assemble(form: Form, config: Config, classifier: Callable[[], Classifier], warn: Warn,
             previous: Mapping[str, Quantity] | None = None) -> tuple[Summary, list[Diagnostic]]:
    """Build the :class:`Summary` of ``form``; ``classifier`` is called only if needed.

    ``previous`` gives last period's value by ``item`` (see :mod:`pipeline.form.history`); it
    fills in a count's ``previous`` when the form leaves it out.
    """
    previous = previous or {}
    warnings: list[Diagnostic] = []
    sections = {h.key: Section(h.key, 0, h.title, name=h.name, worded=h.worded) for h in config.heading_list}

    def place(record, path: tuple, title: str, *texts: str | None) -> Section:
        if record.category:
            return sections[record.category]
        inference = classifier().infer(title, *texts)
        heading = config.heading(inference.key)
        if not inference.sure:
            other = f"，也可能属于“{config.heading(inference.runner_up).name}”" if inference.runner_up else ""
            reason = "无法从文字判断分类" if not inference.score else "分类把握不大"
            warnings.append(warn(path, f"“{title}”未写 category，{reason}，暂归入“{heading.name}”{other}；"
                                       f"请填写 category 确认"))
        return sections[heading.key]

    for i, activity in enumerate(form.activities):
        place(activity, ("activities", i), activity.title, activity.details, activity.result).activities.append(activity)
    for i, figure in enumerate(form.counts):
        if figure.previous is None and figure.item in previous:
            figure = figure.model_copy(update={"previous": previous[figure.item]})
        place(figure, ("counts", i), figure.item, figure.note).figures.append(figure)
    if form.incidents is not None:
        for incident in form.incidents:
            sections[incident.category or "safety"].incidents.append(incident)
        if not form.incidents:
            sections["safety"].no_incidents = True
    sections["shortcomings"].shortcomings = list(form.shortcomings)
    sections["shortcomings"].plans = list(form.plans)

    for key, override in form.headings.items():
        if override.title:
            sections[key].title = override.title
            sections[key].worded = True
        if override.intro:
            sections[key].intro = override.intro

    ordered = [s for s in (sections[h.key] for h in config.heading_list) if not s.empty]
    for number, section in enumerate(ordered, 1):
        section.number = number

    summary = Summary(
        organization=form.organization or config.organization or "",
        campus=form.campus,
        department=form.department,
        period=form.period,
        date=form.date,
        author=form.author or f"{form.campus}{form.department}",
        sections=ordered,
        title=form.title,
        intro=form.intro,
        closing=form.closing,
        kind=institution_kind(form.organization or config.organization, config.institution),
    )
    return summary, warnings

