"""Institution and department kinds read from names, the one place that reads them."""

from __future__ import annotations

import pytest

from pipeline.form.kinds import department_kind, institution_kind


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
    ("校长室", None), (None, None),
])
def test_department_kind_from_the_name(name, kind):
    assert department_kind(name) == kind
