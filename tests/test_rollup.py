"""The roll-up (汇总): one document per department across campuses, its table checked by hand."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from conftest import worksum
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline.layout.profile import GBT9704

TERM = "2024-2025-1"
FOLDER = f"outputs/{TERM}/汇总"
LOGISTICS = f"{FOLDER}/明德实验学校后勤处2024—2025学年第一学期工作汇总.docx"
ACADEMIC = f"{FOLDER}/明德实验学校教务处2024—2025学年第一学期工作汇总.docx"


def blocks(path: Path) -> list:
    """The body in order: ("p", style, text) and ("table", rows of cell texts)."""
    document = docx.Document(str(path))
    found = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            found.append(("p", paragraph.style.name, paragraph.text))
        elif tag == "tbl":
            rows = [[cell.text.replace("\n", "") for cell in row.cells] for row in Table(element, document).rows]
            found.append(("table", rows))
    return found


def tables(path: Path) -> list[list[list[str]]]:
    return [b[1] for b in blocks(path) if b[0] == "table"]


def row_of(path: Path, item: str) -> dict[str, str]:
    """The table row of ``item``, as header → cell."""
    for rows in tables(path):
        for row in rows[1:]:
            if row[0] == item:
                return dict(zip(rows[0], row))
    raise AssertionError(f"no row for {item}")


@pytest.fixture(scope="module")
def rolled(tmp_path_factory) -> Path:
    """The sample workspace, rolled up for the term once (the documents are only read)."""
    import shutil

    from conftest import ROOT

    ws = tmp_path_factory.mktemp("rollup") / "ws"
    ws.mkdir()
    shutil.copy(ROOT / "config.yaml", ws / "config.yaml")
    shutil.copytree(ROOT / "inputs", ws / "inputs")
    done = worksum("rollup", "--term", TERM, cwd=ws)
    assert done.returncode == 0, done.stderr.decode()
    written = done.stdout.decode().split()  # each document, after the workbook of its figures
    figures = [str(Path(p).with_suffix(".xlsx")) for p in (ACADEMIC, LOGISTICS)]
    assert written in ([figures[0], ACADEMIC, figures[1], LOGISTICS], [figures[1], LOGISTICS, figures[0], ACADEMIC])
    return ws


def test_one_document_per_department_with_the_same_headings_and_every_campus(rolled):
    body = blocks(rolled / LOGISTICS)
    assert body[0][2] == "明德实验学校后勤处\n2024—2025学年第一学期工作汇总"
    headings = [text for kind, style, *rest in body if kind == "p" and style == "Heading 1" for text in rest]
    assert headings == ["一、加强学习培训，提高队伍素质", "二、明确岗位职责，做好服务保障", "三、狠抓安全管理，保障师生平安",
                        "四、规范财务管理，管好用好资产", "五、存在的不足及今后努力方向"]
    campus_headings = [text for kind, style, *rest in body if kind == "p" and style == "Heading 2" for text in rest]
    assert campus_headings[:3] == ["（一）本部校区", "（二）东湖校区", "（三）滨江校区"]
    text = "\n".join(b[2] for b in body if b[0] == "p")
    # The opening: who reported, then what they did and the safety record, then 现汇总如下 (not one run-on clause chain).
    assert ("2024—2025学年第一学期，明德实验学校后勤处收到本部校区、东湖校区、滨江校区共三个校区报送的工作总结。"
            "各校区合计开展重点工作23项，参与3913人次，发生安全事件4起。现汇总如下：") in text
    # The closing counts shortcomings and plans in words, each once, and names each campus once.
    assert ("各校区共查找出不足七条，提出今后打算九项。下一步，后勤处将督促各校区把这些打算逐项落实，"
            "对查找出的不足逐条研究解决，把行之有效的做法在校区之间推广。") in text
    assert "1.后勤职工政策法规与业务知识学习。" in text  # 本部校区's first activity, numbered in its part
    assert "1.宿管员与炊事员岗位练兵。" in text  # 东湖校区's, numbered from 1 again
    assert "1.存在的不足。（1）本部校舍建成年代较早" in text
    assert body[-2:] == [("p", "Signature", "明德实验学校后勤处"), ("p", "Signature", "2025年1月16日")]


def test_the_figures_tables_add_up_by_hand(rolled):
    path = rolled / LOGISTICS
    # 节约水电费: 21400 + 12600 + 7300 = 41300; last term (no `previous` in the forms, taken from
    # the 2023-2024-2 forms) 18600 + 9800 + 5200 = 33600; 7700 / 33600 = 22.9 %.
    assert row_of(path, "节约水电费") == {"项目": "节约水电费", "单位": "元", "本部校区": "21400", "东湖校区": "12600",
                                      "滨江校区": "7300", "合计": "41300", "上期合计": "33600", "增减": "增长22.9%"}
    # 维修课桌凳: only 本部校区, previous 86 in its form: 38 / 86 = 44.2 %.
    assert row_of(path, "维修课桌凳") == {"项目": "维修课桌凳", "单位": "套", "本部校区": "124", "东湖校区": "—",
                                      "滨江校区": "—", "合计": "124", "上期合计": "86", "增减": "增长44.2%"}
    # 绿化补植面积: 420 + 600; 东湖校区 reported none last term, so no previous total.
    assert row_of(path, "绿化补植面积") == {"项目": "绿化补植面积", "单位": "平方米", "本部校区": "—", "东湖校区": "420",
                                        "滨江校区": "600", "合计": "1020", "上期合计": "—", "增减": "—"}
    # A percentage is listed per campus, never added up.
    assert row_of(path, "食品留样合格率")["合计"] == "—"
    # 消防设施检查: 15 + 10 + 9; no row of that table has a previous total, so no such columns.
    safety = next(rows for rows in tables(path) if rows[1][0] == "消防设施检查")
    assert safety == [["项目", "单位", "本部校区", "东湖校区", "滨江校区", "合计"],
                      ["消防设施检查", "次", "15", "10", "9", "34"]]


def test_a_table_lists_only_the_campuses_with_a_value_in_it(rolled):
    finance = next(rows for rows in tables(rolled / ACADEMIC) if rows[1][0] == "教学经费支出")
    # One campus's column and no 合计 (it was 东湖校区 86500 | 合计 86500: a total equal to its only
    # column), as in a one-campus roll-up; the sentence above it names that campus, not 各校区.
    assert finance == [["项目", "单位", "东湖校区"], ["教学经费支出", "元", "86500"]]
    found = blocks(rolled / ACADEMIC)
    at = next(i for i, b in enumerate(found) if b[0] == "table" and b[1][1][0] == "教学经费支出")
    assert found[at - 1] == ("p", "Normal", "本学期东湖校区的主要数据见下表：")
    assert sum(1 for b in found if b[0] == "p" and b[2] == "本学期各校区的主要数据见下表：") == 1  # 一's only


def test_the_second_department_and_the_heading_chosen_by_most_campuses(rolled):
    path = rolled / ACADEMIC
    # 听课评课: 348 + 264 + 198 = 810; 滨江校区 has no previous value, so no previous total.
    assert row_of(path, "听课评课") == {"项目": "听课评课", "单位": "节", "本部校区": "348", "东湖校区": "264",
                                    "滨江校区": "198", "合计": "810", "上期合计": "—", "增减": "—"}
    # 集体备课: 72 + 54 = 126; 本部校区 64 from last term's form + 滨江校区 48 stated = 112; 14 / 112 = 12.5 %.
    row = row_of(path, "集体备课")
    assert (row["本部校区"], row["滨江校区"], row["合计"], row["上期合计"], row["增减"]) == ("72", "54", "126", "112", "增长12.5%")
    assert row["东湖校区"] == "—"
    # 本部校区 files 集体备课 under duties, 滨江校区 under study: a tie goes to the earlier heading (study),
    # into the same table as 教师培训 (study in 滨江校区's form).
    same = [rows for rows in tables(path) if any(r[0] == "集体备课" for r in rows)]
    assert any(r[0] == "教师培训" for r in same[0])
    assert row_of(path, "教材征订")["增减"] == "增长9.9%"  # 14120 vs 12850 last term
    assert row_of(path, "期末考试及格率")["合计"] == "—"


def test_incident_totals(rolled):
    logistics = "\n".join(b[2] for b in blocks(rolled / LOGISTICS) if b[0] == "p")
    # 本部校区 2 and 东湖校区 2, all minor and resolved; 滨江校区 did not report incidents.
    # One severity: 均为轻微事件, not 按严重程度分，轻微4起.
    assert "本学期各校区共发生安全事件4起（本部校区2起、东湖校区2起），均为轻微事件，已全部妥善处理。" in logistics
    assert "处理情况：" not in logistics  # an incident's handling is prose, not a form's label
    # The safety lead says 参与 once and gives the largest item's figure in brackets (was: 3100人次参加 … 有1860人次参加).
    assert "本学期安全方面共开展工作5项，参与3100人次，其中消防设施月度巡查与疏散演练规模最大（1860人次）。" in logistics
    academic = "\n".join(b[2] for b in blocks(rolled / ACADEMIC) if b[0] == "p")
    # 滨江校区 1 minor incident; 东湖校区 wrote incidents: [] (none happened); 本部校区 did not report.
    # Only one campus had any: the opening names it, and the heading's tally does not say 1起 again
    # above 滨江校区's own 本学期发生安全事件1起 (was: 本学期滨江校区发生轻微安全事件1起，已妥善处理。).
    assert "各校区合计开展重点工作23项，参与1858人次，滨江校区发生安全事件1起。现汇总如下：" in academic
    assert "本学期滨江校区发生轻微安全事件1起" not in academic
    assert academic.count("安全事件1起") == 2  # the opening, and 滨江校区's part with the incident itself
    assert "（三）滨江校区\n1.理化生实验室安全管理。" in academic
    assert "\n本学期发生安全事件1起：2024年12月10日，初二化学实验课上" in academic
    # 东湖校区 says it had none once, in its own part (with the date), not again in the tally above it.
    assert academic.count("东湖校区本学期未发生安全责任事故。") == 1
    assert "本部校区本学期未发生" not in academic


def test_a_quiet_campus_speaks_for_itself_not_the_whole_school(rolled):
    """滨江校区 had an incident: 东湖校区's part must not say 全校 had none."""
    texts = [b[2] for b in blocks(rolled / ACADEMIC) if b[0] == "p"]
    assert "截至2025年1月21日，东湖校区本学期未发生安全责任事故。" in texts
    assert not any("全校本学期未发生安全责任事故" in t for t in texts)


