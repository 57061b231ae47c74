"""Build many forms in one run: find them, skip what is unchanged, build the rest in parallel.

A run goes in four steps:

1. **Discover** the forms (:mod:`pipeline.workspace.discovery`, as every command does):
   every ``inputs/<term>/<campus>/<department>.yaml`` (or the files and folders
   named), narrowed by ``--term``, ``--campus`` and ``--department``, which
   match the folder layout (a form outside it is matched by the values written
   in it).
2. **Plan**: a form whose bytes, templates, config.yaml and tool version match
   its manifest entry, and whose output exists, is skipped. This step reads
   files and hashes them; it imports neither python-docx nor jieba.
3. **Build** the rest: in this process for a handful of forms, otherwise in a
   pool of worker processes, one per core. Each worker loads config.yaml, the
   templates and (when a record needs it) jieba once and keeps them for every
   form it builds. Workers only compute; they return bytes and messages.
4. **Land** each document as it arrives, in this process only: the output path
   must be inside ``outputs/`` and not claimed by another form; an edited
   earlier version is kept as a backup (:func:`pipeline.commands.manifest.land`); the
   manifest is updated and saved every second and at the end, also on Ctrl-C.

One failing form never stops the others; its problems are reported as
``file:line:col: 错误: …`` and counted.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.commands.context import find_workspace, workspace_at
from pipeline.commands.manifest import Ledger, file_sha256, land_pdf
from pipeline.commands.runner import Reporter, Tally, land_output, quiet_worker, uninterrupted
from pipeline.commands.select import Selection, discover
from pipeline.diagnostics import shown
from pipeline.form.history import history_folders
from pipeline.workspace.root import find_root
from pipeline.workspace.lock import workspace_lock

#: Below this many forms to build, a process pool costs more than it saves.
IN_PROCESS_BELOW = 24
#: Save the manifests at least this often (seconds) while outputs land.
SAVE_EVERY = 1.0


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- building (in a worker or in this process) --------------------------------

@dataclass(frozen=True)
class Job:
    form: str  # absolute path
    display: str  # as messages show it
    sha: str | None  # of the form's bytes when planned
    strict: bool = False  # proofreading warnings are errors


@dataclass
class Outcome:
    """What building one form gave: a document, or the reasons there is none."""

    job: Job
    term: str = ""
    output: str = ""  # absolute path the document goes to
    docx: bytes = b""
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bug: str | None = None


def build_job(job: Job) -> Outcome:
    """Build one form; never raises (a worker's exceptions would lose their diagnostics)."""
    from pipeline.commands.build import build_form
    from pipeline.diagnostics import FormError
    from pipeline.workspace.outputs import UnsafeOutput

    path = Path(job.form)
    try:
        workspace = find_workspace(path)
        built = build_form(path, workspace, job.display, strict=job.strict)
        target = workspace.output_path(built.form, built.title)
    except FormError as exc:
        return Outcome(job, errors=[str(d) for d in exc.diagnostics])
    except UnsafeOutput as exc:
        return Outcome(job, errors=[f"{job.display}:1:1: 错误: {exc}"])
    except Exception as exc:  # noqa: BLE001 - a bug; reported, and the other forms still build
        detail = traceback.format_exc() if os.environ.get("WORKSUM_DEBUG") else f"{type(exc).__name__}: {exc}"
        return Outcome(job, bug=detail)
    return Outcome(job, term=built.form.term, output=str(target), docx=built.docx,
                   warnings=[str(w) for w in built.warnings])


def warm(roots) -> None:
    """Load what every build needs (config, templates, jieba, the base document, the
    proofreader's index of the workspace's forms) in this process.

    Called before the pool forks, so the workers inherit it all ready: loaded
    once for the run instead of once per worker (where processes are spawned,
    not forked, each worker loads it on its first form instead).
    """
    from pipeline.diagnostics import FormError
    from pipeline.layout import engines, profile

    for root in roots:
        workspace = workspace_at(root)
        try:
            _ = workspace.environment, workspace.classifier  # cached on the workspace
            engines.prepare(profile.get(workspace.config.format))
            workspace.proofreader.check([])  # reads and indexes every form once, for all workers
        except FormError:
            pass  # reported per form


def _pool_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def run_jobs(jobs: list[Job], workers: int):
    """Outcomes of ``jobs`` as they finish: in this process when few, else in a pool."""
    if workers <= 1 or len(jobs) < IN_PROCESS_BELOW:
        for job in jobs:
            yield build_job(job)
        return
    workers = min(workers, len(jobs))
    chunk = max(1, min(8, len(jobs) // (workers * 16)))
    context = _pool_context()
    if context.get_start_method() == "fork":
        warm(dict.fromkeys(find_root(Path(job.form)) for job in jobs))
    with context.Pool(workers, initializer=quiet_worker) as pool:
        yield from pool.imap_unordered(build_job, jobs, chunksize=chunk)


# --- the run -----------------------------------------------------------------


def run_build(selection: Selection, reporter: Reporter, *, force: bool = False, workers: int = 0,
              strict: bool = False) -> Tally:
    """Build the selected forms. ``workers`` 0 means one per core; ``strict``: proofreading
    warnings are errors. Each workspace's lock (:mod:`pipeline.workspace.lock`) is held from
    before its manifest is read until it is saved; raises :class:`~pipeline.workspace.lock.WorkspaceBusy`."""
    with ExitStack() as locks:
        return _run_build(selection, reporter, locks, force=force, workers=workers, strict=strict)


def _run_build(selection: Selection, reporter: Reporter, locks: ExitStack, *, force: bool, workers: int,
               strict: bool) -> Tally:
    tally = Tally()
    forms = discover(selection, reporter.note)
    tally.found = len(forms)
    ledgers: dict[Path | None, Ledger] = {}
    claimed: dict[Path, str] = {}  # output → the form that owns it in this run
    queue: list[Job] = []
    roots: dict[str, Path | None] = {}
    folder_roots: dict[str, Path | None] = {}  # many forms share a folder: walk up once per folder
    for form in forms:
        folder = os.path.dirname(os.path.abspath(form))
        if folder not in folder_roots:
            folder_roots[folder] = find_root(Path(folder))
        root = folder_roots[folder]
        if root not in ledgers:
            ledgers[root] = Ledger(root)
            locks.enter_context(workspace_lock(ledgers[root].outputs, reporter.note))
        ledger = ledgers[root]
        sha = file_sha256(form)
        entry = None if force else ledger.up_to_date(form, sha)
        if entry:
            tally.unchanged += 1
            tally.kept.append(ledger.root / entry.output)
            claimed[ledger.root / entry.output] = shown(form)
        else:
            job = Job(os.path.abspath(form), shown(form), sha, strict)
            roots[job.form] = root
            queue.append(job)
    for ledger in ledgers.values():
        for warning in ledger.warnings:
            reporter.note(warning)

    queue = _check_configs(queue, roots, reporter, tally)
    reporter.begin(len(queue), tally.unchanged)
    last_save = time.monotonic()
    outcomes = run_jobs(queue, workers or cpu_count())
    try:
        for outcome in outcomes:
            with uninterrupted():
                _land(outcome, roots[outcome.job.form], ledgers[roots[outcome.job.form]], claimed, reporter, tally)
                if time.monotonic() - last_save > SAVE_EVERY:
                    _save(ledgers.values(), reporter, tally)
                    last_save = time.monotonic()
            reporter.step()
    except KeyboardInterrupt:
        tally.interrupted = True
    finally:
        outcomes.close()  # stops the pool at once, also when interrupted while landing
        reporter.end()
        with uninterrupted():
            _save(ledgers.values(), reporter, tally)
    return tally


def _save(ledgers, reporter: Reporter, tally: Tally) -> None:
    for ledger in ledgers:
        for problem in ledger.save():
            reporter.note(problem)
            tally.unsaved += 1


def _check_configs(queue: list[Job], roots: dict, reporter: Reporter, tally: Tally) -> list[Job]:
    """Each workspace's config.yaml is read once: if it has errors, say so once and build nothing there."""
    broken = set()
    for root in dict.fromkeys(roots[job.form] for job in queue):
        errors = workspace_at(root).config_errors
        for diagnostic in errors:
            reporter.note(str(diagnostic))
        if errors:
            broken.add(root)
    kept = [job for job in queue if roots[job.form] not in broken]
    tally.failed += len(queue) - len(kept)
    return kept


def _land(outcome: Outcome, root: Path | None, ledger: Ledger, claimed: dict[Path, str], reporter: Reporter,
          tally: Tally) -> None:
    job = outcome.job
    if outcome.bug:
        reporter.note(f"{job.display}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{outcome.bug}")
        tally.bugs += 1
        return
    for line in outcome.warnings + outcome.errors:
        reporter.note(line)
    if outcome.errors:
        tally.failed += 1
        return
    target = Path(outcome.output)
    owner = claimed.get(target)
    if owner is not None and owner != job.display:
        reporter.note(f"{job.display}:1:1: 错误: 与 {owner} 生成同一个文件 {shown(target)}；"
                      f"请检查两份填报表的 campus、department、term 是否填错")
        tally.failed += 1
        return
    claimed[target] = job.display
    land_output(target, outcome.docx, ledger, outcome.term, {Path(job.form): job.sha or ""}, who=job.display,
                reporter=reporter, tally=tally, folders=history_folders(outcome.term, root))




# --- PDFs ----------------------------------------------------------------------

def write_pdfs(docx_paths: list[Path], reporter: Reporter, *, lock: bool = True) -> bool:
    """``build --pdf``: a PDF beside each document, landed as documents are (a PDF someone
    signed or stamped is kept) and recorded in the manifest. False when some failed.

    A machine without LibreOffice gets a warning (the .docx are written), not an error.
    ``lock``: hold the workspaces' locks (not for ``-o``, which writes outside them).
    """
    from pipeline.export import pdf

    ledgers: dict[Path | None, Ledger] = {}
    backups = 0
    with ExitStack() as locks:
        def ledger_of(document: Path) -> Ledger:
            root = find_root(document.parent)
            if root not in ledgers:
                ledgers[root] = Ledger(root)
                if lock:
                    locks.enter_context(workspace_lock(ledgers[root].outputs, reporter.note))
            return ledgers[root]

        def land_one(target: Path, data: bytes) -> None:
            nonlocal backups
            document = target.with_suffix(".docx")
            ledger = ledger_of(document)
            with uninterrupted():
                landed = land_pdf(target, data, ledger.recorded(document))
                ledger.record_pdf(document, data)
            if landed.backup:
                backups += 1
                reporter.note(f"{shown(target)}: 警告: 这份 PDF 生成后被修改过（如签字、盖章），修改后的版本已另存为 "
                              f"{landed.backup.name}（同一文件夹），原位置写入了新生成的 PDF")
            reporter.wrote(target)

        for document in docx_paths:
            ledger_of(document)  # every lock taken before LibreOffice starts
        try:
            written = pdf.convert(docx_paths, land_one)
        except pdf.LibreOfficeMissing as exc:
            reporter.note(f"警告: {exc}；.docx 文件已照常生成")
            return True
        except pdf.PdfError as exc:
            reporter.note(f"错误: {exc}")
            return False
        finally:
            for ledger in ledgers.values():
                for problem in ledger.save():
                    reporter.note(problem)
    reporter.note(f"PDF：生成 {len(written)} 份" + (f"；另存了 {backups} 份修改过的 PDF" if backups else ""))
    return True
