"""Text a principal signs: the sample documents' wording is grounded in their forms.

Both sample workspaces (the school's at the repository root, the kindergarten's in
examples/启明幼儿园) are built once; the tests read every document they give:
a kindergarten's words, no generated sentence shared between campuses, every
number traceable to the form, groups as sub-headings, approximate figures.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import HEAD, ROOT, worksum, write_form
from docx_text import Para, paragraphs

from pipeline.form.config import Config
from pipeline.proofread.proofreader import content, copies_between
from pipeline.text.chinese import sentence
from pipeline.wording.filters import span

KINDERGARTEN = ROOT / "examples" / "启明幼儿园"
BODY = ("Normal",)  # the paragraphs worksum words: not the title, headings or signature


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Both sample workspaces, copied and built: name → workspace root."""
    roots = {}
    school = tmp_path_factory.mktemp("school")
    shutil.copy(ROOT / "config.yaml", school / "config.yaml")
    shutil.copytree(ROOT / "inputs", school / "inputs")
    kindergarten = tmp_path_factory.mktemp("kindergarten") / "启明幼儿园"
    shutil.copytree(KINDERGARTEN, kindergarten, ignore=shutil.ignore_patterns("outputs"))
    for name, root in (("school", school), ("kindergarten", kindergarten)):
        result = worksum("build", cwd=root)
        assert result.returncode == 0, result.stderr.decode()
        roots[name] = root
    return roots


def documents(root: Path) -> list[tuple[Path, Path]]:
    """(document, its form) for every document built in ``root``."""
    pairs = []
    for form in sorted((root / "inputs").rglob("*.yaml")):
        data = yaml.safe_load(form.read_text(encoding="utf-8"))
        found = list((root / "outputs" / str(data["term"])).glob(f"{data['campus']}/*{data['department']}*.docx"))
        assert len(found) == 1, form
        pairs.append((found[0], form))
    assert pairs
    return pairs


def body(paras: list[Para]) -> list[str]:
    return [p.text for p in paras if p.style in BODY and p.text]


# --- a kindergarten's words ---------------------------------------------------------

def test_a_kindergartens_documents_use_its_own_words(built):
    for document, form in documents(built["kindergarten"]):
        paras = paragraphs(document)
        text = "\n".join(p.text for p in paras)
        written = form.read_text(encoding="utf-8")
        for word in ("学校", "师生", "教学", "学生", "全校", "校区"):
            assert text.count(word) <= written.count(word), (document.name, word)
        assert "全园" in text or "师幼" in text or "幼儿" in text, document.name
    houqin = paragraphs(next(d for d, _ in documents(built["kindergarten"]) if "东园区后勤部" in d.name))
    assert "三、狠抓安全管理，保障师幼平安" in [p.text for p in houqin]
    baojiao = paragraphs(next(d for d, _ in documents(built["kindergarten"]) if "东园区保教部" in d.name))
    assert [p.text for p in baojiao if p.style == "Heading 1"][:3] == [
        "一、加强园本教研，促进教师专业成长", "二、落实一日活动常规，提高保教质量", "三、强化安全教育，守护幼儿平安"]


def test_a_schools_documents_keep_a_schools_words(built):
    for document, _ in documents(built["school"]):
        headings = [p.text for p in paragraphs(document) if p.style == "Heading 1"]
        assert not any("师幼" in h or "幼儿" in h for h in headings), document.name
    houqin = next(d for d, _ in documents(built["school"]) if "本部校区后勤处2024" in d.name)
    assert "三、狠抓安全管理，保障师生平安" in [p.text for p in paragraphs(houqin)]


# --- no generated copy ----------------------------------------------------------------

