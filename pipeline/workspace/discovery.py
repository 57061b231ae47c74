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

import os
from pathlib import Path

from pipeline.diagnostics import shown
from pipeline.workspace.root import CONFIG_NAME

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


def _hidden(name: str) -> bool:
    return name.startswith((".", "~"))


def forms_in(folder: Path, unread: list[Path] | None = None) -> list[Path]:
    """Every form under ``folder``, sorted; files that look like forms but are not read
    (``*.yml``, ``*.xls``, ``*.et``) are added to ``unread``."""
    found: list[str] = []
    if not folder.is_dir():
        return []
    # Names as strings until the end: a workspace of ten thousand forms is walked on every run,
    # and a Path made (and compared, to sort) per file costs more than the walk.
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not _hidden(name))
        for name in files:
            if _hidden(name):
                continue
            stem, suffix = os.path.splitext(name)
            suffix = suffix.lower()
            if suffix in FORM_SUFFIXES and name != CONFIG_NAME and not stem.lower().endswith(BACKUP_MARKS):
                found.append(os.path.join(current, name))
            elif suffix in OTHER_SUFFIXES and unread is not None:
                unread.append(Path(current) / name)
    found.sort(key=path_order)
    if unread is not None:
        unread.sort()
    return [Path(path) for path in found]


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


