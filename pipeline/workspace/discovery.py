"""Which files are forms: one rule for every command.

The forms in a folder are its ``*.yaml`` files and ``*.xlsx`` workbooks
(pipeline.form.workbook) at any depth, in a stable order, except:

* ``config.yaml``;
* anything whose name starts with ``.`` — a hidden folder (``.bak/``,
  ``.git/``) and everything in it, or a hidden file (``._后勤处.yaml`` that
  macOS leaves on USB disks, ``.#后勤处.yaml`` an editor's lock) — or with
  ``~`` (``~$后勤处.xlsx``, the lock file Excel and WPS keep beside an open
  workbook; LibreOffice's ``.~lock.后勤处.xlsx#`` is hidden and has another suffix);
* backup copies named ``….bak.yaml``, ``….orig.yaml``, ``….old.yaml`` or
  ``….backup.yaml`` (and the same before ``.xlsx``).

A ``*.yml`` file is not read: forms end in ``.yaml`` (form.md). Nor is an old
``*.xls`` or a WPS ``*.et`` workbook. They are not skipped silently either —
each looks like a form someone meant to be read — so discovery lists them and
the command warns once per file. A file named on the
command line is read whatever its name.

:func:`discover` is what ``build``, ``validate`` and ``check`` read; the
roll-up, new-term, the proofreader's view of a workspace and the search for
last period's form all use :func:`forms_in`.
"""

from __future__ import annotations

import operator
import os
import unicodedata
from pathlib import Path

from pipeline.diagnostics import shown
from pipeline.workspace.root import CONFIG_NAME, real_place

SUFFIX = ".yaml"
WORKBOOK_SUFFIX = ".xlsx"
#: The suffixes of a form: a YAML file or a workbook (the same contract in two containers).
FORM_SUFFIXES = (SUFFIX, WORKBOOK_SUFFIX)
#: Written by people as a form's suffix, but not read (see the module doc): what to say of each.
OTHER_SUFFIXES = {
    ".yml": "填报表以 .yaml 结尾",
    ".xls": "这是旧版 Excel 格式；工作簿填报表要“另存为”Excel 工作簿 .xlsx",
    ".et": "这是 WPS 表格格式；工作簿填报表要“另存为”Excel 工作簿 .xlsx",
}
OTHER_SUFFIX = ".yml"
#: A form's name ending in one of these, before its suffix, is a backup copy.
BACKUP_MARKS = (".bak", ".orig", ".old", ".backup")


def forms_in(folder: Path, unread: list[Path] | None = None, links: set[str] | None = None,
             listed: dict[str, frozenset[str]] | None = None, text: bool = False) -> list[Path]:
    """Every form under ``folder``, sorted; files that look like forms but are not read
    (``*.yml``, ``*.xls``, ``*.et``) are added to ``unread``, and the forms that are symbolic
    links, as strings, to ``links`` (a folder that is a link is not entered, as :func:`os.walk` does).
    ``listed``: each folder listed, with the names of everything in it (see :class:`Listed`);
    ``text``: the forms as strings (a batch of ten thousand forms has no use for Path objects)."""
    found: list[str] = []
    if not folder.is_dir():
        return []
    # Names as strings until the end: a workspace of ten thousand forms is listed on every run,
    # and a Path made (and compared, to sort) per file costs more than the listing itself.
    _scan(os.fspath(folder), found, unread, links, listed)
    if unread is not None:
        unread.sort()
    return found if text else [Path(path) for path in found]