def test_no_sentence_worksum_writes_is_shared_between_campuses(built):
    """worksum's own copy check, run over the documents' text: a shared sentence is allowed
    only where both campuses' forms wrote it themselves (an activity's title, say)."""
    checked = 0
    for root in built.values():
        by_term: dict[str, list] = {}
        written: dict[tuple, str] = {}
        for document, form in documents(root):
            term, campus = document.parent.parent.name, document.parent.name
            by_term.setdefault(term, []).append(((campus, document.name), body(paragraphs(document))))
            written[(campus, document.name)] = content(form.read_text(encoding="utf-8"))
        for term, docs in by_term.items():
            assert len({owner[0] for owner, _ in docs}) >= 2, term
            checked += sum(len(paragraphs) for _, paragraphs in docs)
            owners = [(owner[0], paragraphs) for owner, paragraphs in docs]
            names = {id(paragraphs): owner for owner, paragraphs in docs}
            copies = copies_between(owners, Config())
            generated = []
            for copy in copies:
                mine = any(content(copy.sentence) in text for (campus, _), text in written.items()
                           if campus == copy.owner)
                theirs = any(content(copy.other_sentence) in text for (campus, _), text in written.items()
                             if campus == copy.other_owner)
                if not (mine and theirs):
                    generated.append((term, copy.owner, copy.sentence, copy.other_owner, copy.other_sentence))
            assert generated == [], names and generated
    assert checked > 100


# --- every number from the form -------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ITEM = re.compile(r"^\d+\.")


def _numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(text)}


def _previous_form(form: Path, root: Path) -> Path | None:
    data = yaml.safe_load(form.read_text(encoding="utf-8"))
    for other in (root / "inputs").rglob("*.yaml"):
        old = yaml.safe_load(other.read_text(encoding="utf-8"))
        if (old["campus"], old["department"]) == (data["campus"], data["department"]) and \
                str(old["term"]) < str(data["term"]):
            return other
    return None


def _allowed(document: Path, form: Path, root: Path) -> set[float]:
    """The numbers the form gives, and what adding up and comparing them gives."""
    data = yaml.safe_load(form.read_text(encoding="utf-8"))
    allowed = _numbers(form.read_text(encoding="utf-8"))
    previous_form = _previous_form(form, root)
    last = yaml.safe_load(previous_form.read_text(encoding="utf-8")) if previous_form else {}
    last_values = {c["item"]: c["value"] for c in last.get("counts") or []}
    activities = {a["title"]: a for a in data.get("activities") or []}

    def totals(group: list[dict]) -> set[float]:
        peopled = [a["participants"] for a in group if a.get("participants")]
        return {len(group), sum(a.get("times") or 0 for a in group), sum(peopled),
                max(peopled, default=0)}

    # The activities under each heading, read from the document's own items.
    sections, current = [], None
    for para in paragraphs(document):
        if para.style == "Heading 1":
            current = []
            sections.append(current)
        elif current is not None and _ITEM.match(para.text):
            title = para.text.split("。", 1)[0].split(".", 1)[1]
            if title in activities:
                current.append(activities[title])
    for group in [*sections, list(activities.values())]:
        allowed |= totals(group)
    incidents = data.get("incidents") or []
    allowed |= {len(incidents), len(data.get("shortcomings") or []), len(data.get("plans") or []),
                sum(1 for i in incidents if i.get("resolved") in (False, "否"))}
    for count in data.get("counts") or []:
        value = float(str(count["value"]).strip("约近多余以上"))
        previous = count.get("previous", last_values.get(count["item"]))
        if previous is not None and float(previous):
            allowed.add(round(abs(value - float(previous)) / abs(float(previous)) * 100, 1))
            allowed.add(round(abs(value - float(previous)), 2))
    return allowed


def test_every_number_worksum_writes_comes_from_the_form(built):
    looked = 0
    for root in built.values():
        for document, form in documents(root):
            allowed = _allowed(document, form, root)
            for para in paragraphs(document):
                text = _ITEM.sub("", para.text)
                for number in _numbers(text):
                    looked += 1
                    assert any(abs(number - a) < 0.051 for a in allowed), (document.name, number, para.text)
    assert looked > 500


def test_the_number_check_would_see_an_invented_number(built):
    document, form = documents(built["school"])[0]
    allowed = _allowed(document, form, built["school"])
    assert 1454 in allowed or 2198 in allowed or allowed  # the form's own totals are there
    assert not any(abs(9999 - a) < 0.051 for a in allowed) and not any(abs(45.3 - a) < 0.051 for a in allowed)


