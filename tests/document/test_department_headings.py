"""What a form of each kind of department gets: its records, written without ``category``,
land under the headings of its kind in the built document (pipeline/form/kinds.py,
heading_sets.yaml, the built-in template sets)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import HEAD, write_form
from docx_text import paragraphs


def _build(folder: Path, run, department: str, activities: list[str], organization: str = "明德实验学校"):
    """Build a form of ``department`` whose activities have only a title: (headings, title → heading, stderr)."""
    head = HEAD.replace("后勤处", department).replace("明德实验学校", organization)
    body = "activities:\n" + "".join(f"  - title: {title}\n" for title in activities)
    form = write_form(folder, head + textwrap.dedent(body))
    out = folder / "out.docx"
    result = run(folder, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    heading, under = "", {}
    for para in paragraphs(out):
        if para.style == "Heading 1":
            heading = para.text
        else:
            for title in activities:
                if heading and title in para.text:
                    under.setdefault(title, heading)
    return [p.text for p in paragraphs(out) if p.style == "Heading 1"], under, result.stderr


@pytest.mark.parametrize("department, organization, placed", [
    # 家长学校, 家委会: a 家校 department; its parents' work has a heading of its own (and the 家校 set's study title).
    ("家长学校", "明德实验学校", {"召开新生家长会": "二、加强家长工作，形成共育合力",
                                 "家庭教育专题讲座": "二、加强家长工作，形成共育合力",
                                 "教师业务学习": "一、加强学习培训，提高家庭教育指导能力"}),
    ("家园共育部", "青禾幼儿园", {"家长开放日": "一、加强家长工作，形成共育合力",
                               "家长委员会会议": "一、加强家长工作，形成共育合力"}),
    # 少先队, 团委, 心理健康: 德育 departments, with the 德育 set's headings.
    ("少先队大队部", "明德实验学校", {"建队日主题队会": "二、抓好常规管理，培养良好习惯",
                                     "辅导员岗前培训": "一、加强德育队伍建设，提升育人能力",
                                     "防溺水安全教育": "三、加强安全和法治教育，守护学生平安"}),
    ("心理健康教育中心", "明德实验学校", {"心理教师培训": "一、加强德育队伍建设，提升育人能力",
                                         "心理健康主题班会": "二、抓好常规管理，培养良好习惯",
                                         "心理咨询室值班": "二、抓好常规管理，培养良好习惯"}),
    # 校车: a 安全 department, with the 安全 set's headings; in real 安全 summaries nearly everything is safety.
    ("校车管理办公室", "明德实验学校", {"校车接送值班": "一、强化隐患排查和应急演练，保障师生平安",
                                       "校车安全检查": "一、强化隐患排查和应急演练，保障师生平安"}),
    # 学生资助: a 财务 department.
    ("学生资助中心", "明德实验学校", {"国家助学金发放": "一、严格预算管理，管好用好资金资产",
                                     "家庭经济困难学生资助": "一、严格预算管理，管好用好资金资产"}),
    # 师德师风, 教师读书, 教学研究: teachers' learning, a 教科研 department (study and its own routine only, the 教科研 set's headings).
    ("师德师风建设组", "明德实验学校", {"师德专题学习": "一、加强理论学习，提升专业素养",
                                       "师德师风自查": "一、加强理论学习，提升专业素养"}),
    ("教师读书会", "明德实验学校", {"共读教育专著": "一、加强理论学习，提升专业素养",
                                   "读书心得交流": "一、加强理论学习，提升专业素养"}),
    ("教学研究室", "明德实验学校", {"校本教研活动": "一、加强理论学习，提升专业素养",
                                   "课题研究": "一、加强理论学习，提升专业素养"}),
    # 伙食费: a 财务 department, with the 财务 set's headings (公示 is not the head word).
    ("伙食费管理小组", "青禾幼儿园", {"伙食费公示": "一、严格预算管理，管好用好资金资产",
                                     "伙食费退费": "一、严格预算管理，管好用好资金资产"}),
    # 教学 (教学管理中心): a 教务 department, with the 教务 set's headings.
    ("教学管理中心", "明德实验学校", {"青年教师培训": "一、加强教研培训，促进教师成长",
                                     "集体备课检查": "二、抓实教学常规，提高教学质量"}),
    # 节水, 节能: 后勤's upkeep, with the 后勤 set's headings; 控烟 (无烟学校): a 卫生保健 department.
    ("节水办公室", "明德实验学校", {"节水器具更换": "二、明确岗位职责，做好服务保障",
                                   "管网漏水维修": "二、明确岗位职责，做好服务保障",
                                   "节水专题学习": "一、加强学习培训，提高队伍素质"}),
    ("控烟工作组", "明德实验学校", {"控烟巡查": "一、做好卫生保健，促进健康成长",
                                   "无烟校园宣传": "一、做好卫生保健，促进健康成长",
                                   "吸烟危害健康讲座": "一、做好卫生保健，促进健康成长"}),
])
def test_a_departments_records_land_under_its_kinds_headings(tmp_path, run, department, organization, placed):
    headings, under, stderr = _build(tmp_path, run, department, list(placed), organization)
    assert under == placed, stderr
    assert set(headings) == set(placed.values())
    assert "分类把握不大" not in stderr and "无法从文字判断分类" not in stderr


def test_a_family_departments_record_outside_its_headings_is_reported(tmp_path, run):
    # A 家校 department has no 财务 heading: a money record is reported, not placed silently.
    _, _, stderr = _build(tmp_path, run, "家长学校", ["召开新生家长会", "办公经费报销"])
    assert "“办公经费报销”未写 category，看来属于“财务”，但家长学校的标题中没有“财务”" in stderr
    assert "category: 财务" in stderr
