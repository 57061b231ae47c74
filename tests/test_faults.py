"""Nothing lost, second round: PDFs, a lost manifest, two builds at once, a manifest of any
shape or none, signals, a closed pipe, a console that cannot show the text.

Each test checks the files themselves: the edited copy holds the edited bytes,
the manifest describes exactly the files there, every document was built.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.commands import manifest
from pipeline.layout.parts import ZIP_DATE, made_by_worksum
from pipeline.workspace import lock

TERM = "2024-2025-1"
DOCUMENT = f"outputs/{TERM}/东湖校区/明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx"
FORM = f"inputs/{TERM}/东湖校区/后勤处.yaml"
MANIFEST = f"outputs/{manifest.MANIFEST_NAME}"
LEGACY = f"outputs/{TERM}/{manifest.LEGACY_NAME}"  # an earlier version's manifest, read once

FAKE_SOFFICE = f"""#!{sys.executable}
import hashlib, sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
for name in (a for a in args if a.endswith(".docx")):
    digest = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    (out / (Path(name).stem + ".pdf")).write_bytes(
        b"%PDF-1.4\\n% " + digest.encode() + b"\\ntrailer <</Info <</Producer(LibreOffice 7.4)>> >>\\n%%EOF\\n")
"""


def env() -> dict:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("WORKSUM_DEBUG", None)
    return environment


def worksum(*args: str, cwd: Path, extra: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env={**env(), **(extra or {})},
                          capture_output=True, timeout=timeout)


def change_form(ws: Path) -> None:
    form = ws / FORM
    form.write_text(form.read_text(encoding="utf-8").replace("value: 168", "value: 175"), encoding="utf-8")


def recorded(ws: Path) -> dict[str, dict]:
    """Every manifest entry of the workspace, by output."""
    return {output: vars(entry) for output, entry in manifest.Ledger(ws).entries().items()}


def assert_consistent(ws: Path, documents: int) -> None:
    """The manifest records every document there, byte for byte; no temporary file is left."""
    entries = recorded(ws)
    on_disk = sorted(p.relative_to(ws).as_posix() for p in (ws / "outputs").rglob("*.docx") if ".edited-" not in p.name)
    assert len(on_disk) == documents
    assert sorted(entries) == on_disk
    for output, entry in entries.items():
        assert hashlib.sha256((ws / output).read_bytes()).hexdigest() == entry["docx_sha256"]
    assert not list(ws.rglob(".worksum-*.tmp"))


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch) -> Path:
    program = tmp_path / "bin" / "soffice"
    program.parent.mkdir()
    program.write_text(FAKE_SOFFICE, encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("WORKSUM_SOFFICE", str(program))
    return program


# --- PDFs are kept like documents -------------------------------------------------------

def stamp(pdf_file: Path) -> bytes:
    """Sign or stamp a PDF as a PDF tool does: an incremental update appended to it."""
    with open(pdf_file, "ab") as handle:
        handle.write(b"1 0 obj <</Type /Annot /Subtype /Stamp>> endobj\ntrailer <</Prev 0>>\n%%EOF\n")
    return pdf_file.read_bytes()


def test_a_stamped_pdf_is_kept_when_its_document_is_rebuilt(workspace, fake_soffice):
    assert worksum("build", "--pdf", cwd=workspace).returncode == 0
    pdf_file = (workspace / DOCUMENT).with_suffix(".pdf")
    assert recorded(workspace)[DOCUMENT]["pdf_sha256"] == hashlib.sha256(pdf_file.read_bytes()).hexdigest()
    stamped = stamp(pdf_file)
    change_form(workspace)

    done = worksum("build", "--pdf", cwd=workspace)

    assert done.returncode == 0, done.stderr.decode()
    [backup] = pdf_file.parent.glob("*.edited-*.pdf")
    assert backup.read_bytes() == stamped
    assert backup.name.startswith(pdf_file.stem + ".edited-")
    fresh = pdf_file.read_bytes()
    assert fresh != stamped and fresh.startswith(b"%PDF-1.4\n% ")  # the new PDF, of the rebuilt document
    assert recorded(workspace)[DOCUMENT]["pdf_sha256"] == hashlib.sha256(fresh).hexdigest()
    stderr = done.stderr.decode()
    assert f"警告: 这份 PDF 生成后被修改过（如签字、盖章），修改后的版本已另存为 {backup.name}" in stderr
    assert "PDF：生成 1 份；另存了 1 份修改过的 PDF" in stderr


def test_a_pdf_replaced_by_hand_is_kept_even_without_a_manifest(workspace, fake_soffice):
    assert worksum("build", "--pdf", cwd=workspace).returncode == 0
    pdf_file = (workspace / DOCUMENT).with_suffix(".pdf")
    pdf_file.write_bytes(b"%PDF-1.7 signed by the principal\n%%EOF\n")
    for found in (workspace / "outputs").rglob(manifest.MANIFEST_NAME):
        found.unlink()

    done = worksum("build", "--pdf", "--force", cwd=workspace)

    assert done.returncode == 0, done.stderr.decode()
    [backup] = pdf_file.parent.glob("*.edited-*.pdf")
    assert backup.read_bytes() == b"%PDF-1.7 signed by the principal\n%%EOF\n"
    assert len(list((workspace / "outputs").rglob("*.edited-*"))) == 1  # the PDFs worksum made are not "edited"


# --- a lost manifest --------------------------------------------------------------------

def edit_keeping_worksums_stamps(path: Path, sentence: str) -> bytes:
    """Edit the text as a careless tool would: app.xml, the zip's time stamps and its comment kept."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
        comment = archive.comment
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", f"<w:p><w:r><w:t>{sentence}</w:t></w:r></w:p></w:body>".encode())
            archive.writestr(zipfile.ZipInfo(info.filename, date_time=ZIP_DATE), data)
        archive.comment = comment
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def test_with_the_manifest_gone_an_edit_that_kept_worksums_stamps_is_kept_under_force(workspace, run):
    run(workspace, "build")
    assert made_by_worksum((workspace / DOCUMENT).read_bytes())
    edited = edit_keeping_worksums_stamps(workspace / DOCUMENT, "校长批注：请补充寒假值班安排。")
    assert not made_by_worksum(edited)
    for found in (workspace / "outputs").rglob(manifest.MANIFEST_NAME):
        found.unlink()

    result = run(workspace, "build", "--force")

    assert result.exit_code == 0, result.output
    [backup] = (workspace / DOCUMENT).parent.glob("*.edited-*.docx")
    assert backup.read_bytes() == edited
    assert "另存了 1 份修改过的文档" in result.stderr  # the eleven untouched documents: no false backups


