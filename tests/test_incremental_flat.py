"""A rebuild's work does not grow with the forms that did not change (issue 19, perf-incr).

An unchanged rebuild looks at each form once and at no file the folder listing
already shows is missing; the index's freshness check asks the database a fixed
number of questions, whatever the number of forms; and whatever changed, a
rebuild writes and says what a cold build of the same forms writes and says.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from pipeline.workspace.discovery import Listed, forms_in
from pipeline.workspace.root import RootFinder

LAST = "inputs/2023-2024-2/东湖校区/后勤处.yaml"  # read by the next term's document
NEXT = "inputs/2024-2025-1/东湖校区/后勤处.yaml"


def age(folder: Path, seconds: float = 3600) -> None:
    then = time.time() - seconds
    for path in folder.rglob("*.yaml"):
        os.utime(path, (then, then))


def documents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted((folder / "outputs").rglob("*.docx"))}


def said(stderr: str, forms: list[str]) -> list[str]:
    """The lines said about ``forms`` (warnings and errors), in order."""
    return [line for line in stderr.splitlines() if line.split(":", 1)[0] in forms]


def cold(workspace: Path, run, name: str) -> tuple[dict[str, bytes], str]:
    """A cold build of a copy of the workspace's config and forms (nothing built, no index)."""
    copy = workspace.parent / name
    copy.mkdir()
    shutil.copy(workspace / "config.yaml", copy / "config.yaml")
    shutil.copytree(workspace / "inputs", copy / "inputs")
    result = run(copy, "build")
    assert result.exit_code == 0, result.stderr
    return documents(copy), result.stderr


def edit(path: Path, old: str, new: str, ago: float = 10) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, (time.time() - ago, time.time() - ago))


def test_every_rebuild_writes_and_says_what_a_cold_build_does(workspace, run):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    copied = "每学期开学前组织全体教职工开展一次校园安全隐患大排查，建立问题清单并限期整改到位"
    changes = [
        ("a figure of last term's form", lambda: edit(workspace / LAST, "value: ", "value: 1")),
        ("a sentence copied from another campus",
         lambda: edit(workspace / "inputs/2024-2025-1/滨江校区/后勤处.yaml", "details: ", f"details: {copied}。")),
        ("the copy's source edited too", lambda: edit(workspace / NEXT, "details: ", f"details: {copied}。")),
        ("last term's form removed", lambda: (workspace / LAST).unlink()),
    ]
    for number, (what, change) in enumerate(changes):
        change()
        rebuilt = run(workspace, "build")
        assert rebuilt.exit_code == 0, (what, rebuilt.stderr)
        expected, cold_said = cold(workspace, run, f"cold{number}")
        found = documents(workspace)
        assert {name: found.get(name) for name in expected} == expected, what
        # A removed form's document stays (nothing a user may have kept is deleted); nothing else is extra.
        assert [name for name in found if name not in expected] == ([
            "outputs/2023-2024-2/东湖校区/明德实验学校东湖校区后勤处2023—2024学年第二学期工作总结.docx"]
            if number == 3 else []), what
        forms = [p.relative_to(workspace).as_posix() for p in sorted((workspace / "inputs").rglob("*.yaml"))]
        rebuilt_forms = [form for form in forms if written(rebuilt.stdout, form)]
        assert rebuilt_forms, what
        assert said(rebuilt.stderr, rebuilt_forms) == said(cold_said, rebuilt_forms), what
        if number == 2:  # the edited source is now compared with its copy, and says so
            assert "相同（其他校区同期的填报表）" in "".join(said(rebuilt.stderr, [NEXT]))


def written(stdout: str, form: str) -> bool:
    """Whether the build wrote ``form``'s document (inputs/<term>/<campus>/<department>.yaml)."""
    _, term, campus, name = form.split("/")
    department = name.rsplit(".", 1)[0]
    return any(line.startswith(f"outputs/{term}/{campus}/") and department in line for line in stdout.splitlines())


def test_an_unchanged_rebuild_looks_at_each_form_once_and_at_no_file_the_listing_shows_missing(
        workspace, run, monkeypatch):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    inputs = str(workspace / "inputs")
    forms = [str(p) for p in forms_in(workspace / "inputs")]
    looked: list[str] = []
    real_stat = os.stat

    def stat(path, *args, **kwargs):
        looked.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    result = run(workspace, "build")

    assert result.stderr.strip().endswith("完成：生成 0 份，未变化 12 份，失败 0 份")
    under_inputs = [path for path in looked if path.startswith(inputs + os.sep)]
    assert sorted(under_inputs) == sorted(forms)  # each form once; no absent workbook, no config.yaml per folder
    # Last term's workbook beside each form of the later term is recorded as absent, and still not looked at.
    assert not [path for path in looked if path.endswith(".xlsx")]


def test_a_file_the_listing_shows_is_never_taken_as_absent(tmp_path, monkeypatch):
    from pipeline.workspace import root

    folder = tmp_path / "inputs" / "2023-2024-2" / "东湖校区"
    plain = tmp_path / "inputs" / "2023-2024-2" / "西湖校区"
    for made in (folder, plain):
        made.mkdir(parents=True)
        (made / "后勤处.yaml").write_text("", encoding="utf-8")
    (folder / "后勤处.xlsx").write_bytes(b"")
    (folder / "Config.YAML").write_text("", encoding="utf-8")
    (folder / "e\u0301.yaml").write_text("", encoding="utf-8")  # é written decomposed
    listing = Listed()
    forms_in(tmp_path / "inputs", listed=listing.folders)
    name = str(folder)

    assert not listing.absent(name, "后勤处.xlsx")
    assert listing.absent(name, "教务处.xlsx")
    assert not listing.absent(name, "config.yaml")  # a disk that ignores case would find it
    assert not listing.absent(name, "\u00e9.yaml")  # nor normalisation (macOS)
    assert not listing.absent(str(tmp_path / "elsewhere"), "x.yaml")  # a folder not listed: not known

    asked: list[str] = []
    monkeypatch.setattr(root, "is_root", lambda f: asked.append(f) or False)
    RootFinder(listing)(name)
    RootFinder(listing)(str(plain))
    assert name in asked  # Config.YAML may make it a workspace on some disks: the disk is asked
    assert str(plain) not in asked  # listed, with no config.yaml, inputs or templates: no workspace


def test_the_index_asks_the_same_few_questions_however_many_forms_are_unchanged(workspace, run):
    from pipeline.commands.context import workspace_at

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    index = workspace_at(workspace).proofreader.index
    forms = sorted(os.path.realpath(p) for p in (workspace / "inputs").rglob("*.yaml"))
    states = {form: os.stat(form) for form in forms}

    def questions(paths: list[str]) -> tuple[list[str], int]:
        asked: list[str] = []
        connection = index.connection
        connection.set_trace_callback(asked.append)
        try:
            read: list[Path] = []
            index.update(paths, lambda changed: read.extend(changed) or [], {p: states[p] for p in paths})
        finally:
            connection.set_trace_callback(None)
        return [str(p) for p in read], len(asked)

    assert questions(forms) == ([], 1)  # every form's size and times in one query, nothing more
    edit(Path(forms[0]), "value: ", "value: 1", ago=3600)
    states[forms[0]] = os.stat(forms[0])
    assert questions(forms) == ([forms[0]], 1)  # the changed form only is read
