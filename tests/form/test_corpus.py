"""A corpus of malformed forms (tests/corpus/*.yaml), each with the exact messages it must produce."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import worksum

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))


def test_corpus_is_not_empty():
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", CASES)
def test_malformed_form_gets_its_exact_message(name):
    result = worksum("validate", f"{name}.yaml", cwd=CORPUS)
    assert result.returncode == 1
    lines = [line for line in result.stderr.decode().splitlines() if not line.startswith("检查了")]
    expected = (CORPUS / f"{name}.expected").read_text(encoding="utf-8").splitlines()
    assert lines == expected
