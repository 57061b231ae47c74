"""Which container a form comes in: a YAML file or an Excel/WPS workbook.

The form contract is one (form.md); its container is a ``.yaml`` file
(:mod:`pipeline.form.loader`) or a ``.xlsx`` workbook
(:mod:`pipeline.form.workbook`). Both give the same :class:`~pipeline.form.loader.Loaded`
data, so every stage after loading is shared. Every reader of a form's raw
data goes through :func:`load_form`.

One department has one form: a ``.yaml`` and a ``.xlsx`` of the same name in
the same folder of ``inputs/`` are both refused (:func:`twins`), naming the two files.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.diagnostics import Diagnostic
from pipeline.form.loader import Loaded, load_bytes, load_file
from pipeline.workspace.discovery import FORM_SUFFIXES, WORKBOOK_SUFFIX
from pipeline.workspace.discovery import SUFFIX as YAML_SUFFIX  # noqa: F401 - the YAML form's, for callers
from pipeline.workspace.root import inputs_of


def is_workbook(path: Path | str) -> bool:
    return Path(path).suffix.lower() == WORKBOOK_SUFFIX


def load_form(path: Path | str, display: str | None = None, raw: bytes | None = None, **yaml_options) -> Loaded:
    """The form at ``path`` in its container. Raises :class:`~pipeline.diagnostics.FormError`.

    ``raw``: the form's bytes, already read (the file is not read again); ``yaml_options`` go
    to the YAML loader (the model's keys, whose slips it names); a workbook's columns come from
    the model itself."""
    if is_workbook(path):
        from pipeline.form.workbook import load_workbook

        return load_workbook(path, display, raw)
    if raw is not None:
        return load_bytes(raw, display or str(path), **yaml_options)
    return load_file(path, display, **yaml_options)


def twins(path: Path) -> list[Path]:
    """The other forms of ``path``'s department beside it in ``inputs/``: the same name in the
    other container. (Outside ``inputs/``, such as init's two blank forms, files are just files.)"""
    if path.suffix.lower() not in FORM_SUFFIXES:
        return []
    absolute = Path(os.path.abspath(path))
    if Path(os.path.abspath(inputs_of(absolute))) not in absolute.parents:
        return []
    return [other for suffix in FORM_SUFFIXES if suffix != path.suffix.lower()
            for other in [path.with_suffix(suffix)] if other.is_file()]


def twins_error(path: Path, display: str, others: list[Path]) -> Diagnostic:
    names = " 和 ".join(p.name for p in sorted([path, *others], key=lambda p: FORM_SUFFIXES.index(p.suffix.lower())))
    return Diagnostic(display, 1, 1, "error", f"同一个部门有两份填报表：{names}；每个部门只能有一份"
                                              f"（.yaml 或 .xlsx），请删去或移走其中一份", place="")


def department_form(folder: Path, department: str) -> Path | None:
    """``<folder>/<department>.yaml`` or ``.xlsx``, whichever exists (the first when both do)."""
    for suffix in FORM_SUFFIXES:
        path = folder / f"{department}{suffix}"
        if path.is_file():
            return path
    return None
