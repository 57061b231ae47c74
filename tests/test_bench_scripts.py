"""Every benchmark script runs at HEAD: each imports, and the cheap ones run end to end."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPTS = sorted((ROOT / "bench").glob("*.py"))


def load(path):
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_every_bench_script_imports_and_has_a_main(script):
    module = load(script)
    assert callable(getattr(module, "main", None)), f"{script.name} has no main()"


def test_bench_check_measures_the_build_with_and_without_proofreading():
    without, with_checks = load(ROOT / "bench" / "check.py").build_overhead()
    assert 0 < without and 0 < with_checks


@pytest.mark.slow
def test_bench_batch_runs_a_small_batch():
    pytest.importorskip("docxtpl", reason="bench/batch.py compares with docxtpl: pip install '.[bench]'")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "batch.py"), "--sizes", "30", "--no-check"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "30 forms: cold" in done.stdout and "× docxtpl" in done.stdout
    assert "生成 1 份，未变化 29 份" in done.stdout  # the one-changed rebuild built one form
