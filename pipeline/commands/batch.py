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
   inherited pages) and forks: every worker shares them. Each form is read
   once: a worker builds it, proofread alone, and returns with the document what
   the proofreading index (:mod:`pipeline.proofread.corpus`) keeps of it when it
   is new or changed; this process files that in the index as documents land.
   Once the index is current, each built form is compared with the other forms
   through the index; the few the index says share text are read again for the
   comparison's warnings, and every form's warnings are then said, in the order
   the forms were found. Under ``--strict`` (a comparison's warning stops a
   document) the index is brought up to date first and forms are built after.
   Workers only compute; they return bytes and messages.
4. **Land** each document as it arrives, in this process only: the output path
   must be inside ``outputs/`` and not claimed by another form; an edited
   earlier version is kept as a backup (:func:`pipeline.commands.manifest.land`);
   documents are written on a few threads, since each write mostly waits for
   the disk (:class:`~pipeline.commands.runner.Landing`); the manifest is updated
   (in constant time per document) and saved at intervals that keep saving under
   a twentieth of the run, and at the end, also on Ctrl-C.

One failing form never stops the others; its problems are reported as
``file:line:col: 错误: …`` and counted.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.commands.context import current_workspace, find_workspace, workspace_at
from pipeline.commands.manifest import ABSENT, Ledger, file_sha256, file_state, land_pdf
from pipeline.commands.runner import Landing, Reporter, Tally, quiet_worker, uninterrupted
from pipeline.commands.select import Selection, discover
from pipeline.diagnostics import shown
from pipeline.workspace.discovery import Listed, real_paths
from pipeline.workspace.lock import workspace_lock
from pipeline.workspace.root import RootFinder, find_root, remember_roots

#: Below this many forms to build, a process pool costs more than it saves.
IN_PROCESS_BELOW = 24
#: Items a pool worker may have finished (or be working on) that this process has not taken yet.
IN_FLIGHT_PER_WORKER = 32
#: Save the manifests at most this often (seconds) while outputs land; and at most
#: 1/SAVE_SHARE of the run's time is spent saving them.
SAVE_EVERY = 5.0
SAVE_SHARE = 20
#: A pool worker's garbage collector looks at new objects after this many allocations (Python's
#: default is 700): a form's build makes and drops tens of thousands of small objects, and
#: collecting every 700 cost a worker about 3% of its time, against about 1.5% this way.
WORKER_GC_YOUNG = 10_000
#: Threads writing documents side by side (each mostly waits for the disk: see runner.Landing).
WRITERS = 4


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
    #: Build without comparing with other forms, the comparison coming after (see _build_then_compare);
    #: ``index``: also give what the proofreading index keeps of the form (it is new or changed).
    alone: bool = False
    index: bool = False


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
    #: Built ``alone``: what the index keeps of the form (when asked), what comparing it starts
    #: from, and its warnings in parts, to say with the comparison's (build.with_comparison).
    indexed: object = None
    shared: object = None
    stated: list = field(default_factory=list)
    own: tuple = ([], [])


def build_job(job: Job) -> Outcome:
    """Build one form; never raises (a worker's exceptions would lose their diagnostics)."""
    from pipeline.commands.build import build_form
    from pipeline.diagnostics import FormError
    from pipeline.workspace.outputs import UnsafeOutput

    path = Path(job.form)
    indexed = None
    try:
        workspace = find_workspace(path)
        built = build_form(path, workspace, job.display, strict=job.strict, compare=not job.alone)
        target = workspace.output_path(built.form, built.title)
    except FormError as exc:
        if job.index:
            indexed = _invalid_indexed(job)
        return Outcome(job, errors=[str(d) for d in exc.diagnostics], indexed=indexed)
    except UnsafeOutput as exc:
        return Outcome(job, errors=[f"{job.display}:1:1: 错误: {exc}"])
    except Exception as exc:  # noqa: BLE001 - a bug; reported, and the other forms still build
        detail = traceback.format_exc() if os.environ.get("WORKSUM_DEBUG") else f"{type(exc).__name__}: {exc}"
        return Outcome(job, bug=detail)
    depends = {}
    for source in built.depends:
        state = file_state(source)  # before hashing: a change after it shows as a new state
        depends[str(source)] = (file_sha256(source) or ABSENT, state)
    shared = None
    if job.alone:
        proofreader = workspace.proofreader
        shared = proofreader.shared(built.checked)
        if job.index:  # the state and hash taken when the job was planned, before the form was read
            indexed = proofreader.indexed(built.checked, job.state or (0, 0), job.sha or "",
                                          shown(os.path.realpath(job.form)))
    return Outcome(job, term=built.form.term, output=str(target), docx=built.docx,
                   warnings=[str(w) for w in built.warnings], depends=depends, indexed=indexed, shared=shared,
                   stated=built.stated, own=built.own)


