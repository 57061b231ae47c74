"""A form whose folder says another term, campus or department than the form itself is an error
on that form, naming both; no document is ever written from another form's content."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT

TERM = "2024-2025-1"
MAIN = f"inputs/{TERM}/本部校区/后勤处.yaml"
EAST = f"inputs/{TERM}/东湖校区/后勤处.yaml"
MAIN_DOC = f"outputs/{TERM}/本部校区/明德实验学校本部校区后勤处2024—2025学年第一学期工作总结.docx"


def sample(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    root.mkdir()
    shutil.copy(ROOT / "config.yaml", root / "config.yaml")
    shutil.copytree(ROOT / "inputs" / TERM, root / "inputs" / TERM)
    return root


def test_a_copy_left_unchanged_in_another_campus_folder_overwrites_nothing(tmp_path, run):
    reference = sample(tmp_path, "reference")
    assert run(reference, "build", MAIN).exit_code == 0

    root = sample(tmp_path, "ws")
    shutil.copy(root / MAIN, root / EAST)  # 本部校区's form copied into 东湖校区's folder, campus: not changed
    built = run(root, "build")
    assert built.exit_code == 1
    assert (f"{EAST}:3:9: 错误: 这份填报表放在 inputs/{TERM}/东湖校区/ 下，campus 却写的是“本部校区”："
            f"如果是东湖校区的填报表，请把 campus 改为“东湖校区”；如果是本部校区的，"
            f"请把文件移到 inputs/{TERM}/本部校区/") in built.stderr.splitlines()
    assert not any(line.startswith(MAIN) for line in built.stderr.splitlines())  # the right form is not blamed
    assert built.stdout.splitlines().count(MAIN_DOC) == 1
    assert (root / MAIN_DOC).read_bytes() == (reference / MAIN_DOC).read_bytes()  # written from its own form
    assert not list((root / "outputs" / TERM / "东湖校区").glob("*后勤处*"))


def test_term_and_department_that_disagree_with_the_folders_are_named(tmp_path, run):
    root = sample(tmp_path, "ws")
    form = root / MAIN
    moved = root / "inputs" / "2024-2025-2" / "本部校区" / "总务处.yaml"
    moved.parent.mkdir(parents=True)
    shutil.move(form, moved)
    checked = run(root, "validate", str(moved.relative_to(root)))
    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[:2] == [
        ("inputs/2024-2025-2/本部校区/总务处.yaml:4:13: 错误: 文件名是“总务处.yaml”，department 却写的是“后勤处”："
        "如果是总务处的填报表，请把 department 改为“总务处”；如果是后勤处的，请把文件改名为“后勤处.yaml”"),
        ("inputs/2024-2025-2/本部校区/总务处.yaml:5:7: 错误: 这份填报表放在 inputs/2024-2025-2/本部校区/ 下，"
        "term 却写的是 2024-2025-1：如果是 2024-2025-2 的填报表，请把 term 改为 2024-2025-2；"
        "如果是 2024-2025-1 的，请把文件移到 inputs/2024-2025-1/本部校区/"),
    ]
