"""The sentences of a workspace's forms, kept on disk, for proofreading across forms.

Comparing every form with every other costs N² work, and reading every form again
on each run costs N; this index makes a run cost what changed:

* One SQLite database per workspace (``outputs/.worksum-index.sqlite``) holds
  the sentences of every valid form under ``inputs/`` (and of the forms a run is
  given): where each is (field, offset, line), a hash of its content characters
  (equal hashes: the same sentence), its words, and the words it is filed under.
* :meth:`SentenceIndex.update` brings it up to date at the start of a run: a
  form whose size and modification time are those indexed is not read again; a
  new or changed form is read and segmented once; a deleted one is dropped.
  Settings that change how sentences are cut (``check.similarity``,
  ``check.min_chars``, ``words``, the index's own format) empty it.
* Near-identical sentences are found by prefix filtering: each sentence is
  filed under its rarest words, enough of them that two sentences similar
  enough must share one (:func:`prefix`). "Rarest" is by jieba's dictionary,
  not by the workspace, so filing one form never re-files the others. A
  look-up reads only the postings of those words in the forms a sentence is
  compared with (the same period at another campus; last period at the same
  campus and department), at most :data:`MAX_CANDIDATES` of them.
* A sentence found in :data:`STOCK_FORMS` forms or more, or one of the genre's
  set phrases (:data:`STOCK_PHRASES`), is a stock phrase, not a copy: it is not
  reported, nor is a sentence for being near it.

Only the process that runs a command writes the index (before any worker
starts); workers only read it. Where it cannot be written (a read-only folder,
or no outputs/ yet and a command that writes nothing there: check, preview),
the index lives in memory for the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from pipeline.workspace.reading import file_state, read_capped

INDEX_NAME = ".worksum-index.sqlite"
#: Changes whenever what the index stores changes: an index of another format is emptied.
FORMAT = 1
#: A sentence in at least this many forms is a stock phrase of the genre, not a copy.
STOCK_FORMS = 20
#: Postings read per word (and per period) when looking for a sentence's near copies.
MAX_CANDIDATES = 300
#: Look-up answers (stock or not, a form's name) a process keeps before starting afresh.
KEPT_ANSWERS = 20_000
#: A form modified this close to when it was indexed is compared by content, not by its time
#: (a file changed twice within the file system's clock tick keeps its time).
RACY_NS = 2_000_000_000
#: Set phrases of the genre, written the same in every 工作总结: never copying.
STOCK_PHRASES = (
    "现将本学期工作总结如下", "现将本学期的工作总结如下", "现将本学期工作情况总结如下",
    "现将本学年工作总结如下", "现将本学年的工作总结如下", "现将本年度工作总结如下",
    "现将一学期来的工作总结如下", "现将一年来的工作总结如下", "现将具体工作总结如下",
    "现将有关情况总结如下", "现将主要工作总结如下",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS forms(
    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
    sha TEXT NOT NULL, text_sha TEXT, indexed INTEGER NOT NULL,
    display TEXT NOT NULL, term TEXT, campus TEXT, department TEXT);
CREATE TABLE IF NOT EXISTS sentences(
    id INTEGER PRIMARY KEY, form INTEGER NOT NULL, ord INTEGER NOT NULL, field TEXT NOT NULL,
    start INTEGER NOT NULL, stop INTEGER NOT NULL, line INTEGER NOT NULL, key INTEGER NOT NULL,
    words TEXT NOT NULL, prefix TEXT NOT NULL,
    term TEXT NOT NULL, campus TEXT NOT NULL, department TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sentences_by_form ON sentences(form);
CREATE INDEX IF NOT EXISTS sentences_by_key ON sentences(key, term, campus, department);
CREATE TABLE IF NOT EXISTS postings(
    word TEXT NOT NULL, term TEXT NOT NULL, campus TEXT NOT NULL, department TEXT NOT NULL,
    sentence INTEGER NOT NULL, form INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS postings_by_word ON postings(word, term, campus, department);
CREATE INDEX IF NOT EXISTS postings_by_form ON postings(form);
CREATE TABLE IF NOT EXISTS keys(key INTEGER PRIMARY KEY, forms INTEGER NOT NULL);
"""

WORD_SEPARATOR = "\x1f"
#: The indexes that look sentences up (the schema's CREATE INDEX lines): an empty index filed with
#: at least BULK_FORMS forms makes them after the rows are in.
_LOOKUP_INDEXES = ("sentences_by_form", "sentences_by_key", "postings_by_word", "postings_by_form")
BULK_FORMS = 200


