"""What every batch command shares: Ctrl-C held while a file lands, the reporter, the tally."""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.commands.manifest import land
from pipeline.diagnostics import EXIT_INTERRUPTED, shown, signal_status
from pipeline.workspace.write import describe


class Terminated(KeyboardInterrupt):
    """The run was told to stop by SIGTERM or SIGHUP (a closed terminal): it stops as Ctrl-C stops it."""

    @property
    def signal_number(self) -> int:
        return self.args[0]


#: The stop signal (SIGTERM, SIGHUP) this process was told to stop by, once one arrived.
_stopped_by: list[int] = []


def _terminate(number: int, _frame) -> None:
    _stopped_by.append(number)
    raise Terminated(number)


def interrupted_status() -> int:
    """The exit status of a run that was stopped: 128 plus the number of the signal that
    stopped it, as a shell reports a process a signal ended: 130 for Ctrl-C (SIGINT),
    143 for SIGTERM, 129 for SIGHUP."""
    return signal_status(_stopped_by[0]) if _stopped_by else EXIT_INTERRUPTED


#: The signals that stop a run: Ctrl-C, ``kill``, and the terminal closing.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def stop_on_signals():
    """Make SIGTERM and SIGHUP stop a command the way Ctrl-C does: the manifest saved, a message.

    Returns what puts the previous handlers back, for when the command is done
    (a command run inside another program, as the tests do, leaves it as it was).
    A signal this process was started with ignored stays ignored (:func:`_heeded`).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {number: signal.signal(number, _terminate) for number in _heeded(STOP_SIGNALS[1:])}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)

    return restore


def quiet_worker() -> None:
    """In a worker process: the stop signals are the main process's to handle.

    Ctrl-C and a closed terminal reach the whole process group; the main process
    stops the pool and saves the manifest. SIGTERM, which the pool itself uses to
    end its workers, ends a worker quietly instead of raising in it (it would
    otherwise run the handler inherited from the main process and print a traceback).
    The workspace locks the worker inherited are closed in it, so they end with the main process.
    """
    from pipeline.workspace.lock import release_inherited

    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL if number == getattr(signal, "SIGTERM", None) else signal.SIG_IGN)
    release_inherited()


@contextmanager
def uninterrupted():
    """Hold Ctrl-C, SIGTERM and SIGHUP arriving inside the block until the block is done.

    Landing an output (backup, write, rename, manifest entry) is one step to
    the person: it happens whole or not at all, and no temporary file is left.
    """
    if threading.current_thread() is not threading.main_thread() or _holding:
        yield  # a worker thread, or already inside a held block: the outer one answers
        return
    pending: list[int] = []
    previous = {number: signal.signal(number, lambda number, frame: pending.append(number))
                for number in _heeded(STOP_SIGNALS)}
    _holding.append(True)
    try:
        yield
    finally:
        _holding.pop()
        for number, handler in previous.items():
            default = signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            signal.signal(number, handler if handler is not None else default)
        if pending:
            handler = signal.getsignal(pending[0])
            if callable(handler):
                handler(pending[0], None)  # raises KeyboardInterrupt or Terminated
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), pending[0])
            raise KeyboardInterrupt


_holding: list[bool] = []  # non-empty while an uninterrupted() block runs in the main thread


def _heeded(numbers) -> list[int]:
    """The signals of ``numbers`` this process does not ignore. One it was started with ignored
    stays ignored: ``nohup`` ignores SIGHUP so that closing the terminal does not stop the run,
    and a shell starts a background job (``worksum build &``) with SIGINT ignored."""
    return [number for number in numbers if signal.getsignal(number) != signal.SIG_IGN]


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
    unsaved: int = 0  # manifests that could not be saved (each said once)
    interrupted: bool = False
    written: list[Path] = field(default_factory=list)  # documents written by this run
    kept: list[str] = field(default_factory=list)  # unchanged documents, left as they were (absolute paths)

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
    with uninterrupted():
        try:
            landed = land(target, docx, ledger.recorded(target))
        except OSError as exc:
            landed = exc
        return _recorded(landed, target, docx, ledger, term, sources, who=who, reporter=reporter, tally=tally,
                         kind=kind, folders=folders, states=states, noun=noun, counted=counted)


def _recorded(landed, target: Path, docx: bytes, ledger, term: str, sources: dict[Path, str], *, who: str,
              reporter: Reporter, tally: Tally, kind: str = "form", folders=(), states=None,
              noun: str | None = None, counted: bool = True) -> bool:
    """The second half of :func:`land_output`, once the file is written (``landed``) or could not be (an OSError)."""
    try:
        if isinstance(landed, OSError):
            raise landed
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


class Landing:
    """Lands a batch's outputs as :func:`land_output` does, the writing on a few threads.

    Writing a document is mostly waiting for the disk to confirm it (fsync); done
    one after another in the process that lands them, that wait paces the whole
    batch. Here the files are written side by side on ``threads`` threads, and
    each is recorded in the manifest, said and counted by the calling thread once
    written, in the order given. At most ``PENDING`` documents are held here; :meth:`finish`
    waits for every write (also after Ctrl-C, so every file written is recorded).
    """

    PENDING = 32

    def __init__(self, threads: int):
        from collections import deque

        self.threads = threads
        self.pool = None  # made when the first document comes; ended by finish(), before a fork
        self.pending = deque()

    def land(self, target: Path, docx: bytes, ledger, term: str, sources: dict[Path, str], **details) -> None:
        if self.threads <= 1:
            land_output(target, docx, ledger, term, sources, **details)
            return
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="worksum-write")
        write = self.pool.submit(_land_or_error, target, docx, ledger.recorded(target))
        self.pending.append((write, (target, docx, ledger, term, sources), details))
        self._record(wait=len(self.pending) > self.PENDING)

    def _record(self, wait: bool = False) -> None:
        while self.pending and (wait or self.pending[0][0].done()):
            write, arguments, details = self.pending[0]
            landed = write.result()  # Ctrl-C while waiting leaves it pending: finish() records it
            self.pending.popleft()
            with uninterrupted():
                _recorded(landed, *arguments, **details)
            wait = wait and len(self.pending) > self.PENDING

    def finish(self) -> None:
        """Wait for every write and record it; the threads end (a process about to fork has none)."""
        while self.pending:
            self._record(wait=True)
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


def _land_or_error(target: Path, docx: bytes, recorded):
    try:
        return land(target, docx, recorded)
    except OSError as exc:
        return exc
