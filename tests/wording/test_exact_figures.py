"""Figures are exact numbers (no binary-float artefacts at any size), and negative ones
(form.md: a decline, a deficit) build and read as declines."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from conftest import VALID, write_form
from docx_reading import paragraphs
from ooxml import assert_valid

from pipeline.form.fields import _amount
from pipeline.form.model import Figure
from pipeline.text import chinese
from pipeline.wording import filters
from pipeline.wording.rollup import change_cell


def build_text(tmp_path, run, counts: str) -> str:
    form = write_form(tmp_path, VALID + "counts:\n" + counts)
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert_valid(out)
    return "\n".join(p.text for p in paragraphs(out))


# --- the numbers themselves ---------------------------------------------------

@pytest.mark.parametrize("written, exact", [
    (0.1, Decimal("0.1")), ("0.1", Decimal("0.1")), (3.0, 3), ("12.50", Decimal("12.50")), (-3.5, Decimal("-3.5")),
    (12345678901234567890123456789, 12345678901234567890123456789), (1e16, 10**16),
])
def test_a_value_is_kept_as_written(written, exact):
    value = _amount(written)
    assert value == exact and type(value) is type(exact)


def test_sums_and_changes_have_no_float_artefacts():
    assert chinese.number(_amount(0.1) + _amount(0.2)) == "0.3"  # float: 0.30000000000000004
    big = 12345678901234567890123456789
    assert chinese.number(big) == "12345678901234567890123456789"
    assert chinese.change(big, 1) == "较上学期增长1234567890123456789012345678800%"
    assert chinese.change(Decimal("0.3"), Decimal("0.1")) == "较上学期增长200%"
    assert chinese.percent(Fraction(2, 3) * 100) == "66.7%"
    assert chinese.number(Decimal("2.675")) == "2.68"  # half up, as people round (float gives 2.67)
    assert chinese.point_change(Decimal("91.8"), Decimal("89.65")) == "较上学期提高2.15个百分点"


def test_negative_values_are_declines_and_signs_stop_percentages():
    def amount(value, unit, approx=None) -> str:
        return filters.amount(Figure.model_construct(item="某项", value=value, unit=unit, approx=approx))

    assert amount(Decimal("-3.5"), "%") == "下降3.5%"
    assert amount(-2000, "元") == "减少2000元"
    assert amount(0, "元") == "0元"
    assert amount(-2000, "元", "约") == "减少约2000元"
    assert amount(-30, "人", "以上") == "减少30人以上"
    assert chinese.signed(Decimal("-0.5"), None) == ("减少", "0.5")
    assert chinese.number(Decimal("-0.001")) == "0"  # no "-0"
    assert chinese.point_change(Decimal("-3.5"), Decimal(-2), "年") == "较上年降低1.5个百分点"
    # a percentage of a deficit says nothing honest: no wording, a dash in the roll-up
    assert chinese.change(-500, 2000) == ""
    assert chinese.change(500, -2000) == ""
    assert change_cell(-500, 2000) == "—"
    assert change_cell(-500, -500) == "持平"


# --- in a document ------------------------------------------------------------

def test_a_form_with_negative_figures_builds_and_words_them_as_declines(tmp_path, run):
    text = build_text(tmp_path, run, "  - item: 能耗同比\n    value: -3.5\n    unit: '%'\n    category: finance\n"
                                     "  - item: 食堂结余\n    value: -2000\n    unit: 元\n    category: finance\n")
    assert "能耗同比下降3.5%" in text
    assert "食堂结余减少2000元" in text
    assert "-" not in text


def test_a_very_large_value_prints_every_digit(tmp_path, run):
    text = build_text(tmp_path, run, "  - item: 节约水电费\n    value: 12345678901234567890123456789\n"
                                     "    unit: 元\n    previous: 1\n    category: finance\n"
                                     "  - item: 图书借阅\n    value: 0.3\n    previous: 0.1\n    unit: 万册\n")
    assert "节约水电费12345678901234567890123456789元，较上学期增长1234567890123456789012345678800%" in text
    assert "图书借阅0.3万册，较上学期增长200%" in text


@pytest.mark.parametrize("stated, flagged", [("2000", False), ("2500", True)])
def test_check_compares_a_deficits_size_with_the_text(tmp_path, run, stated, flagged):
    # The text gives the size and says 亏损 in words; the figure is negative.
    text = VALID + (f"  - title: 食堂收支公示\n    details: 本学期食堂收支亏损{stated}元，已报学校研究。\n"
                    "counts:\n  - item: 食堂收支\n    value: -2000\n    unit: 元\n")
    form = write_form(tmp_path, text)
    result = run(tmp_path, "check", str(form))
    assert result.exit_code == 0, result.output
    assert ("不一致" in result.stderr) is flagged, result.stderr
    if flagged:
        assert f"文中写的“{stated}元”与第13行的数据“食堂收支 -2000元”不一致" in result.stderr
