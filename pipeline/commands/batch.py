"""Build many forms in one run: find them, skip what is unchanged, build the rest in parallel.

A run goes in four steps:

1. **Discover** the forms (:mod:`pipeline.workspace.discovery`, as every command does):
   every ``inputs/<term>/<campus>/<department>.yaml`` (or the files and folders
   named), narrowed by ``--term``, ``--campus`` and ``--department``, which
   match the folder layout (a form outside it is matched by the values written
   in it).
2. **Plan**: a form whose sources (its bytes, last period's form it read),
   templates, config.yaml and tool version match its manifest entry, and whose
   output exists, is skipped. A source whose size and modification time are
   those recorded is not even read (:meth:`~pipeline.commands.manifest.Ledger.up_to_date`);
   this step imports neither python-docx nor jieba.
3. **Build** the rest: in this process for a handful of forms, otherwise in a
   pool of worker processes, one per core. This process loads config.yaml, the
   templates and jieba's dictionary once, freezes them (:func:`gc.freeze`, so
   the workers' garbage collections never touch, and so never copy, the
   inherited pages) and forks: every worker shares them. The proofreading
   index (:mod:`pipeline.proofread.corpus`) is first brought up to date: the
   new and changed forms are read and cut into sentences by the workers, and
   this process files them. Workers only compute; they return bytes and messages.
4. **Land** each document as it arrives, in this process only: the output path
   must be inside ``outputs/`` and not claimed by another form; an edited
   earlier version is kept as a backup (:func:`pipeline.commands.manifest.land`); the
   manifest is updated (in constant time per document) and saved at intervals
   that keep saving under a twentieth of the run, and at the end, also on Ctrl-C.

One failing form never stops the others; its problems are reported as
``file:line:col: 错误: …`` and counted.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.commands.context import current_workspace, find_workspace, workspace_at
from pipeline.commands.manifest import ABSENT, Ledger, file_sha256, file_state, land_pdf
from pipeline.commands.runner import Reporter, Tally, land_output, quiet_worker, uninterrupted
from pipeline.commands.select import Selection, discover
from pipeline.diagnostics import shown
from pipeline.workspace.lock import workspace_lock
from pipeline.workspace.root import RootFinder, find_root

#: Below this many forms to build, a process pool costs more than it saves.
IN_PROCESS_BELOW = 24
#: Items a pool worker may have finished (or be working on) that this process has not taken yet.
IN_FLIGHT_PER_WORKER = 32
#: Save the manifests at most this often (seconds) while outputs land; and at most
#: 1/SAVE_SHARE of the run's time is spent saving them.
SAVE_EVERY = 1.0
SAVE_SHARE = 20


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
    state: tuple[int, int] | None = None  # the form's size and mtime, taken before it was hashed


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
    #: Other files the document was built from (last period's form): path → (hash or "absent", state).
    depends: dict[str, tuple[str, tuple[int, int] | None]] = field(default_factory=dict)


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
    depends = {}
    for source in built.depends:
        state = file_state(source)  # before hashing: a change after it shows as a new state
        depends[str(source)] = (file_sha256(source) or ABSENT, state)
    return Outcome(job, term=built.form.term, output=str(target), docx=built.docx,
                   warnings=[str(w) for w in built.warnings], depends=depends)


def warm(roots) -> None:
    """Load what every build needs (config, templates, jieba's dictionary, the base document) in
    this process, then freeze it.

    Called before a pool forks, so the workers inherit it all ready: loaded once
    for the run instead of once per worker (where processes are spawned, not
    forked, each worker loads it on its first form instead). Frozen objects are
    never examined by the garbage collector, so a worker's collections neither
    slow down with them nor write to (and so copy) the pages it shares.
    """
    from pipeline.diagnostics import FormError
    from pipeline.layout import engines

    for root in roots:
        workspace = workspace_at(root)
        try:
            _ = workspace.environment, workspace.classifier  # cached on the workspace
            engines.prepare(workspace.profile)
            workspace.proofreader.warm()
        except FormError:
            pass  # reported per form
    gc.freeze()


def read_for_index(item: tuple[Path | None, str]):
    """What the proofreading index keeps of one form (run in a worker)."""
    root, path = item
    return workspace_at(root).proofreader.read(Path(path))


def prepare_proofreading(jobs: list[Job], roots: dict[str, Path | None], workers: int) -> None:
    """Bring each workspace's proofreading index up to date before its forms are built: the new and
    changed forms are read by a pool when there are many, and filed by this process."""
    by_root: dict[Path | None, list[Path]] = {}
    for job in jobs:
        by_root.setdefault(roots[job.form], []).append(Path(job.form))
    for root, targets in by_root.items():
        workspace = workspace_at(root)
        workspace.proofreader.index.make_folder = True  # outputs/ is made for the documents anyway
        workspace.proofreader.prepare(targets, read=lambda paths, root=root: parallel_map(
            read_for_index, [(root, str(p)) for p in paths], workers, [root]))


def parallel_map(function, items: list, workers: int, roots, inherited: bool = False):
    """``function`` over ``items``, in a pool when there are many, as they finish; this process is
    warmed up for the workspaces at ``roots`` first. ``inherited``: the function reads what this
    process holds, so it runs in forked workers only (in this process where there is no fork)."""
    context = _pool_context()
    forked = context.get_start_method() == "fork"
    if workers <= 1 or len(items) < IN_PROCESS_BELOW or (inherited and not forked):
        yield from map(function, items)
        return
    if forked:
        warm(roots)
    workers = min(workers, len(items))
    chunk = _chunk(len(items), workers)
    # At most IN_FLIGHT_PER_WORKER items per worker handed out and not yet taken back: when this
    # process lands documents more slowly than the workers make them (a disk's fsync), finished
    # documents would otherwise pile up here, and memory grow with the number of forms.
    slots = threading.Semaphore(max(IN_FLIGHT_PER_WORKER, 4 * chunk) * workers)
    stopped = threading.Event()

    def feed():
        for item in items:
            while not slots.acquire(timeout=0.1):
                if stopped.is_set():
                    return
            yield item

    with context.Pool(workers, initializer=quiet_worker) as pool:
        try:
            for result in pool.imap_unordered(function, feed(), chunksize=chunk):
                slots.release()
                yield result
        finally:
            stopped.set()  # before the pool stops: its feeding thread must not wait for a slot


def _chunk(items: int, workers: int) -> int:
    return max(1, min(8, items // (workers * 16)))


def _pool_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def run_jobs(jobs: list[Job], workers: int):
    """Outcomes of ``jobs`` as they finish: in this process when few, else in a pool."""
    yield from parallel_map(build_job, jobs, workers, dict.fromkeys(find_root(Path(job.form)) for job in jobs))


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
    links: set[str] = set()
    forms = discover(selection, reporter.note, links)
    if not (selection.paths or selection.filtered):  # every form of inputs/: the proofreader need not list it again
        listed = current_workspace()
        listed.found_forms(forms, links)
        locks.callback(listed.found_forms, None)  # for this run only
    tally.found = len(forms)
    ledgers: dict[Path | None, Ledger] = {}
    claimed: dict[str, str] = {}  # output → the form that owns it in this run (absolute, normalised paths)
    queue: list[Job] = []
    roots: dict[str, Path | None] = {}
    root_of = RootFinder()  # many forms share a folder, and folders their parents: each asked once
    folder_roots: dict[str, Path | None] = {}  # by the folder as the form's path names it
    for form in forms:
        folder = os.path.dirname(form)
        if folder not in folder_roots:
            folder_roots[folder] = root_of(os.path.abspath(folder or os.curdir))
        root = folder_roots[folder]
        if root not in ledgers:
            ledgers[root] = Ledger(root)
            locks.enter_context(workspace_lock(ledgers[root].outputs, reporter.note))
        ledger = ledgers[root]
        entry = None if force else ledger.up_to_date(form)
        if entry:
            tally.unchanged += 1
            output = os.path.normpath(os.path.join(ledger.root, entry.output))  # strings: one per form, each run
            tally.kept.append(output)
            claimed[output] = os.path.abspath(form)
        else:
            state = file_state(form)  # before hashing: a change after it shows as a new state
            job = Job(os.path.abspath(form), shown(form), file_sha256(form), strict, state)
            roots[job.form] = root
            queue.append(job)
    for ledger in ledgers.values():
        for warning in ledger.warnings:
            reporter.note(warning)

    queue = _check_configs(queue, roots, reporter, tally)
    reporter.begin(len(queue), tally.unchanged)
    workers = workers or cpu_count()
    if queue:
        prepare_proofreading(queue, roots, workers)
    last_save, save_interval = time.monotonic(), SAVE_EVERY
    outcomes = run_jobs(queue, workers)
    try:
        for outcome in outcomes:
            with uninterrupted():
                _land(outcome, roots[outcome.job.form], ledgers[roots[outcome.job.form]], claimed, reporter, tally)
                if time.monotonic() - last_save > save_interval:
                    started = time.monotonic()
                    _save(ledgers.values(), reporter, tally)
                    last_save = time.monotonic()
                    save_interval = max(SAVE_EVERY, (last_save - started) * SAVE_SHARE)
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


def _land(outcome: Outcome, root: Path | None, ledger: Ledger, claimed: dict[str, str], reporter: Reporter,
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
    owner = claimed.get(os.path.normpath(target))
    if owner is not None and owner != job.form:
        reporter.note(f"{job.display}:1:1: 错误: 与 {shown(owner)} 生成同一个文件 {shown(target)}；"
                      f"请检查两份填报表的 campus、department、term 是否填错")
        tally.failed += 1
        return
    claimed[os.path.normpath(target)] = job.form
    sources = {Path(job.form): job.sha or "", **{Path(p): sha for p, (sha, _) in outcome.depends.items()}}
    states = {Path(job.form): job.state, **{Path(p): state for p, (_, state) in outcome.depends.items()}}
    land_output(target, outcome.docx, ledger, outcome.term, sources, who=job.display, reporter=reporter,
                tally=tally, states=states)


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
            written = pdf.convert(docx_paths, land_one, processes=cpu_count())
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
