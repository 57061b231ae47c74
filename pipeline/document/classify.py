"""Place records without a ``category`` under a heading, from their words and their department.

The evidence, in the order it counts:

* **The department.** A 安全 summary is nearly all safety, a 德育 one nearly all its own
  常规管理和主题教育 (``duties``); each department kind and institution kind has a learned
  prior over the headings, and only the headings of its set (heading_sets.yaml, through
  :meth:`pipeline.form.config.Config.inference_keys`) can be chosen. A word may also weigh
  differently in a kind of department (learned, on top of its general weights), and the
  model may scale how much the text counts against the department's prior.
* **The title's words.** The text is normalised (full-width forms, case: 六Ｔ, 六T and 六t are
  one word) and read as words by forward maximum matching against the lexicon: at each
  place the longest word it knows, so 依法治园 is never cut as 依/法治/园 and a
  record's segmentation does not depend on a general dictionary. The title's last
  weighing word (its head: 食品安全 *培训*) counts most, generic words (检查, 管理 …) least.
  A word ending in a money suffix (``*费``: 伙食费, 水电费) is one word.
* **The details' words**, capped: a long paragraph cannot outvote its title.
* **Character pairs** of title and details, for wording no lexicon has.

The lexicon and every weight come from a small model learned from real published
summaries (``classify_model.json`` beside this module, made by ``bench/classify_train.py``
from the tuning part of ``tests/data/real_records.yaml`` and the project's own labelled
records). Heading keywords the model has not seen (config.yaml's, a workspace's new
headings) vote :data:`Model.keyword_weight` for their heading, so config keywords still
extend it.

The headings' scores give probabilities (softmax). A record is placed *sure* when the
model's confidence in its guess reaches the model's threshold: a small learned warning
(:func:`warning_signs`: the margin over the runner-up, and whether the title's words, the
department or the whole text carry the guess) estimates how likely the guess is right; the
threshold is chosen on held-apart folds of the tuning part so that unsure guesses are the
likely wrong ones. Otherwise it is an *unsure* guess the caller reports with the two
likeliest headings (or, when no word told anything, as a guess from the department alone).
A record whose words point to a heading outside the department's set is reported too:
nothing is placed silently. Measured by ``bench/classify_report.py``.

No jieba: classifying a record costs dictionary look-ups only (well under 0.2 ms).
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.form.config import Heading

#: Words of the trade that jieba's general dictionary would cut in pieces (for proofreading,
#: which still reads sentences with jieba).
DOMAIN_WORDS = (
    "三大员", "伙委会", "晨检", "午检", "留样", "六T", "保育员", "营养员", "保健医生", "炊事员",
    "食品留样", "集体备课", "听课评课", "作业检查", "教学常规", "消防演练", "疏散演练", "安全隐患",
    "财产清查", "固定资产", "账实相符", "帐实相符", "货比三家", "防溺水", "校舍", "课桌凳", "课桌椅",
    "教研组", "备课组", "公开课", "学籍", "考务", "监考", "阅卷", "门卫", "保安", "水电工",
)

#: Words that say little on their own: they weigh little and are never a title's head. 公示 and
#: 公布 say what was done with a thing, not what it is: 伙食费公示 is money, not 公示 (duties);
#: 行动 is 活动's like (护苗行动 is what 护苗 is), and so are 教育 and 行为 (防溺水安全教育 is safety in a
#: 德育 form, whose own routine 教育 otherwise names; 规范收费行为 is money).
GENERIC_WORDS = frozenset({
    "检查", "管理", "工作", "登记", "活动", "安排", "整理", "制度", "落实", "开展", "组织", "加强",
    "规范", "专项", "情况", "相关", "人员", "全体", "定期", "日常", "统一", "做好", "发放", "核对",
    "收取", "使用", "办理", "手续", "统计", "维护", "公示", "公布", "行动", "教育", "行为",
})

#: Words read whole so that no keyword inside them votes: 依法治园 is not 法治 (safety).
NEUTRAL_WORDS = ("依法治园", "依法治校", "依法办园", "依法办学", "依法执教", "依法从教")

#: The words tell something when their evidence for some heading reaches this: words the
#: model learned to weigh a little (学期, 完成 …) are not evidence on their own.
TELLING_WEIGHT = 0.2

#: A guess from the department alone (no telling word) is sure only at this probability or above.
#: Rare in real text (5 of 449 real tuning records, all 德育 guesses at 0.92 or above, all right);
#: a 后勤 record titled 其他 is a coin flip between its routine and its training and is reported.
DEPARTMENT_ALONE = 2 / 3

#: A title of at most this many characters is a form's kind of title (食品安全培训), not a
#: published summary's sentence (real records' titles run to 29 on average, the project's own 8).
SHORT_TITLE = 12

MODEL_FILE = Path(__file__).with_name("classify_model.json")

#: A word's weights: heading key → weight.
Weights = dict[str, float]


def normalise(text: str | None) -> str:
    """Full-width forms to half-width, case folded: the form of text the lexicon holds."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass(frozen=True)
