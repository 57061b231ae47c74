"""Hostile input: every file gets a document or a clear Chinese answer, quickly, without a crash."""

from __future__ import annotations

import pytest
from conftest import VALID, worksum, write_form
from docx_reading import paragraphs

FORM = VALID  # the smallest valid form, shared with the validation tests


def refused(tmp_path, text_or_bytes, expected: str, timeout: float = 30):
    """Validate in a real process (a crash or hang would show); assert exit 1 and the message."""
    path = tmp_path / "form.yaml"
    if isinstance(text_or_bytes, bytes):
        path.write_bytes(text_or_bytes)
    else:
        path.write_text(text_or_bytes, encoding="utf-8")
    result = worksum("validate", str(path), cwd=tmp_path, timeout=timeout)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert expected in stderr, stderr
    assert "Traceback" not in stderr


def test_billion_laughs_is_refused(tmp_path):
    lines = ["a0: &a0 [哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    refused(tmp_path, "\n".join(lines) + "\n", "错误: 文件内容过多或嵌套过深")


def test_deep_nesting_is_refused_without_crashing(tmp_path):
    # libyaml recurses in C: a million brackets would crash the process, not raise
    refused(tmp_path, "a: " + "[" * 500_000 + "]" * 500_000 + "\n", "form.yaml:1:1: 错误: 文件中的括号嵌套过深")


def test_nesting_within_bounds_but_past_the_model_is_refused(tmp_path):
    refused(tmp_path, "a: " + "[" * 200 + "]" * 200 + "\n", "错误: 文件内容过多或嵌套过深")


def test_huge_file_is_refused(tmp_path):
    refused(tmp_path, FORM + "# " + "很长的注释" * 300_000 + "\n", "form.yaml:1:1: 错误: 文件过大")


def test_undecodable_bytes_get_advice(tmp_path):
    refused(tmp_path, FORM.encode("utf-8") + b"closing: \xff\xfe\xfa\n",
            "错误: 文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）")


def test_gb18030_with_rare_characters_is_read(tmp_path, run):
    text = FORM.replace("全校师生参加。", "全校师生参加，含生僻字𠀀。")
    path = tmp_path / "form.yaml"
    path.write_bytes(text.encode("gb18030"))
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert any("含生僻字𠀀" in p.text for p in paragraphs(out))


def test_utf16_from_notepad_is_read(tmp_path, run):
    path = tmp_path / "form.yaml"
    path.write_bytes(FORM.encode("utf-16"))
    result = run(tmp_path, "build", str(path), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 0, result.output
    assert "1.消防疏散演练。全校师生参加。" in [p.text for p in paragraphs(tmp_path / "out.docx")]


def test_hostile_text_is_printed_or_cleaned_predictably(tmp_path, run):
    text = FORM.replace('details: 全校师生参加。', 'details: "表情😀、生僻字𠀀、控制符\\x01\\x1f、<w:t>&lt;]]>、{{ 1+1 }}{# x #}"')
    text += "closing: " + "很长的一行" * 4000 + "\n"
    path = write_form(tmp_path, text)
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "警告: 删除了文字中无法保存到 Word 的字符" in result.stderr
    texts = [p.text for p in paragraphs(out)]
    assert "1.消防疏散演练。表情😀、生僻字𠀀、控制符、<w:t>&lt;]]>、{{ 1+1 }}{# x #}。" in texts
    assert "很长的一行" * 4000 in texts


def test_template_that_loops_forever_is_stopped(tmp_path, run):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "closing.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", encoding="utf-8")
    path = write_form(tmp_path, FORM)
    result = run(tmp_path, "build", str(path), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert "closing.j2:1:1: 错误: 模板运行超过 2 秒，已停止" in result.stderr
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.parametrize("body, message", [
    ('{{ "字" * 100000000 }}', "模板中的重复（*）会生成过长的内容"),
    ("{{ 10 ** 100000000 }}", "模板中的乘方过大"),
    ("{% for i in range(90000) %}很长的输出内容{% endfor %}", "模板输出超过"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "模板运行出错"),
    ("{{ ''.__class__.__mro__ }}", "错误: 模板"),
])
def test_template_that_builds_huge_output_or_pokes_internals_is_stopped(tmp_path, run, body, message):
    (tmp_path / "config.yaml").write_text("", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "opening.j2").write_text(body, encoding="utf-8")
    path = write_form(tmp_path, FORM)
    result = run(tmp_path, "build", str(path), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1, result.output
    assert "opening.j2:" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_yaml_number_quirks_and_wrapped_lines_keep_what_people_meant(tmp_path, run):
    text = FORM.replace('    details: 全校师生参加。', '    details: 全校师生参加，\n      疏散用时3分钟。\n    times: 4次')
    text += "intro: 10:30\n"
    form = write_form(tmp_path, text)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1
    assert 'form.yaml:11:12: 错误: 字段 "activities" 第1项 "times"：请只写数字 4（“次”不用写）' in result.stderr
    form.write_text(text.replace("times: 4次", "times: 4"), encoding="utf-8")
    assert run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx")).exit_code == 0
    texts = [p.text for p in paragraphs(tmp_path / "out.docx")]
    assert texts[2] == "10:30"  # not 630 (YAML 1.1 base-60)
    assert "1.消防疏散演练。全校师生参加，疏散用时3分钟。共开展4次。" in texts  # no space where the line wrapped