def _invalid_indexed(job: Job):
    """What the index keeps of a form that is not valid (as Proofreader.read gives it)."""
    from pipeline.proofread.corpus import Indexed, sha256_of

    resolved = os.path.realpath(job.form)
    return Indexed(resolved, *(job.state or (0, 0)), job.sha or sha256_of(b""), shown(resolved))


def compare_item(item: tuple[Path | None, str, object]) -> tuple[str, list | None, str | None]:
    """The warnings of comparing one form with the other forms of its workspace, once its index is
    current (run in a worker): (the form, the warnings, a bug). The form is read again only when
    the index says it shares text with another form; most forms share none."""
    from pipeline.diagnostics import FormError
    from pipeline.form.validate import read_form
    from pipeline.proofread.proofreader import Checked

    root, form, shared = item
    try:
        proofreader = workspace_at(root).proofreader
        if not proofreader.shares_text(shared):
            return form, [], None
        try:
            read, loaded = read_form(Path(form), proofreader.config, shared.display)
        except (OSError, FormError):
            return form, [], None  # changed since it was read: the next run reads it again
        checked = Checked(Path(shared.path), loaded.path, read, loaded)
        return form, [issue.diagnostic for issue in proofreader.reuse(checked)], None
    except Exception as exc:  # noqa: BLE001 - a bug; reported, and the other forms are still compared
        detail = traceback.format_exc() if os.environ.get("WORKSUM_DEBUG") else f"{type(exc).__name__}: {exc}"
        return form, None, detail


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
    if workers <= 1 or len(items) < IN_PROCESS_BELOW:
        yield from map(function, items)  # (and multiprocessing not even imported: a one-form rebuild)
        return
    context = _pool_context()
    forked = context.get_start_method() == "fork"
    if inherited and not forked:
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

    with _pool_class()(workers, initializer=_start_worker, context=context) as pool:
        try:
            for result in pool.imap_unordered(function, feed(), chunksize=chunk):
                slots.release()
                yield result
        finally:
            stopped.set()  # before the pool stops: its feeding thread must not wait for a slot


def _start_worker() -> None:
    """A pool's worker: the stop signals are this process's to handle; it lives for one run,
    so the workspace root of a path, asked several times per form, is looked up once; its
    garbage collections come less often (see WORKER_GC_YOUNG)."""
    quiet_worker()
    remember_roots()
    gc.set_threshold(WORKER_GC_YOUNG, *gc.get_threshold()[1:])


