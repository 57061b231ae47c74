"""Chinese word segmentation (jieba), shared by every stage that needs words.

jieba's dictionary takes about a second to load, so it is loaded at most once
per process, and only on the first call of :func:`tokenizer`: commands and
forms that never need words (every record has a ``category``, no check runs)
never pay for it. Category inference and proofreading share the one
dictionary; the words each adds (the trade's vocabulary, config.yaml's
``words``, heading keywords) are added to it once.
"""

from __future__ import annotations

import logging
import threading
from typing import Iterable

#: Frequency given to added words, high enough that jieba keeps them whole.
ADDED_WORD_FREQUENCY = 20000

_lock = threading.Lock()
_tokenizer = None
_added: set[str] = set()


def tokenizer(words: Iterable[str] = ()):
    """The process's jieba tokenizer, with ``words`` added to its dictionary."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba = _import_jieba()

            jieba.setLogLevel(logging.WARNING)
            loaded = jieba.Tokenizer()
            loaded.initialize()
            _tokenizer = loaded
        new = set(words) - _added
        for word in sorted(new):
            _tokenizer.add_word(word, freq=ADDED_WORD_FREQUENCY)
        _added.update(new)
        return _tokenizer


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
    """Whether the dictionary has been loaded in this process (for tests and benchmarks)."""
    return _tokenizer is not None
