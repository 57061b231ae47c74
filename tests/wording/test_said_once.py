"""Each thing said once: a lead does not repeat the opening's 人次, a campus's document does
not claim 全校, a one-campus roll-up does not count its incidents twice, and no closing says
again the plans listed just above it. The department sets' leads are one sentence, the
default set's, with their own words in blocks, as their openings and closings are.

The sample workspaces (the school's and the kindergarten's) are built once, and the school's
with only 本部校区's forms for the one-campus roll-up.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import textwrap
from pathlib import Path

import docx
import pytest
from conftest import HEAD, ROOT, worksum, write_form
from docx_text import headings, paragraphs

from pipeline.workspace import templatesets

BODY = ("Normal",)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The school's workspace, the kindergarten's, and the school's with one campus: built and
    rolled up; name → workspace root."""
    roots = {}
    for name, source in (("school", ROOT), ("kindergarten", ROOT / "examples" / "启明幼儿园"), ("one", ROOT)):
        root = tmp_path_factory.mktemp(name)
        shutil.copy(source / "config.yaml", root / "config.yaml")
        shutil.copytree(source / "inputs", root / "inputs")
        if name == "one":  # 东湖校区 and 滨江校区 have not sent their forms yet
            for campus in ("东湖校区", "滨江校区"):
                for folder in (root / "inputs").glob(f"*/{campus}"):
                    shutil.rmtree(folder)
        result = worksum("build", cwd=root)
        assert result.returncode == 0, result.stderr.decode()
        for term in sorted(p.name for p in (root / "inputs").iterdir()):
            result = worksum("rollup", "--term", term, cwd=root)
            assert result.returncode == 0, result.stderr.decode()
        roots[name] = root
    return roots


def texts(root: Path, name_part: str) -> list[str]:
    """The body paragraphs of the one document of ``root`` whose file name holds ``name_part``."""
    found = [d for d in (root / "outputs").rglob("*.docx") if name_part in d.name]
    assert len(found) == 1, (name_part, found)
    return [p.text for p in paragraphs(found[0]) if p.style in BODY and p.text]


def campus_documents(root: Path) -> list[Path]:
    return sorted(d for d in (root / "outputs").rglob("*.docx") if d.parent.name != "汇总")


# --- 1. a lead leaves out the 人次 the opening gave -----------------------------------

def body_paragraphs(folder: Path, run, form: Path) -> list[str]:
    """Build one form and return its document's body paragraphs (headings left out)."""
    out = folder / "out.docx"
    assert run(folder, "build", str(form), "-o", str(out)).exit_code == 0
    return [p.text for p in paragraphs(out) if p.style in BODY and p.text]


def test_a_lead_leaves_out_the_people_the_opening_gave(built):
    binjiang = texts(built["school"], "滨江校区后勤处2024")
    assert "参与261人次，其中后勤队伍作风建设学习规模最大（204人次）" in binjiang[0]
    # The study heading holds both activities that give 人次: no lead, its items follow.
    assert binjiang[1].startswith("1.新校区设施设备操作培训。")
    assert not any("参训261人次" in t for t in binjiang)  # was: 参训261人次，其中后勤队伍作风建设学习人数最多
    donghu = texts(built["school"], "东湖校区教务处2024")
    assert "参与632人次，其中教研组主题教研活动规模最大（356人次）" in donghu[0]
    # No lead: its 人次 are the opening's, and 3项22次 was no total (跨校区同课异构 gives no 次);
    # the figures stand as their own sentence.
    assert donghu[1] == "本学期听课评课264节，较上学期增长11.9%；公开课21节，较上学期增长16.7%。"
    assert not any("参加632人次" in t for t in donghu)


def test_a_lead_keeps_the_people_the_opening_did_not_give(built):
    benbu = texts(built["school"], "本部校区后勤处2024")
    assert "参与2198人次" in benbu[0]  # the whole document's; the study heading holds 338 of them
    assert "本学期共组织后勤人员学习培训2项11次，参训338人次，其中后勤职工政策法规与业务知识学习人数最多。" in benbu


