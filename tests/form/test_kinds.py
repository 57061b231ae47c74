"""Institution and department kinds read from names, the one place that reads them."""

from __future__ import annotations

import pytest
from conftest import ROOT

from pipeline.form.config import HEADING_SETS, OTHER_DEPARTMENT, Config
from pipeline.form.kinds import DEPARTMENT_KINDS, DEPARTMENT_WORDS, department_kind, institution_kind


@pytest.mark.parametrize("name, kind", [
    ("青禾实验幼儿园", "幼儿园"),
    ("明德实验学校附属幼儿园", "幼儿园"),  # the kindergarten of a school is a kindergarten
    ("明德实验学校", "学校"),
    ("城东第二小学", "小学"),
    ("城东九年一贯制学校", "九年一贯制"),  # not 学校, not 小学
    ("市第一高级中学", "高中"),
    ("南湖初级中学", "初中"),
    ("县职业技术学校", "中等职业学校"),
    ("区培智学校", "特殊教育学校"),
    ("", "学校"),
    (None, "学校"),
])
def test_institution_kind_from_the_name(name, kind):
    assert institution_kind(name) == kind


def test_config_names_the_kind_over_the_name():
    assert institution_kind("明德实验学校", configured="幼儿园") == "幼儿园"


@pytest.mark.parametrize("name, kind", [
    ("后勤处", "后勤"), ("总务处", "后勤"), ("南园区后勤部", "后勤"), ("教导处", "教务"), ("教务处", "教务"),
    ("保教部", "保教"), ("政教处", "德育"), ("德育处", "德育"), ("安全保卫处", "安全"), ("财务室", "财务"),
    ("校长办公室", "办公室"), ("卫生保健室", "卫生保健"), ("教科室", "教科研"),
    ("后勤安全处", "后勤"),  # the word that comes first decides
    # Departments real summaries come from, each with the kind whose headings fit its work.
    ("少先队大队部", "德育"), ("校团委", "德育"), ("心理健康教育中心", "德育"),  # 心理 before 健康教育
    ("校车管理办公室", "安全"), ("交通安全办", "安全"), ("消防工作组", "安全"), ("周边环境整治办", "安全"),
    ("学生资助中心", "财务"), ("收费管理办公室", "财务"), ("健康教育室", "卫生保健"), ("校本培训办", "教科研"),
    ("食堂", "后勤"), ("营养餐办公室", "后勤"), ("图书室", "教务"), ("防汛工作组", "安全"), ("经费管理组", "财务"),
    ("园本研训组", "教科研"), ("近视防控工作组", "卫生保健"), ("防溺水工作组", "安全"), ("校本研修室", "教科研"),
    ("家长学校", "家校"), ("家长委员会", "家校"), ("家园共育部", "家校"), ("家访工作组", "家校"),
    ("教学处", "教务"), ("教学管理中心", "教务"), ("伙食费管理小组", "财务"), ("师德师风建设组", "教科研"),
    ("教师读书会", "教科研"), ("班主任队伍建设组", "教科研"),
    ("节水办公室", "后勤"), ("节能减排领导小组", "后勤"), ("控烟工作组", "卫生保健"), ("传染病防控小组", "卫生保健"),
    ("德育队伍建设组", "德育"),  # 德育 stands first
    ("教学研究室", "教科研"),  # 教学研究 and 教学 start at one place: the longer word decides
    ("校长室", None), ("园务", None), (None, None),
])
def test_department_kind_from_the_name(name, kind):
    assert department_kind(name) == kind


def _guide_table() -> dict[str, tuple[list[str], list[str], list[str]]]:
    """The department kinds table of docs/填报指南.md: kind → (name words, a school's headings,
    a kindergarten's headings)."""
    guide = (ROOT / "docs" / "填报指南.md").read_text(encoding="utf-8")
    header = "| 部门名称中有 | 部门类别 | 学校可归入的标题 | 幼儿园可归入的标题 |"
    rows = guide.split(header, 1)[1].split("\n\n", 1)[0].strip().splitlines()[1:]
    table = {}
    for row in rows:
        words, kind, school, kindergarten = (cell.strip() for cell in row.strip("|").split("|"))
        table[kind] = (words.split("、"), school.split("、"), kindergarten.split("、"))
    return table


def test_the_guide_lists_every_department_kind_with_its_words_and_headings():
    names = {h.key: h.name for h in Config().heading_list}
    table = _guide_table()
    assert set(table) == set(DEPARTMENT_KINDS) | {OTHER_DEPARTMENT}
    for kind, words in DEPARTMENT_WORDS:
        assert table[kind][0] == list(words), kind
    for kind, by_institution in HEADING_SETS.items():
        assert table[kind][1] == [names[key] for key in by_institution["学校"]], kind
        assert table[kind][2] == [names[key] for key in by_institution["幼儿园"]], kind