def _chunk(items: int, workers: int) -> int:
    return max(1, min(8, items // (workers * 16)))


def _pool_class():
    """multiprocessing's Pool, its worker-minding thread woken only when it has something to do.

    That thread waits on the workers' process sentinels, on the pool's own notices (closed,
    terminated, no task left) and, in CPython, on the queue of results too: every result
    wakes it, and until the thread that takes results has read it, it finds the queue still
    readable and goes round again, spinning. At a few hundred results a second that cost
    the process building ten thousand forms about 0.4 ms of CPU a form. It needs no result
    to do its work (a worker that ends, which is all it replaces, shows on its sentinel), so
    it is given the pool's notices alone.
    """
    global _Pool
    if _Pool is None:
        from multiprocessing.pool import Pool

        _Pool = minded(Pool)
    return _Pool


def minded(pool: type) -> type:
    """``pool`` whose worker-minding thread waits on the pool's notices alone (:func:`_pool_class`).
    Both parts it relies on are CPython's private ones, the method ``_get_sentinels`` and the
    notifier ``_change_notifier`` with its ``_reader``: without the method, ``pool`` itself; without
    the notifier (known only once a pool is made), the pool's own sentinels."""
    if not callable(getattr(pool, "_get_sentinels", None)):
        return pool

    class Minded(pool):
        def _get_sentinels(self):
            reader = getattr(getattr(self, "_change_notifier", None), "_reader", None)
            return [reader] if reader is not None else super()._get_sentinels()

    return Minded


_Pool = None


def _pool_context():
    import multiprocessing

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
    # Each folder's names, as listed: a file not among them needs no look (last period's workbook,
    # a folder's config.yaml); the forms as strings (ten thousand Path objects cost more than the listing).
    listing = Listed()
    forms = discover(selection, reporter.note, links, listing.folders, text=True)
    if not (selection.paths or selection.filtered):  # every form of inputs/: the proofreader need not list it again
        listed = current_workspace()
        listed.found_forms(forms, links)
        locks.callback(listed.found_forms, None)  # for this run only
    tally.found = len(forms)
    ledgers: dict[Path | None, Ledger] = {}
    claimed: dict[str, str] = {}  # output → the form that owns it in this run (absolute, normalised paths)
    queue: list[Job] = []
    roots: dict[str, Path | None] = {}
    root_of = RootFinder(listing)  # many forms share a folder, and folders their parents: each asked once
    by_folder: dict[str, tuple[Path | None, Ledger]] = {}  # a folder's root and ledger, by the folder
    # Strings, each made once per form: an unchanged rebuild of ten thousand forms is mostly this loop.
    cwd = os.getcwd()  # os.path.abspath would ask it again for every form
    for form in forms:
        absolute = os.path.normpath(os.path.join(cwd, form))
        folder = absolute.rpartition(os.sep)[0] or os.sep
        found = by_folder.get(folder)
        if found is None:
            root = root_of(folder)
            if root not in ledgers:
                ledgers[root] = Ledger(root, listing)
                locks.enter_context(workspace_lock(ledgers[root].outputs, reporter.note))
            found = by_folder[folder] = (root, ledgers[root])
        root, ledger = found
        unchanged = None if force else ledger.up_to_date(absolute, absolute=True)
        if unchanged:
            tally.unchanged += 1
            output = os.path.normpath(ledger.prefix + unchanged)  # relative, inside outputs/ (up_to_date)
            tally.kept.append(output)
            claimed[output] = absolute
        else:
            state = file_state(form)  # before hashing: a change after it shows as a new state
            job = Job(absolute, shown(form), file_sha256(form), strict, state)
            roots[job.form] = root
            queue.append(job)
    for ledger in ledgers.values():
        for warning in ledger.warnings:
            reporter.note(warning)

    queue = _check_configs(queue, roots, reporter, tally)
    reporter.begin(len(queue), tally.unchanged)
    workers = workers or cpu_count()
    last_save, save_interval = time.monotonic(), SAVE_EVERY
    passes = []  # the pools' results as they come: closing them stops the pools
    # Documents are written on a few threads when there are many (see Landing); a few, one by one.
    landing = Landing(WRITERS if len(queue) >= IN_PROCESS_BELOW else 1)
    held: list[Held] = []  # built alone: their warnings are said once they are compared

    def landed(outcome: Outcome) -> None:
        nonlocal last_save, save_interval
        root = roots[outcome.job.form]
        with uninterrupted():
            if outcome.shared is not None:
                held.append(Held.of(outcome))
            _land(outcome, root, ledgers[root], claimed, reporter, tally, landing, say=outcome.shared is None)
            outcome.docx, outcome.indexed = b"", None  # kept until compared: only what is said
            if time.monotonic() - last_save > save_interval:
                started = time.monotonic()
                _save(ledgers.values(), reporter, tally)
                last_save = time.monotonic()
                save_interval = max(SAVE_EVERY, (last_save - started) * SAVE_SHARE)
        reporter.step()

    try:
        if strict or not queue:
            # Under --strict a comparison's warning stops a form from being built: compare first.
            if queue:
                prepare_proofreading(queue, roots, workers)
            passes.append(run_jobs(queue, workers))
            for outcome in passes[-1]:
                landed(outcome)
        else:
            _build_then_compare(queue, roots, workers, passes, landed, held, reporter, tally, landing,
                                {root: ledger.states for root, ledger in ledgers.items()})
    except KeyboardInterrupt:
        tally.interrupted = True
    finally:
        for results in passes:
            results.close()  # stops the pool at once, also when interrupted while landing
        with uninterrupted():
            landing.finish()  # every document written is recorded before the manifests are saved
        # Stopped before the comparison: the built forms' own warnings are still said (a form
        # built now is unchanged on the next run, which says nothing about it).
        _say_held(held, {}, queue, reporter)
        reporter.end()
        with uninterrupted():
            _save(ledgers.values(), reporter, tally)
    return tally


def _build_then_compare(queue: list[Job], roots: dict, workers: int, passes: list, landed, held: list[Held],
                        reporter: Reporter, tally: Tally, landing: Landing, states: dict | None = None) -> None:
    """Build every form once, each proofread alone, while the proofreading index is brought up to date
    with the forms as they are read; then compare the built forms with the others through the index.

    Reading a form is the costly part of proofreading it against others; the index
    says which forms share text with another one, and only those are read again.
    Each document lands as it is built; its warnings are said once it has been compared.
    """
    states = states or {}
    by_root: dict[Path | None, list[Job]] = {}
    for job in queue:
        by_root.setdefault(roots[job.form], []).append(job)
    for root, jobs in by_root.items():
        landing.finish()  # no writing thread while a pool forks
        proofreader = workspace_at(root).proofreader
        proofreader.index.make_folder = True  # outputs/ is made for the documents anyway

        built = []

        real = real_paths(job.form for job in jobs)

        def build_and_read(changed: list[Path], root=root, jobs=jobs, built=built, real=real):
            built.append(True)
            stale = {str(path) for path in changed}
            items: list = [replace(job, alone=True, index=form in stale) for job, form in zip(jobs, real)]
            stale -= set(real)
            items += [(root, path) for path in sorted(stale)]  # changed forms not being built
            passes.append(parallel_map(_first_pass, items, workers, [root]))
            for result in passes[-1]:
                if isinstance(result, Outcome):
                    indexed = result.indexed
                    landed(result)
                    if indexed is not None:
                        yield indexed
                else:
                    yield result

        # The forms' states the plan took (Ledger.states): the index need not stat ten thousand forms again.
        proofreader.prepare(real, read=build_and_read, states=states.get(root), resolved=True)
        if not built:  # the index had nothing to read and did not ask: the forms are still to be built
            for _ in build_and_read([]):
                pass
    landing.finish()  # every document is written; no writing thread while the pool forks
    compared_items = [(roots[h.form], h.form, h.shared) for h in held]
    warmed = list(by_root)
    if workers > 1 and len(compared_items) >= IN_PROCESS_BELOW:  # compared in a pool (parallel_map)
        # Comparing takes each form's sentences from the index, not from jieba: the dictionary (the
        # largest thing this process holds) is let go before the pool forks, so neither this process
        # nor the workers hold it while they compare (a worker that must cut a form loads it again);
        # the workspaces are not warmed again (that loads it), the first pass warmed all but it.
        from pipeline.text import segment

        segment.release()
        warmed = []
    passes.append(parallel_map(compare_item, compared_items, workers, warmed))
    compared: dict[str, list] = {}
    for form, found, bug in passes[-1]:
        if bug:
            reporter.note(f"{shown(form)}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{bug}")
            tally.bugs += 1
        compared[form] = found or []
    _say_held(held, compared, queue, reporter)


def _say_held(held: list[Held], compared: dict[str, list], queue: list[Job], reporter: Reporter) -> None:
    """Say the warnings of the forms in ``held``, with their comparison's (``compared``, by form)
    where there is one, in the order the forms were found whatever the pool's; ``held`` is emptied."""
    if not held:
        return  # an unchanged rebuild imports nothing the build needs
    from pipeline.commands.build import with_comparison

    position = {job.form: number for number, job in enumerate(queue)}
    for kept in sorted(held, key=lambda h: position[h.form]):
        for diagnostic in with_comparison(kept.stated, kept.own, compared.get(kept.form) or []):
            reporter.note(str(diagnostic))
    held.clear()


@dataclass(frozen=True, slots=True)
class Held:
    """What is kept of a form built alone until it is compared: its warnings in parts (the form's
    and assembling's, proofreading's before and after the comparison's: build.with_comparison).

    One is kept per form until every form is built, so it is kept small: no empty lists (one
    shared empty tuple), the words every form of a campus or term repeats interned, the form's
    path held once."""

    form: str
    stated: tuple
    own: tuple
    shared: object

    @classmethod
    def of(cls, outcome: Outcome) -> "Held":
        shared = outcome.shared
        shared = replace(shared, **{name: sys.intern(getattr(shared, name))
                                    for name in ("term", "campus", "department", "previous")})
        form = shared.path if shared.path == outcome.job.form else outcome.job.form
        if shared.display == form:
            shared = replace(shared, display=form)
        before, after = outcome.own
        own = (tuple(before), tuple(after)) if before or after else _NOTHING_OWN
        return cls(form, tuple(outcome.stated), own, shared)


_NOTHING_OWN = ((), ())


def _first_pass(item):
    """A form built alone (a :class:`Job`), or only read for the index (``(root, path)``)."""
    return build_job(item) if isinstance(item, Job) else read_for_index(item)


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
          tally: Tally, landing: Landing, say: bool = True) -> None:
    """Write one outcome's document; ``say``: its warnings too (else they are said later)."""
    job = outcome.job
    if outcome.bug:
        reporter.note(f"{job.display}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{outcome.bug}")
        tally.bugs += 1
        return
    for line in (outcome.warnings if say else []) + outcome.errors:
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
    landing.land(target, outcome.docx, ledger, outcome.term, sources, who=job.display, reporter=reporter,
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
