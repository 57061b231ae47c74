"""Nothing is lost: edited outputs are kept, writes are atomic, Ctrl-C leaves a consistent manifest."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest
from conftest import ROOT

from pipeline.commands import batch, manifest, runner
from pipeline.commands.batch import run_build
from pipeline.commands.manifest import land
from pipeline.commands.runner import Reporter
from pipeline.commands.select import Selection
from pipeline.workspace import write

TERM = "2024-2025-1"
DOCUMENT = f"outputs/{TERM}/东湖校区/明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx"
FORM = f"inputs/{TERM}/东湖校区/后勤处.yaml"


def polish(path: Path, sentence: str) -> bytes:
    """Edit a document the way a person would in Word: add a paragraph and save."""
    document = docx.Document(str(path))
    document.add_paragraph(sentence)
    document.save(str(path))
    return path.read_bytes()


def change_form(ws: Path) -> None:
    form = ws / FORM
    form.write_text(form.read_text(encoding="utf-8").replace("value: 168", "value: 175"), encoding="utf-8")


def backups(ws: Path) -> list[Path]:
    return sorted((ws / "outputs").rglob("*.edited-*.docx"))


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(f"{write.TEMP_PREFIX}*.tmp") if p.is_file()]


def texts(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


# --- edited outputs ------------------------------------------------------------------

def test_an_edited_output_is_kept_as_a_backup_when_its_form_changes(workspace, run):
    run(workspace, "build")
    edited = polish(workspace / DOCUMENT, "校长批注：请补充寒假值班安排。")
    change_form(workspace)

    result = run(workspace, "build")

    assert result.exit_code == 0
    [backup] = backups(workspace)
    assert backup.parent == (workspace / DOCUMENT).parent
    assert backup.name.startswith("明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.edited-")
    assert backup.read_bytes() == edited
    assert "校长批注：请补充寒假值班安排。" in texts(backup)
    fresh = texts(workspace / DOCUMENT)
    assert "宿舍报修处理175件" in fresh and "校长批注" not in fresh
    assert f"{DOCUMENT}: 警告: 这份文档生成后被修改过，修改后的版本已另存为 {backup.name}" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "完成：生成 1 份，未变化 11 份，失败 0 份；另存了 1 份修改过的文档"


def test_an_edited_output_whose_form_did_not_change_is_left_alone(workspace, run):
    run(workspace, "build")
    edited = polish(workspace / DOCUMENT, "手工补充的一段。")

    result = run(workspace, "build")

    assert "未变化 12 份" in result.stderr
    assert (workspace / DOCUMENT).read_bytes() == edited
    assert backups(workspace) == []


def test_force_rebuilds_and_still_keeps_the_edit(workspace, run):
    run(workspace, "build")
    edited = polish(workspace / DOCUMENT, "手工补充的一段。")

    run(workspace, "build", "--force")

    [backup] = backups(workspace)
    assert backup.read_bytes() == edited
    assert "手工补充的一段。" not in texts(workspace / DOCUMENT)


def test_a_file_the_manifest_does_not_know_is_kept(workspace, run):
    target = workspace / DOCUMENT
    target.parent.mkdir(parents=True)
    target.write_bytes(b"someone's own document")

    run(workspace, "build")

    [backup] = backups(workspace)
    assert backup.read_bytes() == b"someone's own document"
    assert texts(target).startswith("明德实验学校东湖校区后勤处")


def test_a_lost_manifest_causes_no_false_backups(workspace, run):
    run(workspace, "build")
    (workspace / "outputs" / manifest.MANIFEST_NAME).unlink()  # its -wal and -shm files left behind

    result = run(workspace, "build")

    assert "生成 12 份" in result.stderr
    assert backups(workspace) == []
    assert len(manifest.Ledger(workspace).entries()) == 12


def test_a_damaged_manifest_is_reported_and_nothing_is_lost(workspace, run):
    run(workspace, "build")
    edited = polish(workspace / DOCUMENT, "手工补充的一段。")
    database = workspace / "outputs" / manifest.MANIFEST_NAME
    for name in (database, database.with_name(database.name + "-wal")):
        if name.exists():
            name.write_bytes(b"{not a database" * 1000)

    result = run(workspace, "build")

    assert result.exit_code == 0, result.stderr
    assert "生成记录（manifest）无法读取" in result.stderr
    [backup] = backups(workspace)
    assert backup.read_bytes() == edited
    assert len(manifest.Ledger(workspace).entries()) == 12
    assert "生成 0 份，未变化 12 份" in run(workspace, "build").stderr


# --- atomic writes ------------------------------------------------------------------

def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "总结.docx"
    target.write_bytes(b"old bytes")

    def broken_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write.write_atomic(target, b"new bytes")

    assert target.read_bytes() == b"old bytes"
    assert temp_files(tmp_path) == []


def test_an_interruption_mid_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "总结.docx"
    target.write_bytes(b"old bytes")
    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of the bytes, then Ctrl-C arrives."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        write.write_atomic(target, b"new bytes, a whole document of them")

    assert target.read_bytes() == b"old bytes"
    assert temp_files(tmp_path) == []


def test_written_files_get_ordinary_permissions(tmp_path):
    target = tmp_path / "a.docx"
    write.write_atomic(target, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_landing_over_an_edited_file_that_fails_keeps_both(tmp_path, monkeypatch):
    target = tmp_path / "总结.docx"
    target.write_bytes(b"edited by hand")
    real_replace = os.replace

    def fail_on_target(source, destination):
        if Path(destination) == target:
            raise OSError(13, "Permission denied")
        real_replace(source, destination)

    monkeypatch.setattr(write.os, "replace", fail_on_target)
    with pytest.raises(OSError):
        land(target, b"generated", recorded=None)

    assert target.read_bytes() == b"edited by hand"
    [backup] = tmp_path.glob("总结.edited-*.docx")
    assert backup.read_bytes() == b"edited by hand"
    assert temp_files(tmp_path) == []


def test_a_failed_write_in_a_batch_fails_that_form_only(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    real_replace = os.replace

    def fail_for_one(source, destination):
        if "滨江校区后勤处" in str(destination):
            raise OSError(28, "No space left on device")
        real_replace(source, destination)

    monkeypatch.setattr(write.os, "replace", fail_for_one)
    notes = []
    reporter = Reporter()
    reporter.note = notes.append

    tally = run_build(Selection(terms=(TERM,)), reporter)

    assert (tally.built, tally.failed) == (5, 1)
    assert any("错误: 无法写入" in n and "磁盘空间不足" in n for n in notes)
    assert temp_files(workspace) == []


# --- Ctrl-C --------------------------------------------------------------------------

def assert_consistent(ws: Path) -> None:
    """The manifest describes files that exist, byte for byte, and no temporary file is left."""
    assert temp_files(ws) == []
    for entry in manifest.Ledger(ws).entries().values():
        output = ws / entry.output
        assert output.is_file(), entry.output
        assert hashlib.sha256(output.read_bytes()).hexdigest() == entry.docx_sha256


def test_ctrl_c_while_landing_saves_what_landed(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    real_land = runner.land
    landed = []

    def interrupted_on_the_third(target, data, recorded):
        if len(landed) == 2:
            raise KeyboardInterrupt
        landed.append(target)
        return real_land(target, data, recorded)

    monkeypatch.setattr(runner, "land", interrupted_on_the_third)

    tally = run_build(Selection(terms=(TERM,)), Reporter())

    assert tally.interrupted and tally.built == 2
    assert tally.line().startswith("已中断：生成 2 份")
    assert sorted(workspace / output for output in manifest.Ledger(workspace).entries()) == sorted(landed)
    assert_consistent(workspace)
    monkeypatch.setattr(runner, "land", real_land)
    again = run_build(Selection(terms=(TERM,)), Reporter())
    assert (again.built, again.unchanged) == (4, 2)
    assert backups(workspace) == []


@pytest.mark.slow
def test_a_real_sigint_during_a_pooled_build_leaves_everything_consistent(workspace):
    from test_batch import make_many

    make_many(workspace, 8)  # 54 forms: the pool is used
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = workspace.parent / "stderr.txt"  # a file, not a pipe: nobody reads a pipe while we wait
    with open(log, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--term", TERM], cwd=workspace,
                                   env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        manifest_file = workspace / "outputs" / manifest.MANIFEST_NAME
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not manifest_file.exists() and process.poll() is None:
            time.sleep(0.02)  # wait until outputs are landing
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    err = log.read_bytes()

    if process.returncode == 130:
        # 已中断：<counts> when the signal lands while documents are landing; a bare 已中断 when it lands
        # between phases (the index being saved, the comparison): the state is checked below either way.
        assert "已中断" in err.decode()
        assert "Traceback" not in err.decode()
    else:  # the signal came after the last form: the run completed (and may have died exiting)
        assert process.returncode in (0, -signal.SIGINT), err.decode()
        assert "完成：生成 54 份" in err.decode()
    assert_consistent(workspace)
    shutil.rmtree(workspace / "inputs" / "2023-2024-2")
    finish = subprocess.run([sys.executable, "-m", "pipeline", "build"], cwd=workspace, env=env,
                            capture_output=True, timeout=120)
    assert finish.returncode == 0
    assert backups(workspace) == []
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 54


def test_ctrl_c_inside_a_landing_is_held_until_it_has_landed(tmp_path):
    target = tmp_path / "总结.docx"
    steps = []
    with pytest.raises(KeyboardInterrupt), batch.uninterrupted():
        os.kill(os.getpid(), signal.SIGINT)
        steps.append("still running")
        write.write_atomic(target, b"whole")
        steps.append("landed")
    assert steps == ["still running", "landed"]
    assert target.read_bytes() == b"whole"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_the_run_ignores_is_not_raised_after_a_landing(tmp_path):
    """Started as a background job, the run ignores SIGINT: a landing neither catches it nor
    raises it afterwards, and leaves it ignored."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        target = tmp_path / "总结.docx"
        try:
            with batch.uninterrupted():
                os.kill(os.getpid(), signal.SIGINT)
                write.write_atomic(target, b"whole")
        except KeyboardInterrupt:
            pytest.fail("the ignored Ctrl-C was raised after the landing")
        assert target.read_bytes() == b"whole"
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
