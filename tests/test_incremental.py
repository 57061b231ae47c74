"""A rebuild costs what changed (issue 19): start-up, the manifest's fast path, one form's work.

An unchanged rebuild imports none of the heavy libraries; a one-form rebuild
opens only that form and the forms whose documents depend on it; a large
workspace keeps jieba's dictionary on disk, and a rebuild that cuts a few
sentences looks words up there instead of loading it, with the same words,
documents and warnings as with the whole dictionary.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_batch import summary_line

from pipeline.proofread import proofreader
from pipeline.proofread.sentences import spans, words_of
from pipeline.text import segment

CHANGED = "inputs/2023-2024-2/东湖校区/后勤处.yaml"  # last term's form: next term's document reads it
NEXT = "inputs/2024-2025-1/东湖校区/后勤处.yaml"

#: Runs ``python -m pipeline build`` and reports, on stderr's last two lines, the heavy libraries
#: imported and every file under inputs/ the process opened (or tried to: an absent one counts).
PROBE = """
import json, runpy, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and "/inputs/" in args[0]:
        opened.add(args[0])
sys.addaudithook(hook)
sys.argv = ["pipeline", "build"]
try:
    runpy.run_module("pipeline", run_name="__main__")
except SystemExit:
    pass
heavy = ("jieba", "docx", "lxml", "pydantic", "jinja2", "yaml", "openpyxl")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
print(json.dumps(sorted(opened)), file=sys.stderr)
"""


def probe(folder: Path) -> tuple[str, list[str], list[str]]:
    """(stderr's summary line, heavy libraries imported, files under inputs/ opened) of a real build."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 0, done.stderr[-2000:]
    opened = [os.path.relpath(path, folder) for path in json.loads(lines[-1])]
    return lines[-3], json.loads(lines[-2]), sorted(opened)


def age(folder: Path, seconds: float = 3600) -> None:
    then = time.time() - seconds
    for path in folder.rglob("*.yaml"):
        os.utime(path, (then, then))


def test_an_unchanged_rebuild_imports_no_heavy_library_and_opens_no_form(workspace, run):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0

    summary, heavy, opened = probe(workspace)

    assert summary == "完成：生成 0 份，未变化 12 份，失败 0 份"
    assert heavy == []  # no jieba, python-docx, pydantic, templates, YAML parser, index
    assert opened == []  # size and time stood for every form's bytes


def test_a_one_form_rebuild_opens_that_form_and_the_one_that_reads_it(workspace, run):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    changed = workspace / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8").replace("value: ", "value: 1", 1), encoding="utf-8")
    os.utime(changed, (time.time() - 10, time.time() - 10))

    summary, heavy, opened = probe(workspace)

    assert summary == "完成：生成 2 份，未变化 10 份，失败 0 份"
    assert "docx" not in heavy and "lxml" not in heavy  # the fast layout engine writes the documents
    # The changed form, the document that reads it as last term's, and where the changed form's own
    # last term would be (absent): none of the other nine forms.
    assert opened == ["inputs/2023-2024-1/东湖校区/后勤处.xlsx", "inputs/2023-2024-1/东湖校区/后勤处.yaml",
                      "inputs/2023-2024-2/东湖校区/后勤处.xlsx", CHANGED, NEXT]


# --- the stored dictionary -------------------------------------------------------

@pytest.fixture
def fresh_segment(monkeypatch):
    """The segmentation module as a new process finds it (no dictionary loaded, no store)."""
    def reset():
        monkeypatch.setattr(segment, "_tokenizer", None)
        monkeypatch.setattr(segment, "_stored", None)
        monkeypatch.setattr(segment, "_added", {})
        monkeypatch.setattr(segment, "_store", None)
        monkeypatch.setattr(segment, "_write_store", False)

    reset()
    return reset


def sample_sentences() -> list[str]:
    texts = []
    for path in sorted((ROOT / "inputs").rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            value = line.split(":", 1)[-1].strip()
            texts.extend(span.text for span in spans((), value, 4))
    return texts


def test_the_stored_dictionary_cuts_every_sentence_as_the_whole_one(tmp_path, fresh_segment):
    words = ("家校共育", "一岗双责", "安全隐患排查")
    segment.keep_dictionary(tmp_path, write=True)
    whole = segment.tokenizer(words)  # no store yet: the whole dictionary is loaded, then stored
    assert segment.loaded() and (tmp_path / segment.DICTIONARY_NAME).is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / segment.DICTIONARY_NAME).stat().st_mode & 0o777 == 0o666 & ~umask  # not private
    texts = sample_sentences()
    assert len(texts) > 300
    expected = [whole.lcut(text) for text in texts]
    ranks = {word: whole.FREQ.get(word, 0) for text in expected for word in text}

    fresh_segment()  # a later run: the store is there
    segment.keep_dictionary(tmp_path)
    stored = segment.tokenizer(words)

    assert not segment.loaded()
    assert isinstance(stored.FREQ, segment.StoredFrequencies)
    assert [stored.lcut(text) for text in texts] == expected
    assert {word: stored.FREQ.get(word, 0) for word in ranks} == ranks  # what proofreading files sentences by
    assert words_of(texts[0], stored) == words_of(texts[0], whole)


def test_storing_the_dictionary_never_reads_the_umask(tmp_path, fresh_segment, monkeypatch):
    """Reading the umask sets it, and a build writes documents on several threads meanwhile: the
    store is created with the umask applied by the system instead."""
    umask = os.umask(0o027)
    try:
        def refuse(mask):
            raise AssertionError("the umask was read while storing the dictionary")

        monkeypatch.setattr(os, "umask", refuse)
        segment.keep_dictionary(tmp_path, write=True)
        segment.tokenizer(["家校共育"])
        monkeypatch.undo()
        stored = tmp_path / segment.DICTIONARY_NAME
        assert stored.stat().st_mode & 0o777 == 0o640
        assert [p.name for p in tmp_path.iterdir()] == [segment.DICTIONARY_NAME]  # no scratch left
    finally:
        os.umask(umask)


def test_a_stored_dictionary_that_fails_mid_run_gives_way_to_the_whole_one(tmp_path, fresh_segment):
    segment.keep_dictionary(tmp_path, write=True)
    whole = segment.tokenizer(["家校共育"])
    text = "本学期共开展家校共育活动十二次，家长满意度明显提高，食堂满意度测评达到百分之九十五。"
    expected = whole.lcut(text)
    fresh_segment()
    segment.keep_dictionary(tmp_path)
    stored = segment.tokenizer(["家校共育"])
    assert stored.lcut(text[:12]) == whole.lcut(text[:12])

    stored.FREQ._connection.close()  # as a file removed or damaged while the run goes on

    assert stored.lcut(text) == expected
    assert stored.FREQ["家校共育"] == segment.ADDED_WORD_FREQUENCY


def test_past_its_budget_the_whole_dictionary_is_loaded(tmp_path, fresh_segment, monkeypatch):
    segment.keep_dictionary(tmp_path, write=True)
    segment.tokenizer(whole=True)
    fresh_segment()
    segment.keep_dictionary(tmp_path)
    monkeypatch.setattr(segment, "STORED_LOOKUPS", 50)
    stored = segment.tokenizer(["家校共育"])
    stored.lcut("本学期共开展家校共育活动十二次，家长满意度明显提高。")
    assert stored.FREQ.lookups >= 50

    again = segment.tokenizer()

    assert segment.loaded() and again is not stored
    assert again.FREQ["家校共育"] == segment.ADDED_WORD_FREQUENCY  # the words added so far, added to it too


def test_a_small_workspace_stores_no_dictionary(workspace, run, fresh_segment):
    assert run(workspace, "build").exit_code == 0
    assert not (workspace / "outputs" / segment.DICTIONARY_NAME).exists()


def test_a_one_form_rebuild_with_the_stored_dictionary_says_and_writes_the_same(tmp_path, run, fresh_segment,
                                                                                 monkeypatch):
    """The same workspace built twice, one with its dictionary stored (as a large one is): after a
    form copies a sentence from another campus, the rebuild finds it and writes the same bytes."""
    folders = {}
    for name in ("whole", "stored"):
        folder = folders[name] = tmp_path / name
        folder.mkdir()
        shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
        shutil.copytree(ROOT / "inputs", folder / "inputs")
        age(folder / "inputs")
    copied = "每学期开学前组织全体教职工开展一次校园安全隐患大排查，建立问题清单并限期整改到位"
    results = {}
    for name, folder in folders.items():
        fresh_segment()
        monkeypatch.setattr(proofreader, "STORED_DICTIONARY_FORMS", 1 if name == "stored" else 10_000)
        for other in ("inputs/2024-2025-1/滨江校区/后勤处.yaml",):
            path = folder / other
            path.write_text(path.read_text(encoding="utf-8").replace("details: ", f"details: {copied}。", 1),
                            encoding="utf-8")
            os.utime(path, (time.time() - 3600, time.time() - 3600))
        assert run(folder, "build").exit_code == 0
        assert (folder / "outputs" / segment.DICTIONARY_NAME).is_file() == (name == "stored")

        fresh_segment()  # the rebuild runs in a new process
        changed = folder / NEXT
        changed.write_text(changed.read_text(encoding="utf-8").replace("details: ", f"details: {copied}。", 1),
                           encoding="utf-8")
        os.utime(changed, (time.time() - 10, time.time() - 10))
        rebuilt = run(folder, "build")
        results[name] = (rebuilt.stderr, segment.loaded(), {
            path.relative_to(folder).as_posix(): path.read_bytes() for path in (folder / "outputs").rglob("*.docx")})

    stderr, whole_loaded, documents = results["stored"]
    assert not whole_loaded  # the new sentences were cut with words looked up in the stored dictionary
    assert results["whole"][1]
    assert stderr == results["whole"][0]
    assert documents == results["whole"][2]
    assert "滨江校区/后勤处.yaml" in stderr and "相同（其他校区同期的填报表）" in stderr
    assert stderr.strip().endswith("生成 1 份，未变化 11 份，失败 0 份")


# --- links ------------------------------------------------------------------------------

def test_a_form_reached_through_a_link_is_built_once(workspace, run):
    from pipeline.workspace.discovery import forms_in

    inputs = workspace / "inputs"
    link = inputs / "2024-2025-1" / "东湖校区" / "链接.yaml"
    link.symlink_to(workspace / NEXT)
    (inputs / "2024-2025-1" / "别处").symlink_to(inputs / "2024-2025-1" / "东湖校区")  # a folder link: not entered
    links: set[str] = set()

    found = forms_in(inputs, links=links)

    assert links == {str(link)}
    assert len(found) == 13 and not any("别处" in str(p) for p in found)
    result = run(workspace, "build")
    assert result.stderr.strip().endswith("生成 12 份，未变化 0 份，失败 0 份")


def test_the_proofreader_takes_the_forms_build_listed_for_that_run_only(workspace, run, monkeypatch):
    from pipeline.commands import select
    from pipeline.commands.context import workspace_at
    from pipeline.commands.select import Selection, discover
    from pipeline.workspace import discovery

    (workspace / "inputs" / "链接.yaml").symlink_to(workspace / NEXT)
    monkeypatch.chdir(workspace)
    links: set[str] = set()
    listed = discover(Selection(), links=links)
    current = workspace_at(workspace)
    walked = current.form_paths()
    current.found_forms(listed, links)
    # The same forms, resolved the same way (the link to its form; a form listed twice is kept once,
    # and the proofreader takes each once anyway).
    assert set(current.form_paths()) == set(walked) and len(set(walked)) == 12
    assert current.form_paths() == walked  # the next call lists the folder itself

    listings = []
    original = discovery.forms_in
    counted = lambda *a, **k: listings.append(a[0]) or original(*a, **k)
    monkeypatch.setattr(discovery, "forms_in", counted)
    monkeypatch.setattr(select, "forms_in", counted)
    changed = workspace / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8").replace("value: ", "value: 1", 1), encoding="utf-8")
    assert run(workspace, "build").exit_code == 0

    assert listings == [workspace / "inputs"]  # listed once for the run, not again for the proofreader
    assert current._found is None


# --- the manifest's database ---------------------------------------------------------------

def _answers(workspace: Path):
    """A fresh ledger, and its answer to up_to_date for every form of the workspace."""
    from pipeline.commands.manifest import Ledger
    from pipeline.workspace.discovery import forms_in

    ledger = Ledger(workspace)
    return ledger, {str(form): ledger.up_to_date(form) for form in forms_in(workspace / "inputs")}


def test_an_unchanged_rebuild_is_answered_by_one_query(workspace, run):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    from pipeline.commands.manifest import Ledger

    ledger = Ledger(workspace)
    statements: list[str] = []
    ledger._db().set_trace_callback(statements.append)
    answers = [ledger.up_to_date(form) for form in sorted((workspace / "inputs").rglob("*.yaml"))]

    assert len(answers) == 12 and all(answers)
    assert len(statements) == 1 and statements[0].startswith("SELECT output, sources FROM entries")


def test_recording_a_document_reads_and_writes_its_own_rows_only(workspace, run):
    """Each statement a one-form rebuild sends finds its rows through a key or an index, never by
    reading the whole table: the cost of recording does not grow with the workspace."""
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    from pipeline.commands.manifest import Ledger

    ledger = Ledger(workspace)
    form = workspace / NEXT
    output = workspace / ledger.up_to_date(form)
    statements: list[str] = []
    connection = ledger._db()
    connection.set_trace_callback(statements.append)
    entry = ledger.recorded(output)
    ledger.record("2024-2025-1", output, {form: entry.forms[ledger.relative(form)]}, b"new bytes")
    ledger.record_pdf(output, b"%PDF")
    assert ledger.save() == []

    touching = [s for s in statements if s.split()[0] in ("SELECT", "INSERT", "DELETE", "UPDATE")]
    assert [s.split()[0] for s in touching] == ["SELECT", "DELETE", "INSERT", "UPDATE"]
    connection = sqlite3.connect(ledger.database)
    for statement in touching:
        plan = " ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + statement))
        assert "SCAN" not in plan, (statement, plan)
    again = Ledger(workspace).recorded(output)
    assert again.docx_sha256 == hashlib.sha256(b"new bytes").hexdigest()
    assert again.pdf_sha256 == hashlib.sha256(b"%PDF").hexdigest()
    assert len(Ledger(workspace).entries()) == 12


def as_the_previous_version_left_it(workspace: Path) -> dict:
    """Turn the workspace's database into the JSON manifests the previous version kept (one per term,
    each with a quick file beside it); returns the entries, by output."""
    from pipeline.commands.manifest import LEGACY_NAME, LEGACY_QUICK_NAME, MANIFEST_NAME, Ledger

    entries = Ledger(workspace).entries()
    by_term: dict[str, list] = {}
    for output, entry in entries.items():
        by_term.setdefault(output.split("/")[1], []).append(vars(entry))
    for term, outputs in by_term.items():
        folder = workspace / "outputs" / term
        text = json.dumps({"format": 1, "about": "worksum 的生成记录，请勿手工修改"}, ensure_ascii=False)[:-1]
        lines = ",\n".join(json.dumps(e, ensure_ascii=False) for e in outputs)
        (folder / LEGACY_NAME).write_text(text + ', "outputs": [\n' + lines + "\n]}\n", encoding="utf-8")
        (folder / LEGACY_QUICK_NAME).write_bytes(b"worksum-quick 1 0000\n")
    for name in (MANIFEST_NAME, MANIFEST_NAME + "-wal", MANIFEST_NAME + "-shm"):
        (workspace / "outputs" / name).unlink(missing_ok=True)
    return entries


def test_a_workspace_built_by_the_previous_version_is_read_once_and_its_edits_still_kept(workspace, run):
    from pipeline.commands.manifest import Ledger

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    before = as_the_previous_version_left_it(workspace)
    assert len(before) == 12
    ledger, answers = _answers(workspace)
    assert all(answers.values())  # read from the JSON files into a new database, nothing rebuilt
    assert ledger.entries() == before
    assert list((workspace / "outputs").glob("*/.worksum-manifest.*")) == []  # read once, then removed

    document = workspace / answers[str(workspace / NEXT)]
    document.write_bytes(document.read_bytes() + b"edited by the principal")
    changed = workspace / NEXT
    changed.write_text(changed.read_text(encoding="utf-8").replace("value: ", "value: 1", 1), encoding="utf-8")
    rebuilt = run(workspace, "build")

    assert summary_line(rebuilt) == "完成：生成 1 份，未变化 11 份，失败 0 份；另存了 1 份修改过的文档"
    [backup] = (workspace / "outputs").rglob("*.edited-*")
    assert backup.read_bytes().endswith(b"edited by the principal") and backup.parent == document.parent
    assert summary_line(run(workspace, "build")) == "完成：生成 0 份，未变化 12 份，失败 0 份"
    assert len(Ledger(workspace).entries()) == 12


def test_once_a_document_is_recorded_the_database_answers(workspace, run):
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    ledger, answers = _answers(workspace)
    output = workspace / answers[str(workspace / NEXT)]
    ledger.record("2024-2025-1", output, {workspace / NEXT: "0" * 64}, b"other bytes")

    assert ledger.up_to_date(workspace / NEXT) is None  # recorded from other bytes than the form's


def test_the_index_takes_the_states_the_plan_took_and_looks_at_the_rest(workspace, run, monkeypatch):
    from pipeline.commands.context import workspace_at

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    index = workspace_at(workspace).proofreader.index
    forms = sorted(os.path.realpath(p) for p in (workspace / "inputs").rglob("*.yaml"))
    given, other = forms[0], forms[1]
    assert index.stale(forms) == ([], [])

    looked = []
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: looked.append(str(path)) or real_stat(path, *a, **k))
    assert index.stale(forms, {given: real_stat(given)}) == ([], [])
    assert given not in looked and other in looked  # the state given stands for the file
    assert index.stale(forms, {given: None}) == ([Path(given)], [])  # given as gone: read again


