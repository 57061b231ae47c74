"""One workspace rule for every command, with or without config.yaml; config.yaml read and reported once."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import EXAMPLE_FORM, ROOT, worksum
from docx_text import texts

from pipeline.commands.manifest import Ledger
from pipeline.workspace.root import find_root

TERM = "2024-2025-1"
OWN_CLOSING = "以上是本园后勤部自己写的结束语，没有用内置模板。"


@pytest.fixture
def bare_workspace(tmp_path: Path) -> Path:
    """A workspace made by hand: inputs/ and templates/closing.j2, no config.yaml."""
    root = tmp_path / "园部"
    form = root / "inputs" / TERM / "南园区" / "后勤部.yaml"
    form.parent.mkdir(parents=True)
    shutil.copy(EXAMPLE_FORM, form)
    (root / "templates").mkdir()
    (root / "templates" / "closing.j2").write_text(OWN_CLOSING + "\n", encoding="utf-8")
    return root


def built_documents(root: Path) -> list[Path]:
    return sorted((root / "outputs").rglob("*.docx"))


def test_a_workspace_without_config_uses_its_own_templates(bare_workspace):
    done = worksum("build", cwd=bare_workspace)
    assert done.returncode == 0, done.stderr.decode()
    [document] = built_documents(bare_workspace)
    assert OWN_CLOSING in texts(document)


def test_worksum_templates_there_shows_the_workspaces_closing(bare_workspace):
    done = worksum("templates", cwd=bare_workspace)
    assert done.returncode == 0, done.stderr.decode()
    [line] = [line for line in done.stdout.decode().splitlines() if line.strip().startswith("closing.j2")]
    assert line.split()[1:] == ["templates/closing.j2", "工作区（所有部门）"]


def test_a_form_named_from_elsewhere_belongs_to_its_workspace(bare_workspace, tmp_path):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    form = bare_workspace / "inputs" / TERM / "南园区" / "后勤部.yaml"

    done = worksum("build", str(form), cwd=elsewhere)

    assert done.returncode == 0, done.stderr.decode()
    assert not (elsewhere / "outputs").exists()  # outputs/ and the manifest are the workspace's
    [document] = built_documents(bare_workspace)
    assert OWN_CLOSING in texts(document)
    [entry] = Ledger(bare_workspace).entries().values()
    assert entry.output == document.relative_to(bare_workspace).as_posix()


def test_every_command_run_inside_the_workspace_works_on_all_of_it(bare_workspace):
    inside = bare_workspace / "inputs" / TERM
    assert "检查了 1 份填报表：没有发现错误" in worksum("validate", cwd=inside).stderr.decode()
    assert "检查了 1 份填报表" in worksum("check", cwd=inside).stderr.decode()
    assert worksum("build", cwd=inside).returncode == 0
    [document] = built_documents(bare_workspace)
    assert OWN_CLOSING in texts(document)

    rolled = worksum("rollup", "--term", TERM, cwd=inside)
    assert rolled.returncode == 0, rolled.stderr.decode()
    [rollup] = (bare_workspace / "outputs" / TERM / "汇总").glob("*.docx")
    assert rollup.name == "青禾实验幼儿园后勤部2024—2025学年第一学期工作汇总.docx"

    carried = worksum("new-term", TERM, "2024-2025-2", cwd=inside)
    assert carried.returncode == 0, carried.stderr.decode()
    assert (bare_workspace / "inputs" / "2024-2025-2" / "南园区" / "后勤部.yaml").is_file()


def test_the_root_is_the_nearest_folder_with_config_inputs_or_templates(tmp_path):
    form = tmp_path / "a" / "b" / "inputs" / TERM / "c" / "d.yaml"
    form.parent.mkdir(parents=True)
    form.write_text("", encoding="utf-8")
    assert find_root(form) == tmp_path / "a" / "b"  # inputs/ marks it

    (tmp_path / "a" / "config.yaml").write_text("", encoding="utf-8")
    assert find_root(form) == tmp_path / "a" / "b"  # the nearest wins

    (tmp_path / "a" / "b" / "inputs").rename(tmp_path / "a" / "b" / "forms")
    moved = tmp_path / "a" / "b" / "forms" / TERM / "c" / "d.yaml"
    assert find_root(moved) == tmp_path / "a"  # config.yaml above

    (tmp_path / "a" / "b" / "templates").mkdir()
    assert find_root(moved) == tmp_path / "a"  # an empty templates/ is not a workspace
    (tmp_path / "a" / "b" / "templates" / "default").mkdir()
    (tmp_path / "a" / "b" / "templates" / "default" / "opening.j2").write_text("", encoding="utf-8")
    assert find_root(moved) == tmp_path / "a" / "b"  # one with templates is

    lone = tmp_path / "x" / "form.yaml"
    lone.parent.mkdir()
    lone.write_text("", encoding="utf-8")
    if find_root(tmp_path) is None:  # nothing above the test's folder is a workspace
        assert find_root(lone) is None


# --- config.yaml: read once, its errors said once -----------------------------

BROKEN_CONFIG = textwrap.dedent("""\
    organization: 明德实验学校
    campuses: [本部校区, 东湖校区, 滨江校区]
    departmnets: [后勤处, 教务处]
    """)


@pytest.mark.parametrize("command", ["validate", "check", "build"])
def test_config_errors_are_reported_once_for_many_forms(workspace, run, command):
    (workspace / "config.yaml").write_text(BROKEN_CONFIG, encoding="utf-8")
    forms = len(list((workspace / "inputs").rglob("*.yaml")))
    assert forms == 12

    result = run(workspace, command)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    config_lines = [line for line in lines if line.startswith("config.yaml:")]
    assert config_lines == ['config.yaml:3:1: 错误: 未知字段 "departmnets"，是否应为 "departments"？']
    assert not [line for line in lines if line.startswith("inputs/") and "错误" in line]
    if command != "build":
        assert lines[-1].startswith(f"检查了 {forms} 份填报表：") and f"{forms} 份有错误" in lines[-1]


def test_validate_groups_forms_by_workspace_and_a_broken_config_stops_only_its_own(workspace, tmp_path, run):
    other = tmp_path / "另一所学校"
    shutil.copytree(workspace, other)
    (other / "config.yaml").write_text(BROKEN_CONFIG, encoding="utf-8")
    bad = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("date: 2025-01-15", "date: 2025-01-32"), encoding="utf-8")

    result = run(tmp_path, "validate", "ws/inputs", "另一所学校/inputs")

    assert result.exit_code == 1
    assert result.stderr.count("另一所学校/config.yaml:3:1: 错误") == 1
    assert f"ws/inputs/{TERM}/东湖校区/后勤处.yaml:6:7: 错误" in result.stderr
    assert result.stderr.splitlines()[-1] == "检查了 24 份填报表：13 份有错误"


def test_the_sample_workspace_itself_is_found_from_inside_the_checkout():
    assert find_root(ROOT / "inputs" / TERM / "东湖校区" / "后勤处.yaml") == ROOT


# --- links out of the workspace -----------------------------------------------------------------

_OUTSIDE: list | None = None
_ELSEWHERE: str = ""


def _note_outside(event: str, args: tuple) -> None:
    if _OUTSIDE is not None and event in ("open", "os.rename", "os.replace", "os.mkdir") and args \
            and isinstance(args[0], (str, bytes)) and _ELSEWHERE \
            and os.path.realpath(os.fsdecode(args[0])).startswith(_ELSEWHERE):
        _OUTSIDE.append((event, os.fsdecode(args[0])))


sys.addaudithook(_note_outside)  # it counts only while _OUTSIDE is a list


def test_links_out_of_the_workspace_are_neither_read_nor_written(workspace, tmp_path, run):
    """A form, a template and config.yaml linked to files elsewhere were read (a form linked to
    /etc/passwd was parsed, a template's text printed), and an output folder linked elsewhere was
    written into: each is refused with its reason, and nothing outside the workspace is opened."""
    global _OUTSIDE, _ELSEWHERE
    elsewhere = tmp_path / "别处"
    (elsewhere / "文档").mkdir(parents=True)
    forms = workspace / "inputs" / TERM
    (elsewhere / "教务处.yaml").write_bytes((forms / "东湖校区" / "教务处.yaml").read_bytes())
    (forms / "东湖校区" / "教务处.yaml").unlink()
    (forms / "东湖校区" / "教务处.yaml").symlink_to(elsewhere / "教务处.yaml")
    (elsewhere / "opening.j2").write_text("别处的导语{{ 1 }}现总结如下：", encoding="utf-8")
    opening = workspace / "templates" / "后勤" / "opening.j2"
    opening.parent.mkdir(parents=True, exist_ok=True)
    opening.unlink(missing_ok=True)
    opening.symlink_to(elsewhere / "opening.j2")
    (workspace / "outputs").mkdir(exist_ok=True)
    (workspace / "outputs" / TERM).symlink_to(elsewhere / "文档")
    _ELSEWHERE = os.path.realpath(elsewhere)
    _OUTSIDE = []
    try:
        validated = run(workspace, "validate", f"inputs/{TERM}")
        checked = run(workspace, "check", "--fix", f"inputs/{TERM}")  # it read the form by its real path
        built = run(workspace, "build", "--term", TERM)
    finally:
        opened, _OUTSIDE = _OUTSIDE, None
    real = os.path.realpath(elsewhere)
    assert (f"inputs/{TERM}/东湖校区/教务处.yaml:1:1: 错误: 这是指向工作区以外的链接（实际位置 {real}/教务处.yaml）："
            "worksum 不读写工作区以外的文件；请把它复制到工作区中，或删除这个链接") in validated.stderr
    assert f"inputs/{TERM}/东湖校区/教务处.yaml:1:1: 错误: 这是指向工作区以外的链接" in checked.stderr
    assert (f"templates/后勤/opening.j2:1:1: 错误: 无法读取模板：这是指向工作区以外的链接（实际位置 {real}/opening.j2）"
            in built.stderr)
    assert f"无法写入 outputs/{TERM}/东湖校区/明德实验学校东湖校区后勤处" not in built.stderr  # its template failed first
    assert f"无法写入 outputs/{TERM}/本部校区/明德实验学校本部校区教务处2024—2025学年第一学期工作总结.docx：" \
           f"这是指向工作区以外的链接" in built.stderr
    assert built.exit_code == 1 and "Traceback" not in built.stderr
    assert opened == [] and list((elsewhere / "文档").iterdir()) == []


def test_an_outputs_folder_linked_elsewhere_is_refused_before_anything_is_written(workspace, tmp_path, run):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    shutil.rmtree(workspace / "outputs", ignore_errors=True)
    (workspace / "outputs").symlink_to(elsewhere)
    for command in (("build",), ("rollup", "--term", TERM)):
        done = run(workspace, *command)
        assert done.exit_code == 1, done.stderr
        assert done.stderr.strip().endswith(f"错误: 输出文件夹 outputs：这是指向工作区以外的链接（实际位置 "
                                            f"{os.path.realpath(elsewhere)}）：worksum 不读写工作区以外的文件；"
                                            "请把它复制到工作区中，或删除这个链接"), done.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_rollup_linked_to_a_file_elsewhere_is_neither_read_nor_replaced_there(workspace, tmp_path, run):
    """The roll-up compared its document with the file at its place by reading it whole, through a
    link to a file elsewhere too; that file is not opened, and the link is reported."""
    global _OUTSIDE, _ELSEWHERE
    assert run(workspace, "rollup", "--term", TERM, "--department", "后勤处").exit_code == 0
    [target] = (workspace / "outputs" / TERM / "汇总").glob("*.docx")
    elsewhere = tmp_path / "别处.docx"
    elsewhere.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(elsewhere)
    _ELSEWHERE, _OUTSIDE = os.path.realpath(elsewhere), []
    try:
        done = run(workspace, "rollup", "--term", TERM, "--department", "后勤处")
    finally:
        opened, _OUTSIDE = _OUTSIDE, None
    assert opened == [], opened
    assert "这是指向工作区以外的链接" in done.stderr and done.exit_code == 1, done.stderr


def test_a_new_form_is_not_written_into_a_folder_linked_elsewhere(workspace, tmp_path, run):
    """blank (and new-term, convert: one writer of new forms) wrote its workbook into inputs/<term>
    linked to a folder elsewhere; it is refused with the link's reason, and nothing is written there."""
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    (workspace / "inputs" / "2025-2026-1").symlink_to(elsewhere)
    done = run(workspace, "blank", "--term", "2025-2026-1", "--campus", "东湖校区", "--department", "后勤处")
    assert done.exit_code == 1, done.stderr
    assert ("无法写入 inputs/2025-2026-1/东湖校区/后勤处.xlsx：这是指向工作区以外的链接（实际位置 "
            f"{os.path.realpath(elsewhere)}/东湖校区/后勤处.xlsx）") in done.stderr
    assert list(elsewhere.rglob("*")) == []
