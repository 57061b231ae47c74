"""worksum preview: PNG page images of a form or a .docx."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from conftest import worksum, write_form
from pdfpages import require_renderer

from pipeline.export import pdf, preview
from pipeline.layout.profile import GBT9704 as PROFILE

pytestmark = pytest.mark.slow  # LibreOffice renders every page

FORM = "inputs/2024-2025-1/东湖校区/后勤处.yaml"
TITLE = "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def pdf_pages(document: Path, folder: Path) -> int:
    rendered = pdf.render([document], folder)[0]
    info = subprocess.run(["pdfinfo", str(rendered)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_preview_of_a_form_writes_one_image_per_page(workspace: Path, tmp_path: Path):
    require_renderer()
    done = worksum("preview", FORM, "看图", "--dpi", "60", cwd=workspace)
    assert done.returncode == 0, done.stderr.decode()
    images = [Path(line) for line in done.stdout.decode().splitlines()]
    assert [p.name for p in images] == [f"{TITLE}-page-{n}.png" for n in range(1, len(images) + 1)]
    assert len(images) >= 3
    for image in images:
        width, height = png_size(workspace / image)
        assert width == pytest.approx(PROFILE.page_width_mm / 25.4 * 60, abs=2)
        assert height / width == pytest.approx(PROFILE.page_height_mm / PROFILE.page_width_mm, abs=0.01)
    assert f"预览：共 {len(images)} 页" in done.stderr.decode()
    # Nothing else was written: no .docx or PDF left in the workspace.
    assert not (workspace / "outputs").exists()
    assert sorted(p.name for p in (workspace / "看图").iterdir()) == sorted(p.name for p in images)
    # As many images as the document has pages.
    build = worksum("build", FORM, cwd=workspace)
    assert build.returncode == 0
    document = next((workspace / "outputs").rglob("*.docx"))
    assert pdf_pages(document, tmp_path / "check") == len(images)


def test_preview_of_a_docx_goes_beside_it_and_removes_pages_it_no_longer_has(workspace: Path):
    require_renderer()
    assert worksum("build", FORM, cwd=workspace).returncode == 0
    document = next((workspace / "outputs").rglob("*.docx"))
    stale = document.parent / f"{document.stem}-page-9.png"
    stale.write_bytes(b"old")
    other = document.parent / "别的文件-page-9.png"
    other.write_bytes(b"keep")
    done = worksum("preview", str(document.relative_to(workspace)), cwd=workspace)
    assert done.returncode == 0, done.stderr.decode()
    images = sorted(document.parent.glob(f"{document.stem}-page-*.png"))
    assert images and all(png_size(image)[0] > 0 for image in images)
    assert not stale.exists()
    assert other.read_bytes() == b"keep"


def test_preview_of_a_form_with_errors_says_where_and_draws_nothing(tmp_path: Path):
    form = write_form(tmp_path, "campus: 东园区\ndepartment: 后勤部\nterm: 2024-2025-1\ndate: 2025-01-15\n"
                                "catgory: 安全\n")
    done = worksum("preview", str(form), cwd=tmp_path)
    assert done.returncode == 1
    assert "form.yaml:5:1: 错误: 未知字段" in done.stderr.decode()
    assert not list(tmp_path.rglob("*.png"))


def test_preview_without_pdftoppm_says_how_to_install(workspace: Path, run, monkeypatch):
    monkeypatch.setattr(preview.shutil, "which", lambda name: None)
    result = run(workspace, "preview", FORM)
    assert result.exit_code == 1
    assert "pdftoppm" in result.output and "apt-get install poppler-utils" in result.output
