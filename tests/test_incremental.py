"""A rebuild costs what changed (issue 19): start-up, the manifest's fast path, one form's work.

An unchanged rebuild imports none of the heavy libraries; a one-form rebuild
opens only that form and the forms whose documents depend on it; a large
workspace keeps jieba's dictionary on disk, and a rebuild that cuts a few
sentences looks words up there instead of loading it, with the same words,
documents and warnings as with the whole dictionary.
"""

from __future__ import annotations

import json
import os
import shutil
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
heavy = ("jieba", "docx", "lxml", "pydantic", "jinja2", "yaml", "sqlite3", "openpyxl")
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


# --- the manifest's lines ------------------------------------------------------------

def test_an_unchanged_entry_is_saved_as_the_line_it_was_read_from(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME, Manifest

    assert run(workspace, "build").exit_code == 0
    path = workspace / "outputs" / "2024-2025-1" / MANIFEST_NAME
    before = path.read_bytes()
    manifest, warning = Manifest.load(path)
    assert warning is None and len(manifest.lines) == len(manifest.entries) == 6

    manifest.dirty = True
    manifest.save()
    assert path.read_bytes() == before  # the same bytes as json.dumps wrote them

    key = sorted(manifest.entries)[0]
    manifest.entries[key] = type(manifest.entries[key])(**{**vars(manifest.entries[key]), "built": "edited"})
    manifest.dirty = True
    manifest.save()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1].rstrip(","))["built"] == "edited"  # a replaced entry is encoded again
    assert lines[2:] == before.decode("utf-8").splitlines()[2:]


def test_a_manifest_laid_out_otherwise_is_still_read(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME

    assert run(workspace, "build").exit_code == 0
    path = workspace / "outputs" / "2024-2025-1" / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")  # as an editor saves it

    again = run(workspace, "build")

    assert again.stderr.strip().endswith("生成 0 份，未变化 12 份，失败 0 份")
    assert "生成记录" not in again.stderr


def test_two_entries_on_one_line_are_read_as_json_reads_them(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME, Manifest

    assert run(workspace, "build").exit_code == 0
    path = workspace / "outputs" / "2024-2025-1" / MANIFEST_NAME
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1:3] = [lines[1] + " " + lines[2]]
    path.write_text("\n".join(lines), encoding="utf-8")

    manifest, warning = Manifest.load(path)

    assert warning is None and len(manifest.entries) == 6 and manifest.lines == {}


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
    from pipeline.commands.context import workspace_at
    from pipeline.commands import select
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
    counted = lambda *a, **k: listings.append(a[0]) or original(*a, **k)  # noqa: E731
    monkeypatch.setattr(discovery, "forms_in", counted)
    monkeypatch.setattr(select, "forms_in", counted)
    changed = workspace / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8").replace("value: ", "value: 1", 1), encoding="utf-8")
    assert run(workspace, "build").exit_code == 0

    assert listings == [workspace / "inputs"]  # listed once for the run, not again for the proofreader
    assert current._found is None


# --- the quick files beside the manifests ---------------------------------------------------------

def _quick_ledger(workspace: Path):
    from pipeline.commands.manifest import Ledger
    from pipeline.workspace.discovery import forms_in

    ledger = Ledger(workspace)
    return ledger, {str(form): ledger.up_to_date(form) for form in forms_in(workspace / "inputs")}


def test_an_unchanged_rebuild_is_answered_by_the_quick_files_without_reading_the_manifests(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME, QUICK_NAME, Ledger, read_quick

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    for manifest in (workspace / "outputs").glob(f"*/{MANIFEST_NAME}"):
        assert manifest.with_name(QUICK_NAME).is_file() and read_quick(manifest) is not None

    ledger, answers = _quick_ledger(workspace)

    assert ledger._manifests is None  # the manifests were not read
    whole = Ledger(workspace)
    whole._quick = None  # the manifests' own answers
    expected = {form: (entry.output if entry else None) for form, entry in
                ((form, whole._full_up_to_date(whole.relative(Path(form)))) for form in answers)}
    assert answers == expected and all(answers.values()) and len(answers) == 12


def test_a_manifest_changed_by_hand_is_the_judge_not_its_quick_file(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME, read_quick

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    path = workspace / "outputs" / "2024-2025-1" / MANIFEST_NAME
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if NEXT in line)
    tool = json.loads(line.rstrip(","))["tool"]
    path.write_text(text.replace(line, line.replace(tool, "0.0.1")), encoding="utf-8")  # by another version

    assert read_quick(path) is None  # it no longer names the manifest's bytes
    _, answers = _quick_ledger(workspace)
    assert answers[str(workspace / NEXT)] is None and sum(map(bool, answers.values())) == 11
    assert summary_line(run(workspace, "build")) == "完成：生成 1 份，未变化 11 份，失败 0 份"


def test_a_damaged_quick_file_is_ignored_and_written_again(workspace, run):
    from pipeline.commands.manifest import MANIFEST_NAME, QUICK_NAME, read_quick

    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    manifest = workspace / "outputs" / "2024-2025-1" / MANIFEST_NAME
    quick = manifest.with_name(QUICK_NAME)
    good, expected = quick.read_bytes(), read_quick(manifest)
    assert good.startswith(b"worksum-quick 1 ") and len(expected) == 6
    for damaged in (b"", b"\x00garbage", good[: len(good) // 2]):
        quick.write_bytes(damaged)
        assert read_quick(manifest) is None
        ledger, answers = _quick_ledger(workspace)
        assert all(answers.values()) and ledger._manifests is not None  # the manifests answered
    quick.unlink()

    assert summary_line(run(workspace, "build")) == "完成：生成 0 份，未变化 12 份，失败 0 份"
    assert read_quick(manifest) == expected  # written again, as a save writes it


def test_once_a_document_is_recorded_the_manifests_answer(workspace, run):
    """A run that recorded a document holds manifests newer than the quick files: they answer."""
    age(workspace / "inputs")
    assert run(workspace, "build").exit_code == 0
    ledger, answers = _quick_ledger(workspace)
    output = workspace / answers[str(workspace / NEXT)]
    ledger.record("2024-2025-1", output, {workspace / NEXT: "0" * 64}, b"other bytes")

    assert ledger._quick is None
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


def test_forms_recorded_without_size_and_time_are_judged_by_their_hash_in_the_quick_files(workspace, run):
    """Forms changed just before a build are recorded without size and time (a change in the same clock
    tick would not show): the quick files compare their hashes, as the manifests would, and say which
    changed, without the manifests being read."""
    assert run(workspace, "build").exit_code == 0  # the forms were copied just now
    ledger, answers = _quick_ledger(workspace)
    assert ledger._manifests is None and all(answers.values()) and len(answers) == 12

    form = workspace / NEXT
    form.write_text(form.read_text(encoding="utf-8") + "# 改过\n", encoding="utf-8")
    ledger, answers = _quick_ledger(workspace)
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