class Model:
    """What ``bench/classify_train.py`` learned; read once from :data:`MODEL_FILE`."""

    position: dict[str, float]  # head, title, generic, detail, detail_cap, title_pairs, detail_pairs
    keyword_weight: float
    threshold: float  # a guess is sure when its confidence (see warn_by) reaches this
    outside_margin: float  # how much better a heading outside the set must fit to be reported
    department_priors: dict[str, Weights]
    institution_priors: dict[str, Weights]
    words: dict[str, Weights]  # the lexicon: every word it reads, with its learned weights
    keywords: dict[str, frozenset[str]]  # the heading keywords it was trained with
    title_pairs: dict[str, Weights]
    detail_pairs: dict[str, Weights]
    about: dict = field(default_factory=dict)
    #: The confidence the threshold applies to: ``probability`` (the best heading's),
    #: ``margin`` (the best heading's probability less the runner-up's) or ``learned`` (the
    #: likelihood that the guess is right, read from :func:`warning_signs` by :attr:`warning`).
    warn_by: str = "probability"
    #: The learned warning: a logistic regression over :func:`warning_signs` (``features``,
    #: ``weights``, ``bias``), fitted to the out-of-fold guesses of cross-validation.
    warning: dict = field(default_factory=dict)
    #: Per department kind, how much the text's evidence counts against the department's prior.
    department_scale: dict[str, float] = field(default_factory=dict)
    #: Per department kind, words' weights on top of their general ones (kind → word → weights).
    department_words: dict[str, dict[str, Weights]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        return cls(
            position=data["position"], keyword_weight=data["keyword_weight"], threshold=data["threshold"],
            outside_margin=data["outside_margin"], department_priors=data["department_priors"],
            institution_priors=data["institution_priors"], words=data["words"],
            keywords={key: frozenset(words) for key, words in data["keywords"].items()},
            title_pairs=data["title_pairs"], detail_pairs=data["detail_pairs"], about=data.get("about", {}),
            warn_by=data.get("warn_by", "probability"), department_scale=data.get("department_scale", {}),
            department_words=data.get("department_words", {}), warning=data.get("warning", {}),
        )


@lru_cache(maxsize=1)
def shipped_model() -> Model:
    return Model.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Inference:
    """A heading chosen for a record.

    ``sure`` is False when the caller must report it: a close call (``runner_up`` is the
    other likely heading; ``evidence`` False when no word told anything and only the
    department spoke), or words that fit a heading outside the department's set better
    (``outside``).
    """

    key: str
    sure: bool
    runner_up: str | None = None
    score: float = 0.0  # the chosen heading's probability
    margin: float = 0.0  # the chosen heading's probability less the runner-up's
    evidence: bool = True
    outside: str | None = None
    confidence: float = 0.0  # what the model's threshold was applied to (Model.warn_by)
    signs: dict[str, float] = field(default_factory=dict, compare=False)  # see warning_signs


@dataclass(frozen=True)
class Scores:
    """A record's evidence per heading: ``total`` (department and institution prior plus the
    text, what the guess is made from), ``prior`` alone, ``words`` (the lexicon words' general
    weights, details included: what ``outside`` and ``evidence`` read), ``title_words`` (the
    title's share of ``words``), and whether the words tell something (:data:`TELLING_WEIGHT`)."""

    total: Weights
    prior: Weights
    words: Weights
    title_words: Weights
    evidence: bool
    title_length: int = 0  # characters, normalised


class Classifier:
    """Scores records against the headings, with the shipped model (or ``model``)."""

    def __init__(self, headings: Iterable[Heading], words: Iterable[str] = (), model: Model | None = None):
        self.model = model or shipped_model()
        self.headings = [h for h in headings if h.key != "shortcomings"]
        self.keys = tuple(h.key for h in self.headings)
        kw = self.model.keyword_weight
        # The model's weights are shared, never changed: a word config.yaml adds weight to gets a copy
        # (copying every word's weights costs more than a one-form rebuild's classifying).
        lexicon: dict[str, Weights] = dict(self.model.words)
        self.suffixes: dict[str, Weights] = {}  # "费" (from "*费") → weights
        for heading in self.headings:
            known = self.model.keywords.get(heading.key, frozenset())
            for keyword in heading.keywords:
                word = normalise(keyword)
                if word.startswith("*") and len(word) > 1:
                    self.suffixes.setdefault(word[1:], {})[heading.key] = kw
                elif word not in known:  # a keyword the model never weighed: config.yaml's
                    weights = dict(lexicon.get(word, {}))
                    weights[heading.key] = weights.get(heading.key, 0.0) + kw
                    lexicon[word] = weights
        for word in (*NEUTRAL_WORDS, *words):  # config.yaml's words too: read whole, weighing nothing
            lexicon.setdefault(normalise(word), {})
        self.lexicon = lexicon
        starts: dict[str, set[int]] = {}  # a word's first character → the lengths of such words
        for word in lexicon:
            if len(word) >= 2:
                starts.setdefault(word[0], set()).add(len(word))
        self.starts = {ch: tuple(sorted(sizes, reverse=True)) for ch, sizes in starts.items()}

    # --- reading -------------------------------------------------------------

    def words(self, text: str) -> list[str]:
        """``text`` (normalised) as lexicon words: the longest known word at each place;
        characters no word covers are skipped."""
        found, i, n = [], 0, len(text)
        lexicon, suffixes, starts = self.lexicon, self.suffixes, self.starts
        while i < n:
            best = 0
            for size in starts.get(text[i], ()):
                if size <= n - i and text[i:i + size] in lexicon:
                    best = size
                    break
            for size in (3, 2):  # 水电费, 伙食费: a money word, whatever comes before 费
                if size > best and i + size <= n and text[i + size - 1] in suffixes \
                        and all(_is_han(ch) for ch in text[i:i + size]):
                    best = size
                    break
            if best:
                found.append(text[i:i + best])
                i += best
            else:
                i += 1
        return found

    def weights(self, word: str) -> Weights:
        if word in self.lexicon:
            return self.lexicon[word]
        return self.suffixes.get(word[-1], {})

    def features(self, title: str, *texts: str | None) -> dict[tuple[str, str], float]:
        """The record's evidence: (kind, item) → how much it counts. Kinds: ``w`` a word,
        ``t``/``d`` a character pair of the title/details. Shared with training."""
        found = self.title_features(title)
        for feature, count in self.detail_features(*texts).items():
            found[feature] = found.get(feature, 0.0) + count
        return found

    def title_features(self, title: str) -> dict[tuple[str, str], float]:
        """The title's part of :meth:`features`: its words, the head counting most, and its pairs."""
        p = self.model.position
        found: dict[tuple[str, str], float] = {}
        text = normalise(title)
        in_title = self.words(text)
        weighing = [i for i, w in enumerate(in_title) if self.weights(w) and w not in GENERIC_WORDS]
        head = weighing[-1] if weighing else None
        for i, word in enumerate(in_title):
            weight = p["head"] if i == head else p["generic"] if word in GENERIC_WORDS else p["title"]
            found[("w", word)] = found.get(("w", word), 0.0) + weight
        table = self.model.title_pairs
        for pair in {text[i:i + 2] for i in range(len(text) - 1)}:
            if pair in table:
                found[("t", pair)] = p["title_pairs"]
        return found

    def detail_features(self, *texts: str | None) -> dict[tuple[str, str], float]:
        """The details' part of :meth:`features`: words capped (a long paragraph cannot outvote
        its title), pairs scaled down by how many there are."""
        p = self.model.position
        found: dict[tuple[str, str], float] = {}
        text = normalise(" ".join(t for t in texts if t))
        in_details = self.words(text)
        if in_details:
            scale = p["detail"] * min(1.0, p["detail_cap"] / len(in_details))
            for word in in_details:
                weight = scale * (p["generic"] if word in GENERIC_WORDS else 1.0)
                found[("w", word)] = found.get(("w", word), 0.0) + weight
        pairs = {text[i:i + 2] for i in range(len(text) - 1)}
        if pairs:
            weight, table = p["detail_pairs"] / math.sqrt(len(pairs)), self.model.detail_pairs
            for pair in pairs:
                if pair in table:
                    found[("d", pair)] = weight
        return found

    # --- deciding ------------------------------------------------------------

    def prior(self, department_kind: str | None, institution: str | None) -> Weights:
        department = self.model.department_priors.get(department_kind or "其他", {})
        place = self.model.institution_priors.get(institution or "学校", {})
        return {key: department.get(key, 0.0) + place.get(key, 0.0) for key in self.keys}

    def scores(self, title: str, *texts: str | None, department_kind: str | None = None,
               institution: str | None = None) -> Scores:
        """All evidence with the department's prior, per heading, and its parts (see :class:`Scores`)."""
        prior = self.prior(department_kind, institution)
        text = {key: 0.0 for key in self.keys}
        words = {key: 0.0 for key in self.keys}
        title_words = {key: 0.0 for key in self.keys}
        lexicon_weights, pair_tables = self.weights, {"t": self.model.title_pairs, "d": self.model.detail_pairs}
        own_words = self.model.department_words.get(department_kind or "其他", {})
        for part, features in ((title_words, self.title_features(title)), (None, self.detail_features(*texts))):
            for (kind, item), count in features.items():
                is_word = kind == "w"
                for key, weight in (lexicon_weights(item) if is_word else pair_tables[kind][item]).items():
                    if key in text:
                        text[key] += count * weight
                        if is_word:
                            words[key] += count * weight
                            if part is not None:
                                part[key] += count * weight
                if is_word and item in own_words:  # what the word means in this kind of department
                    for key, weight in own_words[item].items():
                        if key in text:
                            text[key] += count * weight
        # How much the text counts against the department: little in a 安全 summary, where
        # nearly every item is safety whatever its words.
        scale = self.model.department_scale.get(department_kind or "其他", 1.0)
        total = {key: prior[key] + scale * text[key] for key in self.keys}
        return Scores(total, prior, words, title_words, max(words.values(), default=0.0) >= TELLING_WEIGHT,
                      len(normalise(title)))

    def infer(self, title: str, *texts: str | None, keys: Iterable[str] | None = None,
              department_kind: str | None = None, institution: str | None = None) -> Inference:
        """The heading for a record with ``title`` and further ``texts`` (details, result),
        chosen among ``keys`` (the department's set; every heading when None)."""
        candidates = [k for k in (keys or self.keys) if k in self.keys] or list(self.keys)
        scores = self.scores(title, *texts, department_kind=department_kind, institution=institution)
        total, words, evidence = scores.total, scores.words, scores.evidence
        ranked = sorted(candidates, key=lambda k: -total[k])
        top = total[ranked[0]]
        exp = {k: math.exp(total[k] - top) for k in ranked}
        probability = 1.0 / sum(exp.values())
        margin = probability * (1.0 - (exp[ranked[1]] if len(ranked) > 1 else 0.0))
        best, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else None)
        outside = None
        if evidence:
            fitting = max(self.keys, key=lambda k: words[k])
            best_inside = max(words[k] for k in candidates)
            if fitting not in candidates and words[fitting] >= best_inside + self.model.outside_margin:
                outside = fitting
        signs = warning_signs(scores, best, runner_up, margin)
        warn_by = self.model.warn_by
        if warn_by == "learned":
            warning = self.model.warning
            risk = warning["bias"] + sum(w * signs[name] for name, w in zip(warning["features"], warning["weights"]))
            confidence = 1.0 / (1.0 + math.exp(risk))
        else:
            confidence = margin if warn_by == "margin" else probability
        # No telling word is not a report by itself: a 安全办 record is safety by its department
        # alone; it is reported (as "无法从文字判断") when that leaves it a close call: the
        # department alone must make the guess twice as likely as all the others together.
        sure = outside is None and confidence >= self.model.threshold \
            and (evidence or probability >= DEPARTMENT_ALONE)
        return Inference(best, sure=sure, runner_up=runner_up, score=probability, margin=margin, evidence=evidence,
                         outside=outside, confidence=confidence, signs=signs)


