"""Shared fixtures: paths to the sample workspace and the spec's example form, a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE_FORM = SHARED / "spec" / "example-form.yaml"


@pytest.fixture
def example_form(tmp_path: Path) -> Path:
    """A copy of the spec's example form, outside any workspace (built with defaults)."""
    target = tmp_path / "form.yaml"
    shutil.copy(EXAMPLE_FORM, target)
    return target


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the bundled sample workspace (config.yaml, inputs/, templates/)."""
    target = tmp_path / "ws"
    target.mkdir()
    shutil.copy(ROOT / "config.yaml", target / "config.yaml")
    shutil.copytree(ROOT / "inputs", target / "inputs")
    return target


@pytest.fixture
def run(monkeypatch):
    """Run the worksum CLI in a folder: ``run(folder, "build", ...)`` → click Result."""
    from pipeline.cli import main

    def invoke(folder: Path, *args: str):
        monkeypatch.chdir(folder)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def write_form(folder: Path, text: str, name: str = "form.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def worksum(*args: str, cwd: Path, input: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m pipeline ARGS`` as a real process, using this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("WORKSUM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, input=input,
                          capture_output=True, timeout=timeout)
