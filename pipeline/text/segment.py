"""Chinese word segmentation (jieba), shared by every stage that needs words.

jieba's dictionary (half a million words) takes about a second to load, so it
is loaded at most once per process, and only on the first call of
:func:`tokenizer`: commands and forms that never need words (no check runs,
no prose to compare) never pay for it. Category inference and proofreading
share the one dictionary; the words each adds (the trade's vocabulary,
config.yaml's ``words``, heading keywords) are added to it once.

A run that cuts only a few sentences (one form changed in a large workspace)
need not load it at all: a large workspace keeps the dictionary as a table
(:func:`keep_dictionary`, ``outputs/.worksum-dictionary.sqlite``), and jieba
is then given a mapping that looks each word up there as it asks for it
(:class:`StoredFrequencies`). jieba cuts by those answers alone, so the words
are the same either way. Past :data:`STORED_LOOKUPS` look-ups in a process
(many forms to cut) the whole dictionary is loaded after all.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

#: Frequency given to added words, high enough that jieba keeps them whole.
ADDED_WORD_FREQUENCY = 20000
#: Words looked up in the stored dictionary before loading the whole of it costs less: a look-up
#: costs about 15 µs and a form's sentences need a few hundred (each word is looked up once per
#: process), loading the dictionary costs about a second. So at most about 0.6 s is spent looking
#: words up before the whole dictionary is loaded after all.
STORED_LOOKUPS = 40_000
#: The stored dictionary's file, in the folder given to :func:`keep_dictionary`.
DICTIONARY_NAME = ".worksum-dictionary.sqlite"

_lock = threading.RLock()
_tokenizer = None  # the whole dictionary in memory
_stored = None  # the dictionary looked up in its table, word by word
_added: dict[str, None] = {}  # words added to the dictionary, in order
_store: Path | None = None
_write_store = False


def tokenizer(words: Iterable[str] = (), whole: bool = False):
    """The process's jieba tokenizer, with ``words`` added to its dictionary.

    The stored dictionary serves when there is one (see the module's description),
    unless ``whole``: then the dictionary is loaded (before workers fork, say).
    """
    global _tokenizer, _stored
    with _lock:
        _added.update(dict.fromkeys(sorted(set(words) - set(_added))))
        if _tokenizer is None and not whole and (_stored is not None or _store is not None):
            if _stored is None:
                _stored = _open_stored()
            if _stored is not None and _stored.FREQ.lookups < STORED_LOOKUPS:
                _add_words(_stored)
                return _stored
        if _tokenizer is None:
            jieba = _import_jieba()
            jieba.setLogLevel(logging.WARNING)
            loaded = jieba.Tokenizer()
            loaded.initialize()
            _save_store(loaded)
            _tokenizer = loaded
            _stored = None
        _add_words(_tokenizer)
        return _tokenizer


def release() -> None:
    """Let go of the whole dictionary in this process (about 60 MB); it is loaded again when next needed."""
    global _tokenizer
    with _lock:
        _tokenizer = None


def keep_dictionary(folder: Path | None, write: bool = False) -> None:
    """Look jieba's words up in the dictionary stored in ``folder`` when one is there (None: never);
    ``write``: store it there once the whole dictionary is loaded in this process (a large workspace)."""
    global _store, _write_store, _stored
    with _lock:
        if folder is None:
            _store, _stored = None, None
            return
        _store, _write_store = Path(os.path.abspath(folder)) / DICTIONARY_NAME, write  # absolute: opened by URI
        if _tokenizer is not None:
            _save_store(_tokenizer)


def _add_words(into) -> None:
    added = into.__dict__.setdefault("worksum_added", set())
    own = into.__dict__.setdefault("worksum_own", {})  # an added word's frequency in jieba's own dictionary
    for word in _added:
        if word not in added:
            own[word] = into.FREQ.get(word) or 0
            into.add_word(word, freq=ADDED_WORD_FREQUENCY)
            added.add(word)


def is_dictionary_word(word: str) -> bool:
    """Whether ``word`` is a word of jieba's own dictionary. The words worksum adds to it (which
    depend on what the process did before) do not count, so every process gives the same answer."""
    found = tokenizer()
    own = getattr(found, "worksum_own", {})
    return bool(own[word] if word in own else found.FREQ.get(word))


class StoredFrequencies(dict):
    """jieba's ``FREQ`` (word → frequency, 0 for a word's beginnings), answered from the stored
    table and remembered. jieba asks ``in``, ``[]`` and ``get``, and adds words with ``[]=``."""

    def __init__(self, connection: sqlite3.Connection):
        super().__init__()
        self._connection: sqlite3.Connection | None = connection
        self._absent: set[str] = set()
        self.lookups = 0

    def _find(self, word: str) -> int | None:
        if dict.__contains__(self, word):
            return dict.__getitem__(self, word)
        if word in self._absent or self._connection is None:
            return None
        self.lookups += 1
        try:
            row = self._connection.execute("SELECT freq FROM words WHERE word=?", (word,)).fetchone()
        except sqlite3.Error:  # the file damaged or gone mid-run: the whole dictionary, as without a store
            self._load_whole()
            return dict.get(self, word)
        if row is None:
            self._absent.add(word)
            return None
        dict.__setitem__(self, word, row[0])
        return row[0]

    def _load_whole(self) -> None:
        """Fill in every word of jieba's dictionary that this mapping has not answered yet (the
        words added and those already looked up stay as they are) and stop looking words up."""
        whole = _import_jieba().Tokenizer()
        whole.initialize()
        for word, frequency in whole.FREQ.items():
            if not dict.__contains__(self, word):
                dict.__setitem__(self, word, frequency)
        self._connection, self._absent = None, set()

    def __contains__(self, word) -> bool:
        return self._find(word) is not None

    def __getitem__(self, word) -> int:
        found = self._find(word)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word, default=None):
        found = self._find(word)
        return default if found is None else found

    def __setitem__(self, word, value) -> None:
        self._absent.discard(word)
        dict.__setitem__(self, word, value)


def _source(jieba) -> str:
    """What the stored dictionary was made from: jieba's version and its dictionary file."""
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    try:
        found = os.stat(path)
    except OSError:
        return jieba.__version__
    return f"{jieba.__version__}:{found.st_size}:{found.st_mtime_ns}"


