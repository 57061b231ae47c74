"""What every batch command shares: Ctrl-C held while a file lands, the reporter, the tally."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@contextmanager
def uninterrupted():
    """Hold a Ctrl-C that arrives inside the block until the block is done.

    Landing an output (backup, write, rename, manifest entry) is one step to
    the person: it happens whole or not at all, and no temporary file is left.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pending.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if pending:
            raise KeyboardInterrupt


class Reporter:
    """Receives a run's events; the console reporter (pipeline.progress) shows them."""

    def begin(self, to_build: int, unchanged: int) -> None: ...
    def note(self, line: str) -> None: ...  # a message for stderr
    def wrote(self, path: Path) -> None: ...  # a document written, for stdout
    def step(self) -> None: ...  # one form done, whatever the result
    def end(self) -> None: ...


@dataclass
class Tally:
    found: int = 0
    built: int = 0
    unchanged: int = 0
    failed: int = 0
    bugs: int = 0
    backups: int = 0
    interrupted: bool = False
    written: list[Path] = field(default_factory=list)  # documents written by this run
    kept: list[Path] = field(default_factory=list)  # unchanged documents, left as they were

    def line(self) -> str:
        """The one-line summary, in Chinese."""
        text = f"生成 {self.built} 份，未变化 {self.unchanged} 份，失败 {self.failed + self.bugs} 份"
        if self.backups:
            text += f"；另存了 {self.backups} 份修改过的文档"
        return ("已中断：" if self.interrupted else "完成：") + text