def test_no_lead_repeats_its_openings_people_in_any_document(built):
    checked = 0
    for root in built.values():
        for document in (root / "outputs").rglob("*.docx"):
            text = [p.text for p in paragraphs(document) if p.style in BODY and p.text]
            said = re.search(r"参与(\d+)人次", text[0])
            if not said:
                continue
            again = re.compile(rf"(参训|参加|参与){said.group(1)}人次")
            leads = [t for t in text[1:] if not re.match(r"\d+\.", t)]  # items print the form's own 人次
            assert not [t for t in leads if again.search(t)], document.name
            checked += 1
    assert checked >= 20


def test_a_roll_up_lead_leaves_out_the_people_its_opening_gave(built):
    academic = texts(built["school"], "教务处2024—2025学年第一学期工作汇总")
    assert "参与1858人次" in academic[0]
    assert not any("参加1858人次" in t for t in academic)
    assert not any(t.startswith("本学期共组织教研和培训活动") for t in academic)  # 7项76次 was no total


# --- a total of 次 is said only when every item gives its 次 ------------------------------

def test_a_lead_totals_the_times_only_when_every_item_gives_them(built):
    """3项22次 added the 次 of the two items that give them and left out the third's, so the total
    was less than what happened; a total all items give (2项11次) is still said."""
    logistics = texts(built["school"], "后勤处2024—2025学年第一学期工作汇总")
    # 新校区设施设备操作培训 gives 57人次 and no 次: was 5项22次，参训717人次
    assert "本学期共组织后勤人员学习培训5项，参训717人次，其中后勤职工政策法规与业务知识学习人数最多。" in logistics
    donghu = texts(built["school"], "东湖校区教务处2024")
    assert not any("3项22次" in t for t in donghu)
    benbu = texts(built["school"], "本部校区教务处2024")
    assert "本学期共组织教研和培训活动2项32次。公开课26节，教学论文获奖14篇。" in benbu  # 6 + 26, both given
    east = texts(built["kindergarten"], "东园区保教部")
    # 师徒结对 gives no 次: was 4项17次
    assert east[1].startswith("本学期共组织教研和培训活动4项，参加364人次，其中户外自主游戏专题教研人数最多。")
    # Every N项M次 left is one whose items all give 次, checked by hand: 本部校区教务处 6 + 26,
    # 本部校区后勤处 8 + 3, 西园区后勤部 9 + 2, 滨江校区教务处 10 + 12, 幼儿园后勤部汇总 8 + 9 + 2.
    for root in built.values():
        for document in (root / "outputs").rglob("*.docx"):
            for text in (p.text for p in paragraphs(document)):
                for total in re.findall(r"\d+项\d+次", text):
                    assert total in ("2项32次", "2项11次", "2项22次", "3项19次"), (document.name, text)


# --- 2. the department sets' leads extend the default one --------------------------------

SET_LEADS = {"lead_study.j2": {"trained", "joined"}, "lead_duties.j2": {"work", "joined", "most"}}


def test_each_set_lead_extends_the_default_lead_and_fills_only_its_blocks():
    builtin = templatesets.builtin_sets()
    found = 0
    for folder in builtin.iterdir():
        for file, blocks in SET_LEADS.items():
            path = folder / file
            if folder.name == templatesets.DEFAULT_SET or not path.is_file():
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            assert lines[1] == f'{{% extends "内置/default/{file}" %}}', path
            filled = [re.match(r"{% block (\w+) %}.+{% endblock %}$", line).group(1) for line in lines[2:]]
            assert filled and set(filled) <= blocks, path
            found += 1
    assert found == 12  # study: 保教 后勤 卫生保健 安全 家校 德育 教务 教科研; duties: 保教 后勤 德育 教务
    for file in SET_LEADS:  # the default's own files keep the whole sentence and the one rule
        text = (builtin / "default" / file).read_text(encoding="utf-8")
        assert "extends" not in text and "here.said" in text


