"""Problems found in forms and config files, reported the way compilers do.

Every problem is a :class:`Diagnostic` printed as one line on standard error::

    inputs/2024-2025-1/东园区/后勤部.yaml:8:5: 错误: 未知字段 "catgory"，是否应为 "category"？

so editors can jump to it. A workbook form names its cells instead of lines
(``后勤部.xlsx:开展的工作!D12: 错误: …``), and a problem of a whole file names
no place (``后勤部.xlsx: 错误: …``). Stages collect diagnostics instead of raising on the
first problem, so a person sees every problem of a form in one run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

_LABELS = {"error": "错误", "warning": "警告"}


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place. ``line`` and ``col`` are 1-based; they also order the diagnostics."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    #: How the place is written when not as line:column: a workbook's cell (开展的工作!D12),
    #: or "" for the whole file.
    place: str | None = None

    def __str__(self) -> str:
        where = f"{self.line}:{self.col}" if self.place is None else self.place
        return f"{self.path}{':' + where if where else ''}: {_LABELS[self.severity]}: {self.message}"


#: Exit statuses (cli.md): a problem in what the person gave, wrong usage, a bug, a stop signal.
EXIT_ERRORS = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT


def signal_status(number: int) -> int:
    """The exit status of a run a signal stopped: 128 + its number (143 SIGTERM, 129 SIGHUP)."""
    return 128 + number


class WorksumError(Exception):
    """The root of every error worksum reports to a person, as click's ClickException is.

    It carries its Chinese message, where it happened (a file, shown before the
    message) and the exit status, so the command line shows every kind the same
    way: ``lines()`` on standard error, then ``exit_code``.
    """

    exit_code = EXIT_ERRORS

    def __init__(self, message: str, where: Path | str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def lines(self) -> list[str]:
        prefix = f"{shown(self.where)}: " if self.where is not None else ""
        return [f"{prefix}{_LABELS['error']}: {self.message}"]


class UsageError(WorksumError):
    """The command was written wrong (an argument that cannot be): exit status 2."""

    exit_code = EXIT_USAGE


class FormError(WorksumError):
    """Raised by a stage that cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics

    def lines(self) -> list[str]:
        return [str(d) for d in self.diagnostics]


def shown(path: Path | str) -> str:
    """A path as a person would type it: relative to the current folder when inside it.

    A link is shown by its own name, not its target's (a dangling or looping link has
    no target to show)."""
    try:
        absolute, here = os.path.abspath(path), os.getcwd()
    except OSError:
        absolute = here = ""
    if absolute and not absolute.startswith("//"):  # as Path.relative_to gives it, without making Paths
        if absolute == here:
            return "."
        inside = here if here.endswith(os.sep) else here + os.sep
        if absolute.startswith(inside):
            return absolute[len(inside):]
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.getcwd()))
    except (ValueError, OSError):
        pass
    try:  # the current folder reached through a link
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)
