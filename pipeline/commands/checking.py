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
the forms that share text with another. With ``fix`` a worker repairs a form's
safe punctuation (:mod:`pipeline.proofread.repair`) right after reading it and
proofreads the repaired text, parsed from the bytes it wrote: each form is read
once, and what is reported is the files as they are now.

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
from pipeline.workspace.root import real_place

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
    repaired: _Repaired | None = None  # with --fix: what was repaired


@dataclass
class _Repaired:
    """One form's safe repairs (``check --fix``): what was changed and said, or why not."""

    refused: str | None = None  # the warning saying why the file was left alone
    changes: list[str] = field(default_factory=list)
    count: int = 0
    failure: OSError | None = None  # the repaired form could not be written


def _check_alone(item: tuple) -> object:
    """A form read and proofread alone (``(root, path, index, fix)``; ``fix``: its safe repairs
    written first), or only read for the index (``(root, path)``): run in a worker, or here when
    there are few. The file is read once: its bytes serve the index, the form and the repairs."""
    from pipeline.commands.batch import read_for_index
    from pipeline.proofread.corpus import sha256_of
    from pipeline.proofread.proofreader import Checked
    from pipeline.workspace.reading import file_state, read_capped

    if len(item) == 2:
        return read_for_index(item)
    root, path, index, fix = item
    proofreader = workspace_at(root).proofreader
    config = workspace_at(root).config
    resolved = Path(real_place(path))  # (a link out of the workspace: itself, refused when read)
    state = file_state(resolved) or (0, 0)  # as the index reads a form: its state first
    try:
        raw = read_capped(resolved, MAX_BYTES)
    except OSError:
        raw = None  # read_form says why
    sha = sha256_of(raw) if index and raw is not None else None
    try:
        form, loaded = read_form(Path(path), config, shown(path), raw)
    except FormError as exc:
        return _Alone(path, errors=[str(d) for d in exc.diagnostics],
                      indexed=read_for_index((root, str(resolved))) if index else None)
    checked = Checked(Path(path).resolve(), loaded.path, form, loaded)
    before, after = proofreader.own_issues(checked)
    repaired = None
    if fix:
        repaired, written = _repair(checked, [*before, *after], raw, state)
        if written is not None:  # the form as it is now: its new bytes, not read back
            form, loaded = read_form(Path(path), config, shown(path), written)
            checked = Checked(Path(path).resolve(), loaded.path, form, loaded)
            before, after = proofreader.own_issues(checked)
            state, sha, index = file_state(resolved) or (0, 0), sha256_of(written), True
    indexed = None
    if index:
        indexed = proofreader.indexed(checked, state, sha, shown(resolved)) if sha is not None \
            else read_for_index((root, str(resolved)))
    return _Alone(path, None, [str(w) for w in loaded.warnings],
                  ([i.diagnostic for i in before], [i.diagnostic for i in after]), proofreader.shared(checked), indexed,
                  repaired)


def _repair(checked, issues: list, raw: bytes, state: tuple[int, int]) -> tuple[_Repaired, bytes | None]:
    """Write the safe repairs of ``issues`` into ``checked``'s file (read as ``raw`` when its size
    and time were ``state``): what was repaired, and the bytes written (None: nothing). The repairs
    come from the form alone: comparing it with other forms never proposes one."""
    from pipeline.proofread import repair
    from pipeline.proofread.proofreader import in_line_order
    from pipeline.workspace.reading import file_state

    planned = repair.plan(checked, in_line_order(issues), raw)
    if planned.changes and not planned.refused and file_state(os.path.realpath(checked.path)) != state:
        # saved in an editor while it was checked: writing the repairs would undo that edit
        planned.refused = "文件在检查期间被修改过（可能刚在编辑器中保存），没有自动修改；请再运行一次 worksum check --fix"
        planned.changes.clear()
    done = _Repaired(refused=f"{checked.display}: 警告: {planned.refused}" if planned.refused else None)
    try:
        written = repair.write(planned)
    except OSError as exc:
        done.failure = exc
        return done, None
    done.changes = [change.describe(checked.display) for change in planned.changes]
    done.count = len(planned.changes)
    return done, written


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
    roots = _roots(paths)
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
            items: list = [(root, str(path), os.path.realpath(path) in stale, fix) for path in forms]
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
    reading = _say_errors(paths, roots, alone, note)
    changed = _say_repairs(paths, roots, alone, note) if fix else 0
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


def _say_repairs(paths: list[Path], roots: dict[Path, Path | None], results: dict, note: Note) -> int:
    """``check --fix``: say each valid form's repairs, by workspace; how many marks were changed.
    Raises the OSError of a repaired form that could not be written."""
    changed = 0
    for valid in _valid_by_workspace(paths, roots, results).values():
        for result in valid:
            repaired = result.repaired
            if repaired.refused:
                note(repaired.refused)
            if repaired.failure is not None:
                raise repaired.failure
            for line in repaired.changes:
                note(line)
            changed += repaired.count
    return changed
