"""Category inference measured on real published summaries, and the rules it rests on."""

from __future__ import annotations

import hashlib
import math

import pytest
from docx_reading import paragraphs

from bench.classify_report import evaluate, load_real, load_records
from pipeline.document.assemble import assemble
from pipeline.document.classify import DEPARTMENT_ALONE, Classifier, Model
from pipeline.form.config import STANDARD_KEYS, Config
from pipeline.form.kinds import department_kind, institution_kind, is_kindergarten
from pipeline.form.model import Form

#: Issue 14's targets on the held-out part of the real records.
MIN_RIGHT_WITHOUT_WARNING = 0.92
MAX_WARNED = 0.15
MAX_WARNED_RIGHT = 0.60


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(Config().heading_list)


@pytest.fixture(scope="module")
def real() -> dict:
    return evaluate(load_real(), Classifier(Config().heading_list))


def infer(classifier: Classifier, title: str, *texts: str | None, department: str = "后勤处",
          organization: str = "明德小学"):
    """What build infers for a record of ``department`` at ``organization``."""
    kind = department_kind(department)
    kindergarten = is_kindergarten(institution_kind(organization))
    return classifier.infer(title, *texts, keys=Config().inference_keys(kind, kindergarten), department_kind=kind,
                            institution="幼儿园" if kindergarten else "学校")


# --- the real corpus -------------------------------------------------------------

def test_the_real_corpus_is_what_the_issue_asks_for():
    records = load_real()
    assert len(records) >= 400
    assert len({r["group"] for r in records}) >= 40  # copies of one text on several sites count once
    assert {r["institution"] for r in records} >= {"幼儿园", "小学", "中学"}
    assert len({department_kind(r["department"]) for r in records}) >= 7
    for record in records:
        assert record["source"].startswith("http") and record["heading"] and record["title"], record
        assert record["expected"] in STANDARD_KEYS and record["part"] in ("tuning", "held-out"), record


def test_the_split_is_by_document_as_recorded():
    parts: dict[str, set[str]] = {}
    for record in load_real():
        parts.setdefault(record["group"], set()).add(record["part"])
        digest = hashlib.sha1(f"worksum-real-split:{record['group']}".encode()).digest()
        assert record["part"] == ("held-out" if digest[0] < 86 else "tuning"), record
    assert all(len(p) == 1 for p in parts.values())  # no document on both sides
    held = sum(1 for r in load_real() if r["part"] == "held-out")
    assert held >= 120


@pytest.mark.xfail(strict=True, reason="issue 14's target is not reached yet: bench/classify_report.py prints "
                                       "the held-out figures (89.1% right without warning, 12.2% warned, 52.2% of "
                                       "those right, on 1,316 held-out records; 88.4% on the 225 never looked at "
                                       "before, when this was written)")
def test_held_out_records_placed_without_warning_are_right(real):
    assert real["held-out"].accuracy_sure >= MIN_RIGHT_WITHOUT_WARNING


def test_few_held_out_records_are_warned(real):
    assert real["held-out"].unsure_rate <= MAX_WARNED


def test_warned_held_out_records_are_mostly_wrong_guesses(real):
    assert real["held-out"].accuracy_unsure <= MAX_WARNED_RIGHT


def test_a_warning_means_a_likelier_mistake(real):
    held = real["held-out"]
    assert held.accuracy_sure - held.accuracy_unsure >= 0.10


def test_held_out_records_land_better_than_the_keyword_rule_did(real):
    # The jieba keyword vote this replaced placed 69% of the held-out records it could
    # place at all (form.md's four headings) under their author's heading.
    held = real["held-out"]
    assert held.accuracy >= 0.78
    assert held.accuracy_sure >= 0.85


def test_own_labelled_set_held_out_quarter_stays_right(classifier):
    held = evaluate(load_records(), classifier)["held-out"]
    assert held.total >= 60
    assert held.accuracy_sure >= 0.90 and held.unsure_rate <= 0.15


# --- the rules -------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("食品安全培训", "study"),  # the head word (培训) says what the work was
    ("外出学习差旅费报销", "finance"),
    ("开学前安全大检查", "safety"),  # 检查 is generic: what is checked decides
    ("伙食费收支公示", "finance"),  # *费 matches any fee
    ("伙食费公示", "finance"),  # 公示 is generic, never the head: the fee is what the record is about
    ("节约水电费", "finance"),  # 水电费 votes as money, not as 水电
    ("消防设施检查", "safety"),
])
def test_head_word_and_suffix_rules(classifier, title, expected):
    inference = infer(classifier, title)
    assert (inference.key, inference.sure) == (expected, True)


def test_full_width_and_case_are_one_word(classifier):
    assert infer(classifier, "六Ｔ实务管理") == infer(classifier, "六T实务管理") == infer(classifier, "六t实务管理")
    assert "六t" in classifier.words("六t实务管理")


