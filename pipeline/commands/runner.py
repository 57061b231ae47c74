"""What every batch command shares: Ctrl-C held while a file lands, the reporter, the tally."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.commands.manifest import land
from pipeline.diagnostics import shown
from pipeline.workspace.write import describe


@contextmanager
def uninterrupted():
    """Hold a Ctrl-C that arrives inside the block until the block is done.

    Landing an output (backup, write, rename, manifest entry) is one step to
    the person: it happens whole or not at all, and no temporary file is left.
    """
    if threading.current_thread() is not threading.main_thread() or _holding:
        yield  # a worker thread, or already inside a held block: the outer one answers
        return
    pending = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pending.append(number))
    _holding.append(True)
    try:
        yield
    finally:
        _holding.pop()
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if pending:
            raise KeyboardInterrupt


_holding: list[bool] = []  # non-empty while an uninterrupted() block runs in the main thread


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


def land_output(target: Path, docx: bytes, ledger, term: str, sources: dict[Path, str], *, who: str,
                reporter: Reporter, tally: Tally, kind: str = "form", folders=(), states=None,
                noun: str | None = None, counted: bool = True) -> bool:
    """Write one output and record it in the manifest, as one step Ctrl-C waits for.

    An edited earlier version is kept and said (:func:`~pipeline.commands.manifest.land`);
    a failed write is reported against ``who`` (the form, or the roll-up's output)
    and leaves the earlier file as it was. Counts go to ``tally``. Build and
    roll-up land their documents here, so both keep the same promises; a file
    beside a document (a roll-up's figures workbook, ``noun`` 数据表) lands here
    too, not ``counted`` as a document built. ``states``: the sources' sizes and
    times, taken before they were hashed (see ``Ledger.record``).
    """
    try:
        with uninterrupted():
            landed = land(target, docx, ledger.recorded(target))
            ledger.record(term, target, sources, docx, kind=kind, folders=folders, states=states)
    except OSError as exc:
        reporter.note(f"{who}: 错误: 无法写入 {shown(exc.filename or target)}：{describe(exc)}；原有文档未被改动")
        tally.failed += 1
        return False
    if landed.backup:
        tally.backups += 1
        reporter.note(landed.notice(shown(target), noun or ("汇总" if kind == "rollup" else "文档")))
    reporter.wrote(target)
    if counted:
        tally.written.append(target)
        tally.built += 1
    return True
