"""Proofreading: what would embarrass a department head, found before the summary goes up.

The stage reads validated forms together with where their text came from (a
:class:`Checked`: the :class:`~pipeline.form.model.Form` and its
:class:`~pipeline.form.loader.Loaded`) and returns warnings (:class:`Issue`), each at
the line and column of the offending characters and quoting them. It never
changes a form; safe punctuation repairs travel with their issue as edits, for
``worksum check --fix`` (:mod:`pipeline.proofread.repair`) to apply.

What it looks for:

* punctuation in every text value (rules in :mod:`pipeline.text.punctuation`);
* within a form: a sentence written twice, exactly or nearly (the share of
  jieba words two sentences have in common, ``check.similarity`` in
  config.yaml; sentences shorter than ``check.min_chars`` are not compared),
  and a record listed twice (activity title, figure item, shortcoming, plan);
* a sentence that another campus's form of the same period also has (copied);
* a sentence the same campus's form of the previous period already had
  (last year's text handed in again);
* a heading with only one short record, a heading reworded in ``headings:``
  with nothing under it, 不足 without 打算 (or the other way round);
* a figure stated in the text that contradicts the form's ``counts`` — only
  where a sentence names every word of the item and states exactly one number
  with the figure's unit, and no comparison (较、比、由…) blurs which figure it is.

Comparing sentences across forms goes through the workspace's sentence index
(:mod:`pipeline.proofread.corpus`): kept on disk, brought up to date with what
changed (:meth:`Proofreader.prepare`), and looked up for the few sentences that
share words with each of a form's sentences, so checking a form costs the same
in a workspace of ten forms or ten thousand. Stock phrases of the genre are not
reported as copied.
"""

from __future__ import annotations

import datetime as dt
import os

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from pipeline.diagnostics import Diagnostic, FormError, shown
from pipeline.form.config import Config
from pipeline.form.container import is_workbook
from pipeline.form.loader import Loaded, PathKey
from pipeline.form.model import Activity, Figure, Form
from pipeline.form.source import Source
from pipeline.proofread.corpus import MAX_CANDIDATES, Filed, Indexed, SentenceIndex, file_state, key_hash, prefix, sha256_of
from pipeline.proofread.sentences import (content, differ_in_numbers_only, label_fields, prose_fields, similarity,
                                          spans, words_of)
from pipeline.text import chinese, punctuation, segment
from pipeline.form.loader import MAX_BYTES
from pipeline.workspace.discovery import real_paths
from pipeline.workspace.reading import read_capped

#: A heading whose only record has fewer characters than this (title and text) is thin.
THIN_CHARS = 20
#: Characters of a sentence quoted in a message before it is cut with "…".
QUOTE_CHARS = 40
#: Forms whose sentences a proofreader keeps at hand (checking goes form by form).
KEPT_FORMS = 64
#: A workspace with at least this many forms keeps jieba's dictionary on disk beside its sentence
#: index (:func:`pipeline.text.segment.keep_dictionary`), so a run that cuts one form's sentences
#: looks up the words it needs instead of loading the whole dictionary. Storing it costs about a
#: second, once: in a small workspace no run is slow enough for it to pay.
STORED_DICTIONARY_FORMS = 100
#: Sentences whose words a proofreader remembers: a sentence written the same in many forms (a
#: stock phrase, a copied paragraph) is cut by jieba once per process, not once per form.
CUT_CACHE = 10_000

#: A sentence with any of these compares figures or approximates them: not a plain statement of one.
_COMPARISON = re.compile("较|比|由|从|增|减|降|升|提高|上学期|上学年|上年|去年|同期|其中|平均|每|约|以上|以内|以下|超过|不少于|不到|近|余|多")


@dataclass
class Checked:
    """A validated form and where it came from: the unit the checks work on."""

    path: Path  # resolved, identifies the form across runs of the stage
    display: str  # the path as the user sees it
    form: Form
    loaded: Loaded
    #: What to group the form's records with, when not the proofreader's own classifier:
    #: build passes one that remembers its answers, so no record is classified twice.
    classifier: Callable[[], object] | None = None

    @cached_property
    def source(self) -> Source:
        return Source(self.loaded)


#: How far before or after its period a form's date may lie unremarked (work in the holidays before
#: it, a summary written weeks after it).
DATE_MARGIN = dt.timedelta(days=92)