def test_the_table_is_a_real_word_table_in_the_profile(rolled):
    document = docx.Document(str(rolled / LOGISTICS))
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    header = table.rows[0]._tr
    assert header.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert table.rows[0].cells[0].paragraphs[0].style.name == "Table Heading"
    assert table.rows[1].cells[2].paragraphs[0].style.name == "Table Text"
    section = document.sections[0]
    width = sum(int(col.get(docx.oxml.ns.qn("w:w"))) for col in table._tbl.tblGrid.findall(docx.oxml.ns.qn("w:gridCol")))
    text_block = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
    assert width == GBT9704.text_width_twips and abs(width - text_block) <= 1  # margins are rounded apart


def test_department_selection_broken_forms_and_unchanged_rerun(workspace):
    only = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)
    assert only.returncode == 0
    assert only.stdout.decode().split() == [str(Path(LOGISTICS).with_suffix(".xlsx")), LOGISTICS]

    form = workspace / "inputs" / TERM / "滨江校区" / "教务处.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("term: 2024-2025-1", "term: 2024-2025-1\nterms: x"),
                    encoding="utf-8")
    broken = worksum("rollup", "--term", TERM, cwd=workspace)
    stderr = broken.stderr.decode()
    assert broken.returncode == 1
    assert f"inputs/{TERM}/滨江校区/教务处.yaml:" in stderr and "未知字段 \"terms\"" in stderr
    assert "教务处的汇总未生成" in stderr
    assert not (workspace / ACADEMIC).exists()
    assert stderr.strip().splitlines()[-1] == f"{TERM}：生成 0 份，未变化 1 份，失败 1 份"