def test_no_keyword_hides_inside_a_longer_word(classifier):
    assert "法治" not in classifier.words("学校幼儿园实行依法治园,规范收费行为")
    # Not safety (法治): the words say money; a kindergarten 后勤 summary leans to its routine, so the
    # two likeliest headings are finance and that routine, whichever comes first.
    inference = infer(classifier, "学校幼儿园实行依法治园,规范收费行为", organization="阳光幼儿园")
    assert inference.key != "safety" and "finance" in (inference.key, inference.runner_up)
    assert inference.key == "finance" or not inference.sure


def test_the_title_outweighs_the_details(classifier):
    inference = infer(classifier, "确保供暖系统正常运行", "保证师生正常工作和学习")
    assert inference.key == "duties"


def test_the_department_is_evidence(classifier):
    # The same words go where that department's author puts them.
    assert infer(classifier, "召开全体教师会议，学习上级文件", department="安全办").key == "safety"
    assert infer(classifier, "召开全体教师会议，学习上级文件", department="后勤处").key == "study"
    # A 德育 summary's own work (主题教育) is its duties; a kindergarten 后勤 one has 卫生保健.
    assert infer(classifier, "开展“红色故事我来讲”主题教育活动", department="德育处").key == "duties"
    assert infer(classifier, "严格执行晨检制度，做好全日观察", department="后勤部", organization="阳光幼儿园").key == "health"


def test_no_known_word_is_reported_not_guessed(classifier):
    inference = infer(classifier, "其他", "按计划完成。")
    assert not inference.sure and not inference.evidence


def test_a_heading_outside_the_departments_set_is_reported(classifier):
    inference = infer(classifier, "班费收支公示", "每月公布班费收支明细", department="德育处")
    assert inference.outside == "finance" and not inference.sure
    assert inference.key in Config().inference_keys("德育", False)


def test_config_keywords_still_extend_it():
    config = Config.model_validate({"headings": [{"key": "safety", "keywords": ["护苗"]}]})
    assert Classifier(config.heading_list).infer("护苗行动").key == "safety"


def test_a_heading_config_adds_can_be_chosen_in_every_department():
    config = Config.model_validate({"headings": [
        {"key": "party", "name": "党建", "title": "加强党建工作", "keywords": ["党建", "党员", "支部"]}]})
    for kind in ("后勤", "德育", None):
        assert "party" in config.inference_keys(kind, False)
    assert Classifier(config.heading_list).infer("支部党员主题党日活动", keys=config.inference_keys("后勤", False),
                                                 department_kind="后勤").key == "party"


def test_the_warning_names_both_headings_and_how_to_settle_it():
    config = Config()
    form = Form.model_validate({
        "organization": "明德小学", "campus": "东校区", "department": "后勤处", "term": "2024-2025-1",
        "date": "2025-01-10",
        "activities": [{"title": "其他"}, {"title": "消防器材采购"}, {"title": "宿舍安全检查"}],
    })
    messages = []
    summary, _ = assemble(form, config, lambda: Classifier(config.heading_list),
                          lambda path, message: messages.append((path, message)) or message)
    by_path = dict(messages)
    assert ("activities", 2) not in by_path  # sure: placed without a word
    assert "无法从文字判断分类" in by_path[("activities", 0)] and "category: " in by_path[("activities", 0)]
    warned = by_path[("activities", 1)]
    assert "分类把握不大" in warned
    first, second = warned.split("可能属于“")[1].split("”")[0], warned.split("也可能属于“")[1].split("”")[0]
    assert f"category: {first}" in warned and f"category: {second}" in warned and first != second
    assert sum(len(s.activities) for s in summary.sections) == 3  # reported, and still placed


def _heading_above(paras, needle: str) -> str:
    heading = ""
    for para in paras:
        if para.style == "Heading 1":
            heading = para.text
        elif needle in para.text and heading:  # the opening, above the first heading, may name it too
            return heading
    raise AssertionError(f"{needle} not in the document")


def test_sample_workspace_places_every_record_confidently(workspace, run):
    result = run(workspace, "build")
    assert result.exit_code == 0
    assert "分类把握不大" not in result.stderr and "无法从文字判断分类" not in result.stderr
    documents = list((workspace / "outputs").rglob("*后勤处*.docx"))
    placed = 0
    for document in documents:
        paras = paragraphs(document)
        text = "\n".join(p.text for p in paras)
        if "节约水电费" in text:
            assert _heading_above(paras, "节约水电费").endswith("规范财务管理，管好用好资产"), document
            placed += 1
        if "消防设施检查" in text:
            assert _heading_above(paras, "消防设施检查").endswith("狠抓安全管理，保障师生平安"), document
            placed += 1
    assert placed >= 8  # 节约水电费 in all six 后勤处 forms, 消防设施检查 in four