# --- two builds at once -------------------------------------------------------------------

def test_two_builds_at_once_keep_every_entry_of_the_manifest(workspace):
    from test_batch import make_many

    make_many(workspace, 3)  # 24 forms in this term: both builds run long enough to meet
    logs = [workspace.parent / f"{department}.txt" for department in ("后勤处", "教务处")]
    runs = []
    for log in logs:  # files, not pipes: a pipe nobody reads would stall the run holding the lock
        with open(log, "wb") as stderr:
            runs.append(subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--department", log.stem],
                                         cwd=workspace, env=env(), stdout=subprocess.DEVNULL, stderr=stderr))
    for process in runs:
        process.wait(timeout=300)
    outputs = [log.read_bytes().decode() for log in logs]
    assert [process.returncode for process in runs] == [0, 0], outputs
    assert all("完成：生成 15 份，未变化 0 份，失败 0 份" in output for output in outputs)
    assert_consistent(workspace, 30)

    again = worksum("build", cwd=workspace)
    assert "完成：生成 0 份，未变化 30 份，失败 0 份" in again.stderr.decode()


def test_a_second_build_waits_for_the_lock_then_says_why_it_gave_up(workspace, run, monkeypatch):
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.5)
    with lock.workspace_lock(workspace / "outputs", note=print):
        result = run(workspace, "build")
    assert result.exit_code == 1
    assert f"另一个 worksum（进程 {os.getpid()}）正在生成这个工作区的文档，等它完成后继续…" in result.stderr
    assert f"错误: 另一个 worksum（进程 {os.getpid()}）正在生成这个工作区的文档，等了 0.5 秒仍未结束" in result.stderr
    assert not list((workspace / "outputs").rglob("*.docx"))
    assert run(workspace, "build").exit_code == 0  # released with the block


