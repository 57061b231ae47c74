"""Write output files atomically: never a half-written .docx.

The bytes go to a temporary file in the target's folder, are flushed to disk,
and the file is renamed over the target in one step. An interruption leaves
either the old file or the new one; the temporary file is removed on any error
Python sees (a power cut can leave a ``.worksum-*.tmp``, never a broken target).
"""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from pathlib import Path

from pipeline.workspace.root import leads_out, linked_out

TEMP_PREFIX = ".worksum-"


class FileInUse(OSError):
    """The target is open in Word, WPS or LibreOffice (their lock file stands beside it)."""

    def __init__(self, target: Path, lock: Path):
        super().__init__(errno.EBUSY, "文件正被其他程序打开", str(target))
        self.lock = lock


class LinkedOut(OSError):
    """The target lies in the workspace, but a link takes it out (an output folder linked elsewhere)."""

    def __init__(self, target: Path, elsewhere: str):
        super().__init__(errno.EXDEV, linked_out(elsewhere), str(target))


def lock_file(target: Path) -> Path | None:
    """The lock file an office program keeps beside ``target`` while it is open, if any.

    Word writes ``~$`` over the first characters of the name, WPS ``~$`` or ``.~``
    before it, LibreOffice ``.~lock.NAME#``. Replacing an open document would let
    the program's next save overwrite the new one, and on Windows fails anyway.
    """
    name = target.name
    for candidate in {f"~${name}", f"~${name[1:]}", f"~${name[2:]}", f".~{name}", f".~lock.{name}#"}:
        if (target.parent / candidate).exists():
            return target.parent / candidate
    return None


def describe(exc: OSError) -> str:
    """What went wrong with a write, in Chinese, with what to do about it."""
    if isinstance(exc, FileInUse):
        return (f"文档正被 Word/WPS 等程序打开（发现锁文件 {exc.lock.name}），请关闭后重新生成；"
                f"如果并没有打开，请删除这个锁文件")
    if isinstance(exc, LinkedOut):
        return exc.strerror
    reasons = {
        errno.ENOSPC: "磁盘空间不足，请清理后重新生成",
        errno.EDQUOT: "磁盘配额已用完，请清理后重新生成",
        errno.EROFS: "磁盘或文件夹是只读的",
        errno.EACCES: "没有写入权限（文件或文件夹是只读的，或正被其他程序占用）",
        errno.EPERM: "没有写入权限（文件或文件夹是只读的，或正被其他程序占用）",
        errno.EBUSY: "文件正被其他程序占用，请关闭后重新生成",
        errno.ENAMETOOLONG: "文件名过长，请缩短标题或输出路径",
        errno.ENOTDIR: "输出路径中有同名的文件挡住了文件夹",
        errno.EEXIST: "输出路径中有同名的文件挡住了文件夹",  # making a folder where a file is
        errno.EISDIR: "输出路径是一个文件夹",
    }
    return reasons.get(exc.errno, exc.strerror or str(exc))


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step. Raises OSError on failure
    (:class:`FileInUse` when an office program has it open); see :func:`describe`.

    The new file keeps the permissions of the file it replaces, or gets the
    usual ones for a new file (mkstemp alone would make it private).
    """
    elsewhere = leads_out(target)
    if elsewhere:
        raise LinkedOut(target, elsewhere)
    lock = lock_file(target)
    if lock:
        raise FileInUse(target, lock)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    except OSError as exc:  # the folder takes no new file: the error names the document, not the temporary one
        exc.filename, exc.filename2 = str(target), None
        raise
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        if exc.filename == temp:  # the error names the document, not our temporary file
            exc.filename, exc.filename2 = str(target), None
        raise
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        # Reading the umask sets it: a batch writes on several threads (runner.Landing), and two
        # interleaved reads would leave the process's umask at 0 and its files writable by all.
        with _umask_lock:
            umask = os.umask(0)
            os.umask(umask)
        return 0o666 & ~umask


_umask_lock = threading.Lock()
