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
from conftest import small_docx, worksum
from pdfpages import require_renderer

from pipeline.export import pdf

pytestmark = pytest.mark.slow  # LibreOffice renders every page

FAKE_SOFFICE = f"""#!{sys.executable}
import hashlib, json, os, sys, time, zipfile
from pathlib import Path
args = sys.argv[1:]
documents = [a for a in args if a.endswith(".docx")]
digests = []
for name in documents:  # a .docx's text: LibreOffice gets a copy with Word's rules in its styles
    with zipfile.ZipFile(name) as document:
        digests.append(hashlib.sha256(document.read("word/document.xml")).hexdigest())
with open(os.environ["FAKE_SOFFICE_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"args": args, "digests": digests, "fontconfig": os.environ.get("FONTCONFIG_FILE")}}) + "\\n")
time.sleep(float(os.environ.get("FAKE_SOFFICE_SLEEP", "0")))
if os.environ.get("FAKE_SOFFICE_EXIT"):
    sys.exit(int(os.environ["FAKE_SOFFICE_EXIT"]))
out = Path(args[args.index("--outdir") + 1])
for name, digest in zip(documents, digests):
    if Path(name).stem == os.environ.get("FAKE_SOFFICE_SKIP"):
        print(os.environ.get("FAKE_SOFFICE_SAY", ""), file=sys.stderr)
        continue
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
        assert pdf.copy_for_libreoffice(path, copy) is None
        with zipfile.ZipFile(copy) as document:
            return hashlib.sha256(document.read("word/document.xml")).hexdigest()


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
    first, second = small_docx(tmp_path / "a" / "总结.docx", "first"), small_docx(tmp_path / "b" / "总结.docx", "second")
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
    document = small_docx(tmp_path / "总结.docx", "new")
    earlier = document.with_suffix(".pdf")
    earlier.write_bytes(b"%PDF-earlier")
    monkeypatch.setenv("FAKE_SOFFICE_EXIT", "81")
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([document])
    assert "退出码 81" in str(raised.value) and raised.value.failed == [document]
    assert earlier.read_bytes() == b"%PDF-earlier"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".worksum-")] == []


def test_a_hung_libreoffice_is_stopped(tmp_path, fake_soffice, monkeypatch):
    document = small_docx(tmp_path / "总结.docx", "x")
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


def _half_saved(path: Path) -> None:
    """A .docx cut off halfway, as a save that did not finish leaves it (no zip directory)."""
    whole = small_docx(path, "写到一半").read_bytes()
    path.write_bytes(whole[:len(whole) // 2])


def _text_cut(path: Path) -> None:
    """A whole zip whose text part stops mid-element."""
    with zipfile.ZipFile(small_docx(path.with_name("whole.docx"), "正文")) as whole:
        parts = {name: whole.read(name) for name in whole.namelist()}
    with zipfile.ZipFile(path, "w") as cut:
        for name, data in parts.items():
            cut.writestr(name, data[:data.index(b"<w:r>")] if name == "word/document.xml" else data)


def _part_unreadable(path: Path) -> None:
    """A zip whose stored text part has a byte changed (its CRC no longer matches)."""
    with zipfile.ZipFile(small_docx(path.with_name("whole.docx"), "正文")) as whole:
        parts = {name: whole.read(name) for name in whole.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as stored:
        for name, data in parts.items():
            stored.writestr(name, data)
    data = bytearray(path.read_bytes())
    data[data.index(b"<w:body>") + 1] ^= 1
    path.write_bytes(bytes(data))


def _no_text(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<w:styles/>")


DAMAGES = {
    "a text file": (lambda path: path.write_text("这只是一个文本文件", encoding="utf-8"),
                    "不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）"),
    "half saved": (_half_saved, "不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）"),
    "its text cut off": (_text_cut, "正文 word/document.xml 不完整，第 1 行第 97 列出错"),
    "a part unreadable": (_part_unreadable, "其中的 word/document.xml 读不出来"),
    "no text part": (_no_text, "缺少 word/document.xml"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_document_is_named_at_once_and_never_given_to_libreoffice(tmp_path, fake_soffice, damage):
    """LibreOffice 7.4 takes about 90 s to give up on a damaged .docx: it is checked first
    (a zip whose text parses), named with what is wrong, and the others are converted."""
    make, detail = DAMAGES[damage]
    first, last = small_docx(tmp_path / "教务处.docx", "教务"), small_docx(tmp_path / "德育处.docx", "德育")
    damaged = tmp_path / "后勤处.docx"
    make(damaged)
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([first, damaged, last])
    assert str(raised.value) == f"1 份文档没有生成 PDF：后勤处.docx（文件已损坏：{detail}；请在 Word 中打开检查、另存后再生成 PDF）"
    assert raised.value.failed == [damaged]
    assert raised.value.written == [first.with_suffix(".pdf"), last.with_suffix(".pdf")]
    assert made_from(last.with_suffix(".pdf")) == digest(last)
    [run] = calls(fake_soffice)  # one LibreOffice, given the two whole documents only
    assert run["digests"] == [digest(first), digest(last)]
    assert [Path(a).name for a in run["args"] if a.endswith(".docx")] == ["1.docx", "3.docx"]
    assert not damaged.with_suffix(".pdf").exists()


def test_only_damaged_documents_start_no_libreoffice(tmp_path, fake_soffice):
    damaged = tmp_path / "总结.docx"
    _half_saved(damaged)
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([damaged])
    assert str(raised.value) == ("1 份文档没有生成 PDF：总结.docx（文件已损坏：不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）；"
                                 "请在 Word 中打开检查、另存后再生成 PDF）")
    assert calls(fake_soffice) == [] and raised.value.written == []


def test_build_pdf_names_a_document_saved_half_and_converts_the_rest(workspace: Path, fake_soffice: Path):
    """A document someone edited and Word saved half is kept as theirs by the build; its PDF
    step says at once that it is damaged, and the other stale PDFs are made."""
    assert worksum("build", "--pdf", cwd=workspace).returncode == 0
    damaged, *others = sorted((workspace / "outputs").rglob("*.docx"))[:3]
    _half_saved(damaged)
    for document in others:
        document.with_suffix(".pdf").unlink()
    before = len(calls(fake_soffice))
    done = worksum("build", "--pdf", cwd=workspace)
    assert done.returncode == 1
    assert (f"错误: 1 份文档没有生成 PDF：{damaged.name}（文件已损坏：不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）；"
            "请在 Word 中打开检查、另存后再生成 PDF）") in done.stderr.decode()
    runs = calls(fake_soffice)[before:]
    assert sorted(d for run in runs for d in run["digests"]) == sorted(digest(d) for d in others)
    for document in others:
        assert made_from(document.with_suffix(".pdf")) == digest(document)
    assert damaged.read_bytes() and damaged.stat().st_size > 0  # the person's file is left as it is


def test_a_document_libreoffice_says_it_could_not_load_gets_both_causes(tmp_path, fake_soffice, monkeypatch):
    """LibreOffice may still fail to open a whole document (under a tight memory cap it says the
    file "could not be loaded" and ends with status 0): the message names both causes."""
    monkeypatch.setenv("FAKE_SOFFICE_SKIP", "1")
    monkeypatch.setenv("FAKE_SOFFICE_SAY", "Error: source file could not be loaded")
    document = small_docx(tmp_path / "总结.docx", "正文")
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([document])
    assert str(raised.value) == ("1 份文档没有生成 PDF：总结.docx（LibreOffice 无法打开这份文档：文件可能已损坏，或打开它所需的"
                                 "内存超过了上限（2048 MB）；请在 Word 中打开检查、压缩其中的图片后再生成 PDF）")
    assert raised.value.failed == [document] and len(calls(fake_soffice)) == 1


def test_the_real_libreoffice_converts_the_whole_document_beside_a_damaged_one(tmp_path):
    require_renderer()
    damaged, whole = tmp_path / "损坏.docx", tmp_path / "总结.docx"
    _text_cut(damaged)
    whole.write_bytes(_sample_docx(tmp_path))
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert([damaged, whole])
    assert str(raised.value) == ("1 份文档没有生成 PDF：损坏.docx（文件已损坏：正文 word/document.xml 不完整，第 1 行第 97 列出错；"
                                 "请在 Word 中打开检查、另存后再生成 PDF）")
    assert raised.value.written == [whole.with_suffix(".pdf")]
    assert whole.with_suffix(".pdf").read_bytes().startswith(b"%PDF-1.")


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