def key_hash(key: str) -> int:
    """A 64-bit hash of a sentence's content characters (SQLite's integers are signed 64-bit)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


_STOCK_KEYS = frozenset(key_hash(phrase) for phrase in STOCK_PHRASES)


def prefix(words: Iterable[str], rank: Callable[[str], int], threshold: float) -> list[str]:
    """The words a sentence is filed under: its rarest, enough that a similar sentence shares one.

    Two word sets with Dice similarity ≥ t share at least t/(2-t) of either
    set's words. With every set's words in one global order, the first
    ``len - ceil(t/(2-t)·len) + 1`` words of each must then meet (prefix
    filtering); rarer words first keep the postings short.
    """
    ordered = sorted(words, key=lambda w: (rank(w), w))
    ratio = threshold / (2 - threshold)
    must_share = -(-ratio * len(ordered) // 1)  # ceil
    return ordered[:max(1, len(ordered) - int(must_share) + 1)]


@dataclass(frozen=True)
class Filed:
    """One sentence as the index files it (its words, already cut)."""

    order: int
    field: tuple
    start: int
    stop: int
    line: int
    key: int
    words: tuple[str, ...]
    prefix: tuple[str, ...]


@dataclass
class Indexed:
    """What reading one form gives the index: its identity and sentences, or None for an invalid form."""

    path: str  # resolved
    size: int
    mtime: int
    sha: str  # of the file's bytes
    display: str
    text_sha: str | None = None  # of the text the sentences were cut from
    identity: tuple[str, str, str] | None = None  # term, campus, department
    sentences: list[Filed] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A folder name that is not UTF-8 (unzipped from a GBK archive) reaches here with
        # surrogates, which SQLite cannot store: kept with its odd bytes written as \xNN.
        self.path, self.display = storable(self.path), storable(self.display)
        if self.identity is not None:
            self.identity = tuple(storable(part) for part in self.identity)


def storable(text: str) -> str:
    """``text`` as SQLite can store it: the bytes of a non-UTF-8 file name written as \\xNN."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Peer:
    """A sentence of another form, as a look-up returns it."""

    path: str  # the form, resolved
    display: str
    term: str
    line: int
    key: int
    order: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SentenceIndex:
    """One workspace's index (see the module's description)."""

    def __init__(self, database: Path | None, signature: str, threshold: float):
        self.database = database
        #: Whether to make the database's folder (outputs/) when it is missing: only a command that
        #: writes there anyway (build) does; check and preview then keep the index in memory.
        self.make_folder = False
        self.signature = signature
        self.threshold = threshold
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._forms: dict[int, tuple[str, str, str]] = {}  # id → path, display, term
        self._stock: dict[int, bool] = {}

    # --- the connection ----------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """This process's connection: a forked worker opens its own (a connection must not cross a fork)."""
        if self._connection is None or (self._pid != os.getpid() and self.database is not None):
            self._connection = self._open()
            self._pid = os.getpid()
            self._forms.clear()
            self._stock.clear()
        return self._connection

    def _open(self) -> sqlite3.Connection:
        connection = None
        if self.database is not None and (self.make_folder or self.database.parent.is_dir()):
            try:
                self.database.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.database, timeout=60, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(_SCHEMA)
            except (OSError, sqlite3.Error):
                connection = None  # a read-only folder or a damaged file: index in memory for this run
        if connection is None:
            self.database = None
            connection = sqlite3.connect(":memory:", isolation_level=None)
            connection.executescript(_SCHEMA)
        stored = connection.execute("SELECT value FROM meta WHERE name='signature'").fetchone()
        if stored is None or stored[0] != self.signature:
            with _transaction(connection):
                for table in ("forms", "sentences", "postings", "keys", "meta"):
                    connection.execute(f"DELETE FROM {table}")
                connection.execute("INSERT INTO meta VALUES('signature', ?)", (self.signature,))
        return connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # --- keeping it current ----------------------------------------------------

    def stale(self, paths: Iterable[Path | str], states: Mapping[str, os.stat_result | None] | None = None
              ) -> tuple[list[Path], list[str]]:
        """Which of ``paths`` (resolved) must be read again, in the order of sorted Paths, and which
        indexed forms are gone. ``states``: the forms' ``os.stat`` taken earlier in this run, by path (None:
        there was no file), so a run that has just looked at every form need not look again."""
        changed, gone, _ = self._stale(paths, states)
        return changed, gone

    def _stale(self, paths: Iterable[Path | str], states: Mapping[str, os.stat_result | None] | None
               ) -> tuple[list[Path], list[str], set[str]]:
        """:meth:`stale`, and the paths the index holds that are still there.

        One query reads every form's size and times (the hash only of the few indexed within a clock
        tick of their last change); each path is one dictionary look-up when ``states`` has it."""
        states = states or {}
        connection = self.connection
        rows = {path: (size, mtime, indexed)
                for path, size, mtime, indexed in connection.execute("SELECT path, size, mtime, indexed FROM forms")}
        held = set(rows)
        changed = []
        missing = object()
        for path in paths:
            row = rows.pop(path, None)
            if row is None:  # new, or not a string, or a name that is not UTF-8 (held as storable() writes it)
                row = rows.pop(storable(str(path)), None)
            found = states.get(path, missing)
            if found is missing:
                try:
                    found = os.stat(path)
                except OSError:
                    found = None
            if found is None or row is None or found.st_size != row[0] or found.st_mtime_ns != row[1]:
                changed.append(Path(path))
            elif row[1] > row[2] - RACY_NS:  # rewritten within a clock tick of being indexed?
                recorded = connection.execute("SELECT sha FROM forms WHERE path=?", (storable(str(path)),)).fetchone()
                if recorded is None or _file_sha(path) != recorded[0]:
                    changed.append(Path(path))
        gone = list(rows)
        return sorted(changed), gone, held.difference(gone)

    def update(self, paths: Iterable[Path | str], read: Callable[[list[Path]], Iterable[Indexed]],
               states: Mapping[str, os.stat_result | None] | None = None) -> int:
        """Index ``paths`` (every form that proofreading compares with): read the new and changed
        ones with ``read``, drop the forms no longer there (``states``: see :meth:`stale`). Returns how
        many were read."""
        changed, gone, known = self._stale(paths, states)
        connection = self.connection
        if gone:
            with _transaction(connection):
                for path in gone:
                    self._drop(path)
        # Filing many forms into an empty index: its look-up indexes are made once at the end, from
        # sorted rows, instead of growing with every row (made again on next opening if interrupted).
        bulk = not known and len(changed) >= BULK_FORMS
        if bulk:
            connection.executescript("".join(f"DROP INDEX IF EXISTS {name};" for name in _LOOKUP_INDEXES))
        count = 0
        batch: list[Indexed] = []
        try:
            for indexed in read(changed):
                batch.append(indexed)
                count += 1
                if len(batch) >= 200:
                    self._store(batch, known)
                    batch = []
            if batch:
                self._store(batch, known)
        finally:
            if bulk:
                connection.executescript(_SCHEMA)
        self._forms.clear()
        self._stock.clear()
        return count

    def _drop(self, path: str) -> None:
        connection = self.connection
        row = connection.execute("SELECT id FROM forms WHERE path=?", (path,)).fetchone()
        if row is None:
            return
        form = row[0]
        keys = [k for (k,) in connection.execute("SELECT DISTINCT key FROM sentences WHERE form=?", (form,))]
        connection.executemany("UPDATE keys SET forms=forms-1 WHERE key=?", [(k,) for k in keys])
        connection.execute("DELETE FROM sentences WHERE form=?", (form,))
        connection.execute("DELETE FROM postings WHERE form=?", (form,))
        connection.execute("DELETE FROM forms WHERE id=?", (form,))

    def _store(self, batch: list[Indexed], known: set[str]) -> None:
        """File ``batch``; ``known``: the paths the index already has (their old rows are dropped)."""
        connection = self.connection
        now = time.time_ns()
        fields: dict[tuple, str] = {}  # a form has a few dozen fields: each written as JSON once
        with _transaction(connection):
            next_id = connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sentences").fetchone()[0]
            sentences, postings, keys = [], [], []
            for indexed in batch:
                if indexed.path in known:
                    self._drop(indexed.path)
                known.add(indexed.path)
                term, campus, department = indexed.identity or (None, None, None)
                cursor = connection.execute(
                    "INSERT INTO forms(path, size, mtime, sha, text_sha, indexed, display, term, campus, department)"
                    " VALUES(?,?,?,?,?,?,?,?,?,?)",
                    (indexed.path, indexed.size, indexed.mtime, indexed.sha, indexed.text_sha, now, indexed.display,
                     term, campus, department))
                form = cursor.lastrowid
                if indexed.identity is None:
                    continue
                for filed in indexed.sentences:
                    place = fields.get(filed.field)
                    if place is None:
                        place = fields[filed.field] = json.dumps(filed.field, ensure_ascii=False)
                    sentences.append((next_id, form, filed.order, place,
                                      filed.start, filed.stop, filed.line, filed.key,
                                      WORD_SEPARATOR.join(filed.words), WORD_SEPARATOR.join(filed.prefix),
                                      term, campus, department))
                    postings.extend((word, term, campus, department, next_id, form) for word in filed.prefix)
                    next_id += 1
                keys.extend((key,) for key in {filed.key for filed in indexed.sentences})
            connection.executemany("INSERT INTO sentences VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", sentences)
            connection.executemany("INSERT INTO postings VALUES(?,?,?,?,?,?)", postings)
            connection.executemany("INSERT INTO keys VALUES(?, 1) ON CONFLICT(key) DO UPDATE SET forms=forms+1", keys)

    # --- reading it ------------------------------------------------------------

    def filed(self, path: Path, text_sha: str) -> list[Filed] | None:
        """The sentences indexed for the form at ``path`` when they were cut from the text whose hash is
        ``text_sha``; None when the index has no such form (cut it instead)."""
        row = self.connection.execute("SELECT id, text_sha FROM forms WHERE path=?", (storable(str(path)),)).fetchone()
        if row is None or row[1] != text_sha:
            return None
        return [Filed(order, tuple(json.loads(place)), start, stop, line, key,
                      tuple(words.split(WORD_SEPARATOR)), tuple(prefix_.split(WORD_SEPARATOR)))
                for order, place, start, stop, line, key, words, prefix_ in self.connection.execute(
                    "SELECT ord, field, start, stop, line, key, words, prefix FROM sentences WHERE form=? ORDER BY ord",
                    (row[0],))]

    def is_stock(self, key: int) -> bool:
        """Whether the sentence with this key is a stock phrase (see the module's description)."""
        if key in _STOCK_KEYS:
            return True
        if key not in self._stock:
            if len(self._stock) >= KEPT_ANSWERS:
                self._stock.clear()  # a worker checks thousands of forms: memory stays flat
            row = self.connection.execute("SELECT forms FROM keys WHERE key=?", (key,)).fetchone()
            self._stock[key] = row is not None and row[0] >= STOCK_FORMS
        return self._stock[key]

    def similar(self, key: int, words: frozenset[str], prefix_words: Sequence[str], term: str, campus: str,
                department: str, previous: str) -> list[tuple[Peer, float]]:
        """Sentences of the forms compared with (``term`` at another campus; ``previous`` at ``campus``
        in ``department``) equal to the sentence or at least ``threshold`` similar to it, in the order
        found. Stock phrases are neither looked up nor returned."""
        from pipeline.proofread.sentences import differ_in_numbers_only, similarity

        if self.is_stock(key):
            return []
        connection = self.connection
        found: dict[int, float | None] = {}
        for (sentence,) in connection.execute(
                "SELECT id FROM sentences WHERE key=? AND term=? AND campus<>? LIMIT ?",
                (key, term, campus, MAX_CANDIDATES)):
            found[sentence] = 1.0
        for (sentence,) in connection.execute(
                "SELECT id FROM sentences WHERE key=? AND term=? AND campus=? AND department=? LIMIT ?",
                (key, previous, campus, department, MAX_CANDIDATES)):
            found[sentence] = 1.0
        examined = 0
        for word in prefix_words:
            rows = connection.execute(
                "SELECT sentence, campus FROM postings WHERE word=? AND term=? LIMIT ?",
                (word, term, MAX_CANDIDATES - examined)).fetchall()
            rows += connection.execute(
                "SELECT sentence, campus FROM postings WHERE word=? AND term=? AND campus=? AND department=? LIMIT ?",
                (word, previous, campus, department, MAX_CANDIDATES)).fetchall()
            for sentence, other_campus in rows:
                if sentence not in found:
                    found[sentence] = None  # compared below; the same campus's own forms are left out there
            examined += len(rows)
            if examined >= MAX_CANDIDATES:
                break
        if not found:
            return []
        details = {}
        ids = list(found)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            details.update((row[0], row[1:]) for row in connection.execute(
                f"SELECT id, form, ord, line, key, words, term, campus FROM sentences WHERE id IN "
                f"({','.join('?' * len(chunk))})", chunk))
        results = []
        for sentence, score in found.items():
            if sentence not in details:
                continue
            form, order, line, other_key, other_words, other_term, other_campus = details[sentence]
            if other_term == term and other_campus == campus:
                continue  # the same campus in the same period: not a comparison that is made
            if score is None:
                if self.is_stock(other_key):
                    continue
                other = frozenset(other_words.split(WORD_SEPARATOR))
                score = similarity(words, other)
                if score < self.threshold or differ_in_numbers_only(words, other):
                    continue
            path, display, _ = self._form(form)
            results.append((Peer(path, display, other_term, line, other_key, order), score))
        return results

    def _form(self, form: int) -> tuple[str, str, str]:
        if form not in self._forms:
            if len(self._forms) >= KEPT_ANSWERS:
                self._forms.clear()
            self._forms[form] = self.connection.execute(
                "SELECT path, display, term FROM forms WHERE id=?", (form,)).fetchone()
        return self._forms[form]


def _file_sha(path: Path) -> str | None:
    try:
        return sha256_of(read_capped(path, 4 * 1024 * 1024))  # never waits on a pipe named .yaml
    except OSError:
        return None


class _transaction:
    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self):
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, traceback):
        self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
