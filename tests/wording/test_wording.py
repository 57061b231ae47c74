"""Templates: text is data, the sandbox holds, filters say what the genre says."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from conftest import write_form
from docx_reading import paragraphs

FORM = textwrap.dedent("""\
    organization: 明德实验学校
    campus: 东湖校区
    department: 后勤处
    term: 2024-2025-1
    date: 2025-01-16
    activities:
      - title: "{{ 7*7 }}演练"
        category: safety
        details: "{% for x in range(3) %}循环{% endfor %}，<w:p>&amp;"
    """)


def test_template_syntax_in_a_form_is_printed_literally(tmp_path, run):
    form = write_form(tmp_path, FORM)
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    text = "\n".join(p.text for p in paragraphs(out))
    assert "1.{{ 7*7 }}演练。" in text
    assert "{% for x in range(3) %}循环{% endfor %}，<w:p>&amp;" in text
    assert "49" not in text


def test_sandbox_blocks_python_internals(tmp_path, run):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "closing.j2").write_text("{{ period.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form = write_form(tmp_path, FORM)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert "closing.j2:1:1: 错误: 模板" in result.stderr
    assert "subclasses" not in result.stdout


def test_template_error_names_file_and_line(tmp_path, run):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "opening.j2").write_text("第一行\n{{ no_such_variable }}\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form = write_form(tmp_path, FORM)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert "opening.j2:2:1: 错误: 模板中使用了不存在的变量或字段" in result.stderr
    assert not (tmp_path / "out.docx").exists()


def test_workspace_template_overrides_one_part_only(tmp_path, run):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "closing.j2").write_text("我们自己的结束语：{{ department }}。", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form = write_form(tmp_path, FORM)
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    text = [p.text for p in paragraphs(out)]
    assert "我们自己的结束语：后勤处。" in text
    assert text[2].endswith("现总结如下：")  # the default opening is still used


@pytest.mark.parametrize("value, expected", [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五"),
                                             (101, "一百零一"), (110, "一百一十")])
def test_chinese_ordinals(value, expected):
    from pipeline.text.chinese import ordinal

    assert ordinal(value) == expected


@pytest.mark.parametrize("value, expected", [(1, "一"), (2, "两"), (3, "三"), (12, "十二"), (22, "二十二"), (120, "120")])
def test_counts_in_prose(value, expected):
    from pipeline.text.chinese import count

    assert count(value) == expected


def test_filters():
    from pipeline.form.fields import DateSpan
    from pipeline.text.chinese import bare, sentence
    from pipeline.wording.filters import FILTERS, span

    assert span(DateSpan(dt.date(2024, 9, 1), dt.date(2025, 1, 10))) == "2024年9月1日至2025年1月10日"
    assert span(DateSpan(dt.date(2024, 10, 1), month_only=True)) == "2024年10月"
    assert sentence("做好服务") == "做好服务。"
    assert sentence("做好服务！") == "做好服务！"
    assert bare("标题。") == "标题"
    assert FILTERS["period_name"]("2024-2025-2") == "2024—2025学年第二学期"
    assert FILTERS["cn_date"](dt.date(2025, 1, 5)) == "2025年1月5日"
    assert FILTERS["percent"](12.345) == "12.3%"


# --- connectives, clauses and what a text already says ----------------------------

@pytest.mark.parametrize("text, expected", [
    ("下学期把观察记录的分析纳入教研", "首先，下学期把观察记录的分析纳入教研"),
    ("寒假期间对2号宿舍楼的电路进行扩容改造", "首先，寒假期间对2号宿舍楼的电路进行扩容改造"),
    ("入冬前完成宿舍楼热水设备的检修", "首先，入冬前完成宿舍楼热水设备的检修"),
    ("3月完成招聘", "首先，3月完成招聘"),
    ("向学校申请增补两名宿管员", "首先向学校申请增补两名宿管员"),
    ("下发整改通知", "首先下发整改通知"),  # 下 alone is a verb here, not 下学期
])
def test_a_connective_takes_a_comma_before_a_time(text, expected):
    from pipeline.text.chinese import connect
    assert connect(text, "首先") == expected


def test_a_clause_too_short_to_say_anything_keeps_the_next():
    from pipeline.text.chinese import clause
    assert clause("与施工方协调，在质保期满前完成整改验收。") == "与施工方协调，在质保期满前完成整改验收"
    assert clause("编制管网改造计划，暑假实施。") == "编制管网改造计划"
    assert clause("协调。再说") == "协调"  # a full stop ends it however short


@pytest.mark.parametrize("text, count, said", [
    ("本学期办理转入转出手续23人次", 23, True),
    ("9月初和1月上旬两次按楼层核对", 2, True),
    ("开展五次专题讲座", 5, True),
    ("2024年9月23日检查", 23, False),
    ("用时2分40秒", 2, False),
    ("二次修改", 2, False),
    ("第三次检查", 3, False),
    ("3名教师", 3, False),
    ("123次", 23, False),
])
def test_a_count_already_said(text, count, said):
    from pipeline.wording.filters import says
    assert says(text, count) is said


def test_a_day_already_said():
    from pipeline.form.fields import DateSpan
    from pipeline.wording.filters import says
    day = DateSpan(dt.date(2024, 11, 8))
    assert says("逐月检查，11月8日组织疏散演练", day)
    assert not says("11月18日组织疏散演练", day)
    assert not says("11月8日组织疏散演练", DateSpan(dt.date(2024, 11, 8), dt.date(2024, 11, 30)))  # a range is not one day
