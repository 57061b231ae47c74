"""Turn finished .docx files into PDFs with LibreOffice, one process per batch.

People send the summary as a PDF as often as the .docx, so ``worksum build
--pdf`` writes ``X.pdf`` beside every ``X.docx``. This stage runs after the
documents are written and knows nothing of forms: it takes .docx paths and
gives PDF paths.

- **One ``soffice`` per core for the whole batch.** Starting LibreOffice costs
  more than converting a document, so the documents go to one headless run per
  core the caller gives (:func:`render_parallel`), each run a share of them. They are
  copied into a scratch folder under numbered names first, so documents with
  the same name in different folders cannot overwrite each other's PDF there,
  and one ``--outdir`` serves every output folder.
- **A private profile** (``-env:UserInstallation``) per run: a LibreOffice that
  is already open, or a second worksum running at the same time, would
  otherwise take the job over or lock the profile.
- **Fonts**: ``FONTCONFIG_FILE`` points the LibreOffice process (only it) at
  ``fonts.conf`` beside this module, which maps the Windows Chinese fonts the
  documents name to free stand-ins, so 仿宋, 楷体, 黑体 and the title differ.
- **Atomic**: each PDF is rendered in the scratch folder and written beside
  its .docx with :func:`pipeline.workspace.write.write_atomic`; an interrupted run never
  leaves a half-written PDF.

``WORKSUM_SOFFICE`` names the LibreOffice program to use when it is not on
PATH (for example ``/opt/libreoffice/program/soffice``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.diagnostics import WorksumError
from pipeline.workspace.write import write_atomic

FONTS_CONF = Path(__file__).with_name("fonts.conf")

#: Debian/Ubuntu packages that make PDFs look right: LibreOffice Writer and the font stand-ins.
PACKAGES = "libreoffice-writer fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-liberation2"
INSTALL_HINT = f"sudo apt-get install --no-install-recommends {PACKAGES}"

#: Seconds allowed for LibreOffice to start, and for each document after that.
START_SECONDS = 90
SECONDS_PER_DOCUMENT = 30
#: Fewest documents worth a LibreOffice run of their own (starting one costs a few documents' time).
DOCUMENTS_PER_RUN = 4


class PdfError(WorksumError):
    """PDFs could not be made. The message is for people (Chinese).

    ``written`` holds the PDFs that were made before or despite the problem,
    ``failed`` the .docx files that got no PDF.
    """

    def __init__(self, message: str, written: Sequence[Path] = (), failed: Sequence[Path] = ()):
        super().__init__(message)
        self.written = list(written)
        self.failed = list(failed)


class LibreOfficeMissing(PdfError):
    """No LibreOffice on this machine: say how to install it."""


def find_soffice() -> str | None:
    """The LibreOffice program: ``$WORKSUM_SOFFICE``, else ``soffice``/``libreoffice`` on PATH."""
    override = os.environ.get("WORKSUM_SOFFICE")
    if override:
        return shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_message(what: str = "PDF") -> str:
    return (f"没有找到 LibreOffice（soffice），无法生成 {what}。"
            f"请先安装 LibreOffice 和中文字体，例如在 Debian/Ubuntu 上执行：{INSTALL_HINT}"
            f"（也可以用环境变量 WORKSUM_SOFFICE 指定 soffice 的位置）")


def pdf_path(docx: Path) -> Path:
    """Where the PDF of ``docx`` goes: beside it, same name."""
    return docx.with_suffix(".pdf")


def stale(docx_paths: Sequence[Path]) -> list[Path]:
    """The documents whose PDF is missing or older than the .docx.

    For a build that skips unchanged documents: their PDFs may still need making.
    """
    result = []
    for docx in docx_paths:
        pdf = pdf_path(docx)
        if not pdf.exists() or pdf.stat().st_mtime < docx.stat().st_mtime:
            result.append(docx)
    return result


#: What LibreOffice reads differently from Word, in word/styles.xml, and what tells it
#: Word's behaviour. LibreOffice reads ``w:overflowPunct`` the other way round: given Word's
#: default (punctuation may hang past the right margin) it pushes the punctuation and the
#: character before it to the next line, so lines and pages break elsewhere than in Word;
#: given the opposite it hangs the punctuation as Word does. And LibreOffice 7 does not
#: draw a mark hanging at the end of a justified line, so justified text is set flush left
#: for it: the same lines, only lines with digits or Latin letters end a little short.
_WORD_RULES = (('<w:overflowPunct w:val="1"/>', '<w:overflowPunct w:val="0"/>'),
               ('<w:jc w:val="both"/>', '<w:jc w:val="left"/>'))


def copy_for_libreoffice(docx: Path, target: Path) -> None:
    """Copy ``docx`` to ``target`` for LibreOffice to lay out as Word would (:data:`_WORD_RULES`).
    Only the copy changes; a file that is not a readable .docx is copied as it is, for
    LibreOffice to report."""
    try:
        with zipfile.ZipFile(docx) as source:
            members = [(info, source.read(info)) for info in source.infolist()]
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        shutil.copyfile(docx, target)
        return
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info, data in members:
            if info.filename == "word/styles.xml":
                text = data.decode("utf-8")
                for word, libreoffice in _WORD_RULES:
                    text = text.replace(word, libreoffice)
                data = text.encode("utf-8")
            copy.writestr(info, data)


def render(docx_paths: Sequence[Path], folder: Path) -> list[Path | None]:
    """Render every document to a PDF inside ``folder`` with one LibreOffice run.

    Returns, for each document in order, the PDF made in ``folder`` (named
    ``1.pdf``, ``2.pdf`` …) or None when LibreOffice made none for it. Raises
    :class:`LibreOfficeMissing`, or :class:`PdfError` when LibreOffice cannot run.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing(missing_message(), failed=docx_paths)
    inbox, outbox, profile = folder / "in", folder / "out", folder / "profile"
    for sub in (inbox, outbox, profile):
        sub.mkdir(parents=True, exist_ok=True)
    copies = []
    for number, docx in enumerate(docx_paths, start=1):
        copy = inbox / f"{number}.docx"
        copy_for_libreoffice(docx, copy)
        copies.append(copy)
    command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
               "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(outbox),
               *map(str, copies)]
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    _run(command, env, START_SECONDS + SECONDS_PER_DOCUMENT * len(copies), docx_paths)
    results: list[Path | None] = []
    for copy in copies:
        pdf = outbox / f"{copy.stem}.pdf"
        results.append(pdf if pdf.is_file() and pdf.stat().st_size > 0 else None)
    return results


