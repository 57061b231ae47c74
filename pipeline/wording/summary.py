"""Word a Summary through Jinja2 templates: the Manuscript.

Templates are plain-text Jinja2 files (``*.j2``), looked up in the
workspace's ``templates/`` folder, then in the department's template set, then
in the default set (the order is :mod:`pipeline.workspace.templatesets`' job), so a school
overrides one file, not all. They run in Jinja2's immutable sandbox with
``StrictUndefined``: a misspelt variable is an error naming the template file
and line in Chinese (:mod:`pipeline.wording.template_errors`), and a template cannot
reach Python internals; :mod:`pipeline.wording.sandbox` also bounds their time and output.

What a person wrote in a form reaches a template as a *value*. Jinja2 prints
values and never renders them again, so ``{{ 7*7 }}`` typed in a form is
printed as those seven characters.

A template's output is split into paragraphs at blank lines; the lines of one
paragraph are joined without spaces (Chinese text has none), so template authors
can wrap long sentences freely.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any, Callable

import jinja2

from pipeline.diagnostics import FormError
from pipeline.document.assemble import Section, Summary
from pipeline.document.manuscript import Manuscript
from pipeline.document.rollup import RollupSection
from pipeline.text import chinese
from pipeline.text.chinese import bare, sentence
from pipeline.wording import template_errors
from pipeline.wording.facts import facts, grouped, heading_facts, unsaid
from pipeline.wording.filters import FILTERS
from pipeline.wording.sandbox import LimitedSandbox, TemplateFileError, TemplateFiles, render, watching
from pipeline.wording.vocabulary import words

# --- environment ----------------------------------------------------------

class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates shared by the environments of one process, by file and text.

    Each department's environment has its own search path, but most of their
    templates are the same files (the default set's): each file is compiled once
    per process instead of once per environment. Every environment is made by
    :func:`environment`, with the same settings, filters and code generator, so
    the same text compiles to the same code in each.
    """

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], object] = {}

    def load_bytecode(self, bucket) -> None:
        bucket.code = self.codes.get((bucket.key, bucket.checksum))

    def dump_bytecode(self, bucket) -> None:
        self.codes[(bucket.key, bucket.checksum)] = bucket.code


_compiled = _CompiledTemplates()


