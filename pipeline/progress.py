"""Show a batch run on the console: messages, written files, a progress bar.

Messages go to standard error, the paths of written documents to standard
output (so ``worksum build | xargs …`` works). The progress bar is drawn only
when standard error is a terminal, at most ten times a second, and is cleared
before any message so the two never mix on one line.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import click

from pipeline.commands.runner import Reporter
from pipeline.diagnostics import shown

BAR_WIDTH = 30
REDRAW_EVERY = 0.1  # seconds


class ConsoleReporter(Reporter):
    def __init__(self, bar: bool | None = None):
        self.bar = sys.stderr.isatty() if bar is None else bar
        self.total = self.done = 0
        self.started = self.drawn_at = 0.0
        self.showing = False
        self.reader_gone = False

    def begin(self, to_build: int, unchanged: int) -> None:
        self.total, self.done = to_build, 0
        self.started = time.monotonic()
        self.bar = self.bar and to_build > 1
        self._draw(force=True)

    def note(self, line: str) -> None:
        self._clear()
        click.echo(line, err=True)
        self._draw(force=True)

    def wrote(self, path: Path) -> None:
        self._clear()
        if not self.reader_gone:
            try:
                click.echo(shown(path))
            except BrokenPipeError:  # worksum build | head -1: the reader has all it wanted
                self.reader_gone = True
                silence_stdout()
        self._draw(force=True)

    def step(self) -> None:
        self.done += 1
        self._draw()

    def end(self) -> None:
        self._clear()

    def _draw(self, force: bool = False) -> None:
        if not self.bar or not self.total:
            return
        now = time.monotonic()
        if not force and now - self.drawn_at < REDRAW_EVERY and self.done < self.total:
            return
        self.drawn_at = now
        filled = BAR_WIDTH * self.done // self.total
        elapsed = now - self.started
        rate = f"  {self.done / elapsed:.0f} 份/秒" if elapsed > 0.5 and self.done else ""
        sys.stderr.write(f"\r生成中 [{'█' * filled}{'░' * (BAR_WIDTH - filled)}] {self.done}/{self.total}{rate}\033[K")
        sys.stderr.flush()
        self.showing = True

    def end_note(self) -> str | None:
        """What to add to the summary line: that the paths stopped being listed, if they did."""
        return "（标准输出已关闭，其余文档照常生成，未再列出路径）" if self.reader_gone else None

    def _clear(self) -> None:
        if self.showing:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.showing = False


def silence_stdout() -> None:
    """Point standard output at the null device: the pipe's reader has gone, and Python
    would otherwise fail again writing to it, at the latest when it exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