#: templates/教务/lead_study.j2 as main shipped it before the sets shared the default lead.
OLD_JIAOWU_LEAD_STUDY = """\
{#- 教研和教师培训 -#}
{% if here.activities >= 2 and (here.timed >= 2 or here.peopled >= 2) %}
{{ period.this }}共组织教研和培训活动{{ here.activities }}项
{%- if here.timed >= 2 %}{{ here.times }}次{% endif %}
{%- if here.peopled >= 2 %}，参加{{ here.participants }}人次，其中{{ here.busiest.title | bare }}人数最多{% endif %}。
{% endif %}
"""


def test_a_workspace_full_copy_of_an_old_set_lead_still_wins(tmp_path, run):
    form = tmp_path / "inputs" / "2024-2025-1" / "东湖校区" / "教务处.yaml"
    form.parent.mkdir(parents=True)
    shutil.copy(ROOT / "inputs" / "2024-2025-1" / "东湖校区" / "教务处.yaml", form)
    copy = tmp_path / "templates" / "教务" / "lead_study.j2"
    copy.parent.mkdir(parents=True)
    copy.write_text(OLD_JIAOWU_LEAD_STUDY, encoding="utf-8")
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    text = [p.text for p in paragraphs(out)]
    # The school's copy is used as written (it has no here.said, so it says the 人次 again).
    assert any(t.startswith("本学期共组织教研和培训活动3项22次，参加632人次，其中教研组主题教研活动人数最多。")
               for t in text)


#: templates/default/lead_study.j2 as main shipped it before here.said (a `worksum init` copy).
OLD_DEFAULT_LEAD_STUDY = """\
{#- 学习培训的引导语：合计培训次数和参训人次；只有一项时它自己的正文已有这些数字，不写。
    block trained 是各部门自己的说法：组织了什么培训（后面接项数）；后勤、安全模板组只改写这一个 block。 -#}
{% if here.activities >= 2 and (here.timed >= 2 or here.peopled >= 2) %}
{{ period.this }}共组织{% block trained %}学习培训{% endblock %}{{ here.activities }}项
{%- if here.timed >= 2 %}{{ here.times }}次{% endif %}
{%- if here.peopled >= 2 %}，参训{{ here.participants }}人次，其中{{ here.busiest.title | bare }}人数最多{% endif %}。
{% endif %}
"""


