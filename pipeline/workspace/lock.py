"""One build at a time per workspace: a lock file in ``outputs/``.

Two worksum runs writing one workspace's outputs at once (two department heads
building their own departments on a shared folder) would judge each other's
work wrongly. A run decides, document by document, from the manifest
(``outputs/.worksum-manifest.sqlite``) and the files on disk, whether an output
is up to date and whether the file there is the one worksum wrote or someone's
edit to keep: a document the other run has just written, and not yet recorded
(rows are committed at intervals), would look edited, be copied aside as a
``.edited-`` backup and replaced, or be skipped as up to date from a row about
to change. SQLite keeps the database itself whole, but a run holds its write
transaction open between save points, so the other would wait on it mid-run or
fail with "database is locked". :func:`workspace_lock` makes the second run
wait for the first before it reads the manifest (saying so once), and refuse with
a Chinese message after :data:`WAIT_SECONDS`.

The lock is the operating system's (``flock`` on Linux and macOS, ``msvcrt``
on Windows) on ``outputs/.worksum.lock``: it is released when the process
ends however it ends, so a killed run never leaves the workspace locked. The
file holds the process id of the holder, for the message.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from pipeline.diagnostics import WorksumError, shown
from pipeline.workspace.root import leads_out, linked_out

LOCK_NAME = ".worksum.lock"
#: How long a second run waits for the first before giving up.
WAIT_SECONDS = 600.0
_POLL = 0.2


#: The lock files this process holds open (see :func:`release_inherited`).
_held: set[int] = set()


def release_inherited() -> None:
    """In a process forked from a lock holder (a pool worker): close the inherited lock files.

    The lock lasts while any copy of its file stays open; a worker that outlived a
    killed main process would otherwise keep the workspace locked. Closing the copy
    leaves the main process's lock in place.
    """
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
        _held.discard(fd)


class WorkspaceBusy(WorksumError):
    """Another run holds the lock past the wait; the message is Chinese."""


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True  # a file system without locks: go on unlocked rather than not at all


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""
    return f"（进程 {text}）" if text.isdigit() else ""


@contextmanager
def workspace_lock(outputs: Path, note: Callable[[str], None], wait: float | None = None) -> Iterator[None]:
    """Hold the lock of the workspace whose outputs folder is ``outputs`` for the block.

    ``note`` receives the one-line notice when the run has to wait. When the
    folder cannot hold a lock file (read-only), the block runs unlocked: its
    writes will fail there anyway, each with its own message.
    """
    wait = WAIT_SECONDS if wait is None else wait
    path = outputs / LOCK_NAME
    elsewhere = leads_out(path)
    if elsewhere:  # outputs/ linked to another place: its lock, manifest and index would be written there
        raise WorksumError(f"输出文件夹 {shown(outputs)}：{linked_out(os.path.dirname(elsewhere))}")
    try:
        outputs.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + wait
        told = False
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(f"另一个 worksum{_holder(path)}正在生成这个工作区的文档，"
                                    f"等了 {wait:g} 秒仍未结束；请等它完成后再运行")
            if not told:
                note(f"另一个 worksum{_holder(path)}正在生成这个工作区的文档，等它完成后继续…")
                told = True
            time.sleep(_POLL)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        except OSError:
            pass  # the process id is only for the message
        _held.add(fd)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # closing releases the lock