def test_a_rollup_takes_the_same_lock(workspace, run, monkeypatch):
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.2)
    with lock.workspace_lock(workspace / "outputs", note=print):
        result = run(workspace, "rollup", "--term", TERM)
    assert result.exit_code == 1
    assert "正在生成这个工作区的文档，等了 0.2 秒仍未结束" in result.stderr
    assert not (workspace / "outputs" / TERM / "汇总").exists()


# --- a manifest of any shape ----------------------------------------------------------------

ENTRY = {"output": DOCUMENT, "forms": {FORM: "0" * 64}, "templates": "", "config": "", "tool": "",
         "docx_sha256": "0" * 64}


@pytest.mark.parametrize("content", [
    '{"format": 1, "outputs": 5}',
    "[1, 2, 3]",
    '{"format": 1, "outputs": [5, "x", null]}',
    '{"format": 1, "outputs": ' + "[" * 100_000 + "]" * 100_000 + "}",
    json.dumps({"format": 1, "outputs": [{**ENTRY, "output": "/"}]}),
    json.dumps({"format": 1, "outputs": [{**ENTRY, "output": "../../elsewhere.docx"}]}),
    json.dumps({"format": 1, "outputs": [{**ENTRY, "forms": {"/": "x"}}]}),
    json.dumps({"format": 1, "outputs": [{**ENTRY, "forms": 5}]}),
    json.dumps({"format": 1, "outputs": [{**ENTRY, "docx_sha256": ["x"]}]}),
], ids=["outputs-a-number", "a-list", "entries-not-objects", "nested-100000-deep", "output-root",
        "output-outside", "forms-folder-root", "forms-a-number", "hash-a-list"])
def test_a_manifest_of_the_wrong_shape_is_set_aside_and_every_document_built(workspace, content):
    (workspace / LEGACY).parent.mkdir(parents=True)
    (workspace / LEGACY).write_text(content, encoding="utf-8")
    started = time.monotonic()
    done = worksum("build", cwd=workspace)
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "生成记录（manifest）" in stderr and "已忽略" in stderr
    assert "Traceback" not in stderr
    assert time.monotonic() - started < 120  # "/" as a folder of forms would walk the whole disk
    assert_consistent(workspace, 12)


@pytest.mark.parametrize("fault", ["folder", "full disk"])
def test_a_manifest_that_cannot_be_saved_is_one_message_and_the_documents_stay(workspace, run, monkeypatch, fault):
    if fault == "folder":
        (workspace / MANIFEST).mkdir(parents=True)
    else:
        def full(ledger, path):
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(manifest.Ledger, "_connect", full)
    result = run(workspace, "build")
    assert result.exit_code == 1
    assert "错误: 无法保存生成记录（manifest）：" in result.stderr
    assert ("磁盘空间不足" if fault == "full disk" else "输出路径是一个文件夹") in result.stderr
    assert "已生成的文档不受影响，下次运行会重新生成它们" in result.stderr
    assert "完成：生成 12 份" in result.stderr
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 12
    assert not list(workspace.rglob(".worksum-*.tmp"))


# --- signals, pipes, consoles --------------------------------------------------------------

