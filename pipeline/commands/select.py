"""Which forms a command works on: paths narrowed by term, campus and department."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.commands.context import current_workspace, find_workspace
from pipeline.form.identity import identity
from pipeline.workspace.discovery import forms_in, unread_warning


@dataclass(frozen=True)
class Selection:
    """Which forms: paths (default the workspace's ``inputs/``) narrowed by term, campus, department."""

    paths: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    campuses: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.terms or self.campuses or self.departments)

    def accepts(self, term: str | None, campus: str | None, department: str | None) -> bool:
        return ((not self.terms or term in self.terms) and (not self.campuses or campus in self.campuses)
                and (not self.departments or department in self.departments))


def discover(selection: Selection, note: Callable[[str], None] | None = None, links: set[str] | None = None,
             listed: dict[str, frozenset[str]] | None = None, text: bool = False) -> list[Path]:
    """The forms the selection names, in a stable order, each once.

    Folders are searched by :func:`forms_in`; a ``*.yml`` file found there is
    passed to ``note`` as a warning (once); the forms found there that are symbolic links are
    added to ``links``; the folders listed, with their names, to ``listed``; ``text``: the forms
    as strings (see :func:`forms_in`). A file named is kept even when it
    is missing: the command reports it, it is not dropped. A file named twice
    (by another path, or through a link) is kept once.
    """
    forms: list[Path] = []
    unread: list[Path] = []
    links = set() if links is None else links
    folders = named = 0
    for path in [Path(name) for name in selection.paths] or [current_workspace().inputs]:
        if path.is_dir():
            forms.extend(forms_in(path, unread, links, listed, text))
            folders += 1
        else:
            forms.append(str(path) if text else path)
            named += 1
    if selection.filtered:
        inputs: dict[str, Path] = {}  # by folder: forms of one folder share a workspace

        def inputs_of(path: Path) -> Path:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in inputs:
                inputs[folder] = find_workspace(Path(folder)).inputs
            return inputs[folder]

        forms = [p for p in forms if selection.accepts(*identity(Path(p), inputs=inputs_of(p)))]
        unread = [p for p in unread if selection.accepts(*identity(p, read=False, inputs=inputs_of(p)))]
    if note is not None:
        for path in dict.fromkeys(unread):
            note(unread_warning(path))
    if folders == 1 and not named and not links:
        return forms  # one folder listed, no link in it: every form is a distinct file already
    return _once_each(forms)


def _once_each(forms: list[Path]) -> list[Path]:
    """Each form once, the first way it was named: ``a.yaml``, ``./a.yaml``, its absolute
    path and a link to it are one file (built twice, it would race itself for one output)."""
    seen: set[str] = set()
    kept = []
    folders: dict[str, str] = {}  # a folder's real path, resolved once for all its forms
    for form in forms:
        folder, name = os.path.split(form)
        if name in ("", ".", "..") or os.path.islink(form):
            real = os.path.realpath(form)
        else:  # a plain file in a folder resolved already: its real path is that folder's and its name
            if folder not in folders:
                folders[folder] = os.path.realpath(folder or ".")
            real = os.path.join(folders[folder], name)
        key = os.path.normcase(real)
        if key not in seen:
            seen.add(key)
            kept.append(form)
    return kept
