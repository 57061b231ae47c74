"""Batch builds: discovery and selection, failure isolation, the pool, incremental skips."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import docx
import pytest
from conftest import force_pool, worksum

from pipeline.commands import batch
from pipeline.commands.batch import run_build
from pipeline.commands.manifest import Ledger
from pipeline.commands.runner import Reporter
from pipeline.commands.select import Selection

TERM = "2024-2025-1"
BOOK = "明德实验学校{campus}{department}{name}工作总结.docx"
NAMES = {"2024-2025-1": "2024—2025学年第一学期", "2023-2024-2": "2023—2024学年第二学期"}


def built(ws: Path) -> list[str]:
    """Every generated document, as term/campus/file."""
    return sorted(p.relative_to(ws / "outputs").as_posix() for p in (ws / "outputs").rglob("*.docx"))


def expected(term: str, campus: str, department: str) -> str:
    return f"{term}/{campus}/" + BOOK.format(campus=campus, department=department, name=NAMES[term])


def text_of(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def summary_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


class Recorder(Reporter):
    def __init__(self):
        self.notes, self.written = [], []

    def note(self, line):
        self.notes.append(line)

    def wrote(self, path):
        self.written.append(path)


# --- discovery and selection ---------------------------------------------------

def test_one_command_builds_every_form_of_the_workspace(workspace, run):
    result = run(workspace, "build")

    assert result.exit_code == 0, result.stderr
    everything = sorted(expected(t, c, d) for t in NAMES for c in ("本部校区", "东湖校区", "滨江校区")
                        for d in ("后勤处", "教务处"))
    assert built(workspace) == everything
    assert sorted(Path(line).relative_to("outputs").as_posix() for line in result.stdout.splitlines()) == everything
    assert summary_line(result) == "完成：生成 12 份，未变化 0 份，失败 0 份"
    document = workspace / "outputs" / expected(TERM, "东湖校区", "后勤处")
    assert docx.Document(str(document)).paragraphs[0].text.startswith("明德实验学校东湖校区后勤处")


@pytest.mark.parametrize("args, wanted", [
    (["--term", TERM], [(TERM, c, d) for c in ("东湖校区", "本部校区", "滨江校区") for d in ("后勤处", "教务处")]),
    (["--campus", "东湖校区", "--department", "后勤处"], [(t, "东湖校区", "后勤处") for t in NAMES]),
    (["--term", TERM, "--campus", "本部校区", "--campus", "滨江校区", "--department", "教务处"],
     [(TERM, "本部校区", "教务处"), (TERM, "滨江校区", "教务处")]),
    (["inputs/2023-2024-2/本部校区"], [("2023-2024-2", "本部校区", d) for d in ("后勤处", "教务处")]),
    (["inputs/2023-2024-2", "--department", "后勤处"], [("2023-2024-2", c, "后勤处")
                                                     for c in ("东湖校区", "本部校区", "滨江校区")]),
    (["inputs/2024-2025-1/滨江校区/教务处.yaml"], [(TERM, "滨江校区", "教务处")]),
])
def test_term_campus_department_and_paths_select_a_subset(workspace, run, args, wanted):
    result = run(workspace, "build", *args)

    assert result.exit_code == 0, result.stderr
    assert built(workspace) == sorted(expected(*w) for w in wanted)


def test_a_form_outside_the_folder_layout_is_selected_by_its_own_fields(workspace, run):
    loose = workspace / "extra"
    loose.mkdir()
    shutil.copy(workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml", loose / "东湖.yaml")
    shutil.copy(workspace / "inputs" / "2023-2024-2" / "本部校区" / "后勤处.yaml", loose / "本部.yaml")

    result = run(workspace, "build", "extra", "--campus", "东湖校区")

    assert result.exit_code == 0, result.stderr
    assert built(workspace) == [expected(TERM, "东湖校区", "后勤处")]


def test_a_selection_that_matches_nothing_says_so(workspace, run):
    result = run(workspace, "build", "--campus", "西山校区")

    assert result.exit_code == 1
    assert "没有找到填报表" in result.stderr and "西山校区" in result.stderr
    assert not (workspace / "outputs").exists()


def test_a_malformed_term_is_a_usage_error(workspace, run):
    result = run(workspace, "build", "--term", "2024-2026-1")

    assert result.exit_code == 2
    assert "相邻两年" in result.output


# --- one bad form never stops the others ----------------------------------------

def break_form(ws: Path, campus: str, department: str, term: str = TERM) -> tuple[Path, int]:
    """Misspell a record's key; return the form and the line of the misspelling."""
    form = ws / "inputs" / term / campus / f"{department}.yaml"
    lines = form.read_text(encoding="utf-8").splitlines()
    line = next(n for n, row in enumerate(lines, 1) if row.strip().startswith("details:"))
    lines[line - 1] = lines[line - 1].replace("details:", "detials:")
    form.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return form, line


