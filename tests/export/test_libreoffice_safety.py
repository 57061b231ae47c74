"""LibreOffice is given only Word documents, fetches nothing they link to, and never hangs a batch.

A received .docx may link an image from the disk (file:///…) or the web; the
private profile worksum starts LibreOffice with blocks both. A file that is not
a Word document (text named .docx, a zip bomb) is refused before LibreOffice
sees it. A LibreOffice that stops making progress is killed: the document it
hung on is named, and the rest of the batch still gets its PDFs.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import small_docx, worksum
from pdfpages import require_renderer
from pipeline.export import pdf


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain PNG of one colour, without an image library."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def document_with_image(path: Path, image: Path, linked: bool) -> None:
    """A .docx showing ``image``: embedded, or linked by its file:// address (as a received file could)."""
    import docx

    document = docx.Document()
    document.add_paragraph("图片如下")
    document.add_picture(str(image))
    document.save(str(path))
    if not linked:
        return
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    rels = parts["word/_rels/document.xml.rels"].decode()
    media = re.search(r'Target="(media/[^"]+)"', rels).group(1)
    parts["word/_rels/document.xml.rels"] = rels.replace(
        f'Target="{media}"', f'Target="{image.as_uri()}" TargetMode="External"').encode()
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"r:embed=", b"r:link=")
    del parts[f"word/{media}"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def red_pixels(pdf_file: Path, folder: Path) -> int:
    subprocess.run(["pdftoppm", "-r", "20", str(pdf_file), str(folder / "page")], check=True)
    count = 0
    for page in folder.glob("page*.ppm"):
        data = page.read_bytes()
        body = data.split(b"\n", 3)[3]  # P6, size, maximum, then the pixels
        count += sum(1 for i in range(0, len(body) - 2, 3) if body[i] > 200 and body[i + 1] < 60 and body[i + 2] < 60)
    return count


@pytest.mark.slow
def test_a_linked_image_is_not_fetched_but_an_embedded_one_is_shown(tmp_path):
    require_renderer()
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(200, 150, (255, 0, 0)))
    linked, embedded = tmp_path / "linked.docx", tmp_path / "embedded.docx"
    document_with_image(linked, secret, linked=True)
    document_with_image(embedded, secret, linked=False)
    scratch = tmp_path / "render"
    scratch.mkdir()
    made_linked, made_embedded = pdf.render([linked, embedded], scratch)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert red_pixels(made_embedded, tmp_path / "a") > 1000  # the check can see the image
    assert red_pixels(made_linked, tmp_path / "b") == 0  # the file on disk was not pulled in
    # without a manifest, a PDF LibreOffice exported counts as worksum's; one signed since does not
    from pipeline.commands.manifest import made_by_libreoffice

    exported = made_embedded.read_bytes()
    assert made_by_libreoffice(exported)
    assert not made_by_libreoffice(exported + b"\n9 0 obj <</Type /Sig>> endobj\ntrailer <</Prev 0>>\n%%EOF\n")


def test_preview_refuses_a_text_file_named_docx(tmp_path):
    received = tmp_path / "总结.docx"
    received.write_text("这只是一个文本文件", encoding="utf-8")
    done = worksum("preview", str(received), str(tmp_path / "images"), cwd=tmp_path)
    assert done.returncode == 1
    assert "错误: 总结.docx 不是 Word 文档（.docx 应是 Word 保存的文件），已拒绝处理" in done.stderr.decode()
    assert not (tmp_path / "images").exists() or not list((tmp_path / "images").iterdir())


def test_preview_refuses_a_zip_that_is_not_a_word_document_or_unpacks_too_far(tmp_path):
    other = tmp_path / "表格.docx"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    bomb = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/zeros.bin", bytes(pdf.MAX_UNPACKED + 1))
    assert bomb.stat().st_size < 1024 * 1024
    for received, message in ((other, "表格.docx 不是 Word 文档（缺少正文 word/document.xml）"),
                              (bomb, "炸弹.docx 解压后超过 200 MB，不像正常的 Word 文档")):
        done = worksum("preview", str(received), str(tmp_path / "images"), cwd=tmp_path)
        assert done.returncode == 1
        assert message in done.stderr.decode()


