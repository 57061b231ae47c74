"""Which files are forms: one rule for every command.

The forms in a folder are its ``*.yaml`` files at any depth, in a stable
order, except:

* ``config.yaml``;
* anything whose name starts with ``.`` — a hidden folder (``.bak/``,
  ``.git/``) and everything in it, or a hidden file (``._后勤处.yaml`` that
  macOS leaves on USB disks, ``.#后勤处.yaml`` an editor's lock) — or with
  ``~`` (``~$后勤处.yaml``, an office program's owner file);
* backup copies named ``….bak.yaml``, ``….orig.yaml``, ``….old.yaml`` or
  ``….backup.yaml``.

A ``*.yml`` file is not read: forms end in ``.yaml`` (form.md). It is not
skipped silently either — it looks like a form someone meant to be read — so
discovery lists it and the command warns once per file. A file named on the
command line is read whatever its name.

:func:`discover` is what ``build``, ``validate`` and ``check`` read; the
roll-up, new-term, the proofreader's view of a workspace and the search for
last period's form all use :func:`forms_in`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.diagnostics import shown
from pipeline.workspace import CONFIG_NAME, current_workspace, find_workspace

SUFFIX = ".yaml"
#: Written by people as a form's suffix, but not read (see the module doc).
OTHER_SUFFIX = ".yml"
#: A form's name ending in one of these, before .yaml, is a backup copy.
BACKUP_MARKS = (".bak", ".orig", ".old", ".backup")


def _hidden(name: str) -> bool:
    return name.startswith((".", "~"))


def _backup(path: Path) -> bool:
    return path.stem.lower().endswith(BACKUP_MARKS)


def forms_in(folder: Path, unread: list[Path] | None = None) -> list[Path]:
    """Every form under ``folder``, sorted; ``*.yml`` files found are added to ``unread``."""
    found: list[Path] = []
    if not folder.is_dir():
        return found
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not _hidden(name))
        for name in files:
            if _hidden(name):
                continue
            path = Path(current) / name
            suffix = path.suffix.lower()
            if suffix == SUFFIX and name != CONFIG_NAME and not _backup(path):
                found.append(path)
            elif suffix == OTHER_SUFFIX and unread is not None:
                unread.append(path)
    found.sort()
    if unread is not None:
        unread.sort()
    return found


def unread_warning(path: Path) -> str:
    """The warning for a ``*.yml`` file that looks like a form and is not read."""
    return (f"{shown(path)}: 警告: 扩展名是 {path.suffix}，没有作为填报表读取（填报表以 .yaml 结尾）；"
            f"如果这是填报表，请改名为 {path.stem}{SUFFIX}")


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


def discover(selection: Selection, note: Callable[[str], None] | None = None) -> list[Path]:
    """The forms the selection names, in a stable order, each once.

    Folders are searched by :func:`forms_in`; a ``*.yml`` file found there is
    passed to ``note`` as a warning (once). A file named is kept even when it
    is missing: the command reports it, it is not dropped.
    """
    forms: list[Path] = []
    unread: list[Path] = []
    for path in [Path(name) for name in selection.paths] or [current_workspace().inputs]:
        if path.is_dir():
            forms.extend(forms_in(path, unread))
        else:
            forms.append(path)
    if selection.filtered:
        inputs: dict[str, Path] = {}  # by folder: forms of one folder share a workspace

        def inputs_of(path: Path) -> Path:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in inputs:
                inputs[folder] = find_workspace(Path(folder)).inputs
            return inputs[folder]

        forms = [p for p in forms if selection.accepts(*identity(p, inputs=inputs_of(p)))]
        unread = [p for p in unread if selection.accepts(*identity(p, read=False, inputs=inputs_of(p)))]
    if note is not None:
        for path in dict.fromkeys(unread):
            note(unread_warning(path))
    return list(dict.fromkeys(forms))


def identity(form: Path, read: bool = True, inputs: Path | None = None) -> tuple[str | None, str | None, str | None]:
    """(term, campus, department) of a form: from ``inputs/<term>/<campus>/<department>.yaml``
    (``inputs``: its workspace's, found when not given), or, for a form outside that layout,
    from its own fields (when ``read``). Unknown parts are None."""
    absolute = Path(os.path.abspath(form))
    inputs = Path(os.path.abspath(inputs or find_workspace(absolute).inputs))
    try:
        parts = absolute.relative_to(inputs).parts
    except ValueError:
        parts = ()
    if len(parts) == 3:
        return parts[0], parts[1], Path(parts[2]).stem
    if not read:
        return None, None, None
    from pipeline.diagnostics import FormError
    from pipeline.loader import load_file

    try:
        data = load_file(form).data
    except FormError:
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None
    values = [data.get(key) for key in ("term", "campus", "department")]
    return tuple(str(v) if v is not None else None for v in values)  # type: ignore[return-value]
