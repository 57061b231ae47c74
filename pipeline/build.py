"""Run the stages for one form: load → validate → assemble → word → lay out.

:func:`build_form` returns the document's bytes and the warnings; it writes
nothing (see :mod:`pipeline.write`). A :class:`Workspace` holds what every form
of a workspace shares (config.yaml, the template environment, the classifier),
loaded once and reused for every form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from pipeline import profile as profiles
from pipeline.assemble import assemble
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic
from pipeline.form import Form
from pipeline.outputs import output_path
from pipeline.validate import read_config, read_form

@dataclass
class Workspace:
    """A folder with (optionally) config.yaml, inputs/, templates/ and outputs/."""

    root: Path | None  # None: a form outside any workspace, built with the defaults

    @cached_property
    def config(self) -> Config:
        return read_config(self.root)

    @cached_property
    def environment(self):
        from pipeline import wording

        return wording.environment(wording.search_path(self.root))

    @cached_property
    def classifier(self):
        from pipeline.classify import Classifier

        return Classifier(self.config.heading_list, self.config.words)

    @property
    def inputs(self) -> Path:
        return (self.root or Path.cwd()) / "inputs"

    def output_path(self, form: Form, title: str) -> Path:
        """Where a form's document goes, from config.yaml's ``output`` pattern.

        Raises :class:`~pipeline.outputs.UnsafeOutput` for a path outside outputs/.
        """
        values = {"term": form.term, "campus": form.campus, "department": form.department,
                  "organization": form.organization or "", "title": title}
        return output_path(self.root or Path.cwd(), self.config.output, values)


def find_workspace(start: Path) -> Workspace:
    """The workspace a form belongs to: the nearest folder above it with config.yaml.

    One :class:`Workspace` per folder and process, so config.yaml is read once.
    """
    for folder in [start, *start.parents]:
        if (folder / "config.yaml").is_file():
            return _workspace(folder)
    return _workspace(None)


@lru_cache(maxsize=None)
def _workspace(root: Path | None) -> Workspace:
    return Workspace(root)


@dataclass
class Built:
    """One form's result: the document and what was said about it."""

    form: Form
    title: str
    docx: bytes
    warnings: list[Diagnostic] = field(default_factory=list)


def build_form(path: Path, workspace: Workspace, display: str | None = None) -> Built:
    """Build one form. Raises :class:`~pipeline.diagnostics.FormError` on errors."""
    from pipeline.layout import lay_out
    from pipeline.wording import word

    form, loaded = read_form(path, workspace.config, display)

    def warn(at: tuple, message: str) -> Diagnostic:
        return loaded.diagnostic(at, message, severity="warning")

    summary, warnings = assemble(form, workspace.config, lambda: workspace.classifier, warn)
    manuscript = word(summary, workspace.environment)
    docx = lay_out(manuscript, profiles.get(workspace.config.format))
    return Built(form, manuscript.title, docx, loaded.warnings + warnings)
