"""What a document can truthfully say about itself: totals and highlights of its records.

Openings, leads and closings are worded from these (see docs/模板编写指南.md), so
every number they state is one of the form's or a sum or count of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from pipeline.form.model import Activity, Figure, Incident
from pipeline.text.chinese import bare
from pipeline.wording.filters import amount


@dataclass(frozen=True)
class Facts:
    """Totals over some headings' records (one heading, or the whole document)."""

    activities: int  # how many pieces of work
    times: int  # their 次 added up
    timed: int  # how many of them give 次
    participants: int  # their 人次 added up
    peopled: int  # how many of them give 人次
    busiest: Activity | None  # the one with the most 人次, when two or more give 人次
    figures: tuple[Figure, ...]
    changes: tuple[Figure, ...]  # figures that moved since last period, the largest relative change first
    rises: tuple[Figure, ...]  # those of them that went up
    incidents: tuple[Incident, ...] | None  # None: the form does not report incidents
    quiet: bool  # the form states that no incident happened
    unresolved: int  # incidents still being handled
    other_incidents: int  # incidents filed under another heading than safety (complaints …)
    shortcomings: tuple[str, ...]
    plans: tuple[str, ...]
    groups: tuple[str, ...]  # the activities' groups, in order of first appearance
    #: The figure an opening names (its value; how it moved is said under its heading): the one
    #: that rose most, else the first; not one that only restates the 人次 the opening gives
    #: (教师培训185人次 beside 参与185人次, 家长学校听课1520人次 beside 规模最大（1520人次）).
    headline: Figure | None = None
    #: A heading's only: the document's opening already gives these 人次 (the heading holds every
    #: activity that gives 人次), so the heading's lead does not give them again.
    said: bool = False


def relative_change(figure: Figure) -> float | None:
    """How far a figure moved, as a share of last period's value; None when unknown or not honest."""
    if figure.previous is None or figure.previous == 0 or figure.approx or figure.value == figure.previous:
        return None
    return abs(figure.value - figure.previous) / abs(figure.previous)


def facts(sections: Iterable) -> Facts:
    """The :class:`Facts` of ``sections`` (objects with activities, figures, incidents …)."""
    sections = list(sections)
    activities: list[Activity] = [a for s in sections for a in s.activities]
    figures: list[Figure] = [f for s in sections for f in getattr(s, "figures", ())]
    reported = [s for s in sections if s.incidents or getattr(s, "no_incidents", False)]
    incidents = tuple(i for s in sections for i in s.incidents) if reported else None
    peopled = [a for a in activities if a.participants]
    moved = [f for f in figures if relative_change(f) is not None]
    moved.sort(key=lambda f: -relative_change(f))  # stable: ties keep the form's order
    groups = tuple(dict.fromkeys(bare(a.group) for a in activities if bare(a.group)))
    busiest = max(peopled, key=lambda a: a.participants) if len(peopled) >= 2 else None
    total = sum(a.participants for a in peopled)
    rises = tuple(f for f in moved if f.value > f.previous)
    # The opening gives the headline's value only (how it moved is its heading's detail), so a
    # figure that restates the 人次 it states (the activities' together, or the busiest one's:
    # 规模最大（1520人次）；家长学校听课1520人次) says nothing new there, risen or not.
    stated = {total, busiest.participants} if busiest else {total}
    news = [f for f in (*rises, *figures)
            if not (counted(f, activities) or (f.unit == "人次" and f.value in stated))]
    return Facts(
        activities=len(activities),
        times=sum(a.times or 0 for a in activities),
        timed=sum(1 for a in activities if a.times),
        participants=sum(a.participants or 0 for a in activities),
        peopled=len(peopled),
        busiest=busiest,
        figures=tuple(figures),
        changes=tuple(moved),
        rises=rises,
        incidents=incidents,
        quiet=bool(reported) and not incidents,
        unresolved=sum(1 for i in incidents or () if not i.resolved),
        other_incidents=sum(1 for i in incidents or () if i.category not in (None, "safety")),
        shortcomings=tuple(x for s in sections for x in getattr(s, "shortcomings", ())),
        plans=tuple(x for s in sections for x in getattr(s, "plans", ())),
        groups=groups,
        headline=news[0] if news else None,
    )


def heading_facts(parts: Iterable, whole: Facts | None) -> Facts:
    """The :class:`Facts` of one heading's ``parts``; ``whole`` is the document's, when its opening
    is worded from them (None when a person wrote the opening).

    One rule for every lead: the opening states the document's 人次 and its busiest activity,
    so when this heading holds every activity that gives 人次, its lead would say the same figures
    two lines later (参与261人次，其中…规模最大 / 参训261人次，其中…人数最多) and leaves them out."""
    here = facts(parts)
    said = whole is not None and here.peopled >= 2 and \
        (here.participants, here.peopled) == (whole.participants, whole.peopled)
    return replace(here, said=said) if said else here


def grouped(activities: Sequence[Activity]) -> tuple[list[Activity], list[tuple[str, list[Activity]]]]:
    """The activities without a group, and each group's activities, groups in order of first appearance."""
    loose = [a for a in activities if not bare(a.group)]
    groups: dict[str, list[Activity]] = {}
    for activity in activities:
        if bare(activity.group):  # 营养员工作 and 营养员工作： are one group
            groups.setdefault(bare(activity.group), []).append(activity)
    return loose, list(groups.items())


def counted(figure: Figure, activities: Sequence[Activity]) -> bool:
    """Whether ``figure`` only restates an activity's own count: 教师培训96人次 beside 教师专业发展培训
    that says 参与96人次, 集体备课48次 beside 集体备课制度落实 that says 共开展48次 (the item prints its
    人次 and 次). The activity must be named alike: 作业检查8次 is not said by another activity's 8次."""
    if figure.previous is not None or figure.note or figure.approx:
        return False
    if figure.unit == "人次":
        return any(a.participants == figure.value and alike(figure.item, a.title) for a in activities)
    if figure.unit == "次":
        return any(a.times == figure.value and alike(figure.item, a.title) for a in activities)
    return False


#: Two Chinese characters in a row: what makes a figure's item and an activity's title alike.
_HAN_PAIR = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]{2}")


def alike(item: str, title: str) -> bool:
    """Whether a figure's item and an activity's title share two Chinese characters in a row
    (培训, 备课). Digits and letters name no topic: 2024年报修 and 2024年植树 are not alike."""
    return any(_HAN_PAIR.fullmatch(item[i:i + 2]) and item[i:i + 2] in title for i in range(len(item) - 1))


def unsaid(figures: Sequence[Figure], activities: Sequence[Activity]) -> list[Figure]:
    """The figures a heading's lead still has to state: a figure an activity under the
    heading already gives (本学期教学经费支出86500元，主要用于……, or 参与96人次 beside
    教师培训96人次) is left out of the lead, unless the lead adds to it (a change since last
    period, a note)."""
    told = "\n".join(text for a in activities for text in (a.details, a.result) if text)

    def said(figure: Figure) -> bool:
        if figure.previous is not None or figure.note:
            return False
        if counted(figure, activities):
            return True
        return re.search(rf"(?<![\d.]){re.escape(amount(figure))}", told) is not None

    return [f for f in figures if not said(f)]
