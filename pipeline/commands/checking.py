"""Read and proofread forms without building anything: ``worksum validate`` and ``worksum check``.

Both commands read the forms they are given (found by
:func:`pipeline.commands.select.discover`) in one way, :func:`read_forms`:

* forms are grouped by workspace (:mod:`pipeline.workspace`);
* each workspace's config.yaml is read once; when it has errors they are said
  once and that workspace's forms count as failed, as ``build`` does;
* each broken form's errors are said once, in the order the forms were found.

``check`` then proofreads each workspace's forms against the rest of that
workspace (:mod:`pipeline.proofread`); with ``fix`` it repairs the safe
punctuation (:mod:`pipeline.proofread.repair`) and reads again, so what it reports is
the files as they are now. Without ``fix`` the forms are not read here at all:
the workers read each once, proofread it alone and file it in the sentence index,
then compare it through the index, reading again only the forms that share text
(:func:`_check_in_two_passes`); what is said, and in what order, is the same.

Every message goes to a ``note`` callback, in Chinese; the command prints the
summary line and chooses the exit status.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.commands.context import Workspace, find_workspace, workspace_at
from pipeline.diagnostics import FormError, shown
from pipeline.form.loader import MAX_BYTES
from pipeline.form.validate import read_form

Note = Callable[[str], None]


@dataclass
class Group:
    """The forms read from one workspace, as :class:`~pipeline.proofread.proofreader.Checked`."""

    workspace: Workspace
    forms: list = field(default_factory=list)


@dataclass
class Reading:
    """What reading some forms gave: the valid ones by workspace, and how many failed."""

    groups: dict[Path | None, Group] = field(default_factory=dict)  # by workspace root
    failed: int = 0
    passed: int = 0  # valid forms read and checked by workers, not kept here

    @property
    def count(self) -> int:
        """How many forms were read, valid or not."""
        return sum(len(group.forms) for group in self.groups.values()) + self.passed + self.failed


def read_forms(paths: list[Path], note: Note, warnings: bool = False) -> Reading:
    """Validate the forms at ``paths``, grouped by workspace; errors go to ``note``, and the
    forms' own warnings (stray characters, encodings) too when ``warnings``."""
    from pipeline.proofread.proofreader import Checked

    reading = Reading()
    config_seen: set[Path | None] = set()
    for path in paths:
        workspace = find_workspace(path)
        if workspace.root not in config_seen:
            config_seen.add(workspace.root)
            for diagnostic in workspace.config_errors:
                note(str(diagnostic))
        if workspace.config_errors:
            reading.failed += 1
            continue
        try:
            form, loaded = read_form(path, workspace.config, shown(path))
        except FormError as exc:
            for diagnostic in exc.diagnostics:
                note(str(diagnostic))
            reading.failed += 1
            continue
        if warnings:
            for warning in loaded.warnings:
                note(str(warning))
        group = reading.groups.setdefault(workspace.root, Group(workspace))
        group.forms.append(Checked(path.resolve(), loaded.path, form, loaded))
    return reading


def validate(paths: list[Path], note: Note) -> Reading:
    """``worksum validate``: read every form, saying its errors and warnings."""
    return read_forms(paths, note, warnings=True)


@dataclass
class Proofread:
    """What ``worksum check`` found."""

    reading: Reading
    found: int = 0  # warnings said (the forms' own and proofreading's)
    changed: int = 0  # punctuation marks repaired


def proofread(reading: Reading, workers: int = 0) -> list[tuple]:
    """(form, its issues) for every form read, each compared with the rest of its workspace; on
    ``workers`` processes (0: one per core) when there are many forms."""
    from pipeline.commands.batch import cpu_count, parallel_map, read_for_index

    global _checking
    workers = workers or cpu_count()
    results = []
    for root, group in reading.groups.items():
        proofreader = group.workspace.proofreader
        # The index is brought up to date each time: after --fix the workspace's forms have changed.
        proofreader.prepare((checked.path for checked in group.forms), read=lambda paths, root=root: parallel_map(
            read_for_index, [(root, str(path)) for path in paths], workers, [root]))
        _checking = group.forms  # forked workers inherit the forms already read
        try:
            issues = dict(parallel_map(_check_one, list(range(len(group.forms))), workers, [root], inherited=True))
        finally:
            _checking = []
        results.extend((checked, issues[number]) for number, checked in enumerate(group.forms))
    return results


_checking: list = []


def _check_one(number: int) -> tuple[int, list]:
    checked = _checking[number]
    return number, find_workspace(checked.path).proofreader.check([checked])[checked.path]


def check(paths: list[Path], note: Note, fix: bool = False) -> Proofread:
    """``worksum check``: proofread the forms at ``paths``; repair safe punctuation when ``fix``.

    Raises OSError when a repaired form cannot be written.
    """
    if not fix:
        return _check_in_two_passes(paths, note)
    said = _Once(note)
    reading = read_forms(paths, said)
    results = proofread(reading)
    changed = _repair(results, note)
    if changed:  # what remains is reported from the files as they are now
        reading = read_forms(paths, said)
        results = proofread(reading)
    found = 0
    for checked, issues in results:
        for diagnostic in [*checked.loaded.warnings, *(issue.diagnostic for issue in issues)]:
            note(str(diagnostic))
            found += 1
    return Proofread(reading, found, changed)


@dataclass
class _Alone:
    """One form read and proofread alone, in a worker: its errors, or its warnings in parts."""

    path: str
    errors: list[str] | None = None
    stated: list[str] = field(default_factory=list)  # the form's own (stray characters, encodings)
    own: tuple = ([], [])  # proofreading's, before and after the comparison's
    shared: object = None
    indexed: object = None


