"""Sentences of a form's text: how proofreading cuts, normalises and compares them.

A prose value is cut at sentence ends (。！？；); item numbers, punctuation and
spaces are dropped for the sentence's *key* (two sentences with equal keys are
the same sentence); jieba cuts the sentence into the *words* it is compared by
(stop words and punctuation left out). Similarity is the Dice share of words two
sentences have in common.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from pipeline.form.model import Form
from pipeline.form.loader import PathKey
from pipeline.text.characters import TO_ASCII_DIGITS

# Item numbers at the start of a sentence: 1. 1、 (1) （一） 一、
NUMBERING = re.compile(r"^\s*(?:[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[)）]|[0-9０-９]{1,2}\s*[.、．]|[一二三四五六七八九十]+、)\s*")
SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")
CONTENT = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")
_NUMERIC = re.compile(r"^[0-9.%]+$")
#: Words too common to tell two sentences apart.
STOP_WORDS = frozenset("的 了 和 与 及 并 在 对 等 是 也 都 把 被 将 为 由 从 向 于 之 其 这 那 个 一 有 已 中 上 下".split())


@dataclass(frozen=True)
class Span:
    """One sentence of a prose value: where it is and its text."""

    path: PathKey
    start: int  # offsets into the raw value
    end: int
    text: str
    key: str  # content characters only: equal keys are the same sentence


def label_fields(form: Form) -> Iterator[PathKey]:
    """Values that name things: titles and items."""
    if form.title:
        yield ("title",)
    for key, override in form.headings.items():
        if override.title:
            yield ("headings", key, "title")
    for i in range(len(form.activities)):
        yield ("activities", i, "title")
    for i in range(len(form.counts)):
        yield ("counts", i, "item")


def prose_fields(form: Form) -> Iterator[PathKey]:
    """Values written as sentences."""
    for name in ("intro", "closing"):
        if getattr(form, name):
            yield (name,)
    for key, override in form.headings.items():
        if override.intro:
            yield ("headings", key, "intro")
    for i, activity in enumerate(form.activities):
        for name in ("details", "result"):
            if getattr(activity, name):
                yield ("activities", i, name)
    for i, figure in enumerate(form.counts):
        if figure.note:
            yield ("counts", i, "note")
    for i, incident in enumerate(form.incidents or []):
        yield ("incidents", i, "description")
        if incident.handling:
            yield ("incidents", i, "handling")
    for name in ("shortcomings", "plans"):
        for i in range(len(getattr(form, name))):
            yield (name, i)


def content(text: str) -> str:
    """The characters that carry words: no punctuation, spaces or item numbers."""
    return "".join(CONTENT.findall(NUMBERING.sub("", text).translate(TO_ASCII_DIGITS))).lower()


def spans(path: PathKey, value: str, min_chars: int) -> Iterator[Span]:
    """The sentences of ``value`` with at least ``min_chars`` content characters."""
    for match in SENTENCE.finditer(value):
        raw = match.group()
        start = match.start() + len(raw) - len(raw.lstrip())
        text = raw.strip()
        key = content(text)
        if len(key) >= min_chars:
            yield Span(path, start, start + len(text), text, key)


def words_of(text: str, tokenizer) -> frozenset[str]:
    """The words a sentence is compared by."""
    return frozenset(w for w in tokenizer.lcut(NUMBERING.sub("", text)) if CONTENT.search(w) and w not in STOP_WORDS)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of words two sentences have in common (Dice: 2|A∩B| / (|A|+|B|))."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def differ_in_numbers_only(a: frozenset[str], b: frozenset[str]) -> bool:
    """本学期处理报修142件 / 168件: the same frame with new figures is a new statement."""
    difference = a ^ b
    return bool(difference) and all(_NUMERIC.match(word) for word in difference)
