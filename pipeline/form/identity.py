"""A form's identity: its term, campus and department.

One rule for every command, for valid and broken forms alike: a form in the
usual place, ``inputs/<term>/<campus>/<department>.yaml``, is who its folders
say; what its own fields say is read from its raw data (:func:`declared`),
whether or not the rest of it validates, so a broken form can still be
counted under its department, a form of another term left out of a roll-up,
and last term's form found wherever it was saved.

A form whose folders disagree with what it says (a copy of 总园's form put in
中心园's folder and not changed) is an error on that form, naming both values
(:func:`folder_disagreements`): its document would otherwise be written where
the form says, over the other form's.
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


def folder_disagreements(path: Path, form, loaded) -> list:
    """Where ``form`` (read from ``path``) says another term, campus or department than its
    place under ``inputs/`` does: one diagnostic each, at the value to change."""
    absolute = Path(os.path.abspath(path))
    inputs = Path(os.path.abspath(inputs_of(absolute)))
    try:
        parts = absolute.relative_to(inputs).parts
    except ValueError:
        return []
    if len(parts) != 3:
        return []
    folder_term, folder_campus, folder_department = parts[0], parts[1], Path(parts[2]).stem
    try:
        folder_term = Term.parse(folder_term).id
    except TermError:
        pass
    place = f"inputs/{parts[0]}/{parts[1]}/"
    found = []
    if folder_term != form.term:
        found.append(loaded.diagnostic(("term",), (
            f"这份填报表放在 {place} 下，term 却写的是 {form.term}：如果是 {folder_term} 的填报表，"
            f"请把 term 改为 {folder_term}；如果是 {form.term} 的，请把文件移到 inputs/{form.term}/{form.campus}/")))
    if folder_campus != form.campus:
        found.append(loaded.diagnostic(("campus",), (
            f"这份填报表放在 {place} 下，campus 却写的是“{form.campus}”：如果是{folder_campus}的填报表，"
            f"请把 campus 改为“{folder_campus}”；如果是{form.campus}的，请把文件移到 inputs/{parts[0]}/{form.campus}/")))
    if folder_department != form.department:
        found.append(loaded.diagnostic(("department",), (
            f"文件名是“{parts[2]}”，department 却写的是“{form.department}”：如果是{folder_department}的填报表，"
            f"请把 department 改为“{folder_department}”；如果是{form.department}的，"
            f"请把文件改名为“{form.department}{Path(parts[2]).suffix}”")))
    return sorted(found, key=lambda d: (d.line, d.col))
