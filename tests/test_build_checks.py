"""build proofreads each form and groups it for the document with one classifier that
remembers its answers, so no record is classified twice; it still warns as check does."""

from __future__ import annotations

import shutil

from conftest import SEED_LIKE


def warnings(stderr: str) -> set[str]:
    return {line for line in stderr.splitlines() if ": 警告: " in line}


def test_build_warns_as_check_does_heading_checks_included(tmp_path, run):
    workspace = tmp_path / "ws"
    shutil.copytree(SEED_LIKE, workspace)
    expected = warnings(run(workspace, "check").stderr)
    built = run(workspace, "build")
    assert built.exit_code == 0, built.output
    assert any("下只有一项简短的工作" in line for line in expected)  # made from the grouping
    assert expected <= warnings(built.stderr)


def test_build_classifies_each_record_once(workspace, run, monkeypatch):
    from pipeline.commands.context import find_workspace
    from pipeline.document import classify
    from pipeline.document.assemble import assemble
    from pipeline.form.validate import read_form

    calls = []
    infer = classify.Classifier.infer

    def counted(self, title, *texts, **options):
        calls.append((title, texts, tuple(sorted(options.items()))))
        return infer(self, title, *texts, **options)

    monkeypatch.setattr(classify.Classifier, "infer", counted)
    forms = sorted((workspace / "inputs" / "2024-2025-1").rglob("*.yaml"))
    for path in forms:  # grouping alone: each record without a category classified once per form
        ws = find_workspace(path.parent)
        form, loaded = read_form(path, ws.config)
        assemble(form, ws.config, lambda: ws.classifier, loaded.diagnostic)
    distinct = set(calls)
    assert len(distinct) < len(calls), "the sample forms share a record without a category"
    calls.clear()
    result = run(workspace, "build", *map(str, forms))
    assert result.exit_code == 0, result.output
    # proofreading and the document share the answers, and so do forms with the same record
    assert len(calls) == len(distinct) and set(calls) == distinct
    # the answers stay with the workspace's classifier: a second build in this process scores nothing again
    result = run(workspace, "build", "--force", *map(str, forms))
    assert result.exit_code == 0, result.output
    assert len(calls) == len(distinct) and set(calls) == distinct