@dataclass(frozen=True)
class Issue:
    """A warning about a form; ``edits`` repair the value at ``path`` when that is safe."""

    diagnostic: Diagnostic
    path: PathKey = ()
    edits: tuple[punctuation.Edit, ...] = ()


@dataclass(frozen=True, slots=True)  # one is kept per form until all are built: no __dict__
class Shared:
    """A form as comparing it with other forms needs it: where its sentences are indexed, and which
    forms it is compared with (same term at other campuses; ``previous`` term, same campus and department)."""

    path: str  # resolved
    display: str
    text_sha: str  # of the text its sentences were cut from
    term: str
    campus: str
    department: str
    previous: str


def in_line_order(issues: Iterable) -> list:
    """Issues (or diagnostics) by line and column; those at one place keep the order given."""
    def place(item) -> tuple[int, int]:
        diagnostic = getattr(item, "diagnostic", item)
        return diagnostic.line, diagnostic.col

    return sorted(issues, key=place)


@dataclass(eq=False)
class Sentence:
    """One sentence of a prose value, with the words it is compared by."""

    form: Checked
    path: PathKey
    start: int  # offsets into the raw value
    end: int
    text: str
    key: str  # content characters only: equal keys are the same sentence
    words: frozenset[str]
    order: int  # position in the form
    key_hash: int = 0  # the key as the index files it
    prefix: tuple[str, ...] = ()  # the words the index files it under


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def cut(value: str, min_chars: int, words: tuple[str, ...]) -> Iterator[tuple[int, str, str, frozenset[str]]]:
    """The sentences of ``value`` long enough to compare: (offset, text, key, words).

    jieba is loaded only when a sentence needs cutting into words; ``words`` are
    the extra dictionary words it is loaded with.
    """
    tokenizer = None
    for span in spans((), value, min_chars):
        tokenizer = tokenizer or segment.tokenizer(words)
        yield span.start, span.text, span.key, words_of(span.text, tokenizer)


# --- the stage ------------------------------------------------------------

