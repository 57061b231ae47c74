"""Place records without a ``category`` under a heading, from their words.

The record's text is cut into words with jieba (precise mode). Each word votes
once for every heading whose keyword list holds it; a word in no list votes
through its parts instead (财产清查 → 财产, 清查), so 水电费 votes as money and
not as 水电. A keyword written ``*费`` matches every word ending in 费 (伙食费,
差旅费, 保险费): the genre names kinds of money by their last character.

A title is a noun phrase, and its last word says what the work was: 食品安全培训
is a training, 差旅费报销 a reimbursement, 安全大检查 a check of safety. So the
last voting word of the title (its head) counts :data:`HEAD_WEIGHT`, the title's
other words :data:`TITLE_WEIGHT`. Generic words (检查, 管理, 工作 …) vote weakly
and are never the head: what is checked or managed tells the kind of work.
Details and result say how the work was done; their words together count at
most :data:`DETAIL_WEIGHT`, so a long paragraph cannot outvote its title.

The best heading wins when it scores at least :data:`SURE_RATIO` times the
runner-up; otherwise the guess is returned as *unsure*, and the caller reports
it as a warning with the record's line, so nothing is placed silently. How well
this works is measured by ``bench/classify_report.py`` on a labelled set.

jieba loads its dictionary (about a second) on first use only, once per
process (:mod:`pipeline.text.segment`); commands that never infer a category never
pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from pipeline.form.config import Heading
from pipeline.text import segment

#: Words of the trade that jieba's general dictionary would cut in pieces.
DOMAIN_WORDS = (
    "三大员", "伙委会", "晨检", "午检", "留样", "六T", "保育员", "营养员", "保健医生", "炊事员",
    "食品留样", "集体备课", "听课评课", "作业检查", "教学常规", "消防演练", "疏散演练", "安全隐患",
    "财产清查", "固定资产", "账实相符", "帐实相符", "货比三家", "防溺水", "校舍", "课桌凳", "课桌椅",
    "教研组", "备课组", "公开课", "学籍", "考务", "监考", "阅卷", "门卫", "保安", "水电工",
)

#: Words that say little on their own: they vote with GENERIC_WEIGHT and are never a title's head.
GENERIC_WORDS = frozenset({
    "检查", "管理", "工作", "登记", "活动", "安排", "整理", "制度", "落实", "开展", "组织", "加强",
    "规范", "专项", "情况", "相关", "人员", "全体", "定期", "日常", "统一", "做好", "发放", "核对",
    "收取", "使用", "办理", "手续", "统计", "维护",
})

HEAD_WEIGHT = 4.0
TITLE_WEIGHT = 1.5
GENERIC_WEIGHT = 0.5
DETAIL_WEIGHT = 2.0
#: The winner must score at least this many times the runner-up to be "sure".
SURE_RATIO = 1.5


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
        self.keywords: dict[str, set[str]] = {}  # word → heading keys
        self.suffixes: dict[str, set[str]] = {}  # "费" (from "*费") → heading keys
        for heading in self.headings:
            for keyword in heading.keywords:
                if keyword.startswith("*") and len(keyword) > 1:
                    self.suffixes.setdefault(keyword[1:], set()).add(heading.key)
                else:
                    self.keywords.setdefault(keyword, set()).add(heading.key)
        extra = set(words) | set(DOMAIN_WORDS) | set(self.keywords)
        self._tokenizer = segment.tokenizer(extra)

    def tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text) if t.strip()]

    def votes(self, word: str) -> set[str]:
        """The headings ``word`` votes for: its own, else those of its parts."""
        keys = self._word_keys(word)
        if keys or len(word) < 3:
            return keys
        parts: set[str] = set()
        for size in (2, 3):  # the parts jieba's search mode would give
            for start in range(len(word) - size + 1):
                part = word[start:start + size]
                if part != word and part in self._tokenizer.FREQ:
                    parts |= self._word_keys(part)
        return parts

    def _word_keys(self, word: str) -> set[str]:
        keys = set(self.keywords.get(word, ()))
        for suffix, suffix_keys in self.suffixes.items():
            if word.endswith(suffix):
                keys |= suffix_keys
        return keys

    def scores(self, title: str, *texts: str | None) -> dict[str, float]:
        scores = {h.key: 0.0 for h in self.headings}
        voted = [(word, self.votes(word)) for word in self.tokens(title)]
        voted = [(word, keys) for word, keys in voted if keys]
        head = next((i for i in range(len(voted) - 1, -1, -1) if voted[i][0] not in GENERIC_WORDS), None)
        for i, (word, keys) in enumerate(voted):
            weight = HEAD_WEIGHT if i == head else GENERIC_WEIGHT if word in GENERIC_WORDS else TITLE_WEIGHT
            for key in keys:
                scores[key] += weight
        detail: dict[str, float] = {}
        for text in texts:
            for word in self.tokens(text or ""):
                for key in self.votes(word):
                    detail[key] = detail.get(key, 0.0) + (GENERIC_WEIGHT if word in GENERIC_WORDS else 1.0)
        total = sum(detail.values())
        if total:
            scale = min(1.0, DETAIL_WEIGHT / total) if DETAIL_WEIGHT else 1.0
            for key, value in detail.items():
                scores[key] += value * scale
        return scores

    def infer(self, title: str, *texts: str | None, default: str = "duties") -> Inference:
        """The heading for a record with ``title`` and further ``texts`` (details, result)."""
        ranked = sorted(self.scores(title, *texts).items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] == 0:
            return Inference(default, sure=False)
        (best, top), (second, runner) = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        sure = top >= SURE_RATIO * runner and top > runner
        return Inference(best, sure=sure, runner_up=second if runner else None, score=top)
