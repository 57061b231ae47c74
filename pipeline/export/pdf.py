"""Turn finished .docx files into PDFs with LibreOffice, one process per batch.

People send the summary as a PDF as often as the .docx, so ``worksum build
--pdf`` writes ``X.pdf`` beside every ``X.docx``. This stage runs after the
documents are written and knows nothing of forms: it takes .docx paths and
gives PDF paths.

- **One ``soffice`` for the whole batch.** Starting LibreOffice costs more than
  converting a document, so all documents go to one headless run. They are
  copied into a scratch folder under numbered names first, so documents with
  the same name in different folders cannot overwrite each other's PDF there,
  and one ``--outdir`` serves every output folder.
- **A private profile** (``-env:UserInstallation``) per run: a LibreOffice that
  is already open, or a second worksum running at the same time, would
  otherwise take the job over or lock the profile. Its settings block what a
  document links to (an image linked as ``file:///…`` or ``http://…`` would be
  pulled into the PDF), link and field updates, and macros.
- **Never hung.** LibreOffice converts in order, so progress shows as PDFs
  appearing: one that makes none for too long is killed, the document it hung
  on is named, and a new run converts the rest, all within one deadline for
  the batch (:func:`batch_seconds`).
- **Damaged documents said at once**: a .docx that does not open as a zip, or whose
  text does not parse (one Word saved half, say), gets its message before LibreOffice
  starts, which would take some 90 seconds to give up on it; the others are converted.
- **Bounded memory** (Linux): LibreOffice runs with its address space capped
  (:data:`MEMORY_LIMIT_BYTES`); a document that needs more gets no PDF and a message
  saying so, and the others are converted.
- **Fonts**: ``FONTCONFIG_FILE`` points the LibreOffice process (only it) at
  ``fonts.conf`` beside this module, which maps the Windows Chinese fonts the
  documents name to free stand-ins, so 仿宋, 楷体, 黑体 and the title differ.
- **Atomic**: each PDF is rendered in the scratch folder and written beside
  its .docx with :func:`pipeline.workspace.write.write_atomic` (or the landing
  the caller gives, which keeps a PDF someone changed); an interrupted run
  never leaves a half-written PDF.

``WORKSUM_SOFFICE`` names the LibreOffice program to use when it is not on
PATH (for example ``/opt/libreoffice/program/soffice``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.parsers import expat

from pipeline.diagnostics import WorksumError
from pipeline.workspace.write import write_atomic

FONTS_CONF = Path(__file__).with_name("fonts.conf")

#: Debian/Ubuntu packages that make PDFs look right: LibreOffice Writer and the font stand-ins.
PACKAGES = "libreoffice-writer fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-liberation2"
INSTALL_HINT = f"sudo apt-get install --no-install-recommends {PACKAGES}"

#: Seconds LibreOffice may take to start and make the first PDF, and each next one;
#: a LibreOffice that makes no progress for that long is stopped.
START_SECONDS = 90
SECONDS_PER_DOCUMENT = 30
#: LibreOffice runs one batch may take: after one hangs, a new one converts the rest.
MAX_RUNS = 3
_POLL = 0.1
#: Fewest documents worth a LibreOffice run of their own (starting one costs a few documents' time).
DOCUMENTS_PER_RUN = 4
#: The address space one LibreOffice may use (Linux: RLIMIT_AS, set in the child before it
#: starts). Converting 48 sample documents in one run peaks near 600 MB of address space
#: (160 MB of data); a document that needs far more (a huge image) stops with a message
#: instead of taking the machine's memory from everything else.
MEMORY_LIMIT_BYTES = 2 * 1024 ** 3
#: What LibreOffice prints when an allocation fails (std::bad_alloc reaches its top level).
_OUT_OF_MEMORY = ("Unspecified Application Error", "bad_alloc", "Out of memory", "out of memory")
#: Starts LibreOffice with its address space capped: a program of its own rather than a
#: preexec_fn, which is not safe while other threads run (render_parallel's).
_CAPPED = ("import os, resource, sys; limit = int(sys.argv[1]); "
           "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); os.execv(sys.argv[2], sys.argv[2:])")


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


#: A received .docx unpacking to more than this is refused (a zip bomb would stall LibreOffice).
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000


def not_a_word_document(docx: Path) -> str | None:
    """Why ``docx`` is not a Word document LibreOffice should be given, or None when it is one.

    A received file named .docx may be anything: text, another office format
    (LibreOffice would convert it all the same), or a zip that unpacks to
    gigabytes. Only a zip holding ``word/document.xml`` within the size limits passes.
    """
    try:
        with zipfile.ZipFile(docx) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return f"{docx.name} 不是 Word 文档（.docx 应是 Word 保存的文件），已拒绝处理"
    names = {member.filename for member in members}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        return f"{docx.name} 不是 Word 文档（缺少正文 word/document.xml），已拒绝处理"
    if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED:
        return f"{docx.name} 解压后超过 {MAX_UNPACKED // 1024 // 1024} MB，不像正常的 Word 文档，已拒绝处理"
    return None


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


def copy_for_libreoffice(docx: Path, target: Path) -> str | None:
    """Copy ``docx`` to ``target`` for LibreOffice to lay out as Word would (:data:`_WORD_RULES`).
    Only the copy changes.

    Returns why ``docx`` is damaged instead (nothing is copied) when it does not open as a
    zip, a part of it cannot be read, or its text (``word/document.xml``) does not parse:
    LibreOffice 7.4 takes about 90 seconds to give up on such a file, and these checks take
    milliseconds, done on the parts read for the copy anyway.
    """
    try:
        with zipfile.ZipFile(docx) as source:
            names = set(source.namelist())
            missing = [name for name in ("[Content_Types].xml", "word/document.xml") if name not in names]
            if missing:
                return damaged_message(f"缺少 {missing[0]}")
            members = []
            for info in source.infolist():
                try:
                    members.append((info, source.read(info)))
                except (zipfile.BadZipFile, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error):
                    return damaged_message(f"其中的 {info.filename} 读不出来")
    except (zipfile.BadZipFile, OSError, ValueError):
        return damaged_message("不是完整的 .docx 文件（可能没有保存完，或并非 Word 文档）")
    body = next(data for info, data in members if info.filename == "word/document.xml")
    try:
        expat.ParserCreate().Parse(body, True)
    except expat.ExpatError as exc:
        return damaged_message(f"正文 word/document.xml 不完整，第 {exc.lineno} 行第 {exc.offset + 1} 列出错")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info, data in members:
            if info.filename == "word/styles.xml":
                text = data.decode("utf-8")
                for word, libreoffice in _WORD_RULES:
                    text = text.replace(word, libreoffice)
                data = text.encode("utf-8")
            copy.writestr(info, data)
    return None


def damaged_message(detail: str) -> str:
    """A damaged document (:func:`copy_for_libreoffice`): what is wrong and what to do."""
    return f"文件已损坏：{detail}；请在 Word 中打开检查、另存后再生成 PDF"


def render(docx_paths: Sequence[Path], folder: Path) -> list[Path | None]:
    """Render every document to a PDF inside ``folder`` with one LibreOffice run.

    Returns, for each document in order, the PDF made in ``folder`` (named
    ``1.pdf``, ``2.pdf`` …) or None when LibreOffice made none for it (see
    :func:`render_all` for why).
    """
    return [made if isinstance(made, Path) else None for made in render_all(docx_paths, folder)]


def render_all(docx_paths: Sequence[Path], folder: Path) -> list[Path | str | None]:
    """As :func:`render`, with the reason (a string) in place of the documents LibreOffice hung on
    and of those found damaged before it started (:func:`copy_for_libreoffice`).

    A LibreOffice that stops making progress is killed; the document it hung
    on gets no PDF and a new run takes the rest, within one deadline for the
    batch (:func:`batch_seconds`), at most :data:`MAX_RUNS` runs. Raises
    :class:`LibreOfficeMissing`, or :class:`PdfError` when LibreOffice cannot run.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeMissing(missing_message(), failed=docx_paths)
    inbox, outbox = folder / "in", folder / "out"
    for sub in (inbox, outbox):
        sub.mkdir(parents=True, exist_ok=True)
    copies, damaged = [], {}
    for number, docx in enumerate(docx_paths, start=1):
        copy = inbox / f"{number}.docx"
        problem = copy_for_libreoffice(docx, copy)
        if problem:  # said at once, never given to LibreOffice
            damaged[copy] = problem
        else:
            copies.append(copy)
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    deadline = time.monotonic() + batch_seconds(len(copies))
    hung: dict[Path, str] = {}
    waiting = list(copies)
    for attempt in range(1, MAX_RUNS + 1):
        if not waiting:  # none left (or none whole from the start): no LibreOffice started for nothing
            break
        profile = folder / f"profile-{attempt}"
        _private_profile(profile)
        command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
                   "--norestore", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir",
                   str(outbox), *map(str, waiting)]
        try:
            stopped = _run(command, env, waiting, outbox, folder, time.monotonic(), deadline)
        except PdfError as exc:
            raise PdfError(str(exc), failed=docx_paths) from None
        waiting = [copy for copy in waiting if not (outbox / f"{copy.stem}.pdf").exists()]
        if stopped is None or not waiting:
            break
        culprit = waiting.pop(0)  # LibreOffice works in order: it hung on the first without a PDF
        hung[culprit] = stopped
        if time.monotonic() >= deadline or attempt == MAX_RUNS:
            hung.update({copy: stopped for copy in waiting})
            break
    results: list[Path | str | None] = []
    for number in range(1, len(docx_paths) + 1):
        copy, pdf = inbox / f"{number}.docx", outbox / f"{number}.pdf"
        if copy in damaged:
            results.append(damaged[copy])
        else:
            results.append(pdf if pdf.is_file() and pdf.stat().st_size > 0 else hung.get(copy))
    return results


