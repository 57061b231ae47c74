"""A form's identity: its term, campus and department.

One rule for every command, for valid and broken forms alike: a form in the
usual place, ``inputs/<term>/<campus>/<department>.yaml``, is who its folders
say; what its own fields say is read from its raw data (:func:`declared`),
whether or not the rest of it validates, so a broken form can still be
counted under its department, a form of another term left out of a roll-up,
and last term's form found wherever it was saved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.form.periods import Term, TermError
from pipeline.workspace.root import inputs_of


@dataclass(frozen=True)
class Identity:
    """Term id (normalised, None when it does not parse), campus and department (stripped,
    None when missing)."""

    term: str | None = None
    campus: str | None = None
    department: str | None = None

    def astuple(self) -> tuple[str | None, str | None, str | None]:
        return self.term, self.campus, self.department


def _name(value) -> str | None:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return text or None


def declared(data) -> Identity:
    """What a form's raw data (as loaded, before validation) says it is."""
    if not isinstance(data, dict):
        return Identity()
    value = data.get("term")
    try:
        term = Term.parse(value).id if _name(value) else None
    except TermError:
        term = None
    return Identity(term, _name(data.get("campus")), _name(data.get("department")))


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
        return declared(load_file(form).data).astuple()
    except FormError:
        return None, None, None