# --- groups and approximate figures ---------------------------------------------------

def test_groups_are_sub_headings_with_their_own_numbering(built):
    document = next(d for d, _ in documents(built["kindergarten"]) if "东园区后勤部" in d.name)
    paras = paragraphs(document)
    start = next(i for i, p in enumerate(paras) if p.text.startswith("二、"))
    end = next(i for i in range(start + 1, len(paras)) if paras[i].style == "Heading 1")
    section = [(p.style, p.text.split("。", 1)[0]) for p in paras[start + 1:end]]
    assert section == [
        ("Normal", "本学期维修桌椅和教玩具100多件，更换户外防护软垫约160平方米"),  # figures: no lead to join
        ("Heading 2", "（一）保育员工作"),
        ("Normal", "1.班级消毒与生活护理检查"),
        ("Heading 2", "（二）营养员工作"),
        ("Normal", "1.带量食谱与营养分析"),
        ("Normal", "2.食堂“六T”现场管理"),
        # the activity without a group is a group of its own, last: no 1. beside （一）
        ("Heading 2", "（三）其他工作"),
        ("Normal", "1.暑期园舍设施维修"),
    ]


def test_approximate_figures_keep_their_marker_and_claim_no_percentage(built):
    text = "\n".join(p.text for d, _ in documents(built["kindergarten"]) for p in paragraphs(d))
    assert "维修桌椅和教玩具100多件" in text and "更换户外防护软垫约160平方米" in text
    assert "维修桌椅和教玩具80余件" in text
    assert not re.search(r"(100多件|约160平方米|80余件)，较上", text)


def test_approximate_values_written_in_the_form(tmp_path, run):
    paras = _build(tmp_path, run, """\
        counts:
          - item: 维修课桌凳
            value: 100多
            unit: 套
            category: duties
            previous: 86
          - item: 参加家长
            value: 30
            approx: 以上
            unit: 人
            category: duties
          - item: 更换水管
            value: 近80
            unit: 米
            category: duties
        """)
    assert "本学期维修课桌凳100多套，参加家长30人以上，更换水管近80米。" in [p.text for p in paras]
    result = run(tmp_path, "validate", str(write_form(tmp_path, HEAD + "counts:\n  - item: a\n    value: 3\n"
                                                     "    approx: 大约\n", "bad.yaml")))
    assert "未知的约数写法 \"大约\"，应为 约、近、多、余、以上 之一" in result.stderr


# --- small faults ---------------------------------------------------------------------