def _check_alone(item: tuple) -> object:
    """A form read and proofread alone (``(root, path, index)``), or only read for the index
    (``(root, path)``): run in a worker, or here when there are few."""
    from pipeline.commands.batch import read_for_index
    from pipeline.proofread.corpus import sha256_of
    from pipeline.proofread.proofreader import Checked
    from pipeline.workspace.reading import file_state, read_capped

    if len(item) == 2:
        return read_for_index(item)
    root, path, index = item
    proofreader = workspace_at(root).proofreader
    resolved = Path(os.path.realpath(path))
    state = file_state(resolved) or (0, 0)  # as the index reads a form: its state first
    sha = None
    if index:
        try:
            sha = sha256_of(read_capped(resolved, MAX_BYTES))
        except OSError:
            pass
    try:
        form, loaded = read_form(Path(path), workspace_at(root).config, shown(path))
    except FormError as exc:
        return _Alone(path, errors=[str(d) for d in exc.diagnostics],
                      indexed=read_for_index((root, str(resolved))) if index else None)
    checked = Checked(Path(path).resolve(), loaded.path, form, loaded)
    before, after = proofreader.own_issues(checked)
    indexed = None
    if index:
        indexed = proofreader.indexed(checked, state, sha, shown(resolved)) if sha is not None \
            else read_for_index((root, str(resolved)))
    return _Alone(path, None, [str(w) for w in loaded.warnings],
                  ([i.diagnostic for i in before], [i.diagnostic for i in after]), proofreader.shared(checked), indexed)


def _check_in_two_passes(paths: list[Path], note: Note, workers: int = 0) -> Proofread:
    """``check`` without ``fix``: every form is read once, by the workers, and proofread alone
    while the index is brought up to date; then the index says which forms share text with
    others, and only those are read again to be compared. Messages come in the order
    :func:`read_forms` and :func:`proofread` give them."""
    from pipeline.commands.batch import compare_item, cpu_count, parallel_map
    from pipeline.commands.build import with_comparison
    from pipeline.workspace.root import find_root

    workers = workers or cpu_count()
    said = _Once(note)
    roots: dict[Path, Path | None] = {}
    folders: dict[str, Path | None] = {}  # many forms share a folder: walk up once per folder
    by_root: dict[Path | None, list[Path]] = {}
    for path in paths:
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in folders:
            folders[folder] = find_root(Path(folder))
        roots[path] = folders[folder]
        by_root.setdefault(folders[folder], []).append(path)
    alone: dict[str, _Alone] = {}
    compared: dict[str, list] = {}
    bugs: list[str] = []
    for root, forms in by_root.items():
        workspace = workspace_at(root)
        if workspace.config_errors:
            continue

        asked: list[bool] = []

        def read(changed: list[Path], root=root, forms=forms, asked=asked):
            asked.append(True)
            stale = {str(path) for path in changed}
            items: list = [(root, str(path), os.path.realpath(path) in stale) for path in forms]
            stale -= {os.path.realpath(path) for path in forms}
            items += [(root, path) for path in sorted(stale)]  # changed forms not checked now
            for result in parallel_map(_check_alone, items, workers, [root]):
                if isinstance(result, _Alone):
                    alone[result.path] = result
                    if result.indexed is not None:
                        yield result.indexed
                    result.indexed = None
                else:
                    yield result

        workspace.proofreader.prepare(forms, read=read)
        if not asked:  # the index had nothing to read and did not ask: check them still
            for _ in read([]):
                pass
        valid = [(root, str(path), alone[str(path)].shared) for path in forms if alone[str(path)].errors is None]
        for form, found, bug in parallel_map(compare_item, valid, workers, [root]):
            if bug:
                bugs.append(f"{shown(form)}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{bug}")
            compared[form] = found or []
    reading = Reading()
    config_seen: set[Path | None] = set()
    for path in paths:  # errors first, in the order the forms were found, as read_forms says them
        root = roots[path]
        if root not in config_seen:
            config_seen.add(root)
            for diagnostic in workspace_at(root).config_errors:
                said(str(diagnostic))
        result = alone.get(str(path))
        if result is None or result.errors is not None:
            for line in result.errors if result else []:
                said(line)
            reading.failed += 1
        else:
            reading.passed += 1
    for line in bugs:
        note(line)
    valid: dict[Path | None, list[_Alone]] = {}  # by workspace, in the order of their first valid form
    for path in paths:
        result = alone.get(str(path))
        if result is not None and result.errors is None:
            valid.setdefault(roots[path], []).append(result)
    found = 0
    for results in valid.values():  # then each workspace's warnings, form by form
        for result in results:
            warnings = with_comparison(result.stated, result.own, compared.get(result.path, []))
            for line in map(str, warnings):
                note(line)
                found += 1
    return Proofread(reading, found)


def _repair(results: list[tuple], note: Note) -> int:
    """Apply the safe repairs of every form; how many marks were changed."""
    from pipeline.proofread import repair

    changed = 0
    for checked, issues in results:
        planned = repair.plan(checked, issues)
        if planned.refused:
            note(f"{checked.display}: 警告: {planned.refused}")
        if not planned.changes:
            continue
        repair.write(planned)
        for change in planned.changes:
            note(change.describe(checked.display))
        changed += len(planned.changes)
    return changed


class _Once:
    """A note that says each line once: the second reading after --fix repeats no error."""

    def __init__(self, note: Note):
        self.note = note
        self.said: set[str] = set()

    def __call__(self, line: str) -> None:
        if line not in self.said:
            self.said.add(line)
            self.note(line)
