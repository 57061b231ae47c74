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
the files as they are now.

Every message goes to a ``note`` callback, in Chinese; the command prints the
summary line and chooses the exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.commands.context import Workspace, find_workspace
from pipeline.diagnostics import FormError, shown
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

    @property
    def count(self) -> int:
        """How many forms were read, valid or not."""
        return sum(len(group.forms) for group in self.groups.values()) + self.failed


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
    said = _Once(note)
    reading = read_forms(paths, said)
    results = proofread(reading)
    changed = 0
    if fix:
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
