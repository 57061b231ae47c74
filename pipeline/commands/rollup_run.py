"""Run a roll-up: one combined document per department for a term, from every campus's form.

A run reads every form under ``inputs/<term>/`` (:func:`pipeline.workspace.discovery.forms_in`),
then, per department:

1. **Refuse** when any form that belongs to the department is broken: its
   totals would be short. A broken form belongs to the department its own
   ``department`` value names — whatever its file is called — and, when that
   value cannot be read or names no department of the term, to every
   department (we cannot tell whose totals it would change). Each broken form's
   errors are printed once, and every error printed makes the run fail.
2. **Summarise** each campus's form with the same stages as its own document
   (:func:`pipeline.commands.build.summarise`: last period's figures, then assemble),
   combine them (:func:`pipeline.document.rollup.roll_up`), word the result
   (:func:`pipeline.wording.rollup.word_rollup`) and lay it out
   (:func:`pipeline.commands.build.typeset`).
3. **Land** it as :mod:`pipeline.commands.batch` lands a form's document: unchanged
   bytes are left alone, an edited earlier version is kept as a backup, and
   the manifest records it. Its figures' workbook (:mod:`pipeline.export.figures`),
   the campus × item table for the bureau's own sums, lands beside it the same way.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.commands.context import Workspace, current_workspace
from pipeline.commands.manifest import Ledger, file_sha256, sha256
from pipeline.commands.runner import Reporter, Tally, land_output, uninterrupted
from pipeline.diagnostics import FormError, shown
from pipeline.form.history import history_folders
from pipeline.form.identity import declared
from pipeline.workspace.discovery import forms_in, unread_warning
from pipeline.workspace.lock import workspace_lock

#: The campus folder name roll-ups are written under (in the output pattern's <campus>).
ROLLUP_CAMPUS = "汇总"
#: The suffix of the workbook of a roll-up's figures, written beside its .docx (pipeline.export.figures).
FIGURES_SUFFIX = ".xlsx"
#: A broken form whose department is unknown belongs to every department.
EVERY_DEPARTMENT = None


@dataclass
class TermForms:
    """A term's forms: the valid ones by department, and the broken ones with the department
    each belongs to (:data:`EVERY_DEPARTMENT` when that cannot be told)."""

    valid: dict[str, list] = field(default_factory=dict)  # department → [(path, form, loaded)]
    broken: list[tuple[Path, list, str | None]] = field(default_factory=list)  # (path, diagnostics, department)

    def departments(self, known: list[str] | None, requested: tuple[str, ...]) -> list[str]:
        """The departments to roll up, config.yaml's order first: every department with a form,
        valid or broken, narrowed to ``requested`` when given. A broken form of unknown
        department may be any department's, so then the listed and requested ones count too."""
        found = {*self.valid, *(d for _, _, d in self.broken if d is not EVERY_DEPARTMENT)}
        if any(d is EVERY_DEPARTMENT for _, _, d in self.broken):
            found.update([*(known or []), *requested])
        ordered = [d for d in dict.fromkeys([*(known or []), *sorted(found)]) if d in found]
        return [d for d in ordered if d in requested] if requested else ordered

    def broken_for(self, department: str | None) -> list[tuple[Path, list, str | None]]:
        """The broken forms that stop ``department``'s roll-up (None: those of unknown department)."""
        return [entry for entry in self.broken if entry[2] in (department, EVERY_DEPARTMENT)]


def run_rollup(term: str, departments: tuple[str, ...], reporter: Reporter, *, force: bool = False) -> Tally:
    """Write one combined document per department for ``term`` (only ``departments`` when given).

    A department with any form in error gets no roll-up (its totals would be
    wrong); the others still do. A roll-up whose bytes would not change is left
    alone unless ``force``. Every error printed is counted in ``tally.failed``.
    """
    tally = Tally()
    workspace = current_workspace()
    if workspace.config_errors:
        for diagnostic in workspace.config_errors:
            reporter.note(str(diagnostic))
        tally.failed += 1
        return tally
    config = workspace.config
    unread: list[Path] = []
    forms = read_term(forms_in(workspace.inputs / term, unread), term, workspace, reporter)
    for path in unread:
        reporter.note(unread_warning(path))
    wanted = forms.departments(config.departments, departments)
    chosen = {path for d in wanted for path, _, _ in forms.valid.get(d, [])}
    said = set()  # a broken form's errors are printed once, however many departments it stops
    for department in wanted or [None]:
        for path, diagnostics, _ in forms.broken_for(department):
            chosen.add(path)
            if path not in said:
                said.add(path)
                for diagnostic in diagnostics:
                    reporter.note(str(diagnostic))
    tally.found = len(chosen)
    if not wanted and said:  # only forms whose department cannot be told: nothing to roll up
        reporter.note(f"{shown(workspace.inputs / term)}: 错误: 汇总未生成：有 {len(said)} 份填报表有错误（见上），"
                      f"无法判断属于哪个部门，改正后再汇总")
        tally.failed += 1
        return tally
    ledger = Ledger(workspace.root)
    with workspace_lock(ledger.outputs, reporter.note):  # the manifest read and saved in one turn
        _roll_up(workspace, term, wanted, forms, ledger, reporter, tally, force)
    return tally


