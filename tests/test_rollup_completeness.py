"""A roll-up is never silently short: a broken form stops every department it may belong to."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import worksum
from docx_text import paragraphs
from test_rollup import ACADEMIC, LOGISTICS, TERM, row_of

EAST = f"inputs/{TERM}/东湖校区"


def break_date(form: Path) -> None:
    text = form.read_text(encoding="utf-8")
    assert "date: 2025-01-" in text
    form.write_text(text.replace("date: 2025-01-", "date: 2025-13-", 1), encoding="utf-8")


def test_a_renamed_broken_form_still_stops_its_departments_rollup(workspace):
    """The review's case: 东湖's 后勤处 form, renamed to 后勤.yaml, with a bad date."""
    renamed = workspace / EAST / "后勤.yaml"
    (workspace / EAST / "后勤处.yaml").rename(renamed)
    break_date(renamed)

    done = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)

    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert f"{EAST}/后勤.yaml:" in stderr and ": 错误: " in stderr
    assert "后勤处的汇总未生成：有 1 份填报表有错误" in stderr
    assert not (workspace / LOGISTICS).exists()  # no 汇总 with 东湖's figures missing
    assert done.stdout.decode() == ""

    everything = worksum("rollup", "--term", TERM, cwd=workspace)
    assert everything.returncode == 1
    assert not (workspace / LOGISTICS).exists()
    assert (workspace / ACADEMIC).is_file()  # the other department is not held up
    assert everything.stderr.decode().count(f"{EAST}/后勤.yaml:") == 1  # its errors are said once


def test_a_broken_form_whose_department_cannot_be_told_stops_every_rollup(workspace):
    form = workspace / EAST / "后勤处.yaml"
    text = form.read_text(encoding="utf-8")
    form.write_text(text.replace("department: 后勤处", "department: 后勤部"), encoding="utf-8")  # not in config.yaml

    done = worksum("rollup", "--term", TERM, cwd=workspace)

    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert "后勤处的汇总未生成" in stderr and "教务处的汇总未生成" in stderr
    assert "看不出是哪个部门的" in stderr
    assert stderr.count(f"{EAST}/后勤处.yaml:") == 1
    assert not (workspace / "outputs").exists() or not list((workspace / "outputs").rglob("*.docx"))


def test_an_unreadable_file_stops_every_rollup(workspace):
    (workspace / EAST / "后勤处.yaml").write_text("campus: [东湖校区\n", encoding="utf-8")  # not YAML at all

    done = worksum("rollup", "--term", TERM, "--department", "教务处", cwd=workspace)

    assert done.returncode == 1
    assert "教务处的汇总未生成" in done.stderr.decode()
    assert not (workspace / ACADEMIC).exists()


def test_another_departments_broken_form_says_nothing_and_stops_nothing(workspace):
    break_date(workspace / EAST / "教务处.yaml")

    done = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)

    assert done.returncode == 0, done.stderr.decode()
    assert "错误" not in done.stderr.decode()
    # Every campus is in the totals: 21400 + 12600 + 7300.
    assert row_of(workspace / LOGISTICS, "节约水电费")["合计"] == "41300"


@pytest.mark.parametrize("change", ["none", "renamed_broken", "other_department_broken", "duplicate_campus"])
def test_an_error_printed_always_means_exit_1(workspace, change):
    if change == "renamed_broken":
        (workspace / EAST / "后勤处.yaml").rename(workspace / EAST / "后勤.yaml")
        break_date(workspace / EAST / "后勤.yaml")
    elif change == "other_department_broken":
        break_date(workspace / EAST / "教务处.yaml")
    elif change == "duplicate_campus":
        copy = workspace / f"inputs/{TERM}/本部校区/后勤处2.yaml"
        copy.write_bytes((workspace / EAST / "后勤处.yaml").read_bytes())

    done = worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace)

    printed_error = ": 错误: " in done.stderr.decode()
    assert (done.returncode == 1) == printed_error, done.stderr.decode()
    assert (workspace / LOGISTICS).exists() == (not printed_error)


def test_the_rollup_has_the_frame_of_a_campus_document(workspace):
    assert worksum("rollup", "--term", TERM, "--department", "后勤处", cwd=workspace).returncode == 0
    assert worksum("build", "--term", TERM, "--campus", "东湖校区", "--department", "后勤处",
                   cwd=workspace).returncode == 0
    [campus_document] = (workspace / "outputs" / TERM / "东湖校区").glob("*.docx")
    rollup, campus = paragraphs(workspace / LOGISTICS), paragraphs(campus_document)

    def frame(found):
        """Styles of title, blank, opening … closing, blank, signature, date; the blanks' text."""
        return [p.style for p in found[:3]], [p.style for p in found[-4:]], found[1].text, found[-3].text

    assert frame(rollup) == frame(campus)
    assert frame(campus)[2:] == ("", "")
    assert rollup[0].text.endswith("工作汇总") and campus[0].text.endswith("工作总结")
    assert rollup[-1].text == "2025年1月16日"  # the latest of the campuses' dates


def test_an_internal_error_in_a_rollup_exits_3(workspace, run, monkeypatch):
    import pipeline.document.rollup

    def broken(*args, **kwargs):
        raise RuntimeError("测试用的缺陷")

    monkeypatch.setattr(pipeline.document.rollup, "roll_up", broken)
    result = run(workspace, "rollup", "--term", TERM, "--department", "后勤处")
    assert result.exit_code == 3
    assert "内部错误" in result.stderr and "测试用的缺陷" in result.stderr
    assert "Traceback" not in result.stderr
