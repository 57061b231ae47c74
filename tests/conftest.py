"""Shared fixtures: paths to the sample workspace and our example form, a CLI runner.

Everything a test reads is in this repository: the example form is ours
(tests/data/example-form.yaml), written to form.md's contract."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

# A shell starts a background job (`python3 -m pytest … &`; many CI runners start jobs without a
# terminal the same way) with SIGINT ignored, and every process started from it inherits that: a
# Ctrl-C test would then wait for an interrupt that never comes. The tests start as a terminal's
# foreground job does, with Ctrl-C raising KeyboardInterrupt here and ending (by default) the
# processes they start; what worksum does when started with a signal ignored is tested on its own.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# Read from a copy outside any workspace, as a form someone sent would be: in place, it
# would belong to the repository's sample workspace and meet its config.yaml's lists.
_OUTSIDE = Path(tempfile.mkdtemp(prefix="worksum-example-"))
atexit.register(shutil.rmtree, _OUTSIDE, ignore_errors=True)
EXAMPLE_FORM = Path(shutil.copy(ROOT / "tests" / "data" / "example-form.yaml", _OUTSIDE / "example-form.yaml"))

#: A form's identity lines, for tests that write the rest of the form themselves.
HEAD = textwrap.dedent("""\
    organization: 明德实验学校
    campus: 东湖校区
    department: 后勤处
    term: 2024-2025-1
    date: 2025-01-16
    """)

#: The smallest valid form: what the validation and hostile-input tests start from.
VALID = HEAD + textwrap.dedent("""\
    activities:
      - title: 消防疏散演练
        category: safety
        details: 全校师生参加。
    """)


#: The fixture workspace with the seed samples' kinds of flaws (tests/data/seed_like).
SEED_LIKE = ROOT / "tests" / "data" / "seed_like"


@pytest.fixture
def seed_like(tmp_path: Path) -> Path:
    """A copy of the fixture workspace whose 东园区 form has the seed samples' kinds of flaws."""
    target = tmp_path / "seed_like"
    shutil.copytree(SEED_LIKE, target)
    return target


@pytest.fixture
def example_form(tmp_path: Path) -> Path:
    """A copy of the example form, outside any workspace (built with defaults)."""
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


def small_docx(path: Path, text: str) -> Path:
    """The smallest whole .docx at ``path``: one paragraph of ``text`` (escaped), nothing else.
    For tests of the PDF step, which refuses a damaged file before LibreOffice sees it."""
    import zipfile
    from xml.sax.saxutils import escape

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"/>')
        archive.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/'
                         f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>'
                         '</w:body></w:document>')
    return path


def write_form(folder: Path, text: str, name: str = "form.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def worksum(*args: str, cwd: Path, input: bytes | None = None, timeout: float = 120,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m pipeline ARGS`` as a real process, using this checkout's code
    (``env``: variables to set for it besides the test's own)."""
    env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    env.pop("WORKSUM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, input=input,
                          capture_output=True, timeout=timeout)


def force_pool(monkeypatch, below: int) -> list[bool]:
    """Make batch deal forms to worker processes from ``below`` forms on; the list returned
    gets an entry each time a pool is started (so a test can assert the pool was used)."""
    from pipeline.commands import batch

    monkeypatch.setattr(batch, "IN_PROCESS_BELOW", below)
    started: list[bool] = []
    real_pool = batch._pool_context

    def spy():
        started.append(True)
        return real_pool()

    monkeypatch.setattr(batch, "_pool_context", spy)
    return started
