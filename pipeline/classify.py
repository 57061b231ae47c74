"""Place records without a ``category`` under a heading, from their words.

The record's text is cut into words with jieba, and each heading scores the
words found in its keyword list (title words count double: a title says what
the work was, details say how). The best heading wins when it clearly beats
the next; otherwise the guess is returned as *unsure*, and the caller reports
it as a warning with the record's line, so nothing is placed silently.

jieba loads its dictionary (about a second) on first use only, once per
process; commands that never infer a category never pay for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from pipeline.config import Heading

#: Words of the trade that jieba's general dictionary would cut in pieces.
DOMAIN_WORDS = (
    "三大员", "伙委会", "晨检", "午检", "留样", "六T", "保育员", "营养员", "保健医生", "炊事员",
    "食品留样", "集体备课", "听课评课", "作业检查", "教学常规", "消防演练", "疏散演练", "安全隐患",
    "财产清查", "固定资产", "账实相符", "帐实相符", "货比三家", "防溺水", "校舍", "课桌凳", "课桌椅",
    "教研组", "备课组", "公开课", "学籍", "考务", "监考", "阅卷", "门卫", "保安", "水电工",
)

#: The winner must score at least this many times the runner-up to be "sure".
SURE_RATIO = 1.5
TITLE_WEIGHT = 2.0


@dataclass(frozen=True)
class Inference:
    """A heading chosen for a record; ``sure`` is False when it was a close call."""

    key: str
    sure: bool
    runner_up: str | None = None
    score: float = 0.0


class Classifier:
    """Scores records against the headings' keyword lists."""

    def __init__(self, headings: Iterable[Heading], words: Iterable[str] = ()):
        self.headings = [h for h in headings if h.key != "shortcomings" and h.keywords]
        self.keywords = {h.key: frozenset(h.keywords) for h in self.headings}
        extra = set(words) | set(DOMAIN_WORDS)
        for heading in self.headings:
            extra.update(heading.keywords)
        self._tokenizer = _tokenizer(frozenset(extra))

    def tokens(self, text: str) -> list[str]:
        # Search mode also yields the parts of long words: 财产清查 → 财产, 清查, 财产清查.
        return [t for t in self._tokenizer.lcut_for_search(text) if t.strip()]

    def infer(self, title: str, *texts: str | None, default: str = "duties") -> Inference:
        """The heading for a record with ``title`` and further ``texts`` (details, result)."""
        scores = {h.key: 0.0 for h in self.headings}
        for weight, text in [(TITLE_WEIGHT, title), *((1.0, t) for t in texts if t)]:
            for token in self.tokens(text):
                for key, keywords in self.keywords.items():
                    if token in keywords:
                        scores[key] += weight
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] == 0:
            return Inference(default, sure=False)
        (best, top), (second, runner) = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        sure = top >= SURE_RATIO * runner and top > runner
        return Inference(best, sure=sure, runner_up=second if runner else None, score=top)


@lru_cache(maxsize=4)
def _tokenizer(words: frozenset[str]):
    """A jieba tokenizer with ``words`` added; built once per process and word set."""
    import jieba  # deferred: importing and loading the dictionary costs about a second

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in sorted(words):
        tokenizer.add_word(word, freq=20000)
    return tokenizer
