"""Which folder is a workspace: the one rule every command uses (see commands.context)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_NAME = "config.yaml"
INPUTS = "inputs"
TEMPLATES = "templates"


def is_root(folder: Path) -> bool:
    """Whether ``folder`` is a workspace: config.yaml, inputs/, or templates/ with templates."""
    if (folder / CONFIG_NAME).is_file() or (folder / INPUTS).is_dir():
        return True
    templates = folder / TEMPLATES
    return templates.is_dir() and (any(templates.glob("*.j2")) or any(templates.glob("*/*.j2")))


def find_root(start: Path) -> Path | None:
    """The workspace root of ``start`` (a folder, or a file: its folder), or None."""
    start = Path(os.path.abspath(start))
    if start.is_file():
        start = start.parent
    for folder in [start, *start.parents]:
        if is_root(folder):
            return folder
    return None


def inputs_of(start: Path) -> Path:
    """The ``inputs/`` folder of the workspace of ``start``: under its root, or, outside any
    workspace, under the current folder."""
    return (find_root(start) or Path.cwd()) / INPUTS
