"""The manifest: what was built from what, so unchanged work is skipped and edits are kept.

One SQLite database per workspace, ``outputs/.worksum-manifest.sqlite``, holds a
row for every document written (:data:`_SCHEMA`): the output's path, its term,
the SHA-256 of every source it was built from (its form first, then the
previous period's form that :mod:`pipeline.form.history` read figures from, or
the place it looked when there was none: ``absent``; a roll-up, the folders of
forms it read) with each file's size and modification time, a fingerprint of
what else shaped it (the templates and layout profiles in use, config.yaml, the
tool's version and code) and the SHA-256 of the bytes written (and of the PDF
beside it).

Two questions are answered from it without importing any heavy library:

* *Is this output up to date?* The sources' bytes, the fingerprint and the
  output's existence match the record: skip it (:meth:`Ledger.up_to_date`).
  One query gives every form's row made with today's fingerprint; a source
  whose size and modification time are those recorded is not read again (its
  time must be older than the record by :data:`RACY_NS`, since a file
  rewritten within one tick of the clock keeps its time); any other is
  hashed, and the hash decides.
* *Did someone edit this output?* Its bytes on disk no longer hash to what was
  written: keep the edited file as a backup before replacing it (:func:`land`).

Recording a document reads and writes its own row only, so a run costs what it
built. Rows are written in a transaction committed at intervals and at the end
(:meth:`Ledger.save`), after the documents they describe are on disk: a run
killed at any point leaves the database describing files that exist. If it
lags behind (killed between writing a document and committing), the next run
compares the file with the bytes it would write before calling it edited, so
no false backups.

Earlier versions kept one JSON file per term (``outputs/<term>/.worksum-manifest.json``):
the first run that finds no database reads them once into a new one
(:func:`load_legacy`, which keeps only well-formed entries naming a document in
``outputs/``) and removes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import sqlite3
import time
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath

from pipeline.workspace.discovery import FORM_SUFFIXES
from pipeline.workspace.outputs import OUTPUTS_FOLDER, outputs_folder
from pipeline.workspace.reading import file_state, read_capped  # noqa: F401 - file_state: for batch
from pipeline.workspace.write import describe, write_atomic

#: The workspace's manifest, in outputs/.
MANIFEST_NAME = ".worksum-manifest.sqlite"
#: What earlier versions kept in each term's folder of outputs/ (read once, then removed): the manifest,
#: and the file that stood for it in an unchanged rebuild.
LEGACY_NAME = ".worksum-manifest.json"
LEGACY_QUICK_NAME = ".worksum-manifest.quick"
#: The database's ``user_version``: a database of another format is set aside.
FORMAT = 1
LEGACY_FORMAT = 1
#: A file's size and modification time stand for its bytes only when it was last modified
#: this long before it was recorded (nanoseconds).
RACY_NS = 2_000_000_000
#: What the manifest records for a source that does not exist (a previous period's form not yet there).
ABSENT = "absent"
#: A legacy manifest is a few hundred bytes per document; one past this is not ours.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: The largest output kept as an edited copy before it is replaced (a .docx or PDF is a few MB).
MAX_KEPT_BYTES = 1024 * 1024 * 1024
TEMPLATE_SUFFIXES = (".j2", ".yaml")  # templates, and layout profiles (templates/<name>.profile.yaml)
#: What an output may be: a document, or the figures' workbook beside a roll-up.
OUTPUT_SUFFIXES = (".docx", ".xlsx")

#: ``sources``: marshal of ((source, sha256, size, mtime ns), ...), the form first; size and time -1 where
#: none was recorded (a file changed too recently, a folder). A source ending in / is a folder of forms.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries(
    output TEXT PRIMARY KEY,
    term TEXT NOT NULL,
    kind TEXT NOT NULL,
    form TEXT,
    templates TEXT NOT NULL,
    config TEXT NOT NULL,
    tool TEXT NOT NULL,
    docx_sha256 TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    built TEXT NOT NULL,
    sources BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_form ON entries(form);
"""
#: A source not yet looked at in this run (its state may be None: no file).
_UNSEEN = object()
_COLUMNS = "output, term, kind, form, templates, config, tool, docx_sha256, pdf_sha256, built, sources"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The file's hash, or None when it cannot be read (the build will say why): never
    waits on a pipe or reads a device (:func:`pipeline.workspace.reading.read_capped`)."""
    return _hash(path)


def _hash(path: Path) -> str | None:
    try:
        return sha256(read_capped(path, MAX_SOURCE_BYTES))
    except OSError:
        return None


#: The largest source hashed: the loader refuses forms past 2 MB (pipeline.form.loader.MAX_BYTES).
MAX_SOURCE_BYTES = 4 * 1024 * 1024


# --- fingerprint -----------------------------------------------------------

@dataclass(frozen=True)
class Fingerprint:
    """What shapes every document of a workspace besides its forms."""

    templates: str
    config: str
    tool: str


def template_folders(root: Path | None) -> list[Path]:
    """Every folder a template may come from: the workspace's templates/ and the built-in
    sets (all of them, whichever set a department uses; see :mod:`pipeline.workspace.templatesets`)."""
    from pipeline.workspace.templatesets import builtin_sets

    folders = [root / "templates"] if root else []
    folders.append(builtin_sets())
    return [f for f in folders if f.is_dir()]


def _tree_sha256(folders: list[Path], suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for number, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file()):
            digest.update(f"{number}/{path.relative_to(folder).as_posix()}\0".encode("utf-8", "surrogateescape"))
            digest.update((_hash(path) or "unreadable").encode())  # never waits on a pipe
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str:
    """A hash of every form in ``folder`` (names and bytes); "absent" when there is no folder."""
    return _tree_sha256([folder], FORM_SUFFIXES) if folder.is_dir() else "absent"


def tool_version() -> str:
    """The version plus a hash of the code, so a changed pipeline never reuses old outputs."""
    from pipeline import HOME, __version__

    # code, built-in profiles and the classifier's learned model: each changes what a document says
    return f"{__version__}+{_tree_sha256([HOME], ('.py', '.yaml', '.json'))[:12]}"


def fingerprint(root: Path | None) -> Fingerprint:
    config = (root / "config.yaml") if root else None
    config_hash = file_sha256(config) if config and config.is_file() else None
    return Fingerprint(templates=_tree_sha256(template_folders(root), TEMPLATE_SUFFIXES),
                       config=config_hash or "none", tool=tool_version())


# --- the manifest ----------------------------------------------------------

@dataclass
class Entry:
    """One output and what it was built from. Paths are relative to the workspace, with /."""

    output: str
    forms: dict[str, str]  # source → SHA-256: a form's bytes, or a folder's forms (key ends in /)
    templates: str
    config: str
    tool: str
    docx_sha256: str
    kind: str = "form"  # "form" or "rollup"
    built: str = ""  # when, local time, for people reading the record
    stats: dict[str, list[int]] = field(default_factory=dict)  # file source → [size, mtime ns] when hashed
    pdf_sha256: str = ""  # of the PDF written beside the output (build --pdf), if any

    def made_by(self, forms: dict[str, str], print_: Fingerprint) -> bool:
        return (self.forms == forms and self.templates == print_.templates
                and self.config == print_.config and self.tool == print_.tool)


class Ledger:
    """The manifest of one workspace (see the module's description), opened on first use.

    Used by the process that runs a command, in its main thread, while it holds the
    workspace's lock (:mod:`pipeline.workspace.lock`).
    """

    def __init__(self, root: Path | None, listed=None):
        #: Folders this run listed (:class:`pipeline.workspace.discovery.Listed`): a source missing from
        #: its folder's listing is absent without a look at the disk (last period's workbook, mostly).
        self.listed = listed
        self.root = Path(os.path.abspath(root or Path.cwd()))
        self._prefix = os.path.join(str(self.root), "")  # the root with a separator at its end
        self.outputs = outputs_folder(self.root)
        self.database = self.outputs / MANIFEST_NAME
        self.warnings: list[str] = []
        self._connection: sqlite3.Connection | None = None
        self._opened = False  # looked for the database (None above: there was none)
        self._writing = False  # a transaction is open: committed by save()
        #: Why the records of this run cannot be kept (said once, by save()): they are kept in memory.
        self._unsaved: str | None = None
        #: Every form's (output, sources) recorded with today's fingerprint, by form: what an unchanged
        #: rebuild asks (read in one query when first asked; None again once a document is recorded).
        self._plan: dict[str, tuple] | None = None
        self._fingerprint: Fingerprint | None = None
        self._workspace_root = root
        self._folder_hashes: dict[str, str] = {}  # computed once per run
        self._missing_folders: dict[str, bool] = {}  # folder → whether it is missing, asked once per run
        self._states: dict[str, os.stat_result | None] = {}  # sources' states, each taken once per run

    @property
    def fingerprint(self) -> Fingerprint:
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self._workspace_root)
        return self._fingerprint

    # --- the database ---------------------------------------------------------

    def _db(self, create: bool = False) -> sqlite3.Connection | None:
        """The connection; None when nothing was ever recorded here and ``create`` is not asked."""
        if self._connection is None and (create or not self._opened):
            self._opened = True
            self._connection = self._open(create)
        return self._connection

    def _open(self, create: bool) -> sqlite3.Connection | None:
        path = str(self.database)
        if not os.path.lexists(path):
            legacy = self._legacy()
            if not (create or legacy):
                return None
            try:  # WAL files left by a database deleted by hand: never replayed
                _remove_database(path)
            except OSError:
                pass
        try:
            return self._connect(path)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                return self._in_memory(exc)
            self.warnings.append(_unreadable(self.database))
        try:  # damaged, or another format: set aside, and a new one made
            _remove_database(path)
            return self._connect(path)
        except (OSError, sqlite3.Error) as exc:
            return self._in_memory(exc)

    def _connect(self, path: str) -> sqlite3.Connection:
        """The database at ``path``, made (and the legacy manifests read into it) if new."""
        if not os.path.lexists(path):
            self.outputs.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:  # new (or made by a run killed before its first commit)
                connection.execute("PRAGMA journal_mode=WAL")
                self._create(connection)
            elif version != FORMAT:
                raise sqlite3.DatabaseError(f"format {version}")
            else:
                connection.execute("SELECT 1 FROM entries LIMIT 1").fetchall()
            connection.execute("PRAGMA synchronous=NORMAL")  # committed rows survive a killed process
        except BaseException:
            connection.close()
            raise
        return connection

    def _create(self, connection: sqlite3.Connection) -> None:
        """Make the tables and fill them from the legacy manifests, in one transaction, then remove those."""
        legacy = self._legacy()
        connection.execute("BEGIN IMMEDIATE")
        try:
            _make_tables(connection)
            for path in legacy:
                entries, warning = load_legacy(path)
                if warning:
                    self.warnings.append(warning)
                connection.executemany(f"INSERT OR REPLACE INTO entries({_COLUMNS}) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                                       [_row(path.parent.name, entry) for entry in entries])
            connection.execute(f"PRAGMA user_version={FORMAT}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        for path in legacy:  # read into the database: no longer the judge, nor left to mislead
            for name in (path, path.with_name(LEGACY_QUICK_NAME)):
                try:
                    name.unlink()
                except OSError:
                    pass

    def _legacy(self) -> list[Path]:
        """The JSON manifests of earlier versions, one per term, in term order."""
        try:
            return sorted(self.outputs.glob(f"*/{LEGACY_NAME}"))
        except OSError:
            return []

    def _in_memory(self, exc: BaseException) -> sqlite3.Connection:
        """A database for this run only, when the file cannot be opened or made (said once, by save())."""
        self._unsaved = _why(exc, self.database)
        connection = sqlite3.connect(":memory:", isolation_level=None)
        _make_tables(connection)
        return connection

    def _query(self, sql: str, arguments: tuple = ()) -> list[tuple]:
        """The rows of a read; none when nothing is recorded. A database found damaged here is set aside."""
        connection = self._db()
        if connection is None:
            return []
        try:
            return connection.execute(sql, arguments).fetchall()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                raise
            self._set_aside()
            return []

    def _set_aside(self) -> None:
        """The database turned out damaged mid-run: said, and replaced by a new one."""
        self.warnings.append(_unreadable(self.database))
        if self._connection is not None:
            self._connection.close()
        self._connection, self._writing = None, False
        path = str(self.database)
        try:
            _remove_database(path)
            self._connection = self._connect(path)
        except (OSError, sqlite3.Error) as exc:
            self._connection = self._in_memory(exc)

    def _write(self, sql: str, arguments: tuple) -> None:
        """One change, in the transaction :meth:`save` commits."""
        connection = self._db(create=True)
        if not self._writing:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                    self._connection = connection = self._in_memory(exc)
                else:
                    self._set_aside()
                    connection = self._connection
                connection.execute("BEGIN IMMEDIATE")
            self._writing = True
        connection.execute(sql, arguments)

    def save(self) -> list[str]:
        """Commit what this run recorded; returns what could not be saved, as messages (each said once)."""
        problems = []
        if self._writing:
            self._writing = False
            try:
                self._connection.execute("COMMIT")
            except sqlite3.Error as exc:
                try:
                    self._connection.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                self._connection = self._in_memory(exc)  # the rest of the run is not recorded either
        if self._connection is not None and self._unsaved is None:
            # Closed between saves: the file is whole on disk (its log folded in), and no connection
            # outlives the run (a later one in this process, or the file replaced, would meet it).
            self._connection.close()
            self._connection, self._opened = None, False
        if self._unsaved:
            problems.append(f"{self.database}: 错误: 无法保存生成记录（manifest）：{self._unsaved}；"
                            f"已生成的文档不受影响，下次运行会重新生成它们")
            self._unsaved = ""  # said once; this run's records stay in memory
        return problems

    # --- the questions ------------------------------------------------------------

    @property
    def prefix(self) -> str:
        """The workspace's root, absolute, with a separator at its end."""
        return self._prefix

    def relative(self, path: Path) -> str:
        """``path`` as the manifest writes it: relative to the workspace when inside it.

        String operations, not pathlib: an unchanged rebuild asks this of every form."""
        absolute = os.path.abspath(path)
        inside = absolute.startswith(self._prefix)
        text = absolute[len(self._prefix):] if inside else absolute
        return text.replace(os.sep, "/") if os.sep != "/" else text

    def source_key(self, path: Path, folder: bool = False) -> str:
        return self.relative(path) + ("/" if folder else "")

    def _current(self, key: str) -> str:
        """The hash of the source ``key`` now (a folder's forms, each folder once per run)."""
        if key.endswith("/"):
            if key not in self._folder_hashes:
                self._folder_hashes[key] = folder_sha256(self.root / key)
            return self._folder_hashes[key]
        path = os.path.join(self._prefix, key)
        return (file_sha256(Path(path)) or ABSENT) if self._state(path) is not None else ABSENT

    def up_to_date(self, form: Path | str, absolute: bool = False) -> str | None:
        """The output (relative to the workspace) that makes building ``form`` unnecessary, if there is one:
        its row was made with today's fingerprint, every source is as recorded (a source whose size and
        time are those recorded is not read) and the output exists. ``absolute``: ``form`` is a string
        already absolute and normalised (as a batch makes it once per form).

        An unchanged rebuild asks this of every form: it reads the rows once (:meth:`_read_plan`), and
        each file's size and time once."""
        plan = self._plan
        if plan is None:
            plan = self._plan = self._read_plan()
        if absolute and os.sep == "/":
            key = form.removeprefix(self._prefix)
        else:
            key = self.relative(form)
        item = plan.get(key)
        if item is None:
            return None
        output, sources = item
        prefix, states = self._prefix, self._states
        try:
            for source, recorded, size, mtime in sources:
                if source.endswith("/"):
                    if not _safe_source(source) or self._current(source) != recorded:
                        return None
                    continue
                # os.path.join(prefix, source): a source may be absolute (a form outside the workspace)
                path = source if source[:1] == "/" or source[1:2] == ":" else prefix + source
                found = states.get(path, _UNSEEN)
                if found is _UNSEEN:
                    found = self._state(path)
                if found is None:
                    if recorded != ABSENT:
                        return None
                elif (size != found.st_size or mtime != found.st_mtime_ns) and file_sha256(Path(path)) != recorded:
                    return None
        except (TypeError, ValueError, AttributeError):  # a row not as record() writes it
            return None
        if type(output) is not str or not _inside_outputs(output) or not os.path.isfile(prefix + output):
            return None
        return output

    def _read_plan(self) -> dict[str, tuple]:
        """Every form's (output, sources) recorded with today's fingerprint, by form, in one query; their
        shape is checked where they are used (:meth:`up_to_date`)."""
        print_ = self.fingerprint
        plan = {}
        loads = marshal.loads
        for output, blob in self._query("SELECT output, sources FROM entries WHERE kind='form' AND templates=? "
                                        "AND config=? AND tool=?", (print_.templates, print_.config, print_.tool)):
            try:
                sources = loads(blob)
                form = sources[0][0]  # a form's own first
            except (TypeError, ValueError, EOFError, IndexError, KeyError):
                continue
            if type(form) is str and not form.endswith("/"):
                plan[form] = (output, sources)
        return plan

    @property
    def states(self) -> dict[str, os.stat_result | None]:
        """The sources' ``os.stat`` taken this run while planning (None: no file), by absolute path."""
        return self._states

    def _state(self, path: str) -> os.stat_result | None:
        """``os.stat(path)``, None when there is none; each path once per run (last period's form is
        also a form of the workspace)."""
        if path in self._states:
            return self._states[path]
        folder, _, name = path.rpartition(os.sep)
        listed = self.listed
        try:
            if listed is not None and listed.listed(folder or os.sep):  # the folder is there, as listed
                found = None if listed.absent(folder or os.sep, name) else os.stat(path)
            else:
                found = None if self._missing_folder(path) else os.stat(path)
        except OSError:
            found = None
        self._states[path] = found
        return found

    def _missing_folder(self, path: str) -> bool:
        """Whether the folder of ``path`` is known, in this run, not to exist: last period's forms are
        looked for in a folder that is often not there, once for every form of the period after."""
        return self._missing(path.rpartition(os.sep)[0] or os.sep)  # os.path.dirname, without a trailing separator

    def _missing(self, folder: str, above: int = 1) -> bool:
        """Whether ``folder`` is not there, asked once per run: a folder missing from its parent's listing
        (:attr:`listed`), or below such a folder (``above`` levels up), is not looked for."""
        missing = self._missing_folders.get(folder)
        if missing is None:
            parent, _, name = folder.rpartition(os.sep)
            parent = parent or os.sep
            listed = self.listed
            if listed is not None and listed.listed(parent):
                missing = listed.absent(parent, name) or not os.path.isdir(folder)
            elif listed is not None and above and parent != folder and self._missing(parent, above - 1):
                missing = True
            else:
                missing = not os.path.isdir(folder)
            self._missing_folders[folder] = missing
        return missing

    def folder_hash(self, folder: Path) -> str:
        return self._current(self.source_key(folder, folder=True)) or "absent"

    def recorded(self, output: Path) -> Entry | None:
        """The entry of ``output``, if one is recorded."""
        rows = self._query(f"SELECT {_COLUMNS} FROM entries WHERE output=?", (self.relative(output),))
        return _entry_of(rows[0]) if rows else None

    def entries(self) -> dict[str, Entry]:
        """Every entry, by output (for people and tests; a run asks for what it needs)."""
        found = (_entry_of(row) for row in self._query(f"SELECT {_COLUMNS} FROM entries ORDER BY output"))
        return {entry.output: entry for entry in found if entry is not None}

    # --- recording -------------------------------------------------------------------

    def record(self, term: str, output: Path, forms: dict[Path, str], docx: bytes, kind: str = "form",
               folders: tuple[Path, ...] = (), states: dict[Path, tuple[int, int] | None] | None = None) -> None:
        """Note that ``output`` now holds ``docx``, built from ``forms`` (path → hash; a form's own
        first) and whatever forms ``folders`` hold. ``states``: each file's (size, mtime ns) taken
        before it was hashed, so an unchanged rebuild need not hash it again."""
        self._plan = None  # asked again, it is read again
        key = self.relative(output)
        print_ = self.fingerprint
        sources = {self.relative(p): h for p, h in forms.items()}
        sources.update({self.source_key(f, folder=True): self.folder_hash(f) for f in folders})
        settled = time.time_ns() - RACY_NS
        stats = {self.relative(p): list(state) for p, state in (states or {}).items()
                 if state is not None and state[1] < settled}
        entry = Entry(output=key, forms=sources,
                      templates=print_.templates, config=print_.config, tool=print_.tool,
                      docx_sha256=sha256(docx), kind=kind,
                      built=dt.datetime.now().isoformat(timespec="seconds"), stats=stats)
        row = _row(term, entry)
        if row[3] is not None:  # the form's document moved (new title): the old file stays, unrecorded
            self._write("DELETE FROM entries WHERE form=? AND kind='form' AND output<>?", (row[3], key))
        self._write(f"INSERT OR REPLACE INTO entries({_COLUMNS}) VALUES(?,?,?,?,?,?,?,?,?,?,?)", row)

    def record_pdf(self, output: Path, pdf: bytes) -> None:
        """Note the PDF written beside ``output`` (an output the manifest knows)."""
        self._write("UPDATE entries SET pdf_sha256=? WHERE output=?", (sha256(pdf), self.relative(output)))


def _make_tables(connection: sqlite3.Connection) -> None:
    """The schema, statement by statement: executescript would commit the caller's open transaction."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)


def _remove_database(path: str) -> None:
    """The database file at ``path`` and its WAL files, those that exist."""
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.lexists(name):
            os.unlink(name)


def _row(term: str, entry: Entry) -> tuple:
    """``entry`` as a row of ``entries`` (in the order of :data:`_COLUMNS`)."""
    sources = tuple((source, sha, *entry.stats.get(source, (-1, -1))) for source, sha in entry.forms.items())
    form = _form_in(sources) if entry.kind == "form" else None
    return (entry.output, term, entry.kind, form, entry.templates, entry.config, entry.tool, entry.docx_sha256,
            entry.pdf_sha256, entry.built, marshal.dumps(sources))


def _entry_of(row: tuple) -> Entry | None:
    """A row of ``entries`` as an :class:`Entry`, if it is as :meth:`Ledger.record` writes one."""
    output, _term, kind, _form, templates, config, tool, docx_sha256, pdf_sha256, built, blob = row
    sources = _sources(blob)
    if sources is None or type(output) is not str or not _inside_outputs(output):
        return None
    texts = (kind, templates, config, tool, docx_sha256, pdf_sha256, built)
    if not all(type(text) is str for text in texts):
        return None
    return Entry(output=output, forms={source: sha for source, sha, _, _ in sources}, templates=templates,
                 config=config, tool=tool, docx_sha256=docx_sha256, kind=kind, built=built,
                 stats={source: [size, mtime] for source, _, size, mtime in sources if size >= 0},
                 pdf_sha256=pdf_sha256)


def _sources(blob: object) -> tuple | None:
    """A row's sources, if they have the shape :func:`_row` gives them (and no folder outside the workspace)."""
    try:
        sources = marshal.loads(blob)
    except (TypeError, ValueError, EOFError):
        return None
    if type(sources) is not tuple:
        return None
    for source in sources:
        if (type(source) is not tuple or len(source) != 4 or type(source[0]) is not str or type(source[1]) is not str
                or type(source[2]) is not int or type(source[3]) is not int or not _safe_source(source[0])):
            return None
    return sources


def _form_in(sources: tuple) -> str | None:
    """The form a form's entry was built from (its first source that is a file)."""
    return next((source[0] for source in sources if not source[0].endswith("/")), None)


def _damaged(exc: sqlite3.OperationalError) -> bool:
    """Whether an error opening or reading the database says its contents are not what they should be
    (a file that is no database, a table missing) rather than that it cannot be opened."""
    text = str(exc)
    return "no such table" in text or "no such column" in text or "malformed" in text


def _why(exc: BaseException, path: Path) -> str:
    """What keeps the manifest from being written, in Chinese (as :func:`describe` says it of a file)."""
    if isinstance(exc, OSError):
        return describe(exc)
    text = str(exc)
    if "full" in text:
        return "磁盘空间不足，请清理后重新生成"
    if "readonly" in text or "read-only" in text:
        return "磁盘或文件夹是只读的"
    if os.path.isdir(path):
        return "输出路径是一个文件夹"
    if "locked" in text or "busy" in text:
        return "文件正被其他程序占用，请关闭后重新生成"
    return f"没有写入权限，或文件已损坏（{text}）"


def _unreadable(path: Path, partly: bool = False) -> str:
    what = "有些记录无法读取，已忽略这些记录" if partly else "无法读取，已忽略"
    return f"{path}: 警告: 生成记录（manifest）{what}；本次将重新生成，修改过的文档会另存备份"


# --- the JSON manifests of earlier versions ----------------------------------------------

_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))


