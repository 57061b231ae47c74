"""Read and proofread forms without building anything: ``worksum validate`` and ``worksum check``.

``validate`` reads the forms it is given (found by
:func:`pipeline.commands.select.discover`) with :func:`read_forms`, and ``check``
says their errors as it does:

* forms are grouped by workspace (:mod:`pipeline.workspace`);
* each workspace's config.yaml is read once; when it has errors they are said
  once and that workspace's forms count as failed, as ``build`` does;
* each broken form's errors are said once, in the order the forms were found.

``check`` reads and proofreads each form in one way, with or without ``fix``
(:func:`check`): the workers read each form once, proofread it alone and file it
in the sentence index, then compare it through the index, reading again only
the forms that share text with another. With ``fix`` the safe punctuation is
repaired first (:mod:`pipeline.proofread.repair`, the forms read by the workers
too), so what is reported is the files as they are now.

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


def check(paths: list[Path], note: Note, fix: bool = False, workers: int = 0) -> Proofread:
    """``worksum check``: proofread the forms at ``paths``; with ``fix``, repair the safe punctuation
    first (:func:`_repair`) and report the files as they are then.

    Every form is read once, by the workers, and proofread alone while the index is brought up to
    date; then the index says which forms share text with others, and only those are read again to
    be compared. Errors come first, in the order the forms were found (each workspace's config.yaml
    errors with its first form), then each workspace's warnings, form by form.
    Raises OSError when a repaired form cannot be written.
    """
    from pipeline.commands.batch import compare_item, cpu_count, parallel_map
    from pipeline.commands.build import with_comparison

    workers = workers or cpu_count()
    said = _Once(note)  # after --fix the errors are met again: said once
    roots = _roots(paths)
    changed = _repair(paths, roots, said, note, workers) if fix else 0
    alone: dict[str, _Alone] = {}
    compared: dict[str, list] = {}
    bugs: list[str] = []
    for root, forms in _by_root(paths, roots).items():
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
    reading = _say_errors(paths, roots, alone, said)
    for line in bugs:
        note(line)
    found = 0
    for results in _valid_by_workspace(paths, roots, alone).values():  # each workspace's warnings, form by form
        for result in results:
            warnings = with_comparison(result.stated, result.own, compared.get(result.path, []))
            for line in map(str, warnings):
                note(line)
                found += 1
    return Proofread(reading, found, changed)


def _roots(paths: list[Path]) -> dict[Path, Path | None]:
    """The workspace root of every form (many forms share a folder: walked up once per folder)."""
    from pipeline.workspace.root import RootFinder

    root_of = RootFinder()
    return {path: root_of(os.path.dirname(os.path.abspath(path))) for path in paths}


def _by_root(paths: list[Path], roots: dict[Path, Path | None]) -> dict[Path | None, list[Path]]:
    by_root: dict[Path | None, list[Path]] = {}
    for path in paths:
        by_root.setdefault(roots[path], []).append(path)
    return by_root


def _say_errors(paths: list[Path], roots: dict[Path, Path | None], results: dict, said: Note) -> Reading:
    """Say the errors of the forms read (``results`` by path, each with ``errors``: None when valid),
    as :func:`read_forms` says them: in the order the forms were found, each workspace's config.yaml
    errors with its first form (whose forms were then not read, and fail)."""
    reading = Reading()
    config_seen: set[Path | None] = set()
    for path in paths:
        root = roots[path]
        if root not in config_seen:
            config_seen.add(root)
            for diagnostic in workspace_at(root).config_errors:
                said(str(diagnostic))
        result = results.get(str(path))
        if result is None or result.errors is not None:
            for line in result.errors if result else []:
                said(line)
            reading.failed += 1
        else:
            reading.passed += 1
    return reading


def _valid_by_workspace(paths: list[Path], roots: dict[Path, Path | None], results: dict) -> dict[Path | None, list]:
    """The valid forms' results by workspace, in the order of each workspace's first valid form."""
    valid: dict[Path | None, list] = {}
    for path in paths:
        result = results.get(str(path))
        if result is not None and result.errors is None:
            valid.setdefault(roots[path], []).append(result)
    return valid


@dataclass
class _Repaired:
    """One form's safe repairs, made in a worker: its errors, or what was changed and said."""

    path: str
    errors: list[str] | None = None
    refused: str | None = None  # the warning saying why the file was left alone
    changes: list[str] = field(default_factory=list)
    count: int = 0
    failure: OSError | None = None  # the repaired form could not be written


def _repair_one(item: tuple[Path | None, str]) -> _Repaired:
    """Read the form ``(root, path)``, proofread it alone and write its safe repairs (in a worker). The
    repairs come from the form alone: comparing it with other forms never proposes one."""
    from pipeline.proofread import repair
    from pipeline.proofread.proofreader import Checked, in_line_order

    root, path = item
    proofreader = workspace_at(root).proofreader
    try:
        form, loaded = read_form(Path(path), workspace_at(root).config, shown(path))
    except FormError as exc:
        return _Repaired(path, errors=[str(d) for d in exc.diagnostics])
    checked = Checked(Path(path).resolve(), loaded.path, form, loaded)
    before, after = proofreader.own_issues(checked)
    planned = repair.plan(checked, in_line_order([*before, *after]))
    done = _Repaired(path, refused=f"{checked.display}: 警告: {planned.refused}" if planned.refused else None)
    try:
        repair.write(planned)
    except OSError as exc:
        done.failure = exc
        return done
    done.changes = [change.describe(checked.display) for change in planned.changes]
    done.count = len(planned.changes)
    return done


def _repair(paths: list[Path], roots: dict[Path, Path | None], said: Note, note: Note, workers: int) -> int:
    """``check --fix``: apply the safe repairs of every valid form; how many marks were changed. The
    errors are said first (as :func:`check` would: ``said`` keeps it from saying them again), then
    each form's repairs, by workspace."""
    from pipeline.commands.batch import parallel_map

    repaired: dict[str, _Repaired] = {}
    for root, forms in _by_root(paths, roots).items():
        if not workspace_at(root).config_errors:
            for result in parallel_map(_repair_one, [(root, str(path)) for path in forms], workers, [root]):
                repaired[result.path] = result
    _say_errors(paths, roots, repaired, said)
    changed = 0
    for results in _valid_by_workspace(paths, roots, repaired).values():
        for result in results:
            if result.refused:
                note(result.refused)
            if result.failure is not None:
                raise result.failure
            for line in result.changes:
                note(line)
            changed += result.count
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