def test_preview_names_a_word_document_whose_text_is_cut_off_without_starting_libreoffice(tmp_path):
    """A zip that looks like a Word document but whose text stops halfway (Word saved it half)."""
    received = tmp_path / "总结.docx"
    with zipfile.ZipFile(small_docx(tmp_path / "whole.docx", "正文")) as whole:
        parts = {name: whole.read(name) for name in whole.namelist()}
    with zipfile.ZipFile(received, "w") as cut:
        for name, data in parts.items():
            cut.writestr(name, data[:data.index(b"<w:r>")] if name == "word/document.xml" else data)
    started = tmp_path / "soffice-started"
    program = tmp_path / "bin" / "soffice"
    program.parent.mkdir()
    program.write_text(f"#!/bin/sh\ntouch '{started}'\n", encoding="utf-8")
    program.chmod(0o755)
    env = {"WORKSUM_SOFFICE": str(program)}
    done = worksum("preview", str(received), str(tmp_path / "images"), cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert ("错误: 总结.docx：文件已损坏：正文 word/document.xml 不完整，第 1 行第 97 列出错；"
            "请在 Word 中打开检查、另存后再生成 PDF") in done.stderr.decode()
    assert not started.exists()


HANGING_SOFFICE = f"""#!{sys.executable}
import re, sys, time, zipfile
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
for name in (a for a in args if a.endswith(".docx")):
    with zipfile.ZipFile(name) as document:
        text = re.search(rb"<w:t>(.*)</w:t>", document.read("word/document.xml")).group(1)
    if text.startswith(b"HANG"):
        time.sleep(600)  # as LibreOffice does on some documents
    (out / (Path(name).stem + ".pdf")).write_bytes(b"%PDF-fake " + text)
"""


@pytest.fixture
def hanging_soffice(tmp_path, monkeypatch):
    program = tmp_path / "bin" / "soffice"
    program.parent.mkdir()
    program.write_text(HANGING_SOFFICE, encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("WORKSUM_SOFFICE", str(program))
    monkeypatch.setattr(pdf, "START_SECONDS", 3)
    monkeypatch.setattr(pdf, "SECONDS_PER_DOCUMENT", 1)


def test_a_libreoffice_hung_on_one_document_is_killed_and_the_rest_converted(tmp_path, hanging_soffice):
    documents = []
    for number, content in enumerate(["first", "HANG second", "third", "fourth"], start=1):
        documents.append(small_docx(tmp_path / f"总结{number}.docx", content))
    started = time.monotonic()
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert(documents)
    seconds = time.monotonic() - started
    assert seconds < pdf.batch_seconds(len(documents)) + 2  # one deadline for the batch, not one per document
    assert raised.value.failed == [documents[1]]
    assert "1 份文档没有生成 PDF：总结2.docx（LibreOffice 在" in str(raised.value)
    assert "没有完成转换，已停止" in str(raised.value)
    assert [p.name for p in raised.value.written] == ["总结1.pdf", "总结3.pdf", "总结4.pdf"]
    assert (tmp_path / "总结3.pdf").read_bytes() == b"%PDF-fake third"
    assert not (tmp_path / "总结2.pdf").exists()


def test_a_libreoffice_that_never_starts_is_killed_within_the_batch_deadline(tmp_path, hanging_soffice):
    documents = []
    for number in range(1, 4):
        documents.append(small_docx(tmp_path / f"总结{number}.docx", "HANG"))
    started = time.monotonic()
    with pytest.raises(pdf.PdfError) as raised:
        pdf.convert(documents)
    assert time.monotonic() - started < pdf.batch_seconds(3) + 2
    assert raised.value.failed == documents and raised.value.written == []
    assert "3 份文档没有生成 PDF" in str(raised.value)
