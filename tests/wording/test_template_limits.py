"""Templates are bounded for real: time wherever they loop, size at every step, memory.

Each hostile template is built in a real process (a hang or the out-of-memory
killer would show as a timeout or a signal, not as a failed assertion), with its
address space capped well below what the attack would take, and must end with a
Chinese message at the template's file and line, quickly, with no document.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import pytest

from conftest import ROOT, VALID, write_form
from docx_text import texts
from pipeline.wording import sandbox

#: The address space the whole worksum process may use while a hostile template runs:
#: past it, an allocation fails (a MemoryError or a crash), and the test fails.
ADDRESS_SPACE = 2 * 1024 ** 3


MEMORY_HOG = ('{% set ns = namespace(l=[]) %}{% for i in range(100000) %}'
              '{% set ns.l = [ns.l, "x" * (190000 + i)] %}{% endfor %}')


def build_with(tmp_path, template: str, name: str = "opening.j2") -> tuple[int, str, float]:
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / name).write_text(template, encoding="utf-8")
    form = write_form(tmp_path, VALID)

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", str(form), "-o", str(tmp_path / "out.docx")],
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, timeout=60, preexec_fn=cap_memory)
    return done.returncode, done.stderr.decode(), time.monotonic() - started


@pytest.mark.parametrize("template, message", [
    # loops the range clock never saw: over a long string, nested
    ('{% for i in "x" * 100000 %}\n{% for j in "x" * 100000 %}{% endfor %}{% endfor %}',
     "templates/opening.j2:2:1: 错误: 模板运行超过 2 秒，已停止"),
    # powers nested past the ** 64 check
    ("{{ (((2 ** 64) ** 64) ** 64) ** 64 }}", "templates/opening.j2:1:1: 错误: 模板中的乘方过大"),
    # a number squared in a loop
    ("{% set ns = namespace(n=3) %}{% for i in range(100) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n }}",
     "templates/opening.j2:1:1: 错误: 模板中的乘法算出的数字过大"),
    # one step, gigabytes
    ('{{ "x" | center(1000000000) }}', "模板中的过滤器 center 的宽度会生成过长的内容"),
    ('{{ "%1000000000s" | format("x") }}', "模板中的格式化（format）会生成过长的内容"),
    ('{{ "%1000000000s" % "x" }}', "模板中的格式化（%）会生成过长的内容"),
    ('{{ "{:1000000000}".format(1) }}', "模板中的格式化（format）会生成过长的内容"),
    ('{{ "x".ljust(1000000000) }}', "模板中的方法 ljust() 的宽度会生成过长的内容"),
    ('{{ ("x\n" * 1000) | indent(1000000) }}', "模板中的过滤器 indent 的缩进会生成过长的内容"),
    ('{{ ("x" * 1000) | replace("x", "y" * 100000) }}', "模板中的替换（replace）会生成过长的内容"),
    ('{{ (range(100000) | list) | join("y" * 10000) }}', "模板中的连接（join）会生成过长的内容"),
    ('{{ [1, 2] | batch(1000000000, "x") | list }}', "模板中的过滤器 batch 的分组会生成过长的内容"),
    ('{{ {"a": [1, 2, 3]} | tojson(1000000000) }}', "模板中的过滤器 tojson 的缩进会生成过长的内容"),
    ('{{ lipsum(100000) }}', "没有变量“lipsum”"),  # placeholder text as long as asked for: not offered
    # doubling in a namespace loop, by ~ and by +
    ('{% set ns = namespace(s="xx") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}',
     "模板中的拼接（~）会生成过长的内容"),
    ('{% set ns = namespace(s="xx") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}',
     "模板中的拼接（+）会生成过长的内容"),
    # many allocations kept alive: stopped by the memory watch or the clock, whichever comes first,
    # never by the address-space cap (test_memory_growth_is_stopped_by_the_memory_watch below)
    (MEMORY_HOG, "templates/opening.j2:1:1: 错误: 模板"),
])
def test_hostile_templates_are_stopped_with_a_message_at_their_line(tmp_path, template, message):
    status, stderr, seconds = build_with(tmp_path, template)
    assert status == 1, stderr
    assert message in stderr, stderr
    assert "opening.j2:" in stderr
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    assert seconds < sandbox.MAX_SECONDS + 15  # the limit, plus starting Python and building the rest
    assert not (tmp_path / "out.docx").exists()


def test_memory_growth_is_stopped_by_the_memory_watch(tmp_path, run, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_MEMORY", 64 * 1024 ** 2)
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 60.0)  # so the clock cannot be what stops it
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "opening.j2").write_text(MEMORY_HOG, encoding="utf-8")
    form = write_form(tmp_path, VALID)
    started = time.monotonic()
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert "templates/opening.j2:1:1: 错误: 模板占用的内存超过 64 MB，已停止" in result.stderr
    assert time.monotonic() - started < 30


def test_ordinary_templates_still_format_join_and_concatenate(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "opening.j2").write_text(
        '{{ "%s校区共%d人" | format(campus, 1234567) }}{{ "，{}".format(2 ** 10) }}'
        '{{ ["甲", "乙"] | join("、") }}{{ "丙" ~ "丁" }}{{ ("戊" * 3) | replace("戊", "己") }}'
        '{{ "庚" | center(5) | trim }}', encoding="utf-8")
    form = write_form(tmp_path, VALID)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 0, result.output
    assert "东湖校区校区共1234567人，1024甲、乙丙丁己己己庚" in texts(tmp_path / "out.docx")


def test_a_template_saved_as_gbk_is_named_with_its_folder_and_line(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "opening.j2").write_bytes("{{ campus }}\n本学期开篇\n".encode("gbk"))
    form = write_form(tmp_path, VALID)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert ("templates/opening.j2:2:1: 错误: 模板文件不是 UTF-8 编码（可能是 GBK）；"
            "请用记事本或 WPS“另存为”并选择 UTF-8 编码") in result.stderr
    assert "UnicodeDecodeError" not in result.stderr


def test_a_document_arms_the_timer_once_and_each_render_keeps_its_own_time_limit(monkeypatch):
    import signal

    import jinja2

    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    env = sandbox.LimitedSandbox(loader=jinja2.DictLoader({"ok.j2": "好", "loop.j2": loop}))
    monkeypatch.setattr(sandbox, "MAX_SECONDS", 0.3)
    calls = []
    real = signal.setitimer
    monkeypatch.setattr(signal, "setitimer", lambda which, *times: (calls.append(times), real(which, *times))[1])
    with sandbox.watching(env):
        assert [sandbox.render(env.get_template("ok.j2"), {}) for _ in range(5)] == ["好"] * 5
        started = time.monotonic()
        with pytest.raises(sandbox.TemplateLimitError, match="模板运行超过 0.3 秒"):
            sandbox.render(env.get_template("loop.j2"), {})
        assert time.monotonic() - started < 2
    assert calls == [(sandbox.TICK, sandbox.TICK), (0, 0)]  # armed once for six renders, disarmed once
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