def test_one_broken_form_fails_alone_with_its_line(workspace):
    _form, line = break_form(workspace, "本部校区", "教务处")

    done = worksum("build", cwd=workspace)

    stderr = done.stderr.decode()
    assert done.returncode == 1
    assert f"inputs/{TERM}/本部校区/教务处.yaml:{line}:5: 错误: 未知字段 \"detials\"，是否应为 \"details\"？" in stderr
    assert stderr.strip().splitlines()[-1] == "完成：生成 11 份，未变化 0 份，失败 1 份"
    assert len(built(workspace)) == 11
    assert expected(TERM, "本部校区", "教务处") not in built(workspace)


def make_many(ws: Path, copies: int) -> list[str]:
    """Copy the sample's forms under more campus names (config.yaml lists them)."""
    campuses = []
    sources = sorted((ws / "inputs" / TERM).iterdir())
    for n in range(copies):
        for source in sources:
            campus = f"{source.name[:-2]}{n}校区"
            campuses.append(campus)
            target = ws / "inputs" / TERM / campus
            target.mkdir()
            for form in source.glob("*.yaml"):
                text = form.read_text(encoding="utf-8").replace(f"campus: {source.name}", f"campus: {campus}")
                (target / form.name).write_text(text.replace("author:", "# author:"), encoding="utf-8")
    config = ws / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "campuses: [本部校区, 东湖校区, 滨江校区]", "campuses: [本部校区, 东湖校区, 滨江校区, " + ", ".join(campuses) + "]"),
        encoding="utf-8")
    return campuses


@pytest.mark.slow
def test_the_pool_builds_many_forms_and_isolates_a_failure(workspace, monkeypatch):
    campuses = make_many(workspace, 4)  # 6 + 24 forms of one term
    _form, line = break_form(workspace, campuses[5], "后勤处")
    monkeypatch.chdir(workspace)
    used_pool = force_pool(monkeypatch, 4)
    reporter = Recorder()

    tally = run_build(Selection(terms=(TERM,)), reporter, workers=2)

    assert used_pool
    assert (tally.built, tally.unchanged, tally.failed, tally.bugs) == (29, 0, 1, 0)
    errors = [n for n in reporter.notes if "错误" in n]
    assert errors == [f"inputs/{TERM}/{campuses[5]}/后勤处.yaml:{line}:5: 错误: 未知字段 \"detials\"，是否应为 \"details\"？"]
    assert len(built(workspace)) == 29
    one = workspace / "outputs" / TERM / campuses[0] / f"明德实验学校{campuses[0]}后勤处2024—2025学年第一学期工作总结.docx"
    assert "明德实验学校" + campuses[0] + "后勤处" in text_of(one)


@pytest.mark.slow
def test_the_pools_worker_minding_thread_is_not_woken_by_every_result(monkeypatch):
    """CPython's pool wakes the thread minding its workers for every result, and it spins until the
    result is taken (0.4 ms of the building process's CPU a form): batch's pool waits for workers ending."""
    from multiprocessing.pool import Pool

    rounds = []
    real = Pool._maintain_pool

    def counted(*args):
        rounds.append(True)
        return real(*args)

    monkeypatch.setattr(Pool, "_maintain_pool", staticmethod(counted))
    items = list(range(-3000, 0))
    assert sorted(batch.parallel_map(abs, items, 2, [])) == sorted(abs(i) for i in items)
    assert rounds and len(rounds) < 50  # a few rounds, not one per result


def test_a_form_copied_into_another_campus_folder_fails_itself_not_the_original(workspace, run):
    # A form copied into another campus folder without changing its campus.
    shutil.copy(workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml",
                workspace / "inputs" / TERM / "滨江校区" / "后勤处.yaml")

    result = run(workspace, "build", "--term", TERM)

    assert result.exit_code == 1
    assert f"inputs/{TERM}/滨江校区/后勤处.yaml:3:9: 错误: 这份填报表放在 inputs/{TERM}/滨江校区/ 下，" \
           "campus 却写的是“东湖校区”" in result.stderr
    assert f"inputs/{TERM}/东湖校区/后勤处.yaml" not in result.stderr
    assert summary_line(result) == "完成：生成 5 份，未变化 0 份，失败 1 份"


