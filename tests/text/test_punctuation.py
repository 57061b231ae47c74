"""Punctuation rules on single strings: what is found, what is left alone, what a repair gives."""

from __future__ import annotations

import pytest

from pipeline.text.punctuation import apply, check


def repaired(text: str) -> str:
    return apply(text, [edit for finding in check(text) for edit in finding.edits])


@pytest.mark.parametrize("text, fixed", [
    ("在园领导的支持下,本着实际情况,努力服务", "在园领导的支持下，本着实际情况，努力服务"),
    ("时间:2024年9月", "时间：2024年9月"),
    ("是否落实?请核实!", "是否落实？请核实！"),
    ("分工明确; 责任到人", "分工明确；责任到人"),  # the space after a half-width mark goes with it
    ("随报随修(当天解决)。", "随报随修（当天解决）。"),
    ("(1)加强学习", "（1）加强学习"),
    ("（当天解决)。", "（当天解决）。"),  # a mixed pair: only the half-width one changes
    ("4、、严格验收。", "4.严格验收。"),
    ("完成任务；1、下一项", "完成任务；1.下一项"),
    ("第一句。。第二句，，第三句、、第四句", "第一句。第二句，第三句、第四句"),
    ("投入２０２４元", "投入2024元"),
    ('开展"六T"管理', "开展“六T”管理"),
    ("• 保育员队伍年龄偏大。", "保育员队伍年龄偏大。"),  # bullets pasted from Word, WPS or a chat
    ("·\u3000保育员队伍年龄偏大。", "保育员队伍年龄偏大。"),
    ("●保育员队伍年龄偏大。", "保育员队伍年龄偏大。"),
    ("－ 保育员队伍年龄偏大。", "保育员队伍年龄偏大。"),
    ("– 保育员队伍年龄偏大。", "保育员队伍年龄偏大。"),
])
def test_safe_repairs(text, fixed):
    assert check(text), text
    assert repaired(text) == fixed


@pytest.mark.parametrize("text", [
    "用时3:12，全员到场",  # a time
    "共23,500元",  # a thousands separator (the number's own problem, not punctuation)
    "Word, Excel and PPT",
    "really?!",
    "见 http://example.org 网页",
    "2、3号楼维修",  # numbers listed inside a sentence
    "第1、2周",
    "（一）加强学习。1.规范操作。（1）按时消毒。",
    "“六T”管理和《食品安全法》学习（专题）",
    "……",  # an ellipsis is two marks by design
    "LED灯具",
    "－5℃以下的天气停止户外活动",  # a minus sign, not a bullet
    "——记一次消防演练",  # a dash
    "保育员·营养员联合培训",  # a middle dot inside the text
])
def test_left_alone(text):
    assert check(text) == []


@pytest.mark.parametrize("text, message", [
    ("完成了，。任务", "标点连用“，。”"),
    ("开展“六T“管理", "有左双引号（“）而没有右双引号（”）"),
    ("学习《规程》）", "有右括号“）”而前面没有左括号“（”"),
    ("效果很好!!", "标点重复“!!”"),
])
def test_needs_a_person(text, message):
    findings = check(text)
    assert len(findings) == 1 and message in findings[0].message
    assert findings[0].edits == ()  # which mark was meant is a person's call


def test_message_quotes_the_offending_text_with_context():
    (finding,) = check("本学期后勤工作在领导关心下,全面完成了各项任务")
    assert "半角逗号“,”" in finding.message and "“…工作在领导关心下,全面完成了各项任…”" in finding.message
    assert (finding.start, finding.end) == (13, 14)


def test_doubled_mark_in_item_number_is_named_as_doubled():
    (finding,) = check("4、、严格执行验收制度。")
    assert "标点重复“、、”" in finding.message and "“4.”" in finding.message


# --- properties: a repair never touches wording ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list("学习培训维修检查经费安全一二三") + list("0123456789０１２AB ") +
                            list(",;:?!()\"、，。；：？！“”‘’（）《》【】."))
_WORDING = str.maketrans("０１２３４５６７８９", "0123456789")


def _wording(text: str) -> str:
    return "".join(c for c in text.translate(_WORDING) if c.isalnum())


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=40))
def test_repairs_keep_every_word_and_do_not_overlap(text):
    findings = check(text)
    edits = sorted((e for f in findings for e in f.edits), key=lambda e: e.start)
    for before, after in zip(edits, edits[1:]):
        assert before.end <= after.start
    assert _wording(repaired(text)) == _wording(text)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)


def test_a_repair_that_brings_its_neighbour_into_chinese_text_is_found_in_the_same_check():
    # ";" counts as Chinese only once ")" is "）", and "3、" is an item number only once ";" is "；".
    text = "1、检修水电线路;2、给围栏刷漆(共３０米);3、为教室更换灯管。"
    found = [(f.start, f.message) for f in check(text)]
    assert found == [
        (0, "编号“1、”应写作“1.”：“1、检修水电线路;2…”"),
        (8, "中文里用了半角分号“;”，应为“；”：“1、检修水电线路;2、给围栏刷漆(…”"),
        (9, "编号“2、”应写作“2.”：“…、检修水电线路;2、给围栏刷漆(共３…”"),
        (16, "中文里用了半角括号，应为“（）”：“…;2、给围栏刷漆(共３０米);3、为教室更换…”"),
        (18, "全角数字“３０”应写作“30”：“…、给围栏刷漆(共３０米);3、为教室…”"),
        (22, "中文里用了半角分号“;”，应为“；”：“…刷漆(共３０米);3、为教室更换灯…”"),
        (23, "编号“3、”应写作“3.”：“…漆(共３０米);3、为教室更换灯管。”"),
    ]
    assert repaired(text) == "1.检修水电线路；2.给围栏刷漆（共30米）；3.为教室更换灯管。"
    assert check(repaired(text)) == []


def test_a_pasted_bullet_is_named_and_removed():
    (finding,) = check("• 保育员队伍年龄偏大。")
    assert finding.message == "开头的“•”是从 Word 等处复制来的项目符号，会照样印进文档；请删去：“• 保育员队伍年龄偏…”"
