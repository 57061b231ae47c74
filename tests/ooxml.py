"""Schema validation of .docx files with openxml-audit (ISO/IEC 29500 schemas and
semantic rules, pure Python): the check Word's own validator would make."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from openxml_audit import OpenXmlValidator


@lru_cache(maxsize=1)
def _validator() -> OpenXmlValidator:
    return OpenXmlValidator(max_errors=0)  # 0: report every error, not the first hundred


def errors(document: Path | bytes) -> list[str]:
    """Every validation error of ``document`` (a path or the .docx bytes), as text."""
    if isinstance(document, bytes):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "document.docx"
            path.write_bytes(document)
            return errors(path)
    return [str(error) for error in _validator().validate(document).errors]


def assert_valid(document: Path | bytes) -> None:
    found = errors(document)
    assert found == [], "\n".join(found[:20])