def _scan(folder: str, found: list[str], unread: list[Path] | None, links: set[str] | None,
          listed: dict[str, frozenset[str]] | None = None) -> None:
    """os.walk's listing (a folder that cannot be read is passed over), with what it knows of links.

    Each folder's entries are taken in the order of their names and a folder is entered where its
    name falls, so the forms come out in the order of sorted Paths (:func:`path_order`) already."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return
    if listed is not None:
        listed[folder] = frozenset(entry.name for entry in entries)
    entries.sort(key=_entry_order)
    prefix = os.path.join(folder, "")
    for entry in entries:
        name = entry.name
        if name[0] in _HIDDEN:
            continue
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        if is_folder:
            if not entry.is_symlink():
                _scan(prefix + name, found, unread, links, listed)
            continue
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            continue
        suffix = "." + suffix.lower()
        if suffix in FORM_SUFFIXES and name != CONFIG_NAME and not stem.lower().endswith(BACKUP_MARKS):
            path = prefix + name
            found.append(path)
            if links is not None and entry.is_symlink():
                links.add(path)
        elif suffix in OTHER_SUFFIXES and unread is not None:
            unread.append(Path(folder) / name)


#: A name starting with one of these is hidden: skipped, with everything in it (see the module's description).
_HIDDEN = frozenset(".~")


def _entry_order(entry: os.DirEntry) -> str:
    return os.path.normcase(entry.name)


if os.path.normcase("A") == "A":  # names compare as they are (POSIX): no call per entry
    _entry_order = operator.attrgetter("name")


class Listed:
    """What one listing of folders (:func:`forms_in`'s ``listed``) proves without asking the disk
    again: a name missing from a folder listed is no file there (the listing is this run's view of
    it, as it is for the forms found). Names are compared case-folded, so a disk that ignores case
    (where ``Config.yaml`` answers for ``config.yaml``) is asked whenever a name could match."""

    def __init__(self, folders: dict[str, frozenset[str]] | None = None):
        self._folders = folders if folders is not None else {}
        self._folded: dict[str, frozenset[str]] = {}
        self._names: dict[str, str] = {}

    @property
    def folders(self) -> dict[str, frozenset[str]]:
        """Folder (as listed) → the names in it: what :func:`forms_in` fills."""
        return self._folders

    def listed(self, folder: str) -> bool:
        """Whether ``folder`` was listed (it was there, a folder)."""
        return folder in self._folders

    def absent(self, folder: str, name: str) -> bool:
        """Whether ``name`` is surely not in ``folder``: the folder was listed and had no such name."""
        names = self._folders.get(folder)
        if names is None:
            return False
        if name in names:
            return False
        folded = self._folded.get(folder)
        if folded is None:
            folded = self._folded[folder] = frozenset(map(self._fold, names))
        return self._fold(name) not in folded

    def _fold(self, name: str) -> str:
        """A name as a disk that ignores case and Unicode normalisation (macOS) compares it; the same
        few names (a department's, config.yaml) are asked of every folder: each folded once."""
        folded = self._names.get(name)
        if folded is None:
            folded = self._names[name] = unicodedata.normalize("NFC", name).casefold()
        return folded


def path_order(path: str) -> list[str]:
    """The order of sorted Paths (part by part, so "a/b" comes before "a-b/c"), for a string."""
    return os.path.normcase(path).split(os.sep)


def unread_warning(path: Path) -> str:
    """The warning for a file that looks like a form and is not read (``*.yml``, ``*.xls``, ``*.et``)."""
    suffix = path.suffix.lower()
    fix = (f"请改名为 {path.stem}{SUFFIX}" if suffix == OTHER_SUFFIX
           else f"请在 Excel/WPS 中另存为 {path.stem}{WORKBOOK_SUFFIX}")
    return (f"{shown(path)}: 警告: 扩展名是 {path.suffix}，没有作为填报表读取（{OTHER_SUFFIXES.get(suffix, '')}）；"
            f"如果这是填报表，{fix}")


def real_paths(paths) -> list[str]:
    """:func:`~pipeline.workspace.root.real_place` of each of ``paths`` (its real path, unless a link
    takes it out of the workspace), each folder resolved once: a form that is not
    itself a link is its resolved folder and its name (one look-up instead of one per folder above it)."""
    folders: dict[str, str] = {}
    resolved = []
    for path in paths:
        folder, name = os.path.split(os.fspath(path))
        if name in ("", os.curdir, os.pardir):
            resolved.append(real_place(path))
            continue
        if folder not in folders:
            folders[folder] = real_place(folder or os.curdir)
        joined = os.path.join(folders[folder], name)
        resolved.append(real_place(joined) if os.path.islink(joined) else joined)
    return resolved