def warning_signs(scores: Scores, best: str, runner_up: str | None, margin: float) -> dict[str, float]:
    """What a guess's likelihood of being wrong is read from (the learned warning weighs these):
    its margin, and who backs it against the runner-up: the title's words by their general
    weights, the department's prior, the whole text; and whether the title is short, as a
    form's titles are (at most :data:`SHORT_TITLE` characters: 食品安全培训).

    At one margin, a guess the title's words carry against the rest (details, the department,
    what the words mean in it) is the likelier mistake: in cross-validation on published
    summaries' sentences, at margins below 0.2, 0.5 and 0.9, guesses whose title words backed
    them by 2.5 or more were right 32%, 36% and 63% of the time, those the title's words did not
    back 62%, 73% and 93%. A form's short title is what its author meant, so the project's own
    records weigh in the fit too."""
    other = runner_up or best
    prior, total = scores.prior, scores.total
    title_say = scores.title_words[best] - scores.title_words[other]
    short = float(scores.title_length <= SHORT_TITLE)
    return {
        "margin": margin,
        "log_margin": math.log(margin + 0.001),
        "title_say": title_say,
        "prior_say": prior[best] - prior[other],
        "text_say": (total[best] - prior[best]) - (total[other] - prior[other]),
        "short_title": short,
        "short_title_say": short * title_say,
    }
