"""Last period's figures, so a document can say how this period's figures moved.

A count that gives no ``previous`` is compared with the same ``item`` in the
previous period's form of the same campus and department: the period before
``2024-2025-1`` is ``2023-2024-2``, before ``2024-2025`` is ``2023-2024``,
before ``2024`` is ``2023`` (:meth:`pipeline.form.periods.Term.previous`).

That form is looked for in the workspace's ``inputs/<previous period>/``: first
at the usual place ``<campus>/<department>.yaml``, then among every form of
that folder, by what the forms themselves say (campus, department, term), since
folder names are only for finding files. A figure is compared only when the
item is found exactly once and has the same unit; otherwise nothing is said
about change (a warning says why when something was found but not used).

This stage reads YAML through :mod:`pipeline.form.loader` and hands plain values to
:func:`pipeline.document.assemble.assemble`; assemble never reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from pipeline.diagnostics import Diagnostic, FormError, shown
from pipeline.form.identity import Identity, declared
from pipeline.form.loader import Loaded, load_file
from pipeline.form.model import Figure, Form
from pipeline.form.periods import Term
from pipeline.text.chinese import Quantity
from pipeline.workspace.discovery import forms_in
from pipeline.workspace.root import INPUTS


@dataclass
class Earlier:
    """Last period's values for this form's counts that give no ``previous``."""

    values: dict[str, Quantity] = field(default_factory=dict)  # item → last period's value
    warnings: list[Diagnostic] = field(default_factory=list)
    #: The files whose contents decided these values: the form read and the place it would usually
    #: be (``<campus>/<department>.yaml``, perhaps absent). A document depends on them, not on the
    #: whole folder (a form put elsewhere in the folder later is found only when this one is rebuilt).
    depends: tuple[Path, ...] = ()


def previous_figures(form: Form, workspace: Path | None) -> Earlier:
    """Find last period's form for ``form`` in the workspace at ``workspace`` and the values it gives."""
    wanted = {f.item: f for f in form.counts if f.previous is None}
    if not wanted:
        return Earlier()
    folder = previous_folder(form.period, workspace)
    if folder is None:
        return Earlier()
    period = form.period.previous()
    usual = folder / form.campus / f"{form.department}.yaml"
    found = _find_form(folder, usual, form.campus, form.department, period)
    if found is None:
        return Earlier(depends=(usual,))
    earlier = _values(found[1], wanted, period)
    earlier.depends = (found[0],) if found[0] == usual else (found[0], usual)  # a form put at the usual place wins
    return earlier


def previous_folder(period: Term, workspace: Path | None) -> Path | None:
    """The folder last period's form is looked for in (it need not exist), or None outside a
    workspace (:mod:`pipeline.workspace`: a form in some ``inputs/`` always has one)."""
    return workspace / INPUTS / period.previous().id if workspace is not None else None


def _find_form(folder: Path, usual: Path, campus: str, department: str, period: Term) -> tuple[Path, Loaded] | None:
    if not folder.is_dir():
        return None
    loaded = _load(usual)
    if loaded is not None and _is_form_of(loaded.data, campus, department, period):
        return usual, loaded
    for candidate in forms_in(folder):
        loaded = _load(candidate) if candidate != usual else None
        if loaded is not None and _is_form_of(loaded.data, campus, department, period):
            return candidate, loaded
    return None


def _is_form_of(data, campus: str, department: str, period: Term) -> bool:
    return declared(data) == Identity(period.id, campus, department)


def _load(path: Path) -> Loaded | None:
    """The loaded form at ``path`` (re-read only when the file changed), or None if unreadable."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _load_version(str(path), stat.st_mtime_ns, stat.st_size)


#: Last period's forms kept loaded: a form is read for the one form of this period that follows it,
#: so a few suffice; each holds its text and positions, and a worker builds thousands of forms.
KEPT_LOADED = 32


@lru_cache(maxsize=KEPT_LOADED)
def _load_version(path: str, _mtime: int, _size: int) -> Loaded | None:
    try:
        return load_file(path, shown(path))
    except FormError:
        return None  # a broken form of last period is reported when it is built, not here


def _values(loaded: Loaded, wanted: dict[str, Figure], period: Term) -> Earlier:
    earlier = Earlier()
    entries = loaded.data.get("counts")
    if not isinstance(entries, list):
        return earlier
    matches: dict[str, list[tuple[int, Figure | None]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or str(entry.get("item", "")).strip() not in wanted:
            continue
        try:
            figure = Figure.model_validate(entry)
        except ValidationError:
            figure = None
        matches.setdefault(str(entry["item"]).strip(), []).append((index, figure))
    for item, found in matches.items():
        index, figure = found[0]
        at = ("counts", index)
        if len(found) > 1:
            earlier.warnings.append(loaded.diagnostic(at, f"{period.name}的“{item}”出现了{len(found)}次，"
                                                          "无法确定用哪一个比较，本期不写变化", severity="warning"))
        elif figure is None:
            earlier.warnings.append(loaded.diagnostic(at, f"{period.name}的“{item}”填写有误，未用于比较",
                                                      severity="warning"))
        elif (figure.unit or "") != (wanted[item].unit or ""):
            earlier.warnings.append(loaded.diagnostic(
                at, f"“{item}”的单位与{period.name}不同（“{wanted[item].unit or '无'}”与“{figure.unit or '无'}”），"
                    "不作比较；如需比较，请在本期填写 previous", severity="warning"))
        else:
            earlier.values[item] = figure.value
    return earlier


def history_folders(term: str, root: Path | None) -> tuple[Path, ...]:
    """Where last period's form is looked for (pipeline.form.history): a change there changes the document."""
    from pipeline.form.history import previous_folder
    from pipeline.form.periods import Term

    folder = previous_folder(Term.parse(term), root)
    return (folder,) if folder is not None else ()
