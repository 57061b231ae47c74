"""One way of finding forms: hidden folders and backup copies are ignored by every command; *.yml is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import worksum

import os

from pipeline.workspace.discovery import forms_in, real_paths

TERM = "2024-2025-1"
EAST = f"inputs/{TERM}/东湖校区"
FORMS = 12  # in the sample workspace


@pytest.fixture
def cluttered(workspace: Path) -> Path:
    """The sample workspace with copies people leave lying around: were any of them read,
    it would show (two forms for one campus, text copied from another campus)."""
    backup = workspace / "inputs" / ".bak"
    shutil.copytree(workspace / "inputs", backup)  # .bak/2024-2025-1/东湖校区/后勤处.yaml …
    shutil.copy(workspace / EAST / "后勤处.yaml", workspace / EAST / "后勤处.bak.yaml")
    shutil.copy(workspace / EAST / "后勤处.yaml", workspace / EAST / "._后勤处.yaml")
    (workspace / EAST / "~$后勤处.yaml").write_bytes(b"\x00\x01 not a form")
    return workspace


def test_forms_in_skips_hidden_folders_and_backup_copies(cluttered):
    found = forms_in(cluttered / "inputs")
    assert len(found) == FORMS
    assert all(".bak" not in path.parts and path.name[0] not in ".~" and ".bak." not in path.name
               for path in found)
    assert found == sorted(found)


def test_build_ignores_them(cluttered):
    done = worksum("build", cwd=cluttered)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().splitlines()[-1] == f"完成：生成 {FORMS} 份，未变化 0 份，失败 0 份"
    assert len(list((cluttered / "outputs").rglob("*.docx"))) == FORMS


def test_validate_ignores_them(cluttered):
    done = worksum("validate", cwd=cluttered)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().splitlines()[-1] == f"检查了 {FORMS} 份填报表：没有发现错误"


def test_check_ignores_them_also_as_other_campuses_text(cluttered, workspace):
    clean = worksum("check", cwd=cluttered).stderr.decode()
    assert ".bak" not in clean and "~$" not in clean  # a copy's text would be "the same as another campus's"
    assert clean.splitlines()[-1].startswith(f"检查了 {FORMS} 份填报表")


def test_rollup_ignores_them(cluttered):
    done = worksum("rollup", "--term", TERM, cwd=cluttered)
    assert done.returncode == 0, done.stderr.decode()  # a second 东湖校区后勤处 form would stop the roll-up
    assert ".bak" not in done.stderr.decode()


def test_new_term_ignores_them(cluttered):
    done = worksum("new-term", TERM, "2024-2025-2", cwd=cluttered)
    assert done.returncode == 0, done.stderr.decode()
    written = sorted(p.relative_to(cluttered / "inputs" / "2024-2025-2").as_posix()
                     for p in (cluttered / "inputs" / "2024-2025-2").rglob("*"))
    assert written == ["东湖校区", "东湖校区/后勤处.yaml", "东湖校区/教务处.yaml", "本部校区", "本部校区/后勤处.yaml",
                       "本部校区/教务处.yaml", "滨江校区", "滨江校区/后勤处.yaml", "滨江校区/教务处.yaml"]


def test_last_periods_form_is_not_taken_from_a_backup_folder(cluttered, run):
    previous = cluttered / "inputs" / "2023-2024-2" / "东湖校区" / "后勤处.yaml"
    hidden = cluttered / "inputs" / "2023-2024-2" / ".bak" / "后勤处.yaml"
    hidden.parent.mkdir()
    previous.rename(hidden)  # last period's form is looked for anywhere in its folder, but not in .bak/
    result = run(cluttered, "build", f"{EAST}/后勤处.yaml", "-o", "总结.docx")
    assert result.exit_code == 0, result.stderr
    from docx_text import texts

    body = "\n".join(texts(cluttered / "总结.docx"))
    assert "节约水电费12600元。" in body  # not "…，较上学期增长28.6%。" as with last period's form in place
    assert "较上学期增长18.3%" in body  # the form's own ``previous`` still counts


# --- *.yml: not read, and said once ----------------------------------------------

@pytest.fixture
def with_yml(workspace: Path) -> Path:
    form = workspace / EAST / "后勤处.yaml"
    form.rename(form.with_suffix(".yml"))
    return workspace


YML_WARNING = (f"{EAST}/后勤处.yml: 警告: 扩展名是 .yml，没有作为填报表读取（填报表以 .yaml 结尾）；"
               "如果这是填报表，请改名为 后勤处.yaml")


@pytest.mark.parametrize("command", [("build",), ("validate",), ("check",), ("rollup", "--term", TERM),
                                     ("new-term", TERM, "2024-2025-2")])
def test_a_yml_file_is_named_once_by_every_command(with_yml, command):
    done = worksum(*command, cwd=with_yml)
    stderr = done.stderr.decode()
    assert stderr.count(YML_WARNING) == 1, stderr
    assert done.returncode == 0, stderr


def test_a_yml_file_outside_the_selection_is_not_mentioned(with_yml):
    done = worksum("build", "--campus", "本部校区", cwd=with_yml)
    assert ".yml" not in done.stderr.decode()


def test_a_yml_file_named_on_the_command_line_is_read(with_yml):
    done = worksum("validate", f"{EAST}/后勤处.yml", cwd=with_yml)
    assert done.returncode == 0
    assert done.stderr.decode().splitlines() == ["检查了 1 份填报表：没有发现错误"]


def test_real_paths_resolve_as_realpath_does(tmp_path, monkeypatch):
    """Each folder is resolved once, but every path comes out as os.path.realpath gives it: a linked
    folder, a linked form, a link to itself, a missing form, ``..`` after a link, a relative path."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "c" / "e").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.yaml").write_text("term: 2024-2025-1\n", encoding="utf-8")
    (tmp_path / "a" / "l").symlink_to(tmp_path / "c" / "e")
    (tmp_path / "a" / "b" / "y.yaml").symlink_to(tmp_path / "a" / "b" / "x.yaml")
    (tmp_path / "a" / "b" / "loop.yaml").symlink_to(tmp_path / "a" / "b" / "loop.yaml")
    monkeypatch.chdir(tmp_path)
    paths = [tmp_path / "a" / "l" / ".." / "b.yaml", tmp_path / "a" / "b" / "y.yaml", tmp_path / "a" / "b" / "x.yaml",
             "a/l/x.yaml", "missing.yaml", tmp_path / "a" / "b" / "loop.yaml", tmp_path / "a" / "l" / "..", "a/b/"]
    assert real_paths(paths) == [os.path.realpath(p) for p in paths]
    real = Path(os.path.realpath(tmp_path))
    assert real_paths(paths)[:2] == [str(real / "c" / "b.yaml"), str(real / "a" / "b" / "x.yaml")]