def _open_stored():
    """A jieba tokenizer over the stored dictionary, or None when there is none (or not of this jieba)."""
    if _store is None or not _store.is_file():
        return None
    jieba = _import_jieba()
    try:
        connection = sqlite3.connect(f"{_store.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        meta = dict(connection.execute("SELECT name, value FROM meta"))
        if meta.get("source") != _source(jieba):
            connection.close()
            return None
        total = int(meta["total"])
    except (sqlite3.Error, KeyError, ValueError):
        return None
    jieba.setLogLevel(logging.WARNING)
    stored = jieba.Tokenizer()
    stored.FREQ, stored.total, stored.initialized = StoredFrequencies(connection), total, True
    return stored


def _save_store(loaded) -> None:
    """Store the freshly loaded dictionary (its own words only, before any are added), when asked to
    and it is not there yet; written to a scratch file and renamed, so a reader never sees half of it."""
    if _store is None or not _write_store or getattr(loaded, "worksum_added", None):
        return
    jieba = _import_jieba()
    source = _source(jieba)
    try:
        if _store.is_file():
            connection = sqlite3.connect(f"{_store.as_uri()}?mode=ro", uri=True)
            try:
                if dict(connection.execute("SELECT name, value FROM meta")).get("source") == source:
                    return
            finally:
                connection.close()
    except sqlite3.Error:
        pass  # damaged: written again
    scratch = None
    try:
        # Created with 0o666 so the umask applies, as to any file the run writes: reading the umask
        # would set it, and a build reads it on several threads (workspace.write keeps a lock for it).
        scratch = _store.parent / f".worksum-{os.getpid()}-{secrets.token_hex(6)}.tmp"
        os.close(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        connection = sqlite3.connect(scratch, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            connection.execute("CREATE TABLE words(word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
            connection.execute("BEGIN")
            connection.executemany("INSERT INTO words VALUES(?, ?)", sorted(loaded.FREQ.items()))
            connection.executemany("INSERT INTO meta VALUES(?, ?)", [("source", source), ("total", str(loaded.total))])
            connection.execute("COMMIT")
        finally:
            connection.close()
        os.replace(scratch, _store)
        scratch = None
    except (OSError, sqlite3.Error):
        pass  # a read-only folder: the next small run loads the whole dictionary, as without a store
    finally:
        if scratch is not None:
            try:
                os.remove(scratch)
            except OSError:
                pass


def _import_jieba():
    """jieba, imported without pkg_resources: jieba reads its data files through it when it can,
    and importing it costs half a second (more than the rest of jieba's import); without it jieba
    opens the same files beside its modules."""
    import sys

    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # an import of it raises ImportError
    try:
        import jieba  # deferred: importing and loading the dictionary costs about a second
    finally:
        if blocked and sys.modules.get("pkg_resources", False) is None:
            del sys.modules["pkg_resources"]
    return jieba


def loaded() -> bool:
    """Whether the whole dictionary has been loaded in this process (for tests and benchmarks)."""
    return _tokenizer is not None
