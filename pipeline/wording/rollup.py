"""Word a Rollup through the templates: the combined document's Manuscript.

The combined document keeps the shape of a campus's own summary: title,
opening, the numbered headings, closing, signature (one frame for both,
:func:`pipeline.wording.summary.frame`). Under each heading come the
heading's lead (the same ``lead_<key>.j2`` as a campus document), the figures
as a table (campus × item, with totals and the change against last period),
the incident totals, then one ``（一）校区`` sub-heading per campus with that
campus's items, worded by the same ``activity.j2`` and ``incidents.j2``.

The prose is in templates (``rollup_*.j2``, overridable in a workspace like
every template); only the table's cells (numbers, and the short column labels
below) are set here.
"""

from __future__ import annotations

import re

import jinja2

from pipeline.document.manuscript import Attachment, Manuscript, Table
from pipeline.document.rollup import RATE_UNIT, CampusPart, Rollup, RollupSection
from pipeline.text import chinese
from pipeline.text.chinese import bare, sentence
from pipeline.wording.facts import facts, heading_facts
from pipeline.wording.sandbox import watching
from pipeline.wording.summary import Writer, frame, heading_title, lead_template
from pipeline.wording.vocabulary import words

ITEM_LABEL = "项目"
UNIT_LABEL = "单位"
TOTAL_LABEL = "合计"
PREVIOUS_LABEL = "上期合计"
ALONE_PREVIOUS_LABEL = "上期"  # one campus: its own last-period value, not a total
CHANGE_LABEL = "增减"
MISSING_CELL = "—"


def word_rollup(rollup: Rollup, env: jinja2.Environment, attachments: bool = False) -> Manuscript:
    """Turn ``rollup`` into a :class:`Manuscript` using the templates of ``env``; with
    ``attachments`` (the layout profile's 附件 option) each heading's figures table is a
    附件 of the document instead of standing under the heading."""
    with watching(env):  # the sandbox's timer armed once for the document's many renders
        return _word_rollup(rollup, env, attachments)


def _word_rollup(rollup: Rollup, env: jinja2.Environment, attachments: bool) -> Manuscript:
    writer = Writer(env)
    vocabulary = words(rollup.kind)
    # Who the roll-up speaks of: 各校区, or the one campus that sent its form (各校区合计 of one is not said).
    who = rollup.campuses[0] if len(rollup.campuses) == 1 else f"各{vocabulary['campus']}"
    base = {"rollup": rollup, "period": rollup.period, "organization": rollup.organization,
            "department": rollup.department, "campus": who, "campuses": rollup.campuses,
            "missing": rollup.missing, "date": rollup.date, "author": rollup.author,
            "sections": rollup.sections, "kind": rollup.kind, "words": vocabulary,
            "facts": facts(part for section in rollup.sections for part in section.parts),
            # The campuses that had incidents: when it is one of several, the opening names it (the
            # headings' tallies leave a lone campus's count to its own part, rollup_incidents.j2).
            "struck": [campus for campus in rollup.campuses
                       if any(part.incidents for section in rollup.sections for part in section.parts
                              if part.campus == campus)]}
    title, breaks = writer.title("rollup_title.j2", **base)

    def sections(doc: Manuscript) -> None:
        for section in rollup.sections:
            _section(doc, writer, section, base, attached if attachments else None, single)

    attached: list[Attachment] = []
    single = sum(1 for section in rollup.sections if section.rows) == 1  # GB/T 9704: a lone 附件 has no number

    doc = frame(title, rollup.author, rollup.date, breaks=breaks,
                opening=lambda: writer.paragraphs("rollup_opening.j2", **base),
                body=sections,
                closing=lambda: writer.paragraphs("rollup_closing.j2", **base))
    doc.organization, doc.department = rollup.organization, rollup.department
    doc.attachments = attached
    return doc