class Proofreader:
    """Checks forms against themselves and against the other forms of a workspace.

    ``peers`` returns the resolved paths of the workspace's forms; their sentences are kept
    in an index (:mod:`pipeline.proofread.corpus`) at ``database``, or in memory.
    :meth:`prepare` brings the index up to date before a run compares forms
    (``check`` does it on first use); a form's own sentences are taken from the
    index when it holds them for the same text, else cut with jieba.
    """

    def __init__(self, config: Config, classifier: Callable[[], object], peers: Callable[[], list[Path]] = list,
                 database: Path | None = None):
        from pipeline.document.classify import DOMAIN_WORDS

        self.config = config
        self.classifier = classifier
        self._peers = peers
        self._words = tuple(DOMAIN_WORDS) + tuple(config.words)
        self.index = SentenceIndex(database, self.signature, self.threshold)
        self._sentences: dict[tuple[Path, str], list[Sentence]] = {}
        self._cut_cache: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}  # sentence → its words, prefix
        self._prepared = False

    @property
    def threshold(self) -> float:
        return float(self.config.check.similarity)

    @property
    def min_chars(self) -> int:
        return int(self.config.check.min_chars)

    @property
    def signature(self) -> str:
        """What decides how sentences are cut and filed: an index made otherwise is emptied."""
        import json

        from pipeline.proofread import corpus

        return json.dumps([corpus.FORMAT, self.threshold, self.min_chars, sorted(set(self._words))],
                          ensure_ascii=False)

    def prepare(self, targets: Iterable[Path | str] = (), read: Callable[[list[Path]], Iterable[Indexed]] | None = None,
                states: Mapping[str, os.stat_result | None] | None = None, resolved: bool = False) -> int:
        """Bring the index up to date with the workspace's forms and ``targets`` (``resolved``: already
        real paths); ``read`` reads the new and changed ones (in this process when not given); ``states``:
        the forms' ``os.stat`` taken earlier in this run (see :meth:`SentenceIndex.stale`). Returns how
        many were read."""
        # As strings: ten thousand Path objects hashed and compared cost more (the index reads the
        # changed ones in the order sorted Paths have).
        targets = map(str, targets) if resolved else real_paths(targets)  # a looping link too
        paths = {*map(str, self._peers()), *targets}
        database = self.index.database
        segment.keep_dictionary(database.parent if database is not None else None,
                                write=len(paths) >= STORED_DICTIONARY_FORMS)
        count = self.index.update(paths, read or self.read_all, states)
        self._prepared = True
        return count

    def warm(self) -> None:
        """Load jieba's whole dictionary with the words sentences are cut by (before workers fork)."""
        self._tokenizer(whole=True)

    def read_all(self, paths: list[Path]) -> Iterator[Indexed]:
        for path in paths:
            yield self.read(path)

    def read(self, path: Path) -> Indexed:
        """What the index keeps of the form at ``path`` (its sentences, or that it is invalid)."""
        from pipeline.form.validate import read_form

        state = file_state(path) or (0, 0)
        try:
            raw = read_capped(path, MAX_BYTES)  # never waits on a pipe named .yaml
            form, loaded = read_form(path, self.config, shown(path))
        except (OSError, FormError):
            return Indexed(str(path), *state, _sha_or_empty(path), shown(path))  # invalid: said when it is built
        return self.indexed(Checked(path, loaded.path, form, loaded), state, sha256_of(raw))

    def indexed(self, checked: Checked, state: tuple[int, int], sha: str, display: str | None = None) -> Indexed:
        """What the index keeps of a form already read: ``state`` (size, mtime) taken before it was
        read, ``sha`` of the bytes read, ``display`` the resolved path as shown (the form's own by
        default). Its sentences are cut once, for the index and for its checks."""
        form = checked.form
        filed = [sentence_filed(sentence) for sentence in self.sentences(checked)]
        return Indexed(str(checked.path), *state, sha, display or checked.loaded.path, self._text_sha(checked),
                       (form.term, form.campus, form.department), filed)

    @staticmethod
    def _text_sha(checked: Checked) -> str:
        return sha256_of(checked.loaded.content.encode("utf-8"))

    def check(self, targets: Iterable[Checked]) -> dict[Path, list[Issue]]:
        """Issues of every target form, by its path, each list in line order."""
        targets = list(targets)
        if not self._prepared:
            self.prepare([t.path for t in targets])
        results = {}
        for checked in targets:
            before, after = self.own_issues(checked)
            results[checked.path] = in_line_order([*before, *self._reuse(checked), *after])
        return results

    def own_issues(self, checked: Checked) -> tuple[list[Issue], list[Issue]]:
        """The issues found in the form alone, without comparing it with other forms (no index is
        needed): those :meth:`check` orders before the comparison's, and those after them."""
        return ([*self._punctuation(checked), *self._repeats(checked)],
                [*self._headings(checked), *self._figures(checked), *self._dates(checked)])

    def shared(self, checked: Checked) -> Shared:
        """What comparing ``checked`` with other forms starts from (see :meth:`shares_text`)."""
        form = checked.form
        return Shared(str(checked.path), checked.loaded.path, self._text_sha(checked), form.term, form.campus,
                      form.department, form.period.previous().id)

    def shares_text(self, shared: Shared) -> bool:
        """Whether the form may share a sentence with the forms it is compared with, looked up in the
        index alone, without reading the form: when False, comparing it (:meth:`reuse`) finds nothing.

        A run that reads every form before the index is complete checks each form alone first,
        and reads again only the few forms this says share text.
        """
        filed = self.index.filed(Path(shared.path), shared.text_sha) if self._prepared else None
        if filed is None:
            return True  # not indexed as it was read: compare it in full
        return any(other.path != shared.path
                   for sentence in filed
                   for other, _ in self.index.similar(sentence.key, frozenset(sentence.words), sentence.prefix,
                                                      shared.term, shared.campus, shared.department, shared.previous))

    def reuse(self, checked: Checked) -> list[Issue]:
        """The issues of comparing ``checked`` with the other forms (the index must be current)."""
        return list(self._reuse(checked))

    # --- sentences ------------------------------------------------------

    def sentences(self, checked: Checked) -> list[Sentence]:
        key = (checked.path, checked.loaded.content)
        if key not in self._sentences:
            if len(self._sentences) >= KEPT_FORMS:
                self._sentences.clear()  # checked form by form: memory stays flat over any number of forms
            filed = None
            if self._prepared:
                filed = self.index.filed(checked.path, self._text_sha(checked))
            if filed is None:
                self._sentences[key] = list(self._cut(checked))
            else:
                self._sentences[key] = [self._from_index(checked, f) for f in filed]
        return self._sentences[key]

    def _tokenizer(self, whole: bool = False):
        # The classifier's words (heading keywords) join the dictionary first, so a sentence is cut
        # into the same words whichever command cuts it, and the index stays valid between them.
        self.classifier()
        return segment.tokenizer(self._words, whole=whole)

    def _cut(self, checked: Checked) -> Iterator[Sentence]:
        tokenizer = None  # jieba is loaded only when a form has a sentence to compare
        order = 0
        for path in prose_fields(checked.form):
            value = checked.source.value(path)
            if value is None:
                continue
            for span in spans(path, value, self.min_chars):
                words, prefix_words = self._cut_cache.get(span.text, (None, None))
                if words is None:
                    tokenizer = tokenizer or self._tokenizer()
                    words = words_of(span.text, tokenizer)
                    frequency = tokenizer.FREQ
                    prefix_words = tuple(prefix(words, lambda w: frequency.get(w, 0), self.threshold))
                    if len(self._cut_cache) >= CUT_CACHE:
                        self._cut_cache.clear()
                    self._cut_cache[span.text] = words, prefix_words
                yield Sentence(checked, path, span.start, span.end, span.text, span.key, words, order,
                               key_hash(span.key), prefix_words)
                order += 1

    def _from_index(self, checked: Checked, filed: Filed) -> Sentence:
        text = (checked.source.value(filed.field) or "")[filed.start:filed.stop]
        return Sentence(checked, filed.field, filed.start, filed.stop, text, content(text),
                        frozenset(filed.words), filed.order, filed.key, filed.prefix)

    # --- issues ---------------------------------------------------------

    def _issue(self, checked: Checked, path: PathKey, offset: int | None, message: str,
               edits: tuple = (), at_key: bool = False) -> Issue:
        if at_key:
            line, col = checked.loaded.positions.key(path)
        elif offset is None:
            line, col = checked.loaded.positions.value(path)
        else:
            line, col = checked.source.locate(path, offset)
        return Issue(checked.loaded.at(line, col, "warning", message), tuple(path), edits)

    def _line(self, sentence: Sentence) -> str:
        """Where ``sentence`` is in its form, in words (第12行, or a workbook's sheet and row)."""
        return sentence.form.loaded.row_name(sentence.form.source.locate(sentence.path, sentence.start)[0])

    def _punctuation(self, checked: Checked) -> Iterator[Issue]:
        for path in [*label_fields(checked.form), *prose_fields(checked.form)]:
            value = checked.source.value(path)
            if value is None:
                continue
            for finding in punctuation.check(value):
                yield self._issue(checked, path, finding.start, finding.message, finding.edits)

    def _repeats(self, checked: Checked) -> Iterator[Issue]:
        form = checked.form
        listed = [("activities", "title", [a.title for a in form.activities], "工作条目"),
                  ("counts", "item", [f.item for f in form.counts], "数据项"),
                  ("shortcomings", None, form.shortcomings, "不足"),
                  ("plans", None, form.plans, "打算")]
        repeated_entries: set[PathKey] = set()
        for name, key, values, what in listed:
            first: dict[str, int] = {}
            for i, value in enumerate(values):
                normal = content(value) or value
                path = (name, i, key) if key else (name, i)
                if normal in first:
                    earlier = (name, first[normal], key) if key else (name, first[normal])
                    line = checked.loaded.row_name(checked.loaded.positions.value(earlier)[0])
                    repeated_entries.add(path)
                    yield self._issue(checked, path, None,
                                      f"{what}重复：“{shorten(value)}”与{line}的第{first[normal] + 1}项相同")
                else:
                    first[normal] = i

        own = _Index(self.sentences(checked), self.threshold)
        for sentence in self.sentences(checked):
            if sentence.path in repeated_entries:
                continue
            equal = own.first_equal(sentence)
            if equal is not sentence:
                line = self._line(equal)
                yield self._issue(checked, sentence.path, sentence.start,
                                  f"句子重复：“{shorten(sentence.text)}”与{line}的句子相同")
                continue
            earlier = [(other, score) for other, score in own.similar(sentence) if other.order < sentence.order]
            if earlier:
                other, score = max(earlier, key=lambda m: (m[1], -m[0].order))
                line = self._line(other)
                yield self._issue(checked, sentence.path, sentence.start,
                                  f"句子与{line}的几乎相同（{score:.0%}的词语相同）：“{shorten(sentence.text)}”"
                                  f"；{line}：“{shorten(other.text)}”")

    def _reuse(self, checked: Checked) -> Iterator[Issue]:
        form = checked.form
        previous = form.period.previous().id
        other_campus, last_period = "其他校区同期的填报表", f"本校区上{form.period.unit}的填报表"
        # (paragraph, relation) → the shared sentences, each with its best match in each other form
        groups: dict[tuple[PathKey, str], dict[str, list[tuple[Sentence, object, float]]]] = {}
        for sentence in self.sentences(checked):
            best: dict[str, tuple[object, float]] = {}
            for other, score in self.index.similar(sentence.key_hash, sentence.words, sentence.prefix, form.term,
                                                   form.campus, form.department, previous):
                if other.path == str(checked.path) or (other.path in best and best[other.path][1] >= score):
                    continue
                best[other.path] = (other, score)
            for peer_path, (other, score) in best.items():
                relation = last_period if other.term == previous else other_campus
                groups.setdefault((sentence.path, relation), {}).setdefault(peer_path, []).append(
                    (sentence, other, score))
        # One warning per paragraph and relation, at its first shared sentence, naming one other form.
        for (path, relation), by_peer in groups.items():
            first = min((matches[0][0].start, peer) for peer, matches in by_peer.items())
            matches = by_peer[first[1]]
            sentence, other, score = matches[0]
            how = "相同" if sentence.key_hash == other.key else f"几乎相同（{score:.0%}的词语相同）"
            notes = []
            if len(matches) > 1:
                notes.append(f"这一段还有{len(matches) - 1}句也与该表相同或相近")
            if len(by_peer) > 1:
                notes.append(f"另有{len(by_peer) - 1}份{relation.removeprefix('本校区')}也有相同或相近的文字")
            message = (f"与 {other.display} {_peer_line(other)}的文字{how}（{relation}）："
                       f"“{shorten(sentence.text)}”" + "".join(f"；{note}" for note in notes))
            yield self._issue(checked, path, sentence.start, message)

    def _headings(self, checked: Checked) -> Iterator[Issue]:
        from pipeline.document.assemble import assemble

        form = checked.form
        if not (form.activities or form.counts or form.incidents is not None or form.headings):
            return
        summary, _ = assemble(form, self.config, checked.classifier or self.classifier,
                              lambda at, message: Diagnostic(checked.display, 1, 1, "warning", message))
        present = {section.key: section for section in summary.sections}
        for key in form.headings:
            if key not in present:
                yield self._issue(checked, ("headings", key), None,
                                  f"标题设置“{key}”下没有任何内容，这个标题不会出现在文档中", at_key=True)
        paths = {id(a): ("activities", i) for i, a in enumerate(form.activities)}
        paths.update({id(f): ("counts", i) for i, f in enumerate(form.counts)})
        for section in summary.sections:
            if section.key == "shortcomings":
                continue
            records = [*section.activities, *section.figures, *section.incidents]
            if len(records) != 1 or section.incidents:
                continue
            record = records[0]
            if isinstance(record, Activity):
                text = "".join(filter(None, [record.title, record.details, record.result]))
                if len(content(text)) >= THIN_CHARS:
                    continue
                what = f"一项简短的工作“{shorten(record.title)}”"
            elif isinstance(record, Figure):
                what = f"一项数据“{shorten(record.item)}”"
            else:
                continue
            yield self._issue(checked, paths[id(record)], None,
                              f"标题“{section.title}”下只有{what}，内容单薄；可以补充具体做法和成效，或改归其他标题")
        if form.shortcomings and not form.plans:
            yield self._issue(checked, ("shortcomings",), None,
                              "只写了存在的不足，没有写今后打算（plans），“存在的不足及今后努力方向”一节不完整", at_key=True)
        elif form.plans and not form.shortcomings:
            yield self._issue(checked, ("plans",), None,
                              "只写了今后打算，没有写存在的不足（shortcomings），“存在的不足及今后努力方向”一节不完整", at_key=True)

    def _dates(self, checked: Checked) -> Iterator[Issue]:
        """Dates far from the form's period: a year mistyped (2015 for 2025), or a number typed
        into a workbook's date cell (3 is 1900年1月3日 to Excel). Printed as written, unnoticed."""
        form = checked.form
        first, last = form.period.dates()
        earliest, latest = first - DATE_MARGIN, last + DATE_MARGIN
        dates = [(("date",), form.date)]
        for i, activity in enumerate(form.activities):
            if activity.date is not None:
                dates += [(("activities", i, "date"), day) for day in (activity.date.start, activity.date.end) if day]
        dates += [(("incidents", i, "date"), incident.date) for i, incident in enumerate(form.incidents or ())]
        said = set()
        for path, day in dates:
            if not earliest <= day <= latest and path not in said:
                said.add(path)
                yield self._issue(checked, path, None,
                                  f"日期“{chinese.date(day)}”不在{form.period.name}（{chinese.month(first.year, first.month)}"
                                  f"至{chinese.month(last.year, last.month)}）前后，多半是年份写错了；请核对")

    def _figures(self, checked: Checked) -> Iterator[Issue]:
        form = checked.form
        if not form.counts:
            return
        for i, figure in enumerate(form.counts):
            for key in ("value", "previous"):
                written = getattr(figure, key)
                if written is not None and Decimal(chinese.number(written)) != Decimal(str(written)):
                    # at most two decimals in the document: 0.004 would be printed as 0
                    yield self._issue(checked, ("counts", i, key), None,
                                      f"数值 {Decimal(str(written)).normalize():f} 在文档中写成 {chinese.number(written)}"
                                      f"（数据最多保留两位小数）；需要更精确时，请换用更小的单位（如把“万元”改为“元”）")
        tokenizer = segment.tokenizer(self._words)
        sentences = self.sentences(checked)
        for i, figure in enumerate(form.counts):
            if not figure.unit:
                continue
            item_words = [w for w in tokenizer.lcut(figure.item) if len(w) >= 2]
            if not item_words:
                continue
            stated = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*" + re.escape(figure.unit))
            for sentence in sentences:
                if not all(word in sentence.text for word in item_words) or _COMPARISON.search(sentence.text):
                    continue
                numbers = list(stated.finditer(sentence.text))
                if len(numbers) != 1:
                    continue
                number = Decimal(numbers[0].group(1))  # figures are exact: 91.8 is not float 91.8
                # text states a size, the sign in words (下降3.5%): compare magnitudes
                if number in {abs(v) for v in (figure.value, figure.previous) if v is not None}:
                    continue
                line = checked.loaded.row_name(checked.loaded.positions.value(("counts", i))[0])
                value = f"{figure.value:g}{figure.unit}"
                yield self._issue(checked, sentence.path, sentence.start + numbers[0].start(),
                                  f"文中写的“{numbers[0].group()}”与{line}的数据“{figure.item} {value}”不一致："
                                  f"“{shorten(sentence.text)}”")


