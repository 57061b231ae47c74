"""Hostile and unlucky forms, second round: each gets a document or a Chinese message with
its file and line, and the rest of the batch is built.

Special files and odd encodings are tried in real processes (a hang shows as a
timeout, a crash as a signal), the rest through the CLI in this process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, VALID, worksum, write_form
from docx_text import texts

TERM = "2024-2025-1"
FORMS = f"inputs/{TERM}/东湖校区"


def batch(ws: Path, *args: str, timeout: float = 120) -> tuple[int, str]:
    done = worksum(*args, cwd=ws, timeout=timeout)
    stderr = done.stderr.decode(errors="replace")
    assert "Traceback" not in stderr
    return done.returncode, stderr


# --- special files, read with a limit ----------------------------------------------------

@pytest.mark.parametrize("kind, message", [
    ("fifo", "这不是普通文件（是管道、设备或套接字），已拒绝读取"),
    # a link to a device is a link out of the workspace: refused before it is opened
    ("device", "这是指向工作区以外的链接（实际位置 /dev/zero）：worksum 不读写工作区以外的文件；请把它复制到工作区中，或删除这个链接"),
    ("loop", "这是一个循环的链接（链接指向它自己）"),
    ("dangling", "文件不存在"),  # shown under the link's name, which is what the person sees
])
def test_a_special_file_named_yaml_is_refused_and_the_batch_built(workspace, kind, message):
    special = workspace / FORMS / "特殊.yaml"
    if kind == "fifo":
        os.mkfifo(special)  # reading it would wait for a writer forever
    elif kind == "device":
        special.symlink_to("/dev/zero")  # reading it would never end
    elif kind == "loop":
        special.symlink_to(special)
    else:
        special.symlink_to(workspace / FORMS / "特殊" / "后勤处.yaml")
    for command in (("build",), ("validate",), ("check",)):
        status, stderr = batch(workspace, *command, timeout=60)
        assert status == 1, stderr
        assert f"{FORMS}/特殊.yaml:1:1: 错误: {message}" in stderr
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 12


def test_a_pipe_named_xlsx_is_refused_not_waited_on(workspace):
    """A workbook was read with read_bytes(): a named pipe called 总务处.xlsx made validate and build
    wait for a writer forever. It is refused like a pipe named .yaml, and the batch is built."""
    os.mkfifo(workspace / FORMS / "总务处.xlsx")
    for command in (("validate",), ("build",)):
        status, stderr = batch(workspace, *command, timeout=60)
        assert status == 1, stderr
        assert f"{FORMS}/总务处.xlsx: 错误: 这不是普通文件（是管道、设备或套接字），已拒绝读取" in stderr
    assert len(list((workspace / "outputs").rglob("*.docx"))) == 12


def test_a_form_past_the_size_limit_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "form.yaml"
    with open(big, "wb") as handle:
        handle.write(VALID.encode())
        handle.truncate(3 * 1024 ** 3)  # 3 GB, sparse: reading it whole would take that much memory
    done = subprocess.run([sys.executable, "-m", "pipeline", "validate", str(big)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60,
                          preexec_fn=lambda: __import__("resource").setrlimit(
                              __import__("resource").RLIMIT_AS, (1024 ** 3, 1024 ** 3)))
    assert done.returncode == 1
    assert "form.yaml:1:1: 错误: 文件过大，一份填报表不应超过 2 MB" in done.stderr.decode()


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_config_yaml_that_cannot_be_read_is_said_not_ignored(workspace, run, kind):
    config = workspace / "config.yaml"
    config.unlink()
    if kind == "folder":
        config.mkdir()
        reason = "这是一个文件夹，不是文件"
    else:
        config.symlink_to(workspace / "gone.yaml")
        reason = "文件不存在（或是指向不存在文件的链接）"
    result = run(workspace, "build")
    assert result.exit_code == 1
    assert f"config.yaml:1:1: 错误: 无法读取 config.yaml：{reason}；请改正或删除它" in result.stderr
    assert not list((workspace / "outputs").rglob("*.docx"))


# --- line ends and encodings --------------------------------------------------------------

def test_cr_only_line_ends_build_check_and_fix_without_a_crash(workspace, run):
    form = workspace / FORMS / "后勤处.yaml"
    text = form.read_text(encoding="utf-8")
    form.write_bytes(text.replace("\n", "\r").replace("宿管员每晚熄灯后", "宿管员每晚熄灯后,").encode("utf-8"))
    line = text[: text.index("宿管员每晚熄灯后")].count("\n") + 1
    assert run(workspace, "validate").exit_code == 0
    result = run(workspace, "check")
    assert f"{FORMS}/后勤处.yaml:{line}:" in result.stderr and "半角逗号" in result.stderr  # lines as the editor shows
    result = run(workspace, "check", "--fix")
    assert f"{FORMS}/后勤处.yaml:{line}:" in result.stderr and "已改正 1 处标点" in result.stderr
    fixed = form.read_bytes()
    assert "宿管员每晚熄灯后，".encode() in fixed and b"\n" not in fixed  # its own line ends kept
    assert "完成：生成 12 份" in run(workspace, "build").stderr


def test_year_0000_is_refused_at_validate_with_its_line(tmp_path, run):
    form = write_form(tmp_path, VALID.replace("term: 2024-2025-1", "term: 0000-0001-1"))
    result = run(tmp_path, "validate", str(form))
    assert result.exit_code == 1
    assert 'form.yaml:4:7: 错误: 字段 "term"：学期编号 "0000-0001-1" 中的年份 0000 不对' in result.stderr
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 1 and "内部错误" not in result.stderr


def test_new_term_carries_over_forms_with_nul_characters_or_in_utf32(workspace, run):
    folder = workspace / "inputs" / TERM
    (folder / "东湖校区" / "后勤处.yaml").write_text(
        (folder / "东湖校区" / "后勤处.yaml").read_text(encoding="utf-8").replace("东湖校区后勤处", "东湖校区\x00后勤处"),
        encoding="utf-8")
    utf32 = folder / "滨江校区" / "后勤处.yaml"
    utf32.write_bytes(utf32.read_text(encoding="utf-8").encode("utf-32"))
    assert run(workspace, "build", "inputs/" + TERM).exit_code == 0  # both build

    result = run(workspace, "new-term", TERM, "2024-2025-2")

    assert result.exit_code == 0, result.stderr
    assert "ruamel" not in result.stderr and "错误" not in result.stderr
    carried = workspace / "inputs" / "2024-2025-2"
    assert "author: 东湖校区后勤处" in (carried / "东湖校区" / "后勤处.yaml").read_text(encoding="utf-8")
    assert "term: 2024-2025-2" in (carried / "滨江校区" / "后勤处.yaml").read_text(encoding="utf-8")


# --- invisible and look-alike characters ----------------------------------------------------

def test_invisible_characters_in_keys_are_removed_with_a_warning(tmp_path, run):
    text = VALID.replace("department:", "depart\u200bment:").replace("category:", "\ufeffcategory:")
    form = write_form(tmp_path, text)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 0, result.stderr
    assert 'form.yaml:3:1: 警告: 字段名 "department" 中有看不见的字符 U+200B（零宽空格），已删除' in result.stderr
    assert "未知字段" not in result.stderr


def test_invisible_characters_in_text_are_removed_and_odd_spaces_in_names_refused(tmp_path, run):
    form = write_form(tmp_path, VALID.replace("消防疏散演练", "消防\u200b疏散演练"))
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 0
    assert "form.yaml:7:12: 警告: 删除了文字中看不见的字符 U+200B（零宽空格）" in result.stderr
    assert any(p.startswith("1.消防疏散演练。") for p in texts(tmp_path / "out.docx"))

    form = write_form(tmp_path, VALID.replace("campus: 东湖校区", "campus: 东湖\u00a0校区"))
    result = run(tmp_path, "validate", str(form))
    assert result.exit_code == 1
    assert 'form.yaml:2:9: 错误: 字段 "campus"：名称 "东湖\u00a0校区" 中有特殊空格 U+00A0' in result.stderr


def test_yes_and_tilde_keys_are_shown_as_written_and_full_width_keys_get_a_suggestion(tmp_path, run):
    form = write_form(tmp_path, VALID + "yes: 1\n~: 2\n")
    result = run(tmp_path, "validate", str(form))
    assert 'form.yaml:10:1: 错误: 未知字段 "yes"' in result.stderr
    assert 'form.yaml:11:1: 错误: 未知字段 "~"' in result.stderr
    assert "True" not in result.stderr and "None" not in result.stderr

    form = write_form(tmp_path, VALID.replace("department:", "ｄｅｐａｒｔｍｅｎｔ:"))
    result = run(tmp_path, "validate", str(form))
    assert 'form.yaml:3:1: 错误: 未知字段 "ｄｅｐａｒｔｍｅｎｔ"，字段名要用半角英文字母，应写成 "department"' in result.stderr


# --- names and paths -----------------------------------------------------------------------

def test_over_long_names_are_caught_at_validate_with_their_line(tmp_path, run):
    form = write_form(tmp_path, VALID.replace("campus: 东湖校区", "campus: " + "东" * 31))
    result = run(tmp_path, "validate", str(form))
    assert 'form.yaml:2:9: 错误: 字段 "campus"：名称过长（31 字），不应超过 30 字' in result.stderr

    form = write_form(tmp_path, VALID.replace("organization: 明德实验学校", "organization: " + "明德实验学校" * 12))
    result = run(tmp_path, "validate", str(form))
    assert result.exit_code == 1
    assert "form.yaml:1:1: 错误: 名称过长：文档的文件名“明德实验学校" in result.stderr
    assert "超过文件系统允许的 255 字节；请缩短 organization、campus、department" in result.stderr


@pytest.mark.parametrize("pattern, shown", [("outputs/<term>/\\n<title>.docx", "换行"),
                                            ("outputs/<term>/\\t<title>.docx", "制表符（Tab）")])
def test_an_output_pattern_with_a_newline_or_tab_is_refused_at_validate(tmp_path, run, pattern, shown):
    (tmp_path / "config.yaml").write_text(f'output: "{pattern}"\n', encoding="utf-8")
    form = write_form(tmp_path, VALID)
    result = run(tmp_path, "validate", str(form))
    assert result.exit_code == 1
    assert f"config.yaml:1:9: 错误: " in result.stderr and f"输出路径中有{shown}" in result.stderr


def test_the_same_form_named_twice_is_built_once(workspace, run):
    form = f"{FORMS}/后勤处.yaml"
    (workspace / "link.yaml").symlink_to(workspace / form)
    result = run(workspace, "build", form, "./" + form, str(workspace / form), "link.yaml")
    assert result.exit_code == 0, result.stderr
    assert "完成：生成 1 份，未变化 0 份，失败 0 份" in result.stderr
    assert "生成同一个文件" not in result.stderr


def test_a_failed_write_names_the_document_not_the_temporary_file(workspace, run, monkeypatch):
    from pipeline.workspace import write

    real_replace = os.replace

    def refuse(source, destination):
        if "后勤处" in str(destination) and "东湖" in str(destination):
            raise PermissionError(13, "Permission denied", source, None, destination)
        return real_replace(source, destination)

    monkeypatch.setattr(write.os, "replace", refuse)
    result = run(workspace, "build", "--term", TERM)
    assert result.exit_code == 1
    assert "错误: 无法写入 outputs/2024-2025-1/东湖校区/明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx：" in result.stderr
    assert ".worksum-" not in result.stderr


def test_one_huge_unbroken_token_is_refused_at_its_line_quickly(tmp_path):
    form = write_form(tmp_path, VALID.replace("全校师生参加。", "全" + "a" * 1_500_000 + "。"))
    done = worksum("build", str(form), "-o", str(tmp_path / "out.docx"), cwd=tmp_path, timeout=60)
    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert ('form.yaml:9:14: 错误: 字段 "activities" 第1项 "details"：文字过长（1500002 字），'
            "一项内容不应超过 50000 字；请分成几项填写") in stderr
    assert ".j2" not in stderr  # the form's line, not a built-in template's