@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_mid_batch_stops_with_a_message_and_a_consistent_manifest(workspace, number):
    from test_batch import make_many

    make_many(workspace, 8)  # 54 forms: the pool is used
    log = workspace.parent / "stderr.txt"
    with open(log, "wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--term", TERM], cwd=workspace,
                                   env=env(), stdout=subprocess.DEVNULL, stderr=stderr)
        outputs = workspace / "outputs"
        deadline = time.monotonic() + 60
        # Until documents are landing (the manifest itself is first saved later, at an interval).
        while time.monotonic() < deadline and not any(outputs.rglob("*.docx")) and process.poll() is None:
            time.sleep(0.02)
        process.send_signal(number)
        process.wait(timeout=60)
    err = log.read_bytes().decode()
    assert "Traceback" not in err
    if process.returncode == 128 + number:  # 143 for SIGTERM, 129 for SIGHUP, as a shell reports them
        assert "已中断：生成 " in err
    else:  # the signal came after the last form: the run had finished (and was maybe ended by it)
        assert process.returncode in (0, -number), err
        assert "完成：生成 " in err
    entries = recorded(workspace)
    assert entries  # saved, also when stopped
    for output, entry in entries.items():
        assert hashlib.sha256((workspace / output).read_bytes()).hexdigest() == entry["docx_sha256"]
    assert not list(workspace.rglob(".worksum-*.tmp"))


def test_build_into_a_pipe_closed_after_one_line_builds_every_document(workspace):
    done = subprocess.run(f"'{sys.executable}' -m pipeline build | head -1", shell=True, cwd=workspace, env=env(),
                          capture_output=True, timeout=180)
    assert len(done.stdout.decode().splitlines()) == 1
    stderr = done.stderr.decode()
    assert "完成：生成 12 份，未变化 0 份，失败 0 份（标准输出已关闭，其余文档照常生成，未再列出路径）" in stderr
    assert "BrokenPipe" not in stderr and "Traceback" not in stderr
    assert_consistent(workspace, 12)


def test_a_console_that_cannot_show_a_name_gets_escapes_and_the_batch_completes(workspace):
    campus = "东湖😀校区"
    config = workspace / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("东湖校区", campus), encoding="utf-8")
    for folder in (workspace / "inputs").iterdir():
        old = folder / "东湖校区"
        for form in old.glob("*.yaml"):
            form.write_text(form.read_text(encoding="utf-8").replace("东湖校区", campus), encoding="utf-8")
        old.rename(folder / campus)

    done = worksum("build", cwd=workspace, extra={"PYTHONIOENCODING": "gbk"})

    assert done.returncode == 0, done.stderr.decode("gbk", "replace")
    assert "UnicodeEncodeError" not in done.stderr.decode("gbk", "replace")
    shown = done.stdout.decode("gbk").splitlines()
    assert len(shown) == 12 and sum("东湖\\U0001f600校区" in line for line in shown) == 4
    assert_consistent(workspace, 12)


def test_a_folder_name_that_is_not_utf8_is_said_and_the_rest_built_and_remembered(workspace):
    gbk_name = "东湖校区".encode("gbk")  # as unzip leaves a folder from a Chinese Windows archive
    for term in (b"2023-2024-2", TERM.encode()):
        base = os.fsencode(workspace / "inputs") + b"/" + term
        os.rename(base + "/东湖校区".encode(), base + b"/" + gbk_name)

    first = worksum("build", cwd=workspace)
    stderr = first.stderr.decode(errors="replace")
    assert first.returncode == 1 and "Traceback" not in stderr and "内部错误" not in stderr
    assert "campus 却写的是“东湖校区”" in stderr  # the folder does not name the campus the form does
    assert "完成：生成 8 份，未变化 0 份，失败 4 份" in stderr
    again = worksum("build", cwd=workspace)
    assert "完成：生成 0 份，未变化 8 份，失败 4 份" in again.stderr.decode(errors="replace")