def test_two_forms_claiming_one_output_fail_the_second_not_the_first(workspace, run):
    # A copy outside the <term>/<campus>/<department>.yaml layout: its folders say nothing.
    copy = workspace / "inputs" / TERM / "滨江校区" / "旧版" / "后勤处.yaml"
    copy.parent.mkdir()
    shutil.copy(workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml", copy)

    result = run(workspace, "build", "--term", TERM)

    assert result.exit_code == 1
    assert "生成同一个文件" in result.stderr
    assert summary_line(result) == "完成：生成 6 份，未变化 0 份，失败 1 份"


# --- incremental --------------------------------------------------------------------

def test_a_second_build_skips_everything_and_a_changed_form_is_rebuilt(workspace, run):
    run(workspace, "build")
    document = workspace / "outputs" / expected(TERM, "东湖校区", "后勤处")
    first_mtime = document.stat().st_mtime_ns

    again = run(workspace, "build")
    assert again.exit_code == 0
    assert summary_line(again) == "完成：生成 0 份，未变化 12 份，失败 0 份"
    assert again.stdout == ""
    assert document.stat().st_mtime_ns == first_mtime

    form = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("value: 168", "value: 171"), encoding="utf-8")
    changed = run(workspace, "build")
    assert summary_line(changed) == "完成：生成 1 份，未变化 11 份，失败 0 份"
    assert changed.stdout.strip() == f"outputs/{expected(TERM, '东湖校区', '后勤处')}"
    assert "宿舍报修处理171件" in text_of(document)

    forced = run(workspace, "build", "--force", "--term", TERM)
    assert summary_line(forced) == "完成：生成 6 份，未变化 0 份，失败 0 份"


def test_a_deleted_output_is_rebuilt(workspace, run):
    run(workspace, "build")
    document = workspace / "outputs" / expected(TERM, "滨江校区", "教务处")
    document.unlink()

    result = run(workspace, "build")

    assert summary_line(result) == "完成：生成 1 份，未变化 11 份，失败 0 份"
    assert document.is_file()


def test_changing_config_or_a_template_rebuilds_everything(workspace):
    worksum("build", cwd=workspace)
    config = workspace / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# 改动\n", encoding="utf-8")
    after_config = worksum("build", cwd=workspace)
    (workspace / "templates").mkdir()
    (workspace / "templates" / "closing.j2").write_text("以上是{{ department }}的全部工作。\n", encoding="utf-8")
    after_template = worksum("build", cwd=workspace)
    unchanged = worksum("build", cwd=workspace)

    assert after_config.stderr.decode().strip().endswith("生成 12 份，未变化 0 份，失败 0 份")
    assert after_template.stderr.decode().strip().endswith("生成 12 份，未变化 0 份，失败 0 份")
    assert unchanged.stderr.decode().strip().endswith("生成 0 份，未变化 12 份，失败 0 份")
    assert "以上是后勤处的全部工作。" in text_of(workspace / "outputs" / expected(TERM, "本部校区", "后勤处"))


def test_the_manifest_records_form_and_output_hashes(workspace, run):
    run(workspace, "build", "--term", TERM)

    entries = Ledger(workspace).entries()
    assert len(entries) == 6  # this term's only
    entry = entries[f"outputs/{expected(TERM, '本部校区', '后勤处')}"]
    form = f"inputs/{TERM}/本部校区/后勤处.yaml"
    assert entry.forms[form] == hashlib.sha256((workspace / form).read_bytes()).hexdigest()
    earlier = "inputs/2023-2024-2/本部校区/后勤处.yaml"  # last period's form, read for its figures
    # The form first; not the whole folder; and the usual place of a workbook form, absent now, where
    # last period's form may yet be put (pipeline.form.history).
    assert list(entry.forms) == [form, earlier, earlier.replace(".yaml", ".xlsx")]
    assert entry.forms[earlier] == hashlib.sha256((workspace / earlier).read_bytes()).hexdigest()
    assert entry.forms[earlier.replace(".yaml", ".xlsx")] == "absent"
    assert entry.docx_sha256 == hashlib.sha256((workspace / entry.output).read_bytes()).hexdigest()
    assert entry.tool.startswith("0.") and entry.templates and entry.config
    assert list((workspace / "outputs").glob("*/.worksum-manifest*")) == []  # one database, in outputs/