def _section(doc: Manuscript, writer: Writer, section: RollupSection, base: dict,
             attached: list[Attachment] | None, single: bool = False) -> None:
    context = {**base, "section": section, "here": heading_facts(section.parts, base["facts"])}
    doc.add("heading1", f"{chinese.ordinal(section.number)}、{heading_title(writer, section, context)}",
            number=section.number)
    for text in writer.paragraphs(lead_template(writer, section.key), **context):
        doc.add("body", text)
    if section.rows:
        rates = any(row.unit == RATE_UNIT for row in section.rows)
        columns = section.table_campuses
        header, rows = figure_table(section)
        # A table of one campus's column speaks of that campus, not of 各校区.
        told = {**context, "campus": columns[0]} if len(columns) == 1 else context
        if attached is not None:  # the table is a 附件; the text says which
            # Named after the heading's first phrase (加强学习培训), short enough for one title line.
            subject = re.split("[，,；;：:]", heading_title(writer, section, context))[0]
            title = f"{told['campus']}{subject}主要数据"
            attached.append(Attachment(title, Table(tuple(header), tuple(tuple(row) for row in rows))))
        attachment = None if attached is None else "附件" if single else f"附件{len(attached)}"
        for text in writer.paragraphs("rollup_figures.j2", **told, rows=section.rows, rates=rates,
                                      columns=columns, summed=adds_up(section), attachment=attachment):
            doc.add("body", text)
        if attached is None:
            doc.add_table(header, rows)
    # Every campus that reported under this heading had none: one sentence names them all, instead of
    # each campus's part saying 截至…，X校区本学期未发生安全责任事故。 with only its name changed. The
    # parts leave theirs out only when the tally wrote something (an older copy of the template may not).
    tally = section.incidents
    together = tally is not None and not tally.total and len(tally.quiet) > 1
    quiet_said = False
    if tally is not None:
        said = writer.paragraphs("rollup_incidents.j2", **context, tally=tally, together=together)
        for text in said:
            doc.add("body", text)
        quiet_said = together and bool(said)
    for number, part in enumerate(section.parts, 1):
        if len(base["campuses"]) > 1:  # one campus's roll-up has no lone （一）本部校区 under each heading
            doc.add("heading2", f"（{chinese.ordinal(number)}）{part.campus}", number=number)
        # A campus's "全校未发生安全责任事故" is said of that campus: in a roll-up where another
        # campus had an incident, 全校 would contradict the tally above it.
        _campus_part(doc, writer, part, {**context, "campus": part.campus,
                                         "words": {**context["words"], "whole": part.campus}}, quiet_said)


def _campus_part(doc: Manuscript, writer: Writer, part: CampusPart, context: dict, quiet_said: bool = False) -> None:
    number = 0
    for activity in part.activities:
        number += 1
        doc.add("item", writer.line("activity.j2", **context, activity=activity),
                runin=f"{number}.{bare(activity.title)}。", number=number)
    if part.incidents or (part.no_incidents and not quiet_said):
        for text in writer.paragraphs("incidents.j2", **context, incidents=part.incidents):
            doc.add("body", text)
    for label, entries in (("shortcomings", part.shortcomings), ("plans", part.plans)):
        if not entries:
            continue
        number += 1
        listed = "".join(f"（{i}）{sentence(entry)}" for i, entry in enumerate(entries, 1))
        doc.add("item", listed, runin=f"{number}.{bare(writer.line(label + '_heading.j2', **context))}。",
                number=number)


def adds_up(section: RollupSection) -> bool:
    """Whether the heading's table has a 合计 column: only when some row adds two or more campuses'
    values. A total equal to a row's only value says nothing (one campus's column, the roll-up's or
    the heading's; or every item given by one campus: 本部校区 86 | 合计 86), nor does a column of —
    (every figure a percentage)."""
    return any(row.total is not None and len(row.values) > 1 for row in section.rows)


def figure_table(section: RollupSection) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a heading's figures table: item, unit, each campus, total (and change).
    Without a 合计 (:func:`adds_up`) last period's column is each row's own campus's, 上期, not 上期合计."""
    campuses = section.table_campuses
    with_previous = any(row.previous_total is not None for row in section.rows)
    summed = adds_up(section)
    header = [ITEM_LABEL, UNIT_LABEL, *campuses, *([TOTAL_LABEL] if summed else [])] + \
        ([PREVIOUS_LABEL if summed else ALONE_PREVIOUS_LABEL, CHANGE_LABEL] if with_previous else [])
    rows = []
    for row in section.rows:
        cells = [row.item, row.unit or "", *(_number(row.values.get(campus)) for campus in campuses),
                 *([_number(row.total)] if summed else [])]
        if with_previous:
            cells += [_number(row.previous_total), change_cell(row.total, row.previous_total)]
        rows.append(cells)
    return header, rows


def _number(value: chinese.Quantity | None) -> str:
    return MISSING_CELL if value is None else chinese.number(value)


def change_cell(value: chinese.Quantity | None, previous: chinese.Quantity | None) -> str:
    """增长30.2% / 下降5% / 持平, or — when there is no honest percentage (:func:`chinese.rate`)."""
    if value is None or previous is None:
        return MISSING_CELL
    if value == previous:
        return "持平"
    moved = chinese.rate(value, previous)
    if moved is None:
        return MISSING_CELL
    return f"{'增长' if moved > 0 else '下降'}{chinese.percent(moved)}"