def test_an_untouched_older_default_copy_of_a_changed_template_is_not_an_edit(tmp_path):
    earlier = json.loads((ROOT / "pipeline" / "workspace" / "shipped_templates.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(OLD_DEFAULT_LEAD_STUDY.encode("utf-8")).hexdigest() in earlier["default"]["lead_study.j2"]
    folder = tmp_path / "templates" / "default"
    folder.mkdir(parents=True)
    (folder / "lead_study.j2").write_text(OLD_DEFAULT_LEAD_STUDY, encoding="utf-8")
    assert not templatesets.edited(folder)
    (folder / "lead_study.j2").write_text(OLD_DEFAULT_LEAD_STUDY.replace("参训", "参加"), encoding="utf-8")
    assert templatesets.edited(folder)


# --- 3. a campus's document speaks for its campus ---------------------------------------

def test_a_campus_document_says_ben_xiaoqu_not_quanxiao(built):
    donghu = texts(built["school"], "东湖校区教务处2024")
    assert donghu[0].endswith("，本校区未发生安全责任事故。现总结如下：")
    assert "截至2025年1月20日，本校区本学期未发生安全责任事故。" in donghu
    xiyuan = texts(built["kindergarten"], "西园区后勤部")
    assert xiyuan[0].endswith("；本园区未发生安全责任事故。现总结如下：")  # no figure before it: a part of its own
    for root in built.values():
        for document in campus_documents(root):
            text = "\n".join(p.text for p in paragraphs(document))
            assert "全校未发生" not in text and "全园未发生" not in text, document.name


def test_a_form_whose_campus_is_the_institution_still_says_quanxiao(tmp_path, run):
    form = write_form(tmp_path, HEAD.replace("campus: 东湖校区", "campus: 明德实验学校") + "incidents: []\n")
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    assert "截至2025年1月16日，全校本学期未发生安全责任事故。" in [p.text for p in paragraphs(out)]


# --- one campus in a roll-up ----------------------------------------------------------------

def test_a_one_campus_roll_up_counts_its_incidents_once_and_says_no_gexiaoqu(built):
    logistics = texts(built["one"], "后勤处2024—2025学年第一学期工作汇总")
    assert logistics[0] == ("2024—2025学年第一学期，明德实验学校后勤处收到本部校区报送的工作总结，东湖校区、滨江校区尚未报送，"
                            "暂未列入。本部校区开展重点工作8项，参与2198人次，发生安全事件2起。现汇总如下：")
    # was: 本学期本部校区共发生安全事件2起，均为轻微事件，已全部妥善处理。 right above the campus's own count
    assert not any(t.startswith("本学期本部校区共发生安全事件") for t in logistics)
    assert sum(1 for t in logistics if "安全事件2起" in t) == 2  # the opening, and the campus's own paragraph
    assert logistics[-1] == ("本部校区共查找出不足三条，提出今后打算三项。下一步，后勤处将督促本部校区把这些打算逐项落实，"
                             "对查找出的不足逐条研究解决。")
    assert "本学期本部校区的主要数据见下表：" in logistics
    for term in ("2023—2024学年第二学期", "2024—2025学年第一学期"):
        for department in ("后勤处", "教务处"):
            rolled = texts(built["one"], f"明德实验学校{department}{term}工作汇总")
            assert not any("各校区" in t for t in rolled), (department, term)


def test_a_one_campus_roll_up_has_no_lone_campus_heading_nor_a_total_of_its_only_column(built):
    """A one-campus roll-up carried （一）本部校区 under every heading and a 合计 column equal to the
    campus's own (本部校区 124 | 合计 124 | 上期合计 86)."""
    for department in ("后勤处", "教务处"):
        path = next((built["one"] / "outputs").rglob(f"明德实验学校{department}2024—2025学年第一学期工作汇总.docx"))
        assert headings(path, 2) == [], department
        document = docx.Document(str(path))
        for table in document.tables:
            header = [cell.text for cell in table.rows[0].cells]
            assert "合计" not in header and "上期合计" not in header, (department, header)
            assert header[:3] == ["项目", "单位", "本部校区"]
        body = "\n".join(p.text for p in paragraphs(path))
        assert "不作合计" not in body  # nothing is added up in a one-campus table
    logistics = next((built["one"] / "outputs").rglob("明德实验学校后勤处2024—2025学年第一学期工作汇总.docx"))
    rows = [[c.text for c in row.cells] for table in docx.Document(str(logistics)).tables for row in table.rows]
    assert ["项目", "单位", "本部校区", "上期", "增减"] in rows
    assert ["维修课桌凳", "套", "124", "86", "增长44.2%"] in rows
    assert ["食品留样合格率", "%", "100", "—", "—"] in rows
    text = [p.text for p in paragraphs(logistics)]
    duties = text.index("二、明确岗位职责，做好服务保障")
    assert text[duties + 1] == "本学期本部校区的主要数据见下表："  # was: …见下表（百分比数据按校区分别列出，不作合计）：
    assert text[duties + 2].startswith("1.食堂进货查验与食品留样管理。")  # the table is not a paragraph
    # A roll-up of several campuses keeps its sub-headings and totals.
    school = next((built["school"] / "outputs").rglob("明德实验学校后勤处2024—2025学年第一学期工作汇总.docx"))
    assert headings(school, 2)[:3] == ["（一）本部校区", "（二）东湖校区", "（三）滨江校区"]
    assert "合计" in [c.text for c in docx.Document(str(school)).tables[0].rows[0].cells]


def test_a_table_of_one_campus_or_of_percentages_only_has_no_total_column(built):
    """One rule for every roll-up: 合计 only where some item adds two or more campuses' values. The
    kindergarten's 保教部 table of two rates had a 合计 column of — under a sentence saying 不作合计."""
    path = next((built["kindergarten"] / "outputs").rglob("启明幼儿园保教部2024—2025学年第一学期工作汇总.docx"))
    rows = [[c.text.replace("\n", "") for c in row.cells] for table in docx.Document(str(path)).tables
            for row in table.rows]
    assert ["项目", "单位", "东园区", "西园区"] in rows  # was: …西园区 | 合计
    assert ["家长问卷满意率", "%", "97", "—"] in rows
    text = [p.text for p in paragraphs(path)]
    duties = text.index("二、落实一日活动常规，提高保教质量")
    assert text[duties + 2] == "本学期各园区的主要数据见下表："  # was: …（百分比数据按园区分别列出，不作合计）：
    # Nor has a table whose every item one campus gives (本部校区 86 | — | — | 合计 86): last period's
    # column is then that campus's own, 上期.
    logistics = next((built["kindergarten"] / "outputs").rglob("启明幼儿园后勤部2024—2025学年第一学期工作汇总.docx"))
    rows = [[c.text.replace("\n", "") for c in row.cells] for table in docx.Document(str(logistics)).tables
            for row in table.rows]
    assert ["项目", "单位", "东园区", "西园区", "上期", "增减"] in rows  # was: …西园区 | 合计 | 上期合计 | 增减
    assert ["节约水电费", "元", "8600", "—", "7200", "增长19.4%"] in rows
    earlier = next((built["school"] / "outputs").rglob("明德实验学校后勤处2023—2024学年第二学期工作汇总.docx"))
    rows = [[c.text.replace("\n", "") for c in row.cells] for table in docx.Document(str(earlier)).tables
            for row in table.rows]
    assert ["维修课桌凳", "套", "86", "—", "—"] in rows and ["消防设施检查", "次", "12"] in rows
    assert ["节约水电费", "元", "18600", "9800", "5200", "33600"] in rows  # three campuses added: 合计 stays
    # A table that adds up keeps its 合计 and says the rates in it are not added up.
    school = next((built["school"] / "outputs").rglob("明德实验学校后勤处2024—2025学年第一学期工作汇总.docx"))
    assert "本学期各校区的主要数据见下表（百分比数据按校区分别列出，不作合计）：" in [p.text for p in paragraphs(school)]


def test_campuses_that_all_had_no_incident_are_named_in_one_sentence(built):
    """The kindergarten's 保教部 roll-up said 截至2025年1月17日，东园区本学期未发生安全责任事故。 and, a few
    lines on, the same sentence with 西园区: one sentence with only the campus name changed."""
    text = texts(built["kindergarten"], "启明幼儿园保教部2024—2025学年第一学期工作汇总")
    assert "截至2025年1月17日，东园区、西园区本学期均未发生安全责任事故。" in text
    assert not any(re.fullmatch(r"截至.*，(东|西)园区本学期未发生安全责任事故。", t) for t in text)
    # Where one campus had an incident, the quiet campus still says so in its own part.
    logistics = texts(built["kindergarten"], "启明幼儿园后勤部2024—2025学年第一学期工作汇总")
    assert "截至2025年1月15日，西园区本学期未发生安全责任事故。" in logistics


# --- the closing does not say the plans again ---------------------------------------------

def test_the_plans_end_a_campus_document_and_are_said_once(built):
    checked = 0
    for root in built.values():
        for document in campus_documents(root):
            paras = paragraphs(document)
            heading = [i for i, p in enumerate(paras) if p.style == "Heading 2" and "今后" in p.text]
            if not heading:
                continue
            listed = [p.text for p in paras[heading[-1] + 1:] if p.style in BODY and p.text]
            # After （二）今后努力方向 come its items 1. 2. … and nothing else: no closing says them again.
            assert listed and all(re.match(r"\d+\.", t) for t in listed), (document.name, listed)
            text = [p.text for p in paras if p.text]
            assert not any(t.startswith("下一步，") or "按照上述" in t for t in text), document.name
            for plan in listed:
                core = plan.split(".", 1)[1].rstrip("。")
                assert sum(t.count(core) for t in text) == 1, (document.name, core)
            checked += 1
    assert checked >= 14


def test_the_closing_of_a_document_without_plans_sums_up_the_term(tmp_path, run):
    form = write_form(tmp_path, HEAD + textwrap.dedent("""\
        activities:
          - title: 消防疏散演练
            category: safety
            details: 全校师生分楼层有序撤离。
          - title: 集体备课
            category: duties
            details: 各备课组每周集中备课一次。
        """))
    body = body_paragraphs(tmp_path, run, form)
    assert body[-1] == "总之，本学期后勤处完成了2项重点工作，今后我们将继续让后勤服务跟上教育教学的需要。"


# --- the opening summarises, its heading gives the detail -----------------------------------

def test_the_opening_names_its_figure_and_the_heading_says_how_it_moved(built):
    """滨江校区后勤处 said 节约水电费7300元，较上学期增长40.4% in its opening and again, word for
    word, in 四's figures sentence two pages on."""
    binjiang = texts(built["school"], "滨江校区后勤处2024")
    assert binjiang[0] == ("本学期，滨江校区后勤处完成后勤保障工作7项，参与261人次，其中后勤队伍作风建设学习规模最大"
                           "（204人次）；节约水电费7300元。现总结如下：")
    assert ("本学期固定资产清查登记1275件，较上学期增长13.8%；节约水电费7300元，较上学期增长40.4%；"
            "集中采购项目14项。") in binjiang
    assert sum("较上学期增长40.4%" in t for t in binjiang) == 1
    for root in built.values():  # no campus document's opening says a change its heading says again
        for document in campus_documents(root):
            body = [p.text for p in paragraphs(document) if p.style in BODY and p.text]
            for moved in re.findall(r"(?:较上(?:学期|年)|与上(?:学期|年))[^，。；]*", body[0]):
                assert not any(moved in t for t in body[1:]), (document.name, moved)


def test_an_opening_names_no_figure_its_heading_says_word_for_word(built):
    """A figure with nothing to compare (no last term) was the opening's figure and then its heading's
    sentence, the same words twice: 绿化补植面积1350平方米 in 滨江校区后勤处's opening and 本学期绿化补植面积1350平方米。
    right under 一. The number stands under its heading; the opening names a figure only when it moved."""
    binjiang = texts(built["school"], "滨江校区后勤处2023")
    assert binjiang[0] == ("本学期，滨江校区后勤处完成后勤保障工作3项，其中植树节校园绿化种植共有86人次参与；"
                           "本校区发生安全事件1起。现总结如下：")
    assert "本学期绿化补植面积1350平方米。" in binjiang
    assert sum("1350平方米" in t for t in binjiang) == 1
    benbu = texts(built["school"], "本部校区后勤处2023")
    assert benbu[0] == "本学期，本部校区后勤处完成后勤保障工作4项，包括课桌凳与门窗维修等。现总结如下："
    assert sum("维修课桌凳86套" in t for t in benbu) == 1  # 一's 本学期维修课桌凳86套，校舍维修项目27项。
    for root in built.values():  # whatever figure an opening names, its heading says how it moved
        for document in campus_documents(root):
            body = [p.text for p in paragraphs(document) if p.style in BODY and p.text]
            named = re.search(r"；([^；，。]+?\d[^；，。]*?)[，。]", body[0])
            if named and not re.search(r"人次参与$|规模最大|^本(校|园)区", named.group(1)):
                under = [t for t in body[1:] if named.group(1) in t]
                assert under and all(re.search(re.escape(named.group(1)) + r"(（[^）]*）)?，(较上|与上)", t) for t in under), \
                    (document.name, named.group(1))


def test_one_activity_with_people_is_worded_as_that_activitys(built, tmp_path, run):
    """参与132人次，包括新入职教师岗前培训与跟岗学习等 gave one activity's 人次 as if all seven's, and
    包括…等 over the one item that has them."""
    binjiang = texts(built["school"], "滨江校区教务处2024")
    assert binjiang[0].startswith("本学期，滨江校区教务处开展教务工作7项，其中新入职教师岗前培训与跟岗学习共有132人次参与；")
    assert not any("包括新入职教师岗前培训与跟岗学习等" in t for t in binjiang)
    donghu = texts(built["school"], "东湖校区教务处2023")
    assert donghu[0] == "本学期，东湖校区教务处开展教务工作4项，其中校级公开课周共有240人次参与。现总结如下："
    # The roll-up's opening likewise: was 各校区合计开展重点工作11项，参与86人次，… (86 is one item's)
    rolled = texts(built["school"], "后勤处2023—2024学年第二学期工作汇总")
    assert "各校区合计开展重点工作11项，其中植树节校园绿化种植共有86人次参与，滨江校区发生安全事件1起。" in rolled[0]
    assert "参与86人次" not in rolled[0]
    # Several activities without 人次 still read 包括…等; one activity alone is named, not 1项，包括…等.
    assert texts(built["school"], "东湖校区后勤处2023")[0].startswith("本学期，东湖校区后勤处完成后勤保障工作4项，包括宿舍报修集中处理等")
    form = write_form(tmp_path, HEAD + textwrap.dedent("""\
        activities:
          - title: 消防疏散演练
            category: safety
            participants: 1240
            details: 全校师生分楼层有序撤离。
        """))
    body = body_paragraphs(tmp_path, run, form)
    assert body[0] == "本学期，东湖校区后勤处完成后勤保障工作1项，即消防疏散演练，共有1240人次参与。现总结如下："


# --- a figure that only restates an item's own count -------------------------------------

def test_a_figure_that_only_restates_an_items_count_is_said_by_the_item_alone(built):
    binjiang = texts(built["school"], "滨江校区教务处2023")
    # was: …规模最大（320人次）；教师培训96人次。 and 本学期教师培训96人次。 above 2.教师专业发展培训…参与96人次。
    # (nor 期末考试及格率91.8%: no last term to move from, and 2.期末考试与质量分析 says it)
    assert binjiang[0] == ("本学期，滨江校区教务处开展教务工作4项，参与416人次，其中校区首届教学开放日规模最大（320人次）。"
                           "现总结如下：")
    assert not any("教师培训96人次" in t for t in binjiang)
    assert any(t.startswith("2.教师专业发展培训。") and t.endswith("参与96人次。") for t in binjiang)
    assert "本学期集体备课48次。" not in binjiang  # 1.集体备课制度落实…共开展48次。 says it
    benbu = texts(built["school"], "本部校区教务处2023")
    assert "本学期听课评课312节。" in benbu  # was: 本学期听课评课312节，集体备课64次。 above …共开展64次。
    assert not any("教师培训185人次" in t for t in benbu)
    # The opening gives a figure's value only (its heading says how it moved), so a risen figure that
    # restates the activities' 人次 is not named either (was: …；教师培训132人次，较上学期增长37.5%，…).
    opening = texts(built["school"], "滨江校区教务处2024")[0]
    assert "；集体备课54次，本校区发生安全事件1起。" in opening and "教师培训132人次" not in opening


def test_a_figures_note_stands_by_its_value_before_the_change(built):
    """节约水电费21400元，较上学期增长15.1%（与上年同期相比） said the change was against last year."""
    benbu = texts(built["school"], "本部校区后勤处2024")
    assert "本学期节约水电费21400元（与上年同期相比），较上学期增长15.1%。" in benbu
    assert not any("较上学期增长15.1%（与上年同期相比）" in t for t in benbu)
    donghu = texts(built["school"], "东湖校区教务处2024")
    assert "本学期作业检查8次，较上学期增长33.3%；教材征订14120册（含教辅用书），较上学期增长9.9%。" in donghu


def test_a_lead_gives_the_people_when_the_form_wrote_its_own_opening(tmp_path, run):
    duties = textwrap.dedent("""\
        activities:
          - title: 主题班会观摩
            category: duties
            participants: 120
          - title: 文明班级评比
            category: duties
            participants: 960
        """)
    lead = "本学期日常保障工作共2项，参与1080人次，其中文明班级评比涉及的人最多，达960人次。"
    for intro, expected in (("", False), ("intro: 本学期我处围绕常规管理开展工作，现总结如下：\n", True)):
        folder = tmp_path / str(expected)
        folder.mkdir()
        form = write_form(folder, HEAD + intro + duties)
        out = folder / "out.docx"
        assert run(folder, "build", str(form), "-o", str(out)).exit_code == 0
        # Our opening gives 参与1080人次，其中文明班级评比规模最大（960人次）; a person's opening does not.
        assert (lead in [p.text for p in paragraphs(out)]) is expected, intro


def test_a_figure_is_left_to_an_item_only_when_the_item_is_named_alike(tmp_path, run):
    """作业检查8次 is not said by 集体备课's 共开展8次: a figure stays unless an activity named
    alike (two characters in a row in common) gives the same count."""
    form = write_form(tmp_path, HEAD.replace("后勤处", "教务处") + textwrap.dedent("""\
        activities:
          - title: 集体备课制度落实
            category: duties
            details: 各备课组每周集中备课一次。
            times: 8
          - title: 教学常规月查
            category: duties
            details: 每月最后一周检查教案和作业批改。
            times: 4
        counts:
          - item: 作业检查
            value: 8
            unit: 次
            category: duties
          - item: 集体备课
            value: 8
            unit: 次
            category: duties
        """))
    text = "\n".join(body_paragraphs(tmp_path, run, form))
    assert "作业检查8次" in text  # no activity named alike says it
    assert "集体备课8次" not in text  # 集体备课制度落实 says 共开展8次
    assert "共开展8次" in text


def test_items_sharing_only_digits_are_not_alike(tmp_path, run):
    """A year or a number in common names no topic: 2024年宿舍消毒6次 is not said by
    2024年秋季校园植树's 共开展6次 (found by the property test with items 0000 and 00ab)."""
    form = write_form(tmp_path, HEAD + textwrap.dedent("""\
        activities:
          - title: 2024年秋季校园植树
            category: duties
            details: 各班认领树苗，在操场西侧补种。
            times: 6
        counts:
          - item: 2024年宿舍消毒
            value: 6
            unit: 次
            category: duties
        """))
    text = "\n".join(body_paragraphs(tmp_path, run, form))
    assert "2024年宿舍消毒6次" in text
    assert "共开展6次" in text


def test_the_opening_names_no_figure_that_restates_its_busiest_activitys_people(tmp_path, run):
    """规模最大（1520人次）；家长学校听课1520人次: the risen figure was the busiest activity's 人次 again,
    the same number twice in one sentence; the next figure that moved is named instead."""
    form = write_form(tmp_path, HEAD.replace("后勤处", "家长学校") + textwrap.dedent("""\
        activities:
          - title: 家长学校专题课
            category: home
            participants: 1520
            details: 按年级开设习惯养成等专题。
          - title: 全员家访
            category: home
            participants: 860
            details: 班主任上门或电话家访。
        counts:
          - item: 家长学校听课
            value: 1520
            unit: 人次
            category: home
            previous: 1280
          - item: 家访覆盖率
            value: 98
            unit: "%"
            category: home
            previous: 95
        """))
    body = body_paragraphs(tmp_path, run, form)
    assert body[0] == ("本学期，东湖校区家长学校开展家校共育工作2项，参与2380人次，其中家长学校专题课规模最大（1520人次）；"
                       "家访覆盖率98%。现总结如下：")
    assert any("家长学校听课1520人次，较上学期增长18.8%" in t for t in body[1:])


def test_a_workspaces_own_incident_tally_that_says_nothing_leaves_each_campus_its_sentence(tmp_path):
    """A school's own rollup_incidents.j2 (written before together existed) writes nothing for quiet
    campuses: then each campus's part still says it had no incident, nothing is lost."""
    source = ROOT / "examples" / "启明幼儿园"
    shutil.copy(source / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(source / "inputs", tmp_path / "inputs")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "rollup_incidents.j2").write_text(
        "{% if tally.total %}本学期共发生安全事件{{ tally.total }}起。{% endif %}\n", encoding="utf-8")
    result = worksum("rollup", "--term", "2024-2025-1", "--department", "保教部", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    text = texts(tmp_path, "启明幼儿园保教部2024—2025学年第一学期工作汇总")
    assert "截至2025年1月17日，东园区本学期未发生安全责任事故。" in text
    assert "截至2025年1月17日，西园区本学期未发生安全责任事故。" in text