@lru_cache(maxsize=16)
def environment(search_path: tuple[Path, ...]) -> jinja2.Environment:
    """A sandboxed environment over ``search_path``; built once per process and path."""
    env = LimitedSandbox(
        bytecode_cache=_compiled,
        loader=TemplateFiles([str(p) for p in search_path]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=lambda value: "" if value is None else value,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


class Writer:
    """Renders named templates into paragraphs; reports template errors in Chinese."""

    def __init__(self, env: jinja2.Environment):
        self.env = env

    def paragraphs(self, name: str, **context: Any) -> list[str]:
        text = self.render(name, **context)
        blocks = re.split(r"\n\s*\n", text.strip())
        return [p for p in ("".join(line.strip() for line in b.splitlines()) for b in blocks) if p]

    def line(self, name: str, **context: Any) -> str:
        return "".join(self.paragraphs(name, **context))

    def title(self, name: str, **context: Any) -> tuple[str, tuple[int, ...]]:
        """A title and where its template's lines meet: the places a long title should wrap.

        A title template writes the unit on one line and the period and subject on
        the next, so a two-line title never splits a word.
        """
        lines = [line.strip() for line in self.render(name, **context).strip().splitlines() if line.strip()]
        offsets = tuple(accumulate(len(line) for line in lines[:-1]))
        return "".join(lines), offsets

    def exists(self, name: str) -> bool:
        """Whether some folder of the search path has ``name`` (without reading or compiling it).

        Asked for every heading of every document: the answer is kept on the environment, which
        (like its compiled templates, never reloaded) lives for the run."""
        known = getattr(self.env, "found", None)
        if known is not None and name in known:
            return known[name]
        loader = self.env.loader
        try:
            if isinstance(loader, TemplateFiles):
                loader.find(self.env, name)  # where it is, without reading it
            else:
                loader.get_source(self.env, name)
            found = True
        except jinja2.TemplateNotFound:
            found = False
        except TemplateFileError:
            found = True  # it is there; rendering it says what is wrong with it
        if known is not None:
            known[name] = found
        return found

    def render(self, name: str, **context: Any) -> str:
        try:
            return render(self.env.get_template(name), context)
        except Exception as exc:  # noqa: BLE001 - any error inside a template is the template's
            raise FormError([template_errors.diagnostic(exc, name, context)]) from None


# --- the stage ------------------------------------------------------------

def base_context(summary: Summary) -> dict[str, Any]:
    """The variables every template sees (docs/模板编写指南.md lists them)."""
    return {"summary": summary, "period": summary.period, "organization": summary.organization,
            "campus": summary.campus, "department": summary.department, "date": summary.date,
            "author": summary.author, "sections": summary.sections, "kind": summary.kind,
            "words": words(summary.kind, campus=one_campus(summary)), "facts": facts(summary.sections)}


def one_campus(summary: Summary) -> bool:
    """Whether ``summary`` is one campus's of several: a form whose campus is the institution
    itself (a school of one site) speaks for the whole school."""
    return bool(bare(summary.campus)) and bare(summary.campus) != bare(summary.organization)


def word(summary: Summary, env: jinja2.Environment) -> Manuscript:
    """Turn ``summary`` into a :class:`Manuscript` using the templates of ``env``."""
    with watching(env):  # the sandbox's timer armed once for the document's many renders
        return _word(summary, env)


def _word(summary: Summary, env: jinja2.Environment) -> Manuscript:
    writer = Writer(env)
    base = base_context(summary)
    title, breaks = (summary.title, ()) if summary.title else writer.title("title.j2", **base)

    def sections(doc: Manuscript) -> None:
        for section in summary.sections:
            _section(doc, writer, section, base)

    doc = frame(title, summary.author, summary.date, breaks=breaks,
                opening=lambda: [summary.intro] if summary.intro else writer.paragraphs("opening.j2", **base),
                body=sections,
                closing=lambda: [summary.closing] if summary.closing else writer.paragraphs("closing.j2", **base))
    doc.organization, doc.campus, doc.department = summary.organization, summary.campus, summary.department
    return doc


def frame(title: str, author: str, date: dt.date, *, breaks: tuple[int, ...] = (), opening: Callable[[], list[str]],
          body: Callable[[Manuscript], None], closing: Callable[[], list[str]]) -> Manuscript:
    """The frame every summary has, a campus's and the roll-up: title (with its preferred
    line ``breaks``), a blank line, the opening, the body (``body`` adds the headings and
    their content), the closing, a blank line, the signature and the date. The parts are
    rendered in that order, so the first template error reported is the first in the document."""
    doc = Manuscript(title=title, author=author, created=dt.datetime.combine(date, dt.time(8, 0)))
    doc.add("title", title, breaks=breaks)
    doc.add("blank")
    for text in opening():
        doc.add("body", text)
    body(doc)
    for text in closing():
        doc.add("body", text)
    doc.add("blank")
    doc.add("signature", author)
    doc.add("date", chinese.date(date))
    doc.date = date
    return doc


def heading_title(writer: Writer, section: Section | RollupSection, context: dict) -> str:
    """A heading's words: config.yaml's or the form's when they wrote them, else the template
    set's ``heading_<key>.j2`` where one exists, else the standard title."""
    name = f"heading_{section.key}.j2"
    if section.worded or not writer.exists(name):
        return bare(section.title)
    return bare(writer.line(name, **context)) or bare(section.title)


def _section(doc: Manuscript, writer: Writer, section: Section, base: dict) -> None:
    """One heading: its lead and figures (one paragraph when the lead is one), the activities
    without a group, the incidents, then each group as （一）… with its own activities 1. 2. …;
    when there are groups, the activities without one are the last group (（三）其他工作)."""
    whole = None if base["summary"].intro else base["facts"]  # an opening a person wrote gives no 人次
    context = {**base, "section": section, "here": heading_facts([section], whole)}
    doc.add("heading1", f"{chinese.ordinal(section.number)}、{heading_title(writer, section, context)}",
            number=section.number)
    lead = [section.intro] if section.intro else writer.paragraphs(lead_template(writer, section.key), **context)
    stated = unsaid(section.figures, section.activities)
    if stated:
        figures = writer.paragraphs("figures.j2", **context, figures=stated, lead="".join(lead))
        lead = lead[:-1] + [lead[-1] + figures[0]] + figures[1:] if len(lead) == 1 and figures else lead + figures
    for text in lead:
        doc.add("body", text)
    loose, groups = grouped(section.activities)
    if groups and loose:  # a 1. beside （一）（二） would skip a level: the ungrouped work is a group of its own, last
        groups.append((bare(writer.line("others_heading.j2", **context)), loose))
        loose = []
    items(doc, writer, loose, context)
    if section.incidents or section.no_incidents:
        for text in writer.paragraphs("incidents.j2", **context, incidents=section.incidents):
            doc.add("body", text)
    for number, (group, activities) in enumerate(groups, 1):
        doc.add("heading2", f"（{chinese.ordinal(number)}）{group}", number=number)
        items(doc, writer, activities, context)
    for label, entries in (("shortcomings", section.shortcomings), ("plans", section.plans)):
        if not entries:
            continue
        groups = sum(1 for e in (section.shortcomings, section.plans) if e)
        if groups > 1:
            number = 1 if label == "shortcomings" or not section.shortcomings else 2
            doc.add("heading2", f"（{chinese.ordinal(number)}）{writer.line(label + '_heading.j2', **context)}",
                    number=number)
        for number, entry in enumerate(entries, 1):
            doc.add("body", f"{number}.{sentence(entry)}")


def items(doc: Manuscript, writer: Writer, activities: list, context: dict) -> None:
    """Activities as items numbered 1. 2. …, each with its title run in."""
    for number, activity in enumerate(activities, 1):
        doc.add("item", writer.line("activity.j2", **context, activity=activity),
                runin=f"{number}.{bare(activity.title)}。", number=number)


def lead_template(writer: Writer, key: str) -> str:
    """The template of a heading's lead: ``lead_<key>.j2`` where one exists, else ``lead.j2``."""
    name = f"lead_{key}.j2"
    return name if writer.exists(name) else "lead.j2"
