"""build --pdf and pipeline.export.pdf: one LibreOffice run per batch, PDFs beside the
documents, nothing lost when LibreOffice is missing or fails.

Most tests stand a small script in for soffice (WORKSUM_SOFFICE), which logs how
it was called and writes a "PDF" holding the hash of the .docx it was given,
so the tests see exactly which document each PDF came from. One test runs the
real LibreOffice twice at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import worksum
from pdfpages import require_renderer

from pipeline.export import pdf

pytestmark = pytest.mark.slow  # LibreOffice renders every page

FAKE_SOFFICE = f"""#!{sys.executable}
import hashlib, json, os, sys, time, zipfile
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["FAKE_SOFFICE_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"args": args, "fontconfig": os.environ.get("FONTCONFIG_FILE")}}) + "\\n")
time.sleep(float(os.environ.get("FAKE_SOFFICE_SLEEP", "0")))
if os.environ.get("FAKE_SOFFICE_EXIT"):
    sys.exit(int(os.environ["FAKE_SOFFICE_EXIT"]))
out = Path(args[args.index("--outdir") + 1])
for name in (a for a in args if a.endswith(".docx")):
    if Path(name).stem == os.environ.get("FAKE_SOFFICE_SKIP"):
        continue
    try:  # a .docx's text: LibreOffice gets a copy with Word's rules in its styles
        with zipfile.ZipFile(name) as document:
            digest = hashlib.sha256(document.read("word/document.xml")).hexdigest()
    except zipfile.BadZipFile:
        digest = hashlib.sha256(Path(name).read_bytes()).hexdigest()
    (out / (Path(name).stem + ".pdf")).write_bytes(b"%PDF-fake " + digest.encode())
"""


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch) -> Path:
    """Stand the fake in for LibreOffice; returns the log of its calls."""
    program = tmp_path / "bin" / "soffice"
    program.parent.mkdir()
    program.write_text(FAKE_SOFFICE, encoding="utf-8")
    program.chmod(0o755)
    log = tmp_path / "soffice.log"
    monkeypatch.setenv("WORKSUM_SOFFICE", str(program))
    monkeypatch.setenv("FAKE_SOFFICE_LOG", str(log))
    return log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def made_from(pdf_file: Path) -> str:
    return pdf_file.read_bytes().removeprefix(b"%PDF-fake ").decode()


def digest(path: Path) -> str:
    """What the fake LibreOffice stamps on a PDF made from ``path``: the digest of the text
    part of the copy LibreOffice is given (pdf.copy_for_libreoffice)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.docx"
        pdf.copy_for_libreoffice(path, copy)
        try:
            with zipfile.ZipFile(copy) as document:
                return hashlib.sha256(document.read("word/document.xml")).hexdigest()
        except zipfile.BadZipFile:
            return hashlib.sha256(copy.read_bytes()).hexdigest()


def test_build_pdf_runs_one_libreoffice_per_core_for_the_whole_batch(workspace: Path, fake_soffice: Path):
    from pipeline.commands.batch import cpu_count

    done = worksum("build", "--pdf", cwd=workspace)
    assert done.returncode == 0, done.stderr.decode()
    documents = sorted((workspace / "outputs").rglob("*.docx"))
    folders = {d.parent for d in documents}
    assert len(documents) == 12 and len(folders) == 6

    runs = calls(fake_soffice)  # one process per core, though the documents sit in six folders
    assert len(runs) == max(1, min(cpu_count(), 12 // pdf.DOCUMENTS_PER_RUN))
    shares = [sum(a.endswith(".docx") for a in call["args"]) for call in runs]
    assert sum(shares) == 12 and max(shares) - min(shares) <= 1  # dealt out evenly
    profiles = set()
    for call in runs:
        args = call["args"]
        assert "--headless" in args and args[args.index("--convert-to") + 1].startswith("pdf")
        [profile] = [a for a in args if a.startswith("-env:UserInstallation=file://")]
        profile_dir = Path(profile.removeprefix("-env:UserInstallation=file://"))
        assert not profile_dir.exists(), "the private LibreOffice profile is removed afterwards"
        profiles.add(profile_dir)
        assert call["fontconfig"] == str(pdf.FONTS_CONF)
    assert len(profiles) == len(runs)  # each run its own profile: two would lock each other out

    for document in documents:  # each PDF beside the .docx it was made from
        assert made_from(document.with_suffix(".pdf")) == digest(document)
    stdout = done.stdout.decode()
    assert stdout.count(".pdf") == 12 and stdout.count(".docx") == 12
    assert "PDF：生成 12 份" in done.stderr.decode()


def test_documents_with_the_same_name_in_different_folders_keep_their_own_pdf(tmp_path, fake_soffice):
    first, second = tmp_path / "a" / "总结.docx", tmp_path / "b" / "总结.docx"
    for path, text in ((first, b"first"), (second, b"second")):
        path.parent.mkdir()
        path.write_bytes(text)
    assert pdf.convert([first, second]) == [first.with_suffix(".pdf"), second.with_suffix(".pdf")]
    assert made_from(first.with_suffix(".pdf")) == digest(first)
    assert made_from(second.with_suffix(".pdf")) == digest(second)
    assert len(calls(fake_soffice)) == 1


def test_a_document_libreoffice_could_not_convert_is_named_and_the_rest_written(
        workspace: Path, fake_soffice: Path, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE_SKIP", "2")  # each LibreOffice run makes no PDF of its second document
    done = worksum("build", "--pdf", cwd=workspace)
    assert done.returncode == 1
    runs = len(calls(fake_soffice))
    documents = sorted((workspace / "outputs").rglob("*.docx"))
    pdfs = sorted((workspace / "outputs").rglob("*.pdf"))
    assert len(documents) == 12 and len(pdfs) == 12 - runs
    missing = {d.with_suffix(".pdf") for d in documents} - set(pdfs)
    assert len(missing) == runs
    stderr = done.stderr.decode()
    assert f"错误: {runs} 份文档没有生成 PDF" in stderr
    assert all(pdf.with_suffix(".docx").name in stderr for pdf in missing)
    assert "Traceback" not in stderr


def test_without_libreoffice_the_documents_are_built_and_a_warning_says_how_to_install(
        workspace: Path, monkeypatch):
    monkeypatch.setenv("WORKSUM_SOFFICE", str(workspace / "no-such-soffice"))
    done = worksum("build", "--pdf", cwd=workspace)
    assert done.returncode == 0
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 12
    assert not list((workspace / "outputs").rglob("*.pdf"))
    stderr = done.stderr.decode()
    assert "警告: 没有找到 LibreOffice" in stderr
    assert "apt-get install" in stderr and "libreoffice-writer" in stderr and "fonts-noto-cjk" in stderr
    assert ".docx 文件已照常生成" in stderr


def test_a_failed_run_leaves_an_earlier_pdf_as_it_was(tmp_path, fake_soffice, monkeypatch):
    document = tmp_path / "总结.docx"
    document.write_bytes(b"new")
    earlier = document.with_suffix(".pdf")
    earlier.write_bytes(b"%PDF-earlier")
    monkeypatch.setenv("FAKE_SOFFICE_EXIT", "81")
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([document])
    assert "退出码 81" in str(raised.value) and raised.value.failed == [document]
    assert earlier.read_bytes() == b"%PDF-earlier"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".worksum-")] == []


def test_a_hung_libreoffice_is_stopped(tmp_path, fake_soffice, monkeypatch):
    document = tmp_path / "总结.docx"
    document.write_bytes(b"x")
    monkeypatch.setenv("FAKE_SOFFICE_SLEEP", "60")
    monkeypatch.setattr(pdf, "START_SECONDS", 0.5)
    monkeypatch.setattr(pdf, "SECONDS_PER_DOCUMENT", 0)
    with pytest.raises(pdf.PdfError, match="没有完成转换"):
        pdf.convert([document])
    assert not document.with_suffix(".pdf").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the cap is Linux's RLIMIT_AS")
def test_libreoffice_runs_with_its_address_space_capped(tmp_path):
    import subprocess

    probe = [sys.executable, "-c", "import resource; print(resource.getrlimit(resource.RLIMIT_AS))"]
    shown = subprocess.run(pdf.capped(probe), capture_output=True, text=True, check=True).stdout.strip()
    assert shown == f"({pdf.MEMORY_LIMIT_BYTES}, {pdf.MEMORY_LIMIT_BYTES})" == "(2147483648, 2147483648)"


def test_a_document_libreoffice_cannot_open_gets_a_message_not_a_pdf(tmp_path):
    """A damaged .docx: LibreOffice says it could not be loaded and ends with status 0 (after
    about 90 seconds of its own, on LibreOffice 7.4)."""
    require_renderer()
    document = tmp_path / "总结.docx"
    document.write_bytes(b"PK\x03\x04 not a whole document")
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([document])
    assert str(raised.value) == ("1 份文档没有生成 PDF：总结.docx（LibreOffice 无法打开这份文档：文件可能已损坏，或打开它所需的"
                                 "内存超过了上限（2048 MB）；请在 Word 中打开检查、压缩其中的图片后再生成 PDF）")
    assert raised.value.failed == [document] and not document.with_suffix(".pdf").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the cap is Linux's RLIMIT_AS")
def test_a_document_needing_more_memory_than_the_cap_gets_a_message_not_a_pdf(tmp_path, monkeypatch):
    """LibreOffice needs some 560 MB of address space for one sample document: under a
    300 MB cap it fails, and the person is told why, in Chinese, for that document. Most runs
    die of it; about one in six instead says the file "could not be loaded" and ends normally,
    and the message then names both causes it can be."""
    require_renderer()
    document = tmp_path / "总结.docx"
    document.write_bytes(_sample_docx(tmp_path))
    monkeypatch.setattr(pdf, "MEMORY_LIMIT_BYTES", 300 * 1024 ** 2)
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([document])
    assert str(raised.value) in (
        "1 份文档没有生成 PDF：总结.docx（LibreOffice 转换时所需内存超过了上限（300 MB），已停止："
        "这份文档可能过大，例如含有很大的图片；请在 Word 中压缩图片后再生成 PDF）",
        "1 份文档没有生成 PDF：总结.docx（LibreOffice 无法打开这份文档：文件可能已损坏，或打开它所需的内存超过了"
        "上限（300 MB）；请在 Word 中打开检查、压缩其中的图片后再生成 PDF）")
    assert raised.value.failed == [document] and not document.with_suffix(".pdf").exists()


def _sample_docx(folder: Path) -> bytes:
    from conftest import ROOT

    out = folder / "built.docx"
    done = worksum("build", str(ROOT / "inputs" / "2024-2025-1" / "东湖校区" / "后勤处.yaml"), "-o", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stderr.decode()
    return out.read_bytes()


def test_stale_lists_documents_whose_pdf_is_missing_or_older(tmp_path):
    fresh, old, missing = (tmp_path / f"{n}.docx" for n in ("fresh", "old", "missing"))
    for path in (fresh, old, missing):
        path.write_bytes(b"docx")
    fresh.with_suffix(".pdf").write_bytes(b"pdf")
    old.with_suffix(".pdf").write_bytes(b"pdf")
    os.utime(old.with_suffix(".pdf"), (1, 1))
    assert pdf.stale([fresh, old, missing]) == [old, missing]


def test_two_conversions_at_once_do_not_collide(workspace: Path, run):
    """Each run has its own LibreOffice profile, so parallel runs both finish."""
    require_renderer()
    assert run(workspace, "build", "inputs/2024-2025-1/东湖校区").exit_code == 0
    first, second = sorted((workspace / "outputs").rglob("*.docx"))
    results: dict[Path, list[Path]] = {}

    def convert(document: Path) -> None:
        results[document] = pdf.convert([document])

    threads = [threading.Thread(target=convert, args=(d,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {first: [first.with_suffix(".pdf")], second: [second.with_suffix(".pdf")]}
    for document in (first, second):
        assert document.with_suffix(".pdf").read_bytes().startswith(b"%PDF-1.")