def test_an_unchanged_rebuild_imports_neither_python_docx_nor_jieba(workspace):
    worksum("build", cwd=workspace)
    probe = ("import sys\nfrom pipeline.cli import main\n"
             "try:\n    main(['build'])\nexcept SystemExit as exit:\n    code = exit.code\n"
             "heavy = sorted(m for m in ('docx', 'jieba', 'jinja2', 'lxml') if m in sys.modules)\n"
             "print(code, heavy)\n")
    import subprocess
    import sys

    from conftest import ROOT
    done = subprocess.run([sys.executable, "-c", probe], cwd=workspace, capture_output=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)

    assert done.stdout.decode().strip() == "0 []", done.stderr.decode()
    assert "未变化 12 份" in done.stderr.decode()


def test_a_form_whose_output_moved_is_skipped_afterwards(workspace, run):
    run(workspace, "build", "--term", TERM)
    form = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    form.write_text("title: 东湖校区后勤处工作总结\n" + form.read_text(encoding="utf-8"), encoding="utf-8")

    moved = run(workspace, "build", "--term", TERM)
    again = run(workspace, "build", "--term", TERM)

    assert moved.stdout.strip() == f"outputs/{TERM}/东湖校区/东湖校区后勤处工作总结.docx"
    assert summary_line(again) == "完成：生成 0 份，未变化 6 份，失败 0 份"
    # the earlier document stays where it was, untouched
    assert (workspace / "outputs" / expected(TERM, "东湖校区", "后勤处")).is_file()
    assert len(Ledger(workspace).entries()) == 6


def test_changing_last_periods_form_rebuilds_this_periods_documents(workspace, run):
    run(workspace, "build")
    earlier = workspace / "inputs" / "2023-2024-2" / "东湖校区" / "后勤处.yaml"
    # 节约水电费 was 9800 last term; this term's form gives no previous, so the document compares with it.
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("value: 9800", "value: 12600"), encoding="utf-8")

    result = run(workspace, "build", "--term", TERM)

    # only the document that read that form is rebuilt: each depends on the form it read, not the folder
    assert summary_line(result) == "完成：生成 1 份，未变化 5 份，失败 0 份"
    assert result.stdout.strip() == f"outputs/{expected(TERM, '东湖校区', '后勤处')}"
    assert "节约水电费12600元，与上学期持平" in text_of(workspace / "outputs" / expected(TERM, "东湖校区", "后勤处"))
    assert summary_line(run(workspace, "build")) == "完成：生成 1 份，未变化 11 份，失败 0 份"  # the edited form itself


def test_a_retrained_classifier_model_makes_outputs_stale(tmp_path, monkeypatch):
    """The learned model (document/classify_model.json) decides headings as code does, so
    changing it changes the tool's version and no old document is reused."""
    import pipeline
    from pipeline.commands.manifest import tool_version

    package = tmp_path / "pipeline"
    (package / "document").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    model = package / "document" / "classify_model.json"
    model.write_text('{"threshold": 0.5}', encoding="utf-8")
    monkeypatch.setattr(pipeline, "HOME", package)
    before = tool_version()
    model.write_text('{"threshold": 0.6}', encoding="utf-8")
    assert tool_version() != before


def test_the_pool_falls_back_to_the_standard_one_without_cpythons_private_parts():
    """batch's pool overrides CPython's private ``Pool._get_sentinels`` and reads the private
    ``_change_notifier._reader``; only the method was looked for, so a Python whose pool had the
    method but no notifier failed with AttributeError in the pool's own thread. Without the method
    the standard pool is used; without the notifier, the pool's own sentinels."""
    from multiprocessing.pool import Pool
    from types import SimpleNamespace

    from pipeline.commands import batch

    class WithoutTheMethod:
        pass

    assert batch.minded(WithoutTheMethod) is WithoutTheMethod

    class WithoutTheNotifier:
        def _get_sentinels(self):
            return ["the pool's own"]

    pool = batch.minded(WithoutTheNotifier)()
    assert pool._get_sentinels() == ["the pool's own"]
    pool._change_notifier = SimpleNamespace()  # a notifier without its reader
    assert pool._get_sentinels() == ["the pool's own"]
    pool._change_notifier = SimpleNamespace(_reader="the notices")
    assert pool._get_sentinels() == ["the notices"]
    assert batch.minded(Pool).__mro__[1] is Pool and batch._pool_class().__mro__[1] is Pool
