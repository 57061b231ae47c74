"""The command line on the bundled sample workspace."""

from __future__ import annotations

import pytest
from conftest import ROOT, worksum
from docx_reading import paragraphs


def test_build_writes_every_form_of_the_workspace(workspace):
    result = worksum("build", cwd=workspace)
    assert result.returncode == 0, result.stderr.decode()
    outputs = sorted((workspace / "outputs").rglob("*.docx"))
    forms = sorted((workspace / "inputs").rglob("*.yaml"))
    assert len(outputs) == len(forms) == 12
    target = workspace / "outputs" / "2024-2025-1" / "东湖校区" / "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx"
    assert target in outputs
    paras = paragraphs(target)
    assert paras[0].style == "Title"
    assert paras[-2].style == "Signature"
    assert b"Traceback" not in result.stderr


def test_every_sample_form_has_a_record_without_category():
    import yaml

    for form in (ROOT / "inputs").rglob("*.yaml"):
        data = yaml.safe_load(form.read_text(encoding="utf-8"))
        records = data.get("activities", []) + data.get("counts", [])
        assert any("category" not in r for r in records), form


def test_one_bad_form_fails_alone(workspace):
    bad = workspace / "inputs" / "2024-2025-1" / "滨江校区" / "教务处.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    result = worksum("build", cwd=workspace)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "inputs/2024-2025-1/滨江校区/教务处.yaml:" in stderr and '未知字段 "titel"' in stderr
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 11


def test_help_and_usage_errors():
    assert worksum("--help", cwd=ROOT).returncode == 0
    assert worksum("build", "--no-such-option", cwd=ROOT).returncode == 2


def test_worksum_alone_prints_the_chinese_help_and_status_2():
    """Called without a command it was called wrongly (status 2, as click's usage errors):
    the help goes to standard error, the same text as ``worksum --help``, in Chinese."""
    alone, helped = worksum(cwd=ROOT), worksum("--help", cwd=ROOT)
    assert alone.returncode == 2 and helped.returncode == 0
    assert alone.stdout == b""
    text = alone.stderr.decode()
    assert text == helped.stdout.decode()
    assert text.splitlines()[0].startswith("用法：") and text.splitlines()[0].endswith(" [选项] 命令 [参数]...")
    assert "\n选项：\n" in text and "\n命令：\n" in text and "显示本帮助后退出" in text and "显示版本号后退出" in text
    for english in ("Usage:", "Options:", "Commands:", "Show this message", "Show the version", "[OPTIONS]"):
        assert english not in text


def test_a_commands_help_is_in_chinese():
    text = worksum("blank", "--help", cwd=ROOT).stdout.decode()
    assert text.startswith("用法：") and "blank [选项]" in text.splitlines()[0]
    assert "\n选项：\n" in text and "[必填]" in text and "[required]" not in text
    import unicodedata

    def column(line: str, start: str) -> int:  # where ``start`` shows on a terminal (Chinese: two columns)
        before = line[:line.index(start)]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)

    rows = text.split("选项：\n", 1)[1].splitlines()
    starts = {column(row, "学期，如") if "--term" in row else column(row, "校区 /") if "--campus" in row
              else column(row, "部门 /") if "--department" in row else column(row, "显示本帮助") for row in rows if row}
    assert len(starts) == 1, rows  # the descriptions line up as the terminal shows them


def test_help_descriptions_wrap_by_display_width(monkeypatch):
    """Help text wraps by how wide it shows, a Chinese character two columns: no line of any
    help is wider than click's 78 columns (wrapped by character count, --strict's first line
    showed 107), no character is lost, and paths stay whole."""
    import unicodedata

    from pipeline.cli import main

    def shown(line: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)

    monkeypatch.setenv("COLUMNS", "80")  # click's width: 80 - 2
    for command in ([], ["build"], ["check"], ["blank"], ["init"], ["rollup"], ["preview"], ["new-term"]):
        text = worksum(*command, "--help", cwd=ROOT).stdout.decode()
        assert text.startswith("用法："), command
        for line in text.splitlines():
            assert shown(line) <= 78, (command, line)
    text = worksum("build", "--help", cwd=ROOT).stdout.decode()
    rows = text.split("  --strict", 1)[1].split("  -h, --help")[0].splitlines()
    strict = next(option.help for option in main.commands["build"].params if option.name == "strict")
    assert len(rows) == 3 and "".join(row.strip() for row in rows).replace(" ", "") == strict.replace(" ", "")
    assert {shown(row) - shown(row.lstrip()) for row in rows[1:]} == {shown(rows[0]) - shown(rows[0].lstrip())
                                                                      + len("  --strict")}
    commands = worksum("--help", cwd=ROOT).stdout.decode()
    assert "\n             inputs/<学期>/<校区>/<部门>.xlsx。\n" in commands  # blank's path, whole, under its text
    assert "\n             outputs/<学期>/汇总/。\n" in commands


def test_python_m_pipeline_and_version():
    result = worksum("--version", cwd=ROOT)
    assert result.returncode == 0 and result.stdout.decode().strip() == "worksum 0.1.0"


@pytest.mark.parametrize("args, said", [
    (["buld"], "worksum: 用法错误: 没有“buld”这个命令，是否应为“build”？"),
    (["build", "-q"], "worksum build: 用法错误: worksum build 没有“-q”这个选项"),
    (["check", "--fx"], "worksum check: 用法错误: worksum check 没有“--fx”这个选项，是否应为“--fix”？"),
    (["build", "--term"], "worksum build: 用法错误: 选项“--term”后面要写上它的值（用空格隔开）"),
    (["build", "--force=1"], "worksum build: 用法错误: 选项“--force”后面不用写值"),
    (["build", "-j", "x"], "worksum build: 用法错误: 选项“-j/--jobs”的值不对：“x”不是整数"),
    (["new-term", "2024-2025-1"], "worksum new-term: 用法错误: 缺少参数 TO"),
    (["rollup"], "worksum rollup: 用法错误: 缺少选项“--term”（这个选项必须写）"),
    (["schema", "extra"], "worksum schema: 用法错误: 多写了参数“extra”；如果文件名中有空格，请给它加上引号"),
])
def test_usage_errors_are_said_in_chinese_with_status_2(args, said):
    done = worksum(*args, cwd=ROOT)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert lines == [said, f"运行“{said.split(': ')[0]} --help”查看用法"]
