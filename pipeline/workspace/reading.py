"""Read a file the person pointed at, safely: a regular file, and no more than a limit.

A form, config.yaml or a template is whatever sits at its path: a named pipe
(reading it waits forever for a writer), a device (``/dev/zero`` never ends),
a link that points at itself, or a file of gigabytes. :func:`read_capped`
refuses anything but a regular file before reading a byte, and stops reading
past the limit instead of checking the size afterwards, so none of these can
hang a command or fill the memory. Its errors are :class:`Unreadable`
(an OSError) with a Chinese reason.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from pipeline.workspace.root import leads_out, linked_out

_CHUNK = 1 << 20


class Unreadable(OSError):
    """The file cannot be read as a form, config or template; ``reason`` is Chinese."""

    def __init__(self, path: Path | str, reason: str, code: int = errno.EINVAL):
        super().__init__(code, reason, str(path))
        self.reason = reason


class TooLarge(Unreadable):
    def __init__(self, path: Path | str, limit: int):
        super().__init__(path, f"文件过大，超过 {_amount(limit)}", errno.EFBIG)
        self.limit = limit


def _amount(size: int) -> str:
    return f"{size // 1024 // 1024} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def reason(exc: OSError) -> str:
    """Why ``exc`` kept a file from being read, in Chinese."""
    if isinstance(exc, Unreadable):
        return exc.reason
    reasons = {
        errno.ENOENT: "文件不存在（或是指向不存在文件的链接）",
        errno.EISDIR: "这是一个文件夹，不是文件",
        errno.ELOOP: "这是一个循环的链接（链接指向它自己）",
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.ENAMETOOLONG: "路径过长",
    }
    return reasons.get(exc.errno, f"无法读取（{exc.strerror or exc}）")


def read_capped(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at ``path``; :class:`Unreadable` past ``limit`` bytes
    or for anything else (a pipe, a device, a socket, a link out of the workspace). Other
    OSErrors pass (see :func:`reason`)."""
    elsewhere = leads_out(path)
    if elsewhere:
        raise Unreadable(path, linked_out(elsewhere))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)  # non-blocking: opening a named pipe does not wait for a writer
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise Unreadable(path, "这是一个文件夹，不是文件", errno.EISDIR)
        if not stat.S_ISREG(mode):
            raise Unreadable(path, "这不是普通文件（是管道、设备或套接字），已拒绝读取")
        if os.fstat(fd).st_size > limit:
            raise TooLarge(path, limit)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise TooLarge(path, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_special(path: Path) -> bool:
    """Whether ``path`` exists but is not a regular file or folder (a pipe, device, socket,
    a dangling or looping link): what :func:`read_capped` would refuse."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return os.path.lexists(path)  # a dangling link
    except OSError:
        return True  # a link loop, a path too long
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def file_state(path: Path | str) -> tuple[int, int] | None:
    """(size, modification time in ns) of the file at ``path``, or None when there is none:
    what the manifest and the sentence index compare before they read a file again."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns
