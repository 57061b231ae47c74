"""Atomic writes: the old file survives a failed write, and permissions are the usual ones."""

from __future__ import annotations

import os

import pytest

from pipeline.workspace.write import write_atomic


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "a.docx"
    target.write_bytes(b"old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.docx"]


def test_new_files_get_the_usual_permissions_and_old_ones_keep_theirs(tmp_path):
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.docx"
        write_atomic(fresh, b"x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "kept.docx"
        kept.write_bytes(b"x")
        kept.chmod(0o640)
        write_atomic(kept, b"y")
        assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_bytes() == b"y"
    finally:
        os.umask(umask)


def test_files_written_side_by_side_all_get_the_usual_permissions(tmp_path):
    """A batch writes documents on several threads (runner.Landing): reading the umask sets it, and two
    reads interleaved would leave the umask at 0 and new files writable by everyone."""
    import sys
    import threading

    from pipeline.workspace import write

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two steps, as they may on a busy machine
    umask = os.umask(0o022)
    modes: set[int] = set()
    try:
        def writer() -> None:
            found = {write._mode_for(tmp_path / "new.docx") for _ in range(20_000)}  # what a new file gets
            modes.update(found)

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert os.umask(0o022) == 0o022
        assert modes == {0o644}
        write_atomic(tmp_path / "a.docx", b"x")
        assert (tmp_path / "a.docx").stat().st_mode & 0o777 == 0o644
    finally:
        sys.setswitchinterval(interval)
        os.umask(umask)
