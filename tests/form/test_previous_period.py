"""Figures compared with last period's form, found without anyone looking them up."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from docx_text import texts

from pipeline.form.periods import Term


def build(run, root: Path, form: str) -> tuple[list[str], str]:
    out = root / "out.docx"
    result = run(root, "build", form, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    return texts(out), result.stderr


def figures_of(document: list[str]) -> list[str]:
    """The paragraphs stating a heading's figures (the sample's headings with figures have no lead)."""
    return [text for text in document[3:] if text.startswith("本学期") and "。" == text[-1] and "，" not in text[3:4]
            and not text.startswith("本学期共")]


# --- the sample workspace: two terms, about half the counts without previous ----------

def test_sample_figures_compare_with_last_term_on_their_own(workspace, run):
    document, _ = build(run, workspace, "inputs/2024-2025-1/东湖校区/后勤处.yaml")
    assert figures_of(document) == [
        # 宿舍报修处理 gives previous: 142; 食堂食材验收 and 绿化补植面积 have no counterpart last term.
        "本学期宿舍报修处理168件，较上学期增长18.3%；食堂食材验收138批次；绿化补植面积420平方米。",
        "本学期消防设施检查10次。",
        # 节约水电费 gives no previous: last term's form says 9800元.
        "本学期节约水电费12600元，较上学期增长28.6%。",
    ]


def test_a_fall_and_a_percentage_are_worded_as_such(workspace, run):
    houqin, _ = build(run, workspace, "inputs/2024-2025-1/滨江校区/后勤处.yaml")
    assert any("绿化补植面积600平方米，较上学期下降55.6%" in text for text in houqin)  # 1350 last term
    jiaowu, _ = build(run, workspace, "inputs/2024-2025-1/本部校区/教务处.yaml")
    assert any("期末考试及格率95.2%（全校各学科平均），较上学期提高1.7个百分点" in text for text in jiaowu)  # 93.5% last term
    assert any("集体备课72次，较上学期增长12.5%" in text for text in jiaowu)  # 64 last term
    assert not any("教学论文获奖14篇，较" in text for text in jiaowu)  # no counterpart: nothing said


def test_without_last_terms_forms_nothing_is_said_about_change(workspace, run):
    for form in (workspace / "inputs" / "2023-2024-2").rglob("*.yaml"):
        form.unlink()
    document, _ = build(run, workspace, "inputs/2024-2025-1/东湖校区/后勤处.yaml")
    assert "本学期节约水电费12600元。" in document
    assert any("宿舍报修处理168件，较上学期增长18.3%" in text for text in document)  # its own previous stays


# --- finding last period's form -------------------------------------------------------

FORM = textwrap.dedent("""\
    organization: 明德实验学校
    campus: 本部校区
    department: 后勤处
    term: {term}
    date: {date}
    counts:
    {counts}
    """)


def form(root: Path, relative: str, term: str, counts: str, date: str = "2025-01-10") -> str:
    path = root / "inputs" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    body = textwrap.indent(textwrap.dedent(counts), "  ")
    path.write_text(FORM.format(term=term, date=date, counts=body), encoding="utf-8")
    return f"inputs/{relative}"


@pytest.mark.parametrize("term, previous, said", [
    ("2024-2025-1", "2023-2024-2", "较上学期增长25%"),
    ("2024-2025-2", "2024-2025-1", "较上学期增长25%"),
    ("2024-2025", "2023-2024", "较上学年增长25%"),
    ("2024", "2023", "较上年增长25%"),
])
def test_each_kind_of_period_finds_the_one_before(tmp_path, run, term, previous, said):
    assert Term.parse(term).previous() == Term.parse(previous)
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, f"{previous}/本部校区/后勤处.yaml", previous, "- {item: 维修课桌凳, value: 80, unit: 套}")
    this = form(tmp_path, f"{term}/本部校区/后勤处.yaml", term,
                "- {item: 维修课桌凳, value: 100, unit: 套, category: duties}")
    document, _ = build(run, tmp_path, this)
    assert f"本{'学期' if term.count('-') == 2 else ('学年' if '-' in term else '年度')}维修课桌凳100套，{said}。" \
        in document


def test_a_fall_over_a_year(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, "2023/本部校区/后勤处.yaml", "2023", "- {item: 节约水电费, value: 20000, unit: 元}")
    this = form(tmp_path, "2024/本部校区/后勤处.yaml", "2024", "- {item: 节约水电费, value: 15000, unit: 元, category: finance}")
    document, _ = build(run, tmp_path, this)
    assert "本年度节约水电费15000元，较上年下降25%。" in document


def test_last_periods_form_is_found_by_what_it_says_not_where_it_is(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, "2023-2024-2/后勤处（本部）.yaml", "2023-2024-2", "- {item: 维修课桌凳, value: 50, unit: 套}")
    # Another campus's form at the usual place must not be taken for it.
    other = tmp_path / "inputs" / "2023-2024-2" / "本部校区" / "后勤处.yaml"
    other.parent.mkdir(parents=True)
    other.write_text(FORM.format(term="2023-2024-2", date="2024-07-01", counts="  - {item: 维修课桌凳, value: 99}")
                     .replace("campus: 本部校区", "campus: 东湖校区"), encoding="utf-8")
    this = form(tmp_path, "2024-2025-1/本部校区/后勤处.yaml", "2024-2025-1",
                "- {item: 维修课桌凳, value: 60, unit: 套, category: duties}")
    document, _ = build(run, tmp_path, this)
    assert "本学期维修课桌凳60套，较上学期增长20%。" in document


def test_a_given_previous_wins_over_last_periods_form(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, "2023-2024-2/本部校区/后勤处.yaml", "2023-2024-2", "- {item: 维修课桌凳, value: 50, unit: 套}")
    this = form(tmp_path, "2024-2025-1/本部校区/后勤处.yaml", "2024-2025-1",
                "- {item: 维修课桌凳, value: 60, unit: 套, previous: 60, category: duties}")
    document, _ = build(run, tmp_path, this)
    assert "本学期维修课桌凳60套，与上学期持平。" in document


def test_a_different_unit_is_not_compared_and_says_why(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, "2023-2024-2/本部校区/后勤处.yaml", "2023-2024-2", "- {item: 节约经费, value: 2.3, unit: 万元}")
    this = form(tmp_path, "2024-2025-1/本部校区/后勤处.yaml", "2024-2025-1",
                "- {item: 节约经费, value: 26000, unit: 元, category: finance}")
    document, stderr = build(run, tmp_path, this)
    assert "本学期节约经费26000元。" in document
    assert ("inputs/2023-2024-2/本部校区/后勤处.yaml:7:5: 警告: “节约经费”的单位与2023—2024学年第二学期不同"
            "（“元”与“万元”），不作比较") in stderr


def test_a_broken_or_ambiguous_counterpart_is_not_used(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    form(tmp_path, "2023-2024-2/本部校区/后勤处.yaml", "2023-2024-2", """\
        - {item: 维修课桌凳, value: "80套"}
        - {item: 检查, value: 3, unit: 次}
        - {item: 检查, value: 4, unit: 次}
        """)
    this = form(tmp_path, "2024-2025-1/本部校区/后勤处.yaml", "2024-2025-1", """\
        - {item: 维修课桌凳, value: 100, unit: 套, category: duties}
        - {item: 检查, value: 5, unit: 次, category: duties}
        """)
    document, stderr = build(run, tmp_path, this)
    assert "本学期维修课桌凳100套，检查5次。" in document
    assert "“维修课桌凳”填写有误，未用于比较" in stderr
    assert "“检查”出现了2次" in stderr


def test_a_form_outside_any_workspace_looks_in_its_own_inputs_folder(tmp_path, run):
    form(tmp_path, "2023-2024-2/本部校区/后勤处.yaml", "2023-2024-2", "- {item: 维修课桌凳, value: 50, unit: 套}")
    this = form(tmp_path, "2024-2025-1/本部校区/后勤处.yaml", "2024-2025-1",
                "- {item: 维修课桌凳, value: 75, unit: 套, category: duties}")
    document, _ = build(run, tmp_path, this)  # no config.yaml anywhere above
    assert "本学期维修课桌凳75套，较上学期增长50%。" in document