def test_an_edited_rollup_is_kept(workspace):
    worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)
    document = docx.Document(str(workspace / LOGISTICS))
    document.add_paragraph("分管校长审阅意见：同意。")
    document.save(str(workspace / LOGISTICS))
    form = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("value: 12600", "value: 12800"), encoding="utf-8")

    done = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)

    assert done.returncode == 0
    [backup] = (workspace / FOLDER).glob("*.edited-*.docx")
    assert "分管校长审阅意见：同意。" in "\n".join(p.text for p in docx.Document(str(backup)).paragraphs)
    assert row_of(workspace / LOGISTICS, "节约水电费")["合计"] == "41500"
    assert "已另存为" in done.stderr.decode()


def test_a_term_without_forms_says_so(workspace):
    done = worksum("rollup", "--term", "2030-2031-1", cwd=workspace)
    assert done.returncode == 1
    assert "没有找到 2030-2031-1 的填报表" in done.stderr.decode()


def test_one_campus_of_several_with_incidents_is_named_once_in_the_opening(workspace):
    """Only 本部校区 had incidents (东湖校区's two removed): the opening names it, and 三 does not say
    本学期本部校区共发生安全事件2起 above 本部校区's own 本学期共发生安全事件2起，均已处理完毕."""
    form = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    text = form.read_text(encoding="utf-8")
    start, end = text.index("incidents:\n"), text.index("shortcomings:\n")
    form.write_text(text[:start] + "incidents: []\n\n" + text[end:], encoding="utf-8")
    done = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)
    assert done.returncode == 0, done.stderr.decode()
    logistics = [b[2] for b in blocks(workspace / LOGISTICS) if b[0] == "p"]
    opening = next(t for t in logistics if t.endswith("现汇总如下："))
    assert opening.endswith("各校区合计开展重点工作23项，参与3913人次，本部校区发生安全事件2起。现汇总如下：")
    assert not any("本部校区共发生安全事件" in t or "各校区共发生安全事件" in t for t in logistics)
    assert sum("安全事件2起" in t for t in logistics) == 2  # the opening, and 本部校区's own part
    safety = logistics.index("三、狠抓安全管理，保障师生平安")
    assert logistics[safety + 1:safety + 4] == [
        "本学期安全方面共开展工作5项，参与3100人次，其中消防设施月度巡查与疏散演练规模最大（1860人次）。",
        "本学期各校区的主要数据见下表：", "（一）本部校区"]  # no tally between the table and the campuses