def load_legacy(path: Path) -> tuple[list[Entry], str | None]:
    """The entries of an earlier version's manifest at ``path``, and a warning if it was unreadable.

    Whatever the file holds, only well-formed entries naming a document inside
    ``outputs/`` are kept: the manifest decides what is read and overwritten, so
    one edited by hand or by another program must not point anywhere else.
    """
    import json

    try:
        raw = read_capped(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        return [], None
    except OSError:
        return [], _unreadable(path)
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != LEGACY_FORMAT or not isinstance(data.get("outputs"), list):
            raise ValueError("unknown format")
        entries = [_entry(e) for e in data["outputs"]]
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        return [], _unreadable(path)
    kept = [entry for entry in entries if entry is not None]
    return kept, (_unreadable(path, partly=True) if len(kept) < len(entries) else None)


def _entry(data: object) -> Entry | None:
    """``data`` as an :class:`Entry` if it has the shape of one and names a document in outputs/."""
    if type(data) is not dict or not data.keys() <= _ENTRY_FIELDS:
        return None
    for name, value in data.items():
        if type(value) is not str and name != "forms" and name != "stats":
            return None
    forms, stats = data.get("forms"), data.get("stats", {})
    if type(forms) is not dict:
        return None
    for source, sha in forms.items():
        if type(source) is not str or type(sha) is not str:
            return None
    if type(stats) is not dict:
        return None
    for state in stats.values():
        if type(state) is not list or len(state) != 2 or type(state[0]) is not int or type(state[1]) is not int:
            return None
    try:
        entry = Entry(**data)
    except TypeError:  # a field missing
        return None
    if not _inside_outputs(entry.output) or not all(map(_safe_source, entry.forms)):
        return None
    return entry


def _inside_outputs(output: str) -> bool:
    if output.startswith("/"):
        return False  # absolute
    parts = [part for part in output.split("/") if part and part != "."]  # as PurePosixPath(output).parts
    return (len(parts) >= 2 and parts[0] == OUTPUTS_FOLDER and ".." not in parts and "\\" not in output
            and output.endswith(OUTPUT_SUFFIXES))


def _safe_source(source: str) -> bool:
    """A form may lie anywhere (it is only hashed, through read_capped); a folder of forms,
    which is walked, only inside the workspace (a folder "/" would walk the whole disk)."""
    if not source.endswith("/"):
        return bool(source)
    parts = PurePosixPath(source).parts
    return bool(parts) and not PurePosixPath(source).is_absolute() and ".." not in parts and ":" not in parts[0]


# --- landing an output -----------------------------------------------------

@dataclass(frozen=True)
class Landed:
    """What happened when an output was written."""

    path: Path
    backup: Path | None = None  # where an edited earlier version was kept

    def notice(self, shown_path: str, noun: str = "文档") -> str:
        """The warning to print when an edited version was kept (``shown_path``: the target as
        shown; ``noun``: what it is, 文档 or 汇总)."""
        return (f"{shown_path}: 警告: 这份{noun}生成后被修改过，修改后的版本已另存为 "
                f"{self.backup.name}（同一文件夹），原位置写入了新生成的{noun}")


def land(target: Path, data: bytes, recorded: Entry | None) -> Landed:
    """Write ``data`` to ``target`` atomically, keeping an edited earlier version.

    The file on disk counts as edited when its bytes differ both from what the
    manifest says was written there and from ``data``. A file the manifest does
    not know counts as edited unless worksum made it and nothing has changed it
    since (:func:`~pipeline.layout.parts.made_by_worksum`): it may be someone's
    own work. An edited file is first copied to ``<name>.edited-<its mtime>.docx`` beside it.
    """
    def ours(current: bytes) -> bool:
        from pipeline.layout.parts import made_by_worksum  # here: an unchanged rebuild never imports layout

        return made_by_worksum(current)

    return _land(target, data, recorded.docx_sha256 if recorded else None, ours)


def land_pdf(target: Path, data: bytes, recorded: Entry | None) -> Landed:
    """:func:`land` for the PDF beside a document: a PDF someone signed, stamped or
    replaced since worksum wrote it is kept as ``<name>.edited-<its mtime>.pdf``.

    Without a record, a PDF counts as worksum's when LibreOffice made it and no
    other program has added to it (signing and stamping append to a PDF).
    """
    return _land(target, data, recorded.pdf_sha256 if recorded and recorded.pdf_sha256 else None,
                 made_by_libreoffice)


def _land(target: Path, data: bytes, recorded_sha: str | None, ours) -> Landed:
    backup = None
    try:
        current = read_capped(target, MAX_KEPT_BYTES)
    except FileNotFoundError:
        current = None
    if current is not None and current != data:
        edited = sha256(current) != recorded_sha if recorded_sha else not ours(current)
        if edited:
            backup = _backup_name(target)
            write_atomic(backup, current)
            mtime = target.stat().st_mtime
            os.utime(backup, (mtime, mtime))
    write_atomic(target, data)
    return Landed(target, backup)


def made_by_libreoffice(pdf: bytes) -> bool:
    """Whether ``pdf`` is as LibreOffice exports it: its producer, and saved once (signing
    or stamping a PDF appends an update to it, with a second end-of-file mark)."""
    return any(producer in pdf for producer in _LIBREOFFICE) and pdf.count(b"%%EOF") == 1


# The producer LibreOffice writes, as a UTF-16 hex string or as plain text.
_LIBREOFFICE = (b"/Producer<FEFF004C0069006200720065004F0066006600690063006500", b"/Producer(LibreOffice")


def _backup_name(target: Path) -> Path:
    stamp = dt.datetime.fromtimestamp(target.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}.edited-{stamp}{target.suffix}")
    number = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}.edited-{stamp}-{number}{target.suffix}")
        number += 1
    return candidate
