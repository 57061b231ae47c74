"""Faults while writing: a clear message, the previous output intact, the other forms still built."""

from __future__ import annotations

import errno
import tempfile

import pytest

from pipeline.workspace import write

TERM = "2024-2025-1"
VICTIM = "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx"


@pytest.fixture
def built(workspace, run):
    """The workspace with its documents built once; returns the victim's path and bytes."""
    assert run(workspace, "build", "--term", TERM).exit_code == 0
    target = workspace / "outputs" / TERM / "东湖校区" / VICTIM
    return target, target.read_bytes()


def rebuild(workspace, run):
    """Build every form again (the outputs are unchanged, so force it)."""
    return run(workspace, "build", "--term", TERM, "--force")


def assert_fault_handled(result, target, before: bytes, message: str, workspace):
    assert result.exit_code == 1, result.output
    assert f"{VICTIM}：{message}" in result.stderr or message in result.stderr, result.stderr
    assert "原有文档未被改动" in result.stderr
    assert "Traceback" not in result.output
    assert target.read_bytes() == before  # the previous output is intact
    assert "生成 5 份" in result.stderr and "失败 1 份" in result.stderr  # the other forms were built
    assert not list(workspace.rglob(".worksum-*.tmp"))


def test_full_disk(workspace, run, built, monkeypatch):
    target, before = built
    real_write_atomic = write.write_atomic

    def full_for_victim(path, data):
        if path.name == VICTIM:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write_atomic(path, data)

    monkeypatch.setattr("pipeline.commands.manifest.write_atomic", full_for_victim)
    result = rebuild(workspace, run)
    assert_fault_handled(result, target, before, "磁盘空间不足，请清理后重新生成", workspace)


def test_read_only_output_folder(workspace, run, built, monkeypatch):
    # Tests may run as root, who can write anywhere: simulate the refusal the folder gives.
    target, before = built
    real_mkstemp = tempfile.mkstemp

    def refusing(*args, dir=None, **kwargs):
        if dir is not None and str(dir) == str(target.parent):  # as the system names it: the new file
            raise PermissionError(errno.EACCES, "Permission denied", str(dir) + "/.worksum-x1y2z3.tmp")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(write.tempfile, "mkstemp", refusing)
    result = rebuild(workspace, run)
    assert result.exit_code == 1
    assert "没有写入权限（文件或文件夹是只读的，或正被其他程序占用）" in result.stderr
    # the document is named, not the temporary file the folder refused (the message named that)
    assert f"无法写入 {target.relative_to(workspace)}：" in result.stderr and ".worksum-x1y2z3" not in result.stderr
    assert target.read_bytes() == before
    # both forms of that campus fail; the four others are built
    assert "生成 4 份" in result.stderr and "失败 2 份" in result.stderr


@pytest.mark.parametrize("lock", ["~$" + VICTIM[2:], ".~lock." + VICTIM + "#"])
def test_output_open_in_word_or_libreoffice(workspace, run, built, lock):
    target, before = built
    (target.parent / lock).write_bytes(b"owner")
    result = rebuild(workspace, run)
    assert_fault_handled(result, target, before, f"文档正被 Word/WPS 等程序打开（发现锁文件 {lock}）", workspace)
    (target.parent / lock).unlink()
    result = rebuild(workspace, run)  # closed again: every document is written
    assert result.exit_code == 0, result.output
    assert "生成 6 份" in result.stderr


def test_single_form_to_a_locked_file(example_form, run, tmp_path):
    out = tmp_path / "总结文档.docx"
    out.write_bytes(b"earlier")
    (tmp_path / "~$结文档.docx").write_bytes(b"owner")
    result = run(tmp_path, "build", str(example_form), "-o", str(out))
    assert result.exit_code == 1
    assert "文档正被 Word/WPS 等程序打开（发现锁文件 ~$结文档.docx）" in result.stderr
    assert out.read_bytes() == b"earlier"


def test_a_file_where_an_output_folder_must_go_is_said_in_chinese(tmp_path):
    """preview into /dev/null (or into a folder named like an existing file) said “无法写入 /dev/null：File
    exists”, the system's English; the reason is in Chinese, as for a file in the way of a document."""
    from pipeline.workspace.write import describe

    (tmp_path / "页面").write_text("x", encoding="utf-8")
    try:
        (tmp_path / "页面").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        assert describe(exc) == "输出路径中有同名的文件挡住了文件夹"
    else:
        raise AssertionError("mkdir over a file should fail")