def _run(command: list[str], env: dict, timeout: float, docx_paths: Sequence[Path]) -> None:
    # A session of its own, so a hung LibreOffice and whatever it started can be ended together.
    try:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        raise PdfError(f"无法启动 LibreOffice（{command[0]}）：{exc.strerror or exc}", failed=docx_paths) from None
    try:
        _out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise PdfError(f"LibreOffice 在 {timeout:.0f} 秒内没有完成转换，已停止", failed=docx_paths) from None
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise PdfError(f"LibreOffice 转换失败（退出码 {process.returncode}）"
                       + (f"：{detail[-1]}" if detail else ""), failed=docx_paths)


def render_parallel(docx_paths: Sequence[Path], folder: Path, processes: int = 1) -> list[Path | None]:
    """As :func:`render`, with the documents dealt out to up to ``processes`` LibreOffice runs at
    once (each with its own folder and profile): one LibreOffice uses one core."""
    processes = max(1, min(processes, len(docx_paths) // DOCUMENTS_PER_RUN))
    if processes == 1:
        return render(docx_paths, folder)
    hands = [list(docx_paths[number::processes]) for number in range(processes)]  # dealt: even sizes
    with ThreadPoolExecutor(processes) as pool:
        futures = [pool.submit(render, hand, folder / f"run-{number}") for number, hand in enumerate(hands)]
        try:
            made = [future.result() for future in futures]
        except PdfError as exc:  # LibreOffice missing or failing: the whole batch, as with one run
            raise type(exc)(str(exc), failed=docx_paths) from None
    results: list[Path | None] = [None] * len(docx_paths)
    for number, pdfs in enumerate(made):
        results[number::processes] = pdfs
    return results


def convert(docx_paths: Sequence[Path], processes: int = 1) -> list[Path]:
    """Write ``X.pdf`` beside every ``X.docx``; one LibreOffice run for all, or one for each of
    ``processes`` shares of them.

    Returns the PDFs written, in the documents' order. Raises
    :class:`LibreOfficeMissing` when there is no LibreOffice (nothing written),
    and :class:`PdfError` when some or all documents got no PDF (the others
    are written; see its ``written`` and ``failed``).
    """
    docx_paths = [Path(p) for p in docx_paths]
    if not docx_paths:
        return []
    written: list[Path] = []
    problems: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="worksum-pdf-") as scratch:
        for docx, rendered in zip(docx_paths, render_parallel(docx_paths, Path(scratch), processes)):
            if rendered is None:
                problems[docx] = f"{docx.name}（LibreOffice 没有生成 PDF）"
                continue
            target = pdf_path(docx)
            try:
                write_atomic(target, rendered.read_bytes())
            except OSError as exc:
                problems[docx] = f"{target}（无法写入：{exc.strerror or exc}）"
                continue
            written.append(target)
    if problems:
        raise PdfError(f"{len(problems)} 份文档没有生成 PDF：" + "；".join(problems.values()),
                       written, list(problems))
    return written