def test_every_department_kind_has_a_heading_set_of_known_headings():
    from pipeline.form.config import HEADING_SETS, OTHER_DEPARTMENT
    from pipeline.form.kinds import DEPARTMENT_KINDS

    assert set(HEADING_SETS) == set(DEPARTMENT_KINDS) | {OTHER_DEPARTMENT}
    for kind, by_institution in HEADING_SETS.items():
        assert set(by_institution) == {"学校", "幼儿园"}, kind
        for keys in by_institution.values():
            assert "duties" in keys and set(keys) <= set(STANDARD_KEYS) - {"shortcomings"}, kind
    assert "health" in Config().inference_keys("后勤", True) and "health" not in Config().inference_keys("后勤", False)
    assert "home" in Config().inference_keys("保教", True)


# --- the model's parts, on a model small enough to read ------------------------------

def _tiny_model(**changes) -> Model:
    """Two headings' worth of model: 培训 says study, 安全 says safety, a 安全 department leans safety."""
    data = {
        "position": {"head": 2.0, "title": 1.0, "generic": 0.3, "detail": 1.0, "detail_cap": 6.0,
                     "title_pairs": 1.0, "detail_pairs": 0.5},
        "keyword_weight": 1.0, "threshold": 0.6, "outside_margin": 1.5,
        "department_priors": {"安全": {"safety": 1.0}}, "institution_priors": {},
        "words": {"培训": {"study": 2.0}, "安全": {"safety": 1.0}, "驾驶员": {}},
        "keywords": {"study": ["培训"], "safety": ["安全"]}, "title_pairs": {}, "detail_pairs": {},
    }
    return Model.from_dict({**data, **changes})


def _tiny(model: Model, title: str, department_kind: str | None = "安全"):
    return Classifier(Config().heading_list, model=model).infer(title, keys=("study", "safety"),
                                                                 department_kind=department_kind)


def test_a_word_may_weigh_otherwise_in_a_kind_of_department():
    # 培训 is study in general; in a 安全 summary the model may have learned it is safety work.
    assert _tiny(_tiny_model(), "驾驶员培训").key == "study"
    learned = _tiny_model(department_words={"安全": {"培训": {"study": -1.0, "safety": 1.5}}})
    assert _tiny(learned, "驾驶员培训").key == "safety"
    assert _tiny(learned, "驾驶员培训", department_kind="后勤").key == "study"  # only in that kind


def test_the_department_may_scale_how_much_the_text_counts():
    assert _tiny(_tiny_model(), "驾驶员培训").key == "study"
    muted = _tiny_model(department_scale={"安全": 0.2})
    assert _tiny(muted, "驾驶员培训").key == "safety"  # 1.0 prior against 0.2 x 4.0 of text
    assert _tiny(muted, "驾驶员培训", department_kind="后勤").key == "study"


def test_warnings_by_margin_look_at_the_runner_up():
    by_probability, by_margin = _tiny_model(threshold=0.5), _tiny_model(threshold=0.5, warn_by="margin")
    inference = _tiny(by_probability, "安全")  # safety: prior 1.0 + head word 2.0 against 0
    assert inference.sure and inference.margin == pytest.approx(inference.score - (1 - inference.score))
    close = _tiny(by_probability, "培训安全", department_kind=None)  # 2.0 (培训) against 2.0 (安全, head)
    assert close.score == pytest.approx(0.5) and close.margin == pytest.approx(0.0)
    assert close.sure and not _tiny(by_margin, "培训安全", department_kind=None).sure


def test_a_learned_warning_reads_who_backs_the_guess():
    # 驾驶员培训 in a 安全 department: the title's head word (培训, 2 x 2.0) says study against the
    # department's prior (1.0 safety).
    inference = _tiny(_tiny_model(), "驾驶员培训")
    assert (inference.key, inference.runner_up) == ("study", "safety")
    assert inference.signs["title_say"] == pytest.approx(4.0) and inference.signs["prior_say"] == pytest.approx(-1.0)
    assert inference.signs["text_say"] == pytest.approx(4.0) and inference.signs["short_title"] == 1.0
    # A warning that distrusts a guess carried by the title against the department warns it,
    # whatever the margin; with no weight on that, the same margin is sure.
    wary = {"features": ["margin", "title_say"], "weights": [-4.0, 1.0], "bias": 0.0}
    trusting = {"features": ["margin", "title_say"], "weights": [-4.0, 0.0], "bias": 0.0}
    assert not _tiny(_tiny_model(warn_by="learned", warning=wary, threshold=0.5), "驾驶员培训").sure
    sure = _tiny(_tiny_model(warn_by="learned", warning=trusting, threshold=0.5), "驾驶员培训")
    assert sure.sure and sure.confidence == pytest.approx(1 / (1 + math.exp(-4.0 * inference.margin)))


def test_a_guess_from_the_department_alone_must_be_clear(classifier):
    # A 德育 record nearly always is its routine work; a 后勤 one is a coin flip between
    # routine and training, and is reported.
    moral = infer(classifier, "其他", department="德育处")
    assert (moral.key, moral.sure, moral.evidence) == ("duties", True, False) and moral.score >= DEPARTMENT_ALONE
    logistics = infer(classifier, "其他")
    assert not logistics.sure and not logistics.evidence and logistics.score < DEPARTMENT_ALONE
