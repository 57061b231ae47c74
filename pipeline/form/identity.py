"""A form's identity: its term, campus and department."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.workspace.root import inputs_of


def identity(form: Path, read: bool = True, inputs: Path | None = None) -> tuple[str | None, str | None, str | None]:
    """(term, campus, department) of a form: from ``inputs/<term>/<campus>/<department>.yaml``
    (``inputs``: its workspace's, found when not given), or, for a form outside that layout,
    from its own fields (when ``read``). Unknown parts are None."""
    absolute = Path(os.path.abspath(form))
    inputs = Path(os.path.abspath(inputs or inputs_of(absolute)))
    try:
        parts = absolute.relative_to(inputs).parts
    except ValueError:
        parts = ()
    if len(parts) == 3:
        return parts[0], parts[1], Path(parts[2]).stem
    if not read:
        return None, None, None
    from pipeline.diagnostics import FormError
    from pipeline.form.loader import load_file

    try:
        data = load_file(form).data
    except FormError:
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None
    values = [data.get(key) for key in ("term", "campus", "department")]
    return tuple(str(v) if v is not None else None for v in values)  # type: ignore[return-value]