def batch_seconds(documents: int) -> float:
    """How long LibreOffice may take for a batch of ``documents``, all attempts together."""
    return START_SECONDS + SECONDS_PER_DOCUMENT * documents


#: LibreOffice settings for the private profile: never fetch what a document links to
#: (an image linked as file:///… or http://… would be pulled into the PDF), never update links.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">\
<prop oor:name="Field" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _private_profile(profile: Path) -> None:
    """A fresh LibreOffice profile that blocks linked and remote content."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")


def capped(command: list[str]) -> list[str]:
    """``command`` run with its address space capped at :data:`MEMORY_LIMIT_BYTES` (on Linux;
    elsewhere as it is): LibreOffice and everything it starts inherit the limit."""
    if not sys.platform.startswith("linux"):
        return command
    program = shutil.which(command[0]) or command[0]
    return [sys.executable, "-I", "-c", _CAPPED, str(MEMORY_LIMIT_BYTES), program, *command[1:]]


#: What LibreOffice prints, and then carries on with status 0, when it cannot open a document: a
#: damaged file, or (it happens about one time in six under a tight cap) memory it could not get.
_NOT_LOADED = "source file could not be loaded"


def not_loaded_message() -> str:
    return (f"LibreOffice 无法打开这份文档：文件可能已损坏，或打开它所需的内存超过了上限（{MEMORY_LIMIT_BYTES // 1024 ** 2} MB）；"
            "请在 Word 中打开检查、压缩其中的图片后再生成 PDF")


def out_of_memory_message() -> str:
    return (f"LibreOffice 转换时所需内存超过了上限（{MEMORY_LIMIT_BYTES // 1024 ** 2} MB），已停止："
            "这份文档可能过大，例如含有很大的图片；请在 Word 中压缩图片后再生成 PDF")


def _run(command: list[str], env: dict, copies: list[Path], outbox: Path, logs: Path,
         started: float, deadline: float) -> str | None:
    """Run LibreOffice until it ends; kill it when it stops making PDFs.

    Returns None when it ended by itself, else why it was stopped. LibreOffice
    converts the documents in order, so progress shows as PDFs appearing in
    ``outbox``: it may take :data:`START_SECONDS` for the first and
    :data:`SECONDS_PER_DOCUMENT` for each next one, and never past ``deadline``.
    A LibreOffice that fails for want of memory (it runs under :data:`MEMORY_LIMIT_BYTES`)
    is stopped too: the document it was on gets no PDF, a new run takes the rest.
    Its output goes to files (a pipe nobody reads would fill and stall it).
    """
    errors = logs / "stderr.txt"
    seen = errors.stat().st_size if errors.exists() else 0
    with open(logs / "stdout.txt", "ab") as out, open(errors, "ab") as err:
        try:
            # A session of its own, so a hung LibreOffice and whatever it started can be ended together.
            process = subprocess.Popen(capped(command), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       start_new_session=True)
        except OSError as exc:
            raise PdfError(f"无法启动 LibreOffice（{command[0]}）：{exc.strerror or exc}") from None
        made, progress = -1, started
        try:
            while process.poll() is None:
                now = time.monotonic()
                count = sum(1 for copy in copies if (outbox / f"{copy.stem}.pdf").exists())
                if count != made:
                    made, progress = count, now
                allowed = START_SECONDS if count == 0 else SECONDS_PER_DOCUMENT
                if now - progress > allowed or now > deadline:
                    return f"LibreOffice 在 {now - started:.0f} 秒内没有完成转换，已停止"
                time.sleep(_POLL)
        finally:
            if process.poll() is None:
                _kill(process)
    said = errors.read_bytes()[seen:].decode("utf-8", "replace")
    if process.returncode != 0:
        if any(words in said for words in _OUT_OF_MEMORY):
            return out_of_memory_message()
        detail = errors.read_bytes().decode("utf-8", "replace").strip().splitlines()
        detail = [line for line in detail if "javaldx" not in line]
        raise PdfError(f"LibreOffice 转换失败（退出码 {process.returncode}）" + (f"：{detail[-1]}" if detail else ""))
    return not_loaded_message() if _NOT_LOADED in said else None


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # gone already, or no process groups (Windows)
        process.kill()
    process.wait()


def render_parallel(docx_paths: Sequence[Path], folder: Path, processes: int = 1) -> list[Path | str | None]:
    """As :func:`render_all`, with the documents dealt out to up to ``processes`` LibreOffice runs at
    once (each with its own folder and profile, each watched for hanging): one LibreOffice uses one core."""
    processes = max(1, min(processes, len(docx_paths) // DOCUMENTS_PER_RUN))
    if processes == 1:
        return render_all(docx_paths, folder)
    hands = [list(docx_paths[number::processes]) for number in range(processes)]  # dealt: even sizes
    with ThreadPoolExecutor(processes) as pool:
        futures = [pool.submit(render_all, hand, folder / f"run-{number}") for number, hand in enumerate(hands)]
        try:
            made = [future.result() for future in futures]
        except PdfError as exc:  # LibreOffice missing or failing: the whole batch, as with one run
            raise type(exc)(str(exc), failed=docx_paths) from None
    results: list[Path | str | None] = [None] * len(docx_paths)
    for number, pdfs in enumerate(made):
        results[number::processes] = pdfs
    return results


def convert(docx_paths: Sequence[Path], land: Callable[[Path, bytes], None] | None = None,
            processes: int = 1) -> list[Path]:
    """Write ``X.pdf`` beside every ``X.docx``; one LibreOffice run for all.

    ``land(target, data)`` writes each PDF (default: :func:`write_atomic`); the
    build passes one that keeps a PDF someone changed, as it does documents.
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
            if not isinstance(rendered, Path):
                problems[docx] = f"{docx.name}（{rendered or 'LibreOffice 没有生成 PDF'}）"
                continue
            target = pdf_path(docx)
            try:
                (land or write_atomic)(target, rendered.read_bytes())
            except OSError as exc:
                problems[docx] = f"{target}（无法写入：{exc.strerror or exc}）"
                continue
            written.append(target)
    if problems:
        raise PdfError(f"{len(problems)} 份文档没有生成 PDF：" + "；".join(problems.values()),
                       written, list(problems))
    return written
