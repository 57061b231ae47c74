"""Page images of a document, for a quick look without Word.

``worksum preview`` renders a .docx to PDF with LibreOffice (:mod:`pipeline.export.pdf`,
the same fonts as ``build --pdf``) and the PDF to one PNG per page with
poppler's ``pdftoppm``. The images are named ``<name>-page-1.png``,
``<name>-page-2.png`` …; images of pages a shorter new version no longer has
are removed, so the folder never shows a stale last page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.diagnostics import WorksumError
from pipeline.export import pdf
from pipeline.workspace.write import write_atomic

DEFAULT_DPI = 80
INSTALL_HINT = "sudo apt-get install poppler-utils"


class PreviewError(WorksumError):
    """No images could be made; the message is for people (Chinese)."""


def image_name(stem: str, page: int) -> str:
    return f"{stem}-page-{page}.png"


def render(docx: Path, folder: Path, stem: str | None = None, dpi: int = DEFAULT_DPI) -> list[Path]:
    """PNG images of every page of ``docx``, written into ``folder``; returns them in page order."""
    stem = stem or docx.stem
    problem = pdf.not_a_word_document(docx)
    if problem:
        raise PreviewError(problem)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PreviewError(f"没有找到 pdftoppm，无法生成页面图片。请先安装：{INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="worksum-preview-") as scratch:
        scratch_path = Path(scratch)
        try:
            rendered = pdf.render_all([docx], scratch_path)[0]
        except pdf.LibreOfficeMissing:
            raise PreviewError(pdf.missing_message("预览")) from None
        except pdf.PdfError as exc:
            raise PreviewError(str(exc)) from None
        if not isinstance(rendered, Path):
            raise PreviewError(f"{docx.name}：{rendered}" if rendered else f"LibreOffice 没有生成 {docx.name} 的 PDF")
        pages_dir = scratch_path / "pages"
        pages_dir.mkdir()
        done = subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(rendered), str(pages_dir / "page")],
                              capture_output=True)
        if done.returncode != 0:
            raise PreviewError(f"pdftoppm 失败：{done.stderr.decode('utf-8', 'replace').strip()}")
        # pdftoppm numbers pages page-1.png or page-01.png …, depending on the page count.
        numbered = sorted((int(m.group(1)), p) for p in pages_dir.iterdir()
                          if (m := re.fullmatch(r"page-0*(\d+)\.png", p.name)))
        images = []
        for number, image in numbered:
            target = folder / image_name(stem, number)
            write_atomic(target, image.read_bytes())
            images.append(target)
    _remove_stale(folder, stem, len(images))
    return images


def _remove_stale(folder: Path, stem: str, pages: int) -> None:
    pattern = re.compile(re.escape(stem) + r"-page-(\d+)\.png")
    for path in folder.glob(f"{glob_escape(stem)}-page-*.png"):
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) > pages:
            path.unlink()


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
