"""``worksum blank``: a department's blank workbook form, written into ``inputs/``.

The term, campus and department given are checked by the form's own rules
(:class:`~pipeline.form.model.Form`: a term id, names that can be folder names,
config.yaml's lists), so a blank workbook is never written where no valid form
could be. The workbook has them filled in, with the organization from
config.yaml. A department that has a form already, in either container, is
left alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.diagnostics import UsageError, WorksumError


def write_blank(term: str, campus: str, department: str) -> Path:
    """Write ``inputs/<term>/<campus>/<department>.xlsx`` in the current workspace; returns it.

    Raises :class:`UsageError` for an identity no form may have, :class:`WorksumError`
    when the department has a form already.
    """
    from pydantic import ValidationError

    from pipeline.commands.context import current_workspace
    from pipeline.form.container import department_form
    from pipeline.form.model import Form
    from pipeline.form.newterm import write_new
    from pipeline.form.validate import error_message, form_context
    from pipeline.form.workbook_write import categories_of, write_workbook

    workspace = current_workspace()
    config = workspace.config
    identity = {"campus": campus, "department": department, "term": term}
    try:
        form = Form.model_validate({**identity, "date": dt.date.today()}, context=form_context(config))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UsageError(f"--{error['loc'][0]}：{error_message(error)}") from None
    folder = workspace.inputs / form.term / form.campus
    existing = department_form(folder, form.department)
    if existing is not None:
        raise WorksumError("已有这个部门的填报表，没有覆盖", where=existing)
    target = folder / f"{form.department}.xlsx"
    data = {"organization": config.organization, "campus": form.campus, "department": form.department,
            "term": form.term}
    if not write_new(target, write_workbook(data, categories=categories_of(config))):
        raise WorksumError("已有这个部门的填报表，没有覆盖", where=target)
    return target
