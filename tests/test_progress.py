"""The console side of a batch: a progress bar only on a terminal, and the Chinese summary."""

from __future__ import annotations

from pathlib import Path

from pipeline.commands.runner import Tally
from pipeline.progress import ConsoleReporter


def test_the_bar_is_drawn_on_a_terminal_and_cleared_before_messages(capsys):
    reporter = ConsoleReporter(bar=True)
    reporter.begin(4, 8)
    for _ in range(2):
        reporter.step()
    reporter.note("inputs/a.yaml:3:5: 错误: 未知字段")
    reporter.wrote(Path("outputs/x.docx"))
    reporter.step()
    reporter.step()
    reporter.end()

    captured = capsys.readouterr()
    assert "生成中 [" in captured.err and "4/4" in captured.err
    # the message sits on a line of its own: the bar was cleared first
    assert "\r\x1b[Kinputs/a.yaml:3:5: 错误: 未知字段\n" in captured.err
    assert captured.err.endswith("\r\x1b[K")
    assert captured.out == "outputs/x.docx\n"


def test_no_bar_when_not_on_a_terminal(capsys):
    reporter = ConsoleReporter(bar=False)
    reporter.begin(3, 0)
    reporter.step()
    reporter.note("消息")
    reporter.end()
    assert capsys.readouterr().err == "消息\n"


def test_the_summary_line():
    assert Tally(built=3, unchanged=9, failed=1).line() == "完成：生成 3 份，未变化 9 份，失败 1 份"
    assert Tally(built=2, interrupted=True, backups=1).line() == "已中断：生成 2 份，未变化 0 份，失败 0 份；另存了 1 份修改过的文档"
