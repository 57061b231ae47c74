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