def _build(folder: Path, run, body_text: str, head: str = HEAD, config: str | None = None) -> list[Para]:
    if config is not None:
        (folder / "config.yaml").write_text(config, encoding="utf-8")
    form = write_form(folder, head + textwrap.dedent(body_text))
    out = folder / "out.docx"
    result = run(folder, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    return paragraphs(out)


def test_a_range_within_one_year_says_the_year_once():
    import datetime as dt

    from pipeline.form.fields import DateSpan

    assert span(DateSpan(dt.date(2024, 10, 8), dt.date(2024, 11, 30))) == "2024年10月8日至11月30日"
    assert span(DateSpan(dt.date(2024, 8, 26), dt.date(2024, 8, 30))) == "2024年8月26日至30日"
    assert span(DateSpan(dt.date(2024, 9, 1), dt.date(2024, 12, 1), True)) == "2024年9月至12月"
    assert span(DateSpan(dt.date(2024, 9, 1), dt.date(2025, 1, 10))) == "2024年9月1日至2025年1月10日"


def test_a_sentence_ends_once_and_right():
    assert sentence("开展“六T”管理") == "开展“六T”管理。"  # a closing quote is not a full stop
    assert sentence("他说：“好。”") == "他说：“好。”"
    assert sentence("提升三大员队伍整体素质:") == "提升三大员队伍整体素质。"  # never “素质:。”
    assert sentence("提升整体素质：") == "提升整体素质。"
    assert sentence("共发现问题3处（已整改）") == "共发现问题3处（已整改）。"


def test_an_activity_is_worded_without_the_small_faults(tmp_path, run):
    paras = _build(tmp_path, run, """\
        activities:
          - title: 青年教师公开课
            category: duties
            date: 2024-11
          - title: 食堂“六T”管理
            category: duties
            details: 张贴“每日清洁检查表”
          - title: 安全隐患排查
            category: safety
            times: 5
            result: 共发现隐患7处，均已整改。
          - title: 班组长培训
            category: study
            date: 2024-10-08 ~ 2024-11-30
            details: "提升班组长整体素质:"
        """)
    text = [p.text for p in paras]
    assert "1.青年教师公开课。开展于2024年11月。" in text  # not “2024年11月，”
    assert "2.食堂“六T”管理。张贴“每日清洁检查表”。" in text
    assert "1.安全隐患排查。开展5次，共发现隐患7处，均已整改。" in text  # not “共开展5次。共发现…”
    assert "1.班组长培训。2024年10月8日至11月30日，提升班组长整体素质。" in text


# --- department sets, institution kind, leads -----------------------------------------

ONE_OF_EACH = """\
    activities:
      - title: 主题班会观摩
        category: duties
        participants: 120
      - title: 文明班级评比
        category: duties
        participants: 960
      - title: 疏散演练
        category: safety
        details: 全体参加。
      - title: 德育干部培训
        category: study
        details: 集中学习一次。
      - title: 经费核算
        category: finance
        details: 每月核对。
    incidents: []
    """


@pytest.mark.parametrize("department, duties, safety", [
    ("政教处", "抓好常规管理，培养良好习惯", "加强安全和法治教育，守护学生平安"),
    ("安全办", "落实安全责任，做好日常防范", "强化隐患排查和应急演练，保障师生平安"),
    ("财务室", "做好核算和报账，服务教育教学", "落实资金和资产安全"),
    ("办公室", "做好文字、会务和接待工作", "狠抓安全管理，保障师生平安"),
    ("总务处", "明确岗位职责，做好服务保障", "狠抓安全管理，保障师生平安"),
    ("卫生保健室", "健全卫生制度，做好日常管理", "狠抓安全管理，保障师生平安"),
    ("家长学校", "做好日常工作，畅通家校沟通", "狠抓安全管理，保障师生平安"),
    ("校长室", "明确岗位职责，做好服务保障", "狠抓安全管理，保障师生平安"),  # no set of its kind: default
])
def test_a_departments_name_chooses_its_template_set(tmp_path, run, department, duties, safety):
    paras = _build(tmp_path, run, ONE_OF_EACH, head=HEAD.replace("后勤处", department))
    headings = [p.text for p in paras if p.style == "Heading 1"]
    assert headings[1] == f"二、{duties}" and headings[2] == f"三、{safety}"


HEALTH_ROOM = """\
    activities:
      - title: 保育员消毒操作培训
        category: study
        times: 3
        participants: 54
        details: 保健医生示范消毒液配比，保育员逐一练习。
      - title: 传染病防控知识学习
        category: study
        participants: 36
        details: 学习症状识别和隔离要求。
      - title: 幼儿秋季健康体检
        category: health
        participants: 312
        details: 与社区卫生服务中心合作，为全园幼儿测量身高、体重。
      - title: 带量食谱与营养分析
        category: health
        times: 4
        details: 每月计算一次营养素摄入量。
    incidents: []
    """


def test_a_health_room_and_a_parents_school_have_sets_of_their_own(tmp_path, run):
    """卫生保健 and 家校 departments had the default (后勤-shaped) set: 开展重点工作7项, 加强学习培训，提高队伍素质,
    明确岗位职责，做好服务保障 over a 保健室's routine, and a closing aimed at 把各项工作做细做实."""
    head = HEAD.replace("明德实验学校", "向阳花幼儿园").replace("东湖校区", "南园区").replace("后勤处", "卫生保健室")
    (tmp_path / "health").mkdir()
    text = [p.text for p in _build(tmp_path / "health", run, HEALTH_ROOM, head=head) if p.text]
    assert text[1] == ("本学期，南园区卫生保健室开展卫生保健工作4项，参与402人次，其中幼儿秋季健康体检规模最大（312人次）；"
                       "本园区未发生安全责任事故。现总结如下：")
    assert "一、加强业务培训，提高卫生保健水平" in text
    assert "本学期共组织卫生保健业务培训2项，参训90人次，其中保育员消毒操作培训人数最多。" in text
    assert "三、做好卫生保健，促进健康成长" in text
    assert text[-3] == "总之，本学期卫生保健室完成了4项重点工作，今后我们将继续守护好每一名幼儿的健康。"
    assert not any("开展重点工作" in t or "提高队伍素质" in t or "做细做实" in t for t in text)
    (tmp_path / "home").mkdir()
    text = [p.text for p in _build(tmp_path / "home", run, """\
        activities:
          - title: 班主任家庭教育指导培训
            category: study
            times: 2
            participants: 64
          - title: 家访工作培训
            category: study
            times: 1
            participants: 48
          - title: 家长学校专题课
            category: home
            times: 4
            participants: 1520
            details: 按年级开设习惯养成等专题。
          - title: 家长来访接待
            category: duties
            details: 每周二下午由专人接待家长来访。
        incidents: []
        """, head=HEAD.replace("后勤处", "家长学校")) if p.text]
    assert text[1].startswith("本学期，东湖校区家长学校开展家校共育工作4项，参与1632人次，")
    assert "一、加强学习培训，提高家庭教育指导能力" in text
    assert "二、做好日常工作，畅通家校沟通" in text
    assert "本学期共组织家庭教育指导培训2项3次，参加112人次，其中班主任家庭教育指导培训人数最多。" in text
    assert text[-3] == "总之，本学期家长学校完成了4项重点工作，今后我们将继续密切家校联系，与家长一道促进学生成长。"


def test_a_research_office_has_a_set_of_its_own(tmp_path, run):
    """教科研 departments (教科室, 教研室) had the default set: 开展重点工作, 加强学习培训，提高队伍素质 over
    teachers' reading, 明确岗位职责，做好服务保障 over 课题研究, and a closing aimed at 把各项工作做细做实."""
    text = [p.text for p in _build(tmp_path, run, """\
        activities:
          - title: 青年教师读书沙龙
            category: study
            times: 4
            participants: 88
            details: 每月共读一本教育专著，轮流主讲读书体会。
          - title: 新课标专题学习
            category: study
            times: 2
            participants: 120
            details: 分学科解读课程标准的变化。
          - title: 区级课题中期汇报
            category: duties
            details: 两项区级课题组整理阶段资料，在全校教研会上汇报研究进展。
        incidents: []
        """, head=HEAD.replace("后勤处", "教科室")) if p.text]
    assert text[1].startswith("本学期，东湖校区教科室开展教科研工作3项，参与208人次，")
    assert "一、加强理论学习，提升专业素养" in text
    assert "二、深化课题研究，推进校本教研" in text
    assert text[-3] == "总之，本学期教科室完成了3项重点工作，今后我们将继续以研促教，推动教师专业成长。"
    assert not any("开展重点工作" in t or "提高队伍素质" in t or "做好服务保障" in t or "做细做实" in t for t in text)


def test_config_yaml_overrides_the_set_and_names_the_institution(tmp_path, run):
    paras = _build(tmp_path, run, ONE_OF_EACH, head=HEAD.replace("后勤处", "政教处"),
                   config="templates:\n  政教处: default\ninstitution: 幼儿园\n")
    headings = [p.text for p in paras if p.style == "Heading 1"]
    assert headings[1:3] == ["二、明确岗位职责，做好服务保障", "三、狠抓安全管理，保障师幼平安"]
    assert "截至2025年1月16日，本园区本学期未发生安全责任事故。" in [p.text for p in paras]
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.yaml").write_text("institution: 幼儿圆\n", encoding="utf-8")
    result = run(other, "validate", str(write_form(other, HEAD)))
    assert "未知的单位类型 \"幼儿圆\"，是否应为 \"幼儿园\"？" in result.stderr


def test_a_title_config_yaml_wrote_is_not_reworded_by_a_set(tmp_path, run):
    paras = _build(tmp_path, run, ONE_OF_EACH, head=HEAD.replace("后勤处", "政教处"),
                   config="headings:\n  - key: safety\n    title: 守住校园安全底线\n")
    assert "三、守住校园安全底线" in [p.text for p in paras]


#: ONE_OF_EACH with 人次 under a second heading too, so the opening's total is not the duties heading's.
PEOPLED_ELSEWHERE = ONE_OF_EACH.replace("        details: 全体参加。\n", "        details: 全体参加。\n        participants: 60\n")


def test_a_lead_sums_up_its_heading_or_is_left_out(tmp_path, run):
    paras = _build(tmp_path, run, PEOPLED_ELSEWHERE)
    text = [p.text for p in paras]
    duties = text.index("二、明确岗位职责，做好服务保障")
    # Two activities give 人次: the lead adds them up and names the larger.
    assert text[duties + 1] == "本学期日常保障工作共2项，参与1080人次，其中文明班级评比涉及的人最多，达960人次。"
    # One activity alone: no lead, its item follows the heading.
    safety = text.index("三、狠抓安全管理，保障师生平安")
    assert text[safety + 1].startswith("1.疏散演练。全体参加。")


def test_a_lead_works_for_a_heading_config_yaml_adds(tmp_path, run):
    config = ("headings:\n  - key: moral\n    name: 德育\n    title: 加强德育工作，培养良好习惯\n"
              "    keywords: [班会, 评比]\n")
    paras = _build(tmp_path, run, PEOPLED_ELSEWHERE.replace("category: duties", "category: moral"), config=config)
    text = [p.text for p in paras]
    moral = next(i for i, t in enumerate(text) if t.endswith("加强德育工作，培养良好习惯"))
    assert text[moral + 1] == "本学期德育方面共开展工作2项，参与1080人次，其中文明班级评比人数最多。"


def test_the_opening_and_closing_state_the_forms_highlights(built):
    document = next(d for d, _ in documents(built["school"]) if "本部校区后勤处2024" in d.name)
    text = [p.text for p in paragraphs(document) if p.text]
    assert text[1] == ("本学期，本部校区后勤处完成后勤保障工作8项，参与2198人次，其中消防设施月度巡查与疏散演练规模最大"
                       "（1860人次）；维修课桌凳124套，本校区发生安全事件2起。现总结如下：")  # how it moved: under 二
    # The plans are listed last; no closing says two of them again (see test_said_once.py).
    assert text[-3] == "3.梳理采购审批流程，为常用耗材建立安全库存。"


def test_new_term_moves_an_approximate_value_to_previous_as_a_number(tmp_path, run):
    folder = tmp_path / "inputs" / "2024-2025-1" / "东湖校区"
    folder.mkdir(parents=True)
    write_form(folder, HEAD + "counts:\n  - item: 维修课桌凳\n    value: 100多\n    unit: 套\n"
                              "  - item: 更换水管\n    value: 80\n    approx: 约\n    unit: 米\n", "后勤处.yaml")
    assert run(tmp_path, "new-term", "2024-2025-1", "2024-2025-2").exit_code == 0
    text = (tmp_path / "inputs" / "2024-2025-2" / "东湖校区" / "后勤处.yaml").read_text(encoding="utf-8")
    assert re.search(r"previous: 100 +# 上学期（2024—2025学年第一学期）的数值，约数（多）", text)
    assert re.search(r"previous: 80 +# 上学期（2024—2025学年第一学期）的数值，约数（约）", text)
    assert re.search(r"approx: +# 上学期：约；本期数值是约数时再填写", text)


@pytest.mark.parametrize("department", ["后勤部", "保教部", "教务处", "德育处", "安全办", "财务室", "办公室", "卫生保健室",
                                        "家委会", "园长室"])
def test_every_built_in_set_speaks_a_kindergartens_words(tmp_path, run, department):
    head = HEAD.replace("明德实验学校", "青禾幼儿园").replace("东湖校区", "南园区").replace("后勤处", department)
    form = ONE_OF_EACH.replace("    incidents: []\n", """\
    counts:
      - item: 维修桌椅
        value: 40
        unit: 套
        category: duties
        previous: 30
    incidents: []
    shortcomings:
      - 个别岗位人手偏紧。
    plans:
      - 下学期增补一名保育员。
    """)
    paras = _build(tmp_path, run, form, head=head)
    text = "\n".join(p.text for p in paras)
    for word in ("学校", "师生", "教学", "学生", "全校", "校区"):
        assert word not in text, (department, word)
    assert "本园区未发生安全责任事故" in text  # a campus's document: not 全园, nor 本校区


# --- faults a principal would stop at ----------------------------------------------

def _all_text(built) -> dict[str, list[str]]:
    return {document.name: body(paragraphs(document))
            for root in built.values() for document, _ in documents(root)}


def test_a_connective_is_not_glued_to_a_time_that_opens_a_plan(built):
    glued = re.compile(r"(首先|同时|其次)(下学期|下学年|寒假|暑假|入冬|开学|明年|今后)")
    for name, text in _all_text(built).items():
        assert not [t for t in text if glued.search(t)], name


def test_an_opening_never_reads_yi_hou(built):
    """以后勤人员业务学习规模最大 reads as 以后 (afterwards) at first sight."""
    for name, text in _all_text(built).items():
        assert "规模最大" not in text[0] or "，其中" in text[0], name
        assert "，以后" not in text[0], name


def test_a_number_an_item_states_is_not_said_again_around_it(built):
    texts = _all_text(built)
    donghu = next(t for n, t in texts.items() if "东湖校区教务处2024" in n)
    assert sum(t.count("86500元") for t in donghu) == 1  # the item says it; the lead does not repeat it
    assert "3.学籍管理与转学手续办理。按省学籍系统要求完成新生学籍注册和信息核对，本学期办理转入转出手续23人次，" \
           "做到材料齐全、一人一档。" in donghu  # no 共开展23次 after it
    benbu = next(t for n, t in texts.items() if "本部校区后勤处2024" in n)
    assert any(t.startswith("1.消防设施月度巡查与疏散演练。后勤处配合安全办逐月检查") for t in benbu)  # 11月8日 once
    assert not any("两次按楼层核对" in t and "共开展2次" in t for t in benbu)
    old = next(t for n, t in texts.items() if "东湖校区后勤处2023" in n)
    # The item alone: not a lead between, nor the opening (宿舍报修处理142件 has no last term to move from,
    # so the opening said word for word what its item says; test_said_once.py).
    assert sum(t.count("142件") for t in old) == 1
    for name, text in texts.items():
        for t in text:
            assert "的的" not in t and "。。" not in t and "，，" not in t, (name, t)
            assert not re.search(r"(?<![\d.])(\d+)(人次|次).*共开展\1次", t), (name, t)


def test_the_opening_does_not_give_the_same_number_twice(built):
    texts = _all_text(built)
    benbu = next(t for n, t in texts.items() if "本部校区教务处2023" in n)
    # not 教师培训185人次 again, nor 听课评课312节 (no last term: 二 says just that, test_said_once.py)
    assert benbu[0] == "本学期，本部校区教务处开展教务工作4项，参与243人次，其中教师暑期网络研修规模最大（185人次）。现总结如下："
    binjiang = next(t for n, t in texts.items() if "滨江校区教务处2024" in n)
    # The opening gives a figure's value, not how it moved (its heading does): 教师培训132人次 beside
    # 参与132人次 would now say the same number twice, so the next risen figure is named.
    assert "其中新入职教师岗前培训与跟岗学习共有132人次参与；集体备课54次，" in binjiang[0]
    assert "教师培训132人次" not in binjiang[0]


# --- sentences a principal would not sign unchanged ------------------------------------

def test_the_opening_is_sentences_not_one_comma_chain(built):
    """The busiest item and the headline figure are parts of one list (；), and 现总结如下 is a
    sentence of its own, not a clause glued to a figure. (The safety record stays a clause of the
    figure's part: alone, 本园区未发生安全责任事故 would be the same sentence in every campus's document.)"""
    texts = _all_text(built)
    donghu = next(t for n, t in texts.items() if "东湖校区后勤处2024" in n)
    assert donghu[0] == ("本学期，东湖校区后勤处完成后勤保障工作8项，参与1454人次，其中宿舍楼消防隐患排查与夜间疏散演练"
                         "规模最大（1240人次）；节约水电费12600元，本校区发生安全事件2起。现总结如下：")
    xiyuan = next(t for n, t in texts.items() if "西园区后勤部" in n)
    # No figure to name (维修桌椅和教玩具80余件 has nothing to move from; 二 says it): the safety record
    # is then a part of its own, after ；.
    assert xiyuan[0] == ("本学期，西园区后勤部完成后勤保障工作8项，参与177人次，其中后勤人员业务学习规模最大（117人次）；"
                         "本园区未发生安全责任事故。现总结如下：")
    for name, text in texts.items():
        assert text[0].endswith("。现总结如下：") and "，现总结如下" not in text[0], name


def test_an_opening_without_activities_is_a_sentence(tmp_path, run):
    paras = _build(tmp_path, run, """\
        counts:
          - item: 维修课桌椅
            value: 112
            unit: 套
        incidents: []
        """)
    # was: 本学期，东湖校区后勤处的后勤工作，全校未发生安全责任事故，现总结如下：
    assert [p.text for p in paras][2] == "本学期，本校区未发生安全责任事故。现将东湖校区后勤处的工作总结如下："


def test_an_incidents_handling_reads_as_prose_without_a_form_label(built):
    texts = _all_text(built)
    benbu = next(t for n, t in texts.items() if "本部校区后勤处2024" in n)
    assert ("本学期共发生安全事件2起，均已处理完毕：2024年10月15日，教学楼四层男卫生间进水阀门破裂，走廊短时积水。"
            "水电工15分钟内关闭总阀并更换阀门，保洁员随即清理积水并放置防滑提示牌。") in benbu
    dongyuan = next(t for n, t in texts.items() if "东园区后勤部" in n)
    assert ("本学期发生安全事件1起：2024年10月22日，中二班一名幼儿户外活动时在滑梯出口处摔倒，膝盖擦伤。"
            "保健医生当即清洗消毒并通知家长，后勤部当天在滑梯出口加铺了防滑垫。") in dongyuan
    for name, text in texts.items():
        assert not any("处理情况：" in t for t in text), name


def test_figures_that_carry_a_comparison_are_separated_by_semicolons(built):
    """维修课桌凳124套，较上学期增长44.2%，校舍维修项目35项 left the reader to guess which item grew."""
    texts = _all_text(built)
    benbu = next(t for n, t in texts.items() if "本部校区后勤处2024" in n)
    assert "本学期维修课桌凳124套，较上学期增长44.2%；校舍维修项目35项，较上学期增长29.6%；食品留样合格率100%。" in benbu
    dongyuan = next(t for n, t in texts.items() if "东园区后勤部" in n)
    assert "本学期幼儿伙食费结余率1.8%，较上学期降低0.8个百分点；节约水电费8600元，较上学期增长19.4%。" in dongyuan
    old = next(t for n, t in texts.items() if "本部校区后勤处2023" in n)
    assert "本学期维修课桌凳86套，校舍维修项目27项。" in old  # no comparison inside an item: commas suffice


def test_a_lead_does_not_say_its_verb_twice(built):
    """参加632人次，其中教研组主题教研活动参加的人最多: the verb that gives the total is not repeated."""
    texts = _all_text(built)
    benbu = next(t for n, t in texts.items() if "本部校区后勤处2024" in n)
    assert "本学期共组织后勤人员学习培训2项11次，参训338人次，其中后勤职工政策法规与业务知识学习人数最多。" in benbu
    for name, text in texts.items():
        for t in text:
            assert not re.search(r"(参与|参加)\d+人次，其中[^，。]*\1的人最多", t), (name, t)
            assert "参加的人最多" not in t, (name, t)  # 参训…人次，其中…人数最多: one wording in every set