def test_forms_recorded_without_size_and_time_are_judged_by_their_hash(workspace, run):
    """Forms changed just before a build are recorded without size and time (a change in the same clock
    tick would not show): their hashes are compared, and say which changed."""
    assert run(workspace, "build").exit_code == 0  # the forms were copied just now
    ledger, answers = _answers(workspace)
    assert all(answers.values()) and len(answers) == 12

    form = workspace / NEXT
    form.write_text(form.read_text(encoding="utf-8") + "# 改过\n", encoding="utf-8")
    _, answers = _answers(workspace)
    assert answers[str(form)] is None and sum(map(bool, answers.values())) == 11


def test_a_released_dictionary_is_let_go_and_cuts_the_same_once_needed_again(tmp_path, fresh_segment):
    """A batch lets the whole dictionary go before its comparison pool forks; a later cut (a form that
    changed meanwhile) gets the same words, from the stored dictionary when the workspace has one."""
    segment.keep_dictionary(tmp_path, write=True)
    whole = segment.tokenizer(["家校共育"])
    texts = sample_sentences()[:50]
    expected = [whole.lcut(text) for text in texts]

    segment.release()

    assert not segment.loaded()
    again = segment.tokenizer(["家校共育"])
    assert again is not whole and not segment.loaded()  # looked up in the store, not loaded whole
    assert [again.lcut(text) for text in texts] == expected
    segment.keep_dictionary(None)
    segment.release()
    assert segment.tokenizer(["家校共育"]).lcut(texts[0]) == expected[0] and segment.loaded()
