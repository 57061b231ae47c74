"""Write output files atomically: never a half-written .docx.

The bytes go to a temporary file in the target's folder, are flushed to disk,
and the file is renamed over the target in one step. An interruption leaves
either the old file or the new one; the temporary file is removed on any error
Python sees (a power cut can leave a ``.worksum-*.tmp``, never a broken target).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".worksum-"


def write_atomic(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step. Raises OSError on failure.

    The new file keeps the permissions of the file it replaces, or gets the
    usual ones for a new file (mkstemp alone would make it private).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
