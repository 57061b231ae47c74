"""Names taken from forms, and config.yaml's output pattern, never place a file outside outputs/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import worksum

from pipeline.workspace.outputs import UnsafeOutput, check_pattern, output_path


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("pattern", [
    "../x/<title>.docx",
    "/tmp/<title>.docx",
    "outputs/../../<title>.docx",
    "outputs/<term>/../../<title>.docx",
    "docs/<title>.docx",
    "outputs\\<title>.docx",
    "outputs/<term>/summary.txt",
    "outputs/<titel>.docx",
    "outputs//<title>.docx",
    "C:/outputs/<title>.docx",
])
def test_a_pattern_that_could_leave_outputs_is_refused(pattern):
    with pytest.raises(ValueError):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", [
    "outputs/<term>/<campus>/<title>.docx",
    "outputs/<term>/<department>/<campus>.docx",
    "outputs/<organization>-<term>-<campus>-<department>.docx",
])
def test_patterns_inside_outputs_are_accepted(pattern):
    assert check_pattern(pattern) == pattern


@pytest.mark.parametrize("values", [
    {"term": "2024-2025-1", "campus": "../../x", "department": "后勤处", "title": "总结"},
    {"term": "..", "campus": "..", "department": "..", "title": ".."},
    {"term": "2024-2025-1", "campus": "a/../../b", "department": "c\\..\\d", "title": "/etc/passwd"},
    {"term": "2024-2025-1", "campus": "东湖校区", "department": "后勤处", "organization": "../../../evil",
     "title": "x"},
])
def test_hostile_values_become_one_safe_component_each(tmp_path, values):
    pattern = "outputs/<organization>/<term>/<campus>/<department>/<title>.docx"
    target = output_path(tmp_path, pattern, values)
    outputs = tmp_path / "outputs"
    assert os.path.commonpath([target, outputs]) == str(outputs)
    assert len(target.relative_to(outputs).parts) == 5  # no value added or removed a folder
    assert ".." not in target.parts


def test_the_final_check_catches_a_pattern_that_skipped_validation(tmp_path):
    with pytest.raises(UnsafeOutput):
        output_path(tmp_path, "outputs/../../<title>.docx", {"title": "x"})


def test_a_form_whose_campus_is_a_path_is_an_error_with_its_line(workspace):
    form = workspace / "inputs" / "2024-2025-1" / "东湖校区" / "后勤处.yaml"
    text = form.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("campus:"))
    form.write_text(text.replace("campus: 东湖校区", "campus: ../../x"), encoding="utf-8")
    (workspace / "config.yaml").write_text("organization: 明德实验学校\n", encoding="utf-8")
    before = files_under(workspace.parent)

    done = worksum("build", "inputs/2024-2025-1/东湖校区", cwd=workspace)

    assert done.returncode == 1
    assert f"inputs/2024-2025-1/东湖校区/后勤处.yaml:{line}:9: 错误:" in done.stderr.decode()
    created = files_under(workspace.parent) - before
    outputs = workspace / "outputs"
    assert all(os.path.commonpath([p, outputs]) == str(outputs) for p in created)
    assert [p.name for p in created if p.suffix == ".docx"] == ["明德实验学校东湖校区教务处2024—2025学年第一学期工作总结.docx"]


def test_a_config_pattern_that_escapes_is_a_config_error(workspace):
    config = workspace / "config.yaml"
    text = config.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(n for n, row in enumerate(lines, 1) if row.startswith("output:"))
    config.write_text(text.replace("output: outputs/<term>/<campus>/<title>.docx",
                                   "output: ../escaped/<term>/<title>.docx"), encoding="utf-8")
    before = files_under(workspace.parent)

    done = worksum("build", cwd=workspace)

    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert f"config.yaml:{line}:9: 错误:" in stderr and "outputs/" in stderr
    assert stderr.count("config.yaml:") == 1  # said once, not once per form
    assert not (workspace.parent / "escaped").exists()
    assert not [p for p in files_under(workspace.parent) - before if p.suffix == ".docx"]


def test_an_organization_with_slashes_stays_inside_outputs(workspace):
    config = workspace / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "output: outputs/<term>/<campus>/<title>.docx", "output: outputs/<organization>/<campus>.docx"),
        encoding="utf-8")
    form = workspace / "inputs" / "2024-2025-1" / "东湖校区" / "后勤处.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("organization: 明德实验学校",
                                                             "organization: ../../明德/实验"), encoding="utf-8")

    done = worksum("build", str(form.relative_to(workspace)), cwd=workspace)

    assert done.returncode == 0, done.stderr.decode()
    written = [p for p in files_under(workspace.parent) if p.suffix == ".docx"]
    assert written == [workspace / "outputs" / "_.._明德_实验" / "东湖校区.docx"]