def _roll_up(workspace: Workspace, term: str, wanted, forms, ledger: Ledger, reporter: Reporter, tally: Tally,
             force: bool) -> None:
    reporter.begin(len(wanted), 0)
    try:
        for department in wanted:
            broken = forms.broken_for(department)
            if broken:
                unknown = sum(1 for _, _, d in broken if d is EVERY_DEPARTMENT)
                reporter.note(f"{shown(workspace.inputs / term)}: 错误: {department}的汇总未生成："
                              f"有 {len(broken)} 份填报表有错误（见上）"
                              + (f"，其中 {unknown} 份看不出是哪个部门的，可能属于{department}" if unknown else "")
                              + "，改正后再汇总")
                tally.failed += 1
            else:
                try:
                    _one_rollup(workspace, term, forms.valid[department], ledger, reporter, tally, force)
                except Exception as exc:  # noqa: BLE001 - a bug; reported, and the other departments still roll up
                    detail = traceback.format_exc() if os.environ.get("WORKSUM_DEBUG") else f"{type(exc).__name__}: {exc}"
                    reporter.note(f"{shown(workspace.inputs / term)}: {department}的汇总: "
                                  f"内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{detail}")
                    tally.bugs += 1
            reporter.step()
    finally:
        reporter.end()
        with uninterrupted():
            for problem in ledger.save():
                reporter.note(problem)
                tally.unsaved += 1


def read_term(paths: list[Path], term: str, workspace: Workspace, reporter: Reporter) -> TermForms:
    """Read ``paths`` (the forms under ``inputs/<term>/``): valid forms by department, broken
    forms with the department they belong to. Nothing about a broken form is printed here."""
    from pipeline.form.container import load_form
    from pipeline.form.validate import read_form

    forms = TermForms()
    broken: list[tuple[Path, list, object]] = []
    for path in paths:
        try:
            form, loaded = read_form(path, workspace.config, shown(path))
        except FormError as exc:
            try:
                data = load_form(path, shown(path)).data
            except FormError:
                data = None
            broken.append((path, exc.diagnostics, data))
            continue
        if form.term != term:
            reporter.note(f"{shown(path)}: 警告: 这份填报表的 term 是 {form.term}，不是 {term}，未列入 {term} 的汇总")
            continue
        forms.valid.setdefault(form.department, []).append((path, form, loaded))
    for path, diagnostics, data in broken:
        other = _other_term(data, term)
        if other:  # it says it is another term's form: not part of this roll-up, as a valid one would not be
            reporter.note(f"{shown(path)}: 警告: 这份填报表的 term 是 {other}，不是 {term}，未列入 {term} 的汇总")
            continue
        forms.broken.append((path, diagnostics, _department_of(data, workspace.config.departments)))
    return forms


def _department_of(data, listed: list[str] | None) -> str | None:
    """The department a broken form names in its ``department`` field, or
    :data:`EVERY_DEPARTMENT` when it names none, or one config.yaml does not list."""
    department = declared(data).department
    if not department or (listed is not None and department not in listed):
        return EVERY_DEPARTMENT
    return department


def _other_term(data, term: str) -> str | None:
    """The term a broken form names, when that is a valid term other than ``term``."""
    other = declared(data).term
    return other if other != term else None


def _one_rollup(workspace: Workspace, term: str, entries: list, ledger: Ledger, reporter: Reporter,
                tally: Tally, force: bool) -> None:
    from pipeline.commands.build import summarise, typeset
    from pipeline.document.rollup import roll_up
    from pipeline.export.figures import figures_workbook, has_figures
    from pipeline.wording.rollup import word_rollup
    from pipeline.workspace.outputs import UnsafeOutput, output_path

    config = workspace.config
    seen: dict[str, Path] = {}
    for path, form, _ in entries:
        if form.campus in seen:
            reporter.note(f"{shown(path)}:1:1: 错误: 与 {shown(seen[form.campus])} 都是{form.campus}{form.department}"
                          f"的填报表，无法汇总；请检查 campus 是否填错")
            tally.failed += 1
            return
        seen[form.campus] = path
    summaries = []
    for path, form, loaded in entries:
        summary, warnings = summarise(form, loaded, workspace)  # as the campus's own document
        for warning in loaded.warnings + warnings:
            reporter.note(str(warning))
        summaries.append(summary)
    rollup = roll_up(summaries, config)
    try:
        manuscript = word_rollup(rollup, workspace.templates_for(rollup.department), workspace.profile.attachments)
        target = output_path(workspace.base, config.output, {
            "term": term, "campus": ROLLUP_CAMPUS, "department": rollup.department,
            "organization": rollup.organization, "title": manuscript.title})
    except FormError as exc:
        for diagnostic in exc.diagnostics:
            reporter.note(str(diagnostic))
        tally.failed += 1
        return
    except UnsafeOutput as exc:
        reporter.note(f"{shown(workspace.inputs / term)}: 错误: {exc}")
        tally.failed += 1
        return
    docx = typeset(manuscript, workspace)
    sources = {path: file_sha256(path) or "" for path, _, _ in entries}
    folders = history_folders(term, workspace.root)
    if has_figures(rollup):  # first: a roll-up counted as written has its figures' workbook beside it
        table, figures = target.with_suffix(FIGURES_SUFFIX), figures_workbook(rollup)
        if not _unchanged(table, figures, ledger, term, sources, folders, force) and not land_output(
                table, figures, ledger, term, sources, who=shown(table), reporter=reporter, tally=tally,
                kind="rollup", folders=folders, noun="数据表", counted=False):
            return
    if _unchanged(target, docx, ledger, term, sources, folders, force):
        tally.unchanged += 1
        return
    land_output(target, docx, ledger, term, sources, who=shown(target), reporter=reporter, tally=tally,
                kind="rollup", folders=folders)


def _unchanged(target: Path, data: bytes, ledger: Ledger, term: str, sources: dict, folders: tuple,
               force: bool) -> bool:
    """Whether ``target`` already holds ``data`` (and is recorded): then it is left alone, unless ``force``."""
    if force or file_sha256(target) != sha256(data):  # (read as a source is: no pipe waited on, no link out)
        return False
    if ledger.recorded(target) is None:
        ledger.record(term, target, sources, data, kind="rollup", folders=folders)
    return True
