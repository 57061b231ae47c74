"""Which folder is a workspace: the one rule every command uses (see commands.context)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAME = "config.yaml"
INPUTS = "inputs"
TEMPLATES = "templates"


def is_root(folder: Path | str) -> bool:
    """Whether ``folder`` is a workspace: config.yaml, inputs/, or templates/ with templates.

    Strings, not pathlib: a batch asks this of every folder that holds forms."""
    folder = os.fspath(folder)
    if os.path.isfile(os.path.join(folder, CONFIG_NAME)) or os.path.isdir(os.path.join(folder, INPUTS)):
        return True
    templates = Path(folder, TEMPLATES)
    return templates.is_dir() and (any(templates.glob("*.j2")) or any(templates.glob("*/*.j2")))


#: The finder :func:`find_root` keeps once remember_roots() was called in this process.
_remembered: RootFinder | None = None


def remember_roots() -> None:
    """From now on, let :func:`find_root` remember each folder's answer, in this process.

    For a pool's worker, which lives for one run: a form's root is asked for by
    several stages of its build (the workspace, the form's place under inputs/,
    last period's form), each a few file-system look-ups per folder above it.
    No folder becomes or stops being a workspace during a run.
    """
    global _remembered
    _remembered = RootFinder()


def find_root(start: Path) -> Path | None:
    """The workspace root of ``start`` (a folder, or a file: its folder), or None."""
    start = os.path.abspath(start)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    return (_remembered or RootFinder())(start)


class RootFinder:
    """:func:`find_root` for the folders of many forms: each folder is asked :func:`is_root`
    once, however many forms it and the folders below it hold. ``listed``: folders just listed
    (:class:`pipeline.workspace.discovery.Listed`); one that has none of a workspace's marks
    (config.yaml, inputs, templates) is no workspace, without asking the disk again."""

    def __init__(self, listed=None) -> None:
        self._roots: dict[str, Path | None] = {}
        self._listed = listed

    def _is_root(self, folder: str) -> bool:
        listed = self._listed
        if listed is not None and all(listed.absent(folder, name) for name in (CONFIG_NAME, INPUTS, TEMPLATES)):
            return False
        return is_root(folder)

    def __call__(self, folder: str) -> Path | None:
        """The workspace root of the folder ``folder`` (an absolute path)."""
        if folder not in self._roots:
            parent = os.path.dirname(folder)
            if self._is_root(folder):
                self._roots[folder] = Path(folder)
            else:
                self._roots[folder] = self(parent) if parent != folder else None
        return self._roots[folder]


def inputs_of(start: Path) -> Path:
    """The ``inputs/`` folder of the workspace of ``start``: under its root, or, outside any
    workspace, under the current folder."""
    return (find_root(start) or Path.cwd()) / INPUTS


def leads_out(path: Path | str) -> str | None:
    """Where ``path`` really is when it lies in a workspace but a link takes it out (a form, a
    template or config.yaml linked to a file elsewhere, an output folder linked to another disk);
    None otherwise. worksum reads and writes nothing outside the workspace: :func:`read_capped
    <pipeline.workspace.reading.read_capped>` and :func:`write_atomic
    <pipeline.workspace.write.write_atomic>` refuse such a path."""
    absolute = os.path.abspath(path)
    real = os.path.realpath(absolute)
    if real == absolute:
        return None  # no link on the way: the common case, one look-up
    root = find_root(os.path.dirname(absolute))
    if root is None:
        return None
    base = os.path.realpath(root)
    return None if real == base or real.startswith(base.rstrip(os.sep) + os.sep) else real


def real_place(path: Path | str) -> str:
    """``os.path.realpath`` of ``path``, except where a link takes it out of its workspace: then the
    path itself (absolute), so that what reads it by this name reads it through the link, and
    :func:`leads_out` refuses it (resolved, it would look like a file of no workspace)."""
    return os.path.abspath(path) if leads_out(path) else os.path.realpath(path)


def linked_out(target: str) -> str:
    """Why a path that :func:`leads_out` to ``target`` is neither read nor written."""
    return (f"这是指向工作区以外的链接（实际位置 {target}）：worksum 不读写工作区以外的文件；"
            f"请把它复制到工作区中，或删除这个链接")