# --- the cross-form index -------------------------------------------------

@dataclass
class _Index:
    """Sentences filed under their rarest words (prefix filtering for a similarity threshold).

    Two word sets with Dice similarity ≥ t share at least t/(2-t) of the
    smaller one's words. Ordering every set's words from rarest to commonest,
    each set's first ``len - ceil(t/(2-t)·len) + 1`` words (its prefix) must
    then hold a word that the other set's prefix also holds, so only sentences
    sharing a prefix word are compared. Equal sentences are found by key.
    """

    sentences: list[Sentence]
    threshold: float
    _by_key: dict[str, list[Sentence]] = field(default_factory=dict)
    _by_word: dict[str, list[Sentence]] = field(default_factory=dict)
    _frequency: dict[str, int] = field(default_factory=dict)
    _prefixes: dict[int, list[str]] = field(default_factory=dict)  # by id() of a filed sentence

    def __post_init__(self):
        for sentence in self.sentences:
            self._by_key.setdefault(sentence.key, []).append(sentence)
            for word in sentence.words:
                self._frequency[word] = self._frequency.get(word, 0) + 1
        for sentence in self.sentences:
            prefix_words = self._prefixes[id(sentence)] = self._prefix(sentence.words)
            for word in prefix_words:
                self._by_word.setdefault(word, []).append(sentence)

    def _prefix(self, words: frozenset[str]) -> list[str]:
        ordered = sorted(words, key=lambda w: (self._frequency.get(w, 0), w))
        ratio = self.threshold / (2 - self.threshold)
        must_share = -(-ratio * len(ordered) // 1)  # ceil
        return ordered[:max(1, len(ordered) - int(must_share) + 1)]

    def first_equal(self, sentence: Sentence) -> Sentence:
        """The first sentence filed with the same key (``sentence`` itself when it is the first)."""
        return self._by_key.get(sentence.key, [sentence])[0]

    def similar(self, sentence: Sentence) -> Iterator[tuple[Sentence, float]]:
        """Sentences equal to ``sentence`` or at least ``threshold`` similar to it.

        At most :data:`MAX_CANDIDATES` sentences are looked at, which bounds the
        work on pathological input (a form of thousands of near-identical lines)
        without losing anything on real forms.
        """
        found: dict[int, tuple[Sentence, float]] = {}
        for other in self._by_key.get(sentence.key, ())[:MAX_CANDIDATES]:
            found[id(other)] = (other, 1.0)
        examined = 0
        prefix_words = self._prefixes.get(id(sentence))  # the filed sentences are alive: an id is theirs alone
        if prefix_words is None:
            prefix_words = self._prefix(sentence.words)  # not one of the filed sentences
        for word in prefix_words:
            postings = self._by_word.get(word, ())
            for other in postings[:MAX_CANDIDATES - examined]:
                if id(other) in found or other is sentence:
                    continue
                score = similarity(sentence.words, other.words)
                if score >= self.threshold and not differ_in_numbers_only(sentence.words, other.words):
                    found[id(other)] = (other, score)
            examined += len(postings)
            if examined >= MAX_CANDIDATES:
                break
        for other, score in found.values():
            if other is not sentence:
                yield other, score


def sentence_filed(sentence: Sentence) -> Filed:
    """A sentence as the index keeps it."""
    line = sentence.form.source.locate(sentence.path, sentence.start)[0]
    return Filed(sentence.order, tuple(sentence.path), sentence.start, sentence.end, line, sentence.key_hash,
                 tuple(sorted(sentence.words)), sentence.prefix)


def _sha_or_empty(path: Path) -> str:
    try:
        return sha256_of(read_capped(path, MAX_BYTES))  # never waits on a pipe named .yaml
    except OSError:
        return sha256_of(b"")


# --- copies between documents --------------------------------------------

@dataclass(frozen=True)
class Copy:
    """A sentence two documents of different owners share, exactly or nearly."""

    owner: object
    sentence: str
    other_owner: object
    other_sentence: str
    score: float


def copies_between(documents: Iterable[tuple[object, Iterable[str]]], config: Config) -> list[Copy]:
    """Sentences shared by documents of different owners (campuses, say), by the rule
    ``worksum check`` applies between forms: equal, or ``check.similarity`` alike and
    not differing in numbers only. For text that is not a form, such as built documents."""
    from pipeline.document.classify import DOMAIN_WORDS

    dictionary = tuple(DOMAIN_WORDS) + tuple(config.words)
    sentences: list[Sentence] = []
    owners: dict[int, object] = {}
    for owner, paragraphs in documents:
        for paragraph in paragraphs:
            for start, text, key, words in cut(paragraph, int(config.check.min_chars), dictionary):
                sentence = Sentence(None, (), start, start + len(text), text, key, words, len(sentences))
                owners[id(sentence)] = owner
                sentences.append(sentence)
    index = _Index(sentences, float(config.check.similarity))
    return [Copy(owners[id(sentence)], sentence.text, owners[id(other)], other.text, score)
            for sentence in sentences for other, score in index.similar(sentence)
            if owners[id(other)] != owners[id(sentence)] and sentence.order < other.order]


def _peer_line(peer) -> str:
    """Where another form's sentence is, in words: 第12行, or a workbook's sheet and row."""
    if is_workbook(peer.path):
        from pipeline.form.workbook import row_name_in

        return row_name_in(Path(peer.path), peer.line)
    return f"第{peer.line}行"
