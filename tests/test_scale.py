"""Linear at any size (issue 19): what a run reads, hashes and compares is what changed.

The proofreading index (outputs/.worksum-index.sqlite) keeps every form's
sentences, so an unchanged form is neither read nor cut again; an unchanged
rebuild hashes no form whose size and time are those recorded; stock phrases
are not copying; an index brought up to date gives what a fresh one gives.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import SEED_LIKE

from pipeline.commands import manifest
from pipeline.proofread import corpus
from pipeline.proofread.proofreader import Proofreader

EAST = "inputs/2024-2025-1/东园区/后勤部.yaml"
WEST = "inputs/2024-2025-1/西园区/后勤部.yaml"
TERM = "2024-2025-1"
COPIED = "入冬后每天早晨由保安检查户外场地和楼梯"


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": 警告: " in line]


def age(folder: Path, seconds: float = 3600) -> None:
    """Date every form back, as forms written long before the build are."""
    then = time.time() - seconds
    for path in folder.rglob("*.yaml"):
        os.utime(path, (then, then))


def test_an_unchanged_form_is_neither_read_nor_cut_again(workspace, run, monkeypatch):
    first = run(workspace, "build")
    assert first.exit_code == 0
    assert (workspace / "outputs" / corpus.INDEX_NAME).is_file()

    filed = []  # the forms whose sentences go to the index, read for it or as they are built
    original = Proofreader.indexed
    monkeypatch.setattr(Proofreader, "indexed",
                        lambda self, checked, *rest: filed.append(checked.path) or original(self, checked, *rest))
    cut = []
    original_cut = Proofreader._cut
    monkeypatch.setattr(Proofreader, "_cut", lambda self, checked: cut.append(checked.path) or original_cut(self, checked))
    changed = workspace / "inputs" / TERM / "东湖校区" / "后勤处.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("value: ", "value: 1", 1), encoding="utf-8")

    again = run(workspace, "build")

    assert again.exit_code == 0
    assert again.stderr.strip().endswith("生成 1 份，未变化 11 份，失败 0 份")
    assert filed == [changed.resolve()]  # the other 11 forms' sentences come from the index
    assert cut == [changed.resolve()]  # and the changed one is cut once, not again when it is checked


def test_an_unchanged_rebuild_hashes_no_form(workspace, run, monkeypatch):
    age(workspace / "inputs")
    run(workspace, "build")
    hashed = []
    original = manifest.file_sha256
    monkeypatch.setattr(manifest, "file_sha256", lambda path: hashed.append(Path(path)) or original(path))

    again = run(workspace, "build")

    assert again.stderr.strip().endswith("生成 0 份，未变化 12 份，失败 0 份")
    assert [p for p in hashed if "inputs" in p.parts] == []  # size and time stood for the bytes
    assert hashed == [workspace / "config.yaml"]  # config.yaml is always hashed (fingerprint)

    form = workspace / "inputs" / TERM / "滨江校区" / "教务处.yaml"
    form.write_text(form.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = run(workspace, "build")
    assert changed.stderr.strip().endswith("生成 1 份，未变化 11 份，失败 0 份")


def test_a_form_rewritten_within_a_clock_tick_of_its_build_is_still_seen(workspace, run):
    form = workspace / "inputs" / TERM / "滨江校区" / "教务处.yaml"
    age(workspace / "inputs", seconds=-60)  # dated a minute ahead: always "just written", however slow the build
    stamp = form.stat().st_mtime_ns
    run(workspace, "build", "--term", TERM)
    key = f"inputs/{TERM}/滨江校区/教务处.yaml"
    [entry] = [e for e in manifest.Ledger(workspace).entries().values() if next(iter(e.forms)) == key]
    assert key not in entry.stats  # too fresh for its time to stand for its bytes

    # the same size and the same time (a rewrite within the file system's tick): only the bytes differ
    text = form.read_text(encoding="utf-8")
    form.write_text(text.replace("date: 2025-01-21", "date: 2025-01-22", 1), encoding="utf-8")
    os.utime(form, ns=(stamp, stamp))
    again = run(workspace, "build", "--term", TERM)
    assert again.stderr.strip().endswith("生成 1 份，未变化 5 份，失败 0 份")


def test_stock_phrases_are_not_reported_as_copying(seed_like, run):
    east, west = seed_like / EAST, seed_like / WEST
    east.write_text(east.read_text(encoding="utf-8").replace("intro: 本学期,", "intro: 现将本学期工作总结如下。本学期,"),
                    encoding="utf-8")
    west.write_text(west.read_text(encoding="utf-8").replace("date: 2025-01-16\n",
                                                             "date: 2025-01-16\nintro: 现将本学期工作总结如下。\n"),
                    encoding="utf-8")

    found = warnings(run(seed_like, "check").stderr)

    assert not [w for w in found if "现将本学期工作总结如下" in w]
    assert any(w.startswith(f"{WEST}:") and COPIED in w for w in found)  # real copying still is


def test_a_sentence_in_many_forms_is_a_stock_phrase(seed_like, run, monkeypatch):
    monkeypatch.setattr(corpus, "STOCK_FORMS", 2)  # the copied paragraph is in two forms: now "many"
    found = warnings(run(seed_like, "check").stderr)
    assert not [w for w in found if COPIED in w]
    assert not [w for w in found if "本校区上学期的填报表" in w]  # the plan handed in again: two forms too
    assert any("半角逗号" in w for w in found)  # the rest of proofreading goes on
    monkeypatch.setattr(corpus, "STOCK_FORMS", 20)
    assert any(COPIED in w for w in warnings(run(seed_like, "check").stderr))


def test_an_index_brought_up_to_date_reports_what_a_fresh_one_does(seed_like, run):
    run(seed_like, "build")  # outputs/ exists now: the index is kept there
    index = seed_like / "outputs" / corpus.INDEX_NAME
    assert index.is_file()
    before = run(seed_like, "check").stderr
    assert COPIED in before

    west = seed_like / WEST
    west.write_text(west.read_text(encoding="utf-8").replace(
        COPIED + "，有结冰的地方及时铺设防滑垫并拉好警示带。", "雪天前后由保安清扫门口通道。"), encoding="utf-8")
    (seed_like / EAST).unlink()
    (seed_like / "inputs" / TERM / "西园区" / "新表.yaml").write_text(
        (SEED_LIKE / EAST).read_text(encoding="utf-8"), encoding="utf-8")  # the east form, moved
    updated = run(seed_like, "check").stderr
    index.unlink()
    fresh = run(seed_like, "check").stderr

    assert updated == fresh
    assert COPIED not in updated  # the west form no longer has it; the moved east form is alone with it


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_cold_run_reads_each_form_once_when_none_shares_text(workspace, run, monkeypatch, command):
    """Each form is read once, proofread alone and filed in the index; the index then says no form
    shares a sentence with another, so none is read again to be compared."""
    from pipeline.form import validate

    (workspace / "outputs").mkdir()  # where the index is kept (check keeps it in memory otherwise)
    validated = []
    original = validate.validate_form
    monkeypatch.setattr(validate, "validate_form",
                        lambda loaded, config: validated.append(loaded.path) or original(loaded, config))

    result = run(workspace, command)

    assert result.exit_code == 0
    forms = sorted(str(p.relative_to(workspace)) for p in (workspace / "inputs").rglob("*.yaml"))
    assert len(forms) == 12
    assert sorted(validated) == forms
    assert not warnings(result.stderr)  # the sample forms share no text, and say nothing


def test_a_build_stopped_before_the_comparison_still_says_each_built_forms_own_warnings(seed_like, run, monkeypatch):
    """A form built now is unchanged on the next run, which says nothing about it: its own warnings
    are said even when Ctrl-C comes before it is compared with the other forms."""
    from pipeline.commands import batch

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "compare_item", interrupted)
    stopped = run(seed_like, "build")

    assert stopped.exit_code == 130
    said = warnings(stopped.stderr)
    assert any("半角逗号" in w for w in said)  # the forms' own: punctuation
    assert not [w for w in said if COPIED in w]  # the comparison never ran
    shutil.rmtree(seed_like / "outputs")
    monkeypatch.undo()
    whole = warnings(run(seed_like, "build").stderr)
    assert said == [w for w in whole if "的文字相同" not in w and "的文字几乎相同" not in w]  # less the comparison's
