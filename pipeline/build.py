"""Run the stages for one form: load → validate → assemble → word → lay out.

Last period's figures (:mod:`pipeline.history`) are loaded beside the form and
handed to assemble, which fills in the ``previous`` values the form leaves out.

:func:`build_form` returns the document's bytes and the warnings; it writes
nothing (see :mod:`pipeline.write`). A :class:`Workspace` holds what every form
of a workspace shares (config.yaml, the template environment, the classifier),
loaded once and reused for every form.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

from pipeline import profile as profiles
from pipeline.assemble import assemble
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, FormError
from pipeline.form import Form
from pipeline.history import previous_figures
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

    def templates_for(self, department: str):
        """The template environment of ``department``: its set from config.yaml's ``templates``."""
        from pipeline import wording

        return wording.environment(wording.search_path(self.root, self.config.templates.get(department)))

    @cached_property
    def classifier(self):
        from pipeline.classify import Classifier

        return Classifier(self.config.heading_list, self.config.words)

    @property
    def inputs(self) -> Path:
        return (self.root or Path.cwd()) / "inputs"

    @cached_property
    def proofreader(self):
        """Proofreading against this workspace's forms; loads them (and jieba) only when it runs."""
        from pipeline.proofread import Proofreader

        return Proofreader(self.config, lambda: self.classifier, self.read_forms)

    def read_forms(self) -> list:
        """Every valid form under inputs/, as :class:`~pipeline.proofread.Checked`; invalid ones are
        left out here (they are reported when they themselves are built or checked)."""
        from pipeline.diagnostics import shown
        from pipeline.proofread import Checked

        forms = []
        if not self.inputs.is_dir():
            return forms
        for path in sorted(self.inputs.rglob("*.yaml")):
            try:
                form, loaded = read_form(path, self.config, shown(path))
            except FormError:
                continue
            forms.append(Checked(path.resolve(), loaded.path, form, loaded))
        return forms

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


def build_form(path: Path, workspace: Workspace, display: str | None = None, strict: bool = False) -> Built:
    """Build one form. Raises :class:`~pipeline.diagnostics.FormError` on errors.

    Proofreading warnings (:mod:`pipeline.proofread`) come with the result; with
    ``strict`` they are errors and nothing is built.
    """
    from pipeline.layout import lay_out
    from pipeline.proofread import Checked
    from pipeline.wording import word

    form, loaded = read_form(path, workspace.config, display)
    classifier = FormClassifier(workspace)  # proofreading and the document group the same records
    checked = Checked(path.resolve(), loaded.path, form, loaded, classifier)
    checks = [issue.diagnostic for issue in workspace.proofreader.check([checked])[checked.path]]
    if strict and checks:
        raise FormError([replace(d, severity="error") for d in checks])

    def warn(at: tuple, message: str) -> Diagnostic:
        return loaded.diagnostic(at, message, severity="warning")

    earlier = previous_figures(form, path, workspace.root)
    summary, warnings = assemble(form, workspace.config, classifier, warn, earlier.values)
    manuscript = word(summary, workspace.templates_for(form.department))
    docx = lay_out(manuscript, profiles.get(workspace.config.format))
    return Built(form, manuscript.title, docx, loaded.warnings + earlier.warnings + warnings + checks)


class FormClassifier:
    """The workspace's classifier for one form's build, answering each record once.

    Proofreading groups the form to check its headings, then the document is
    grouped again; category inference (jieba) is the costly part of grouping,
    so the second time reuses the first's answers. It lives for one build only:
    nothing is remembered across forms. Called, it returns itself, as assemble
    expects of its ``classifier`` argument; the real classifier (and jieba) is
    made only when a record needs it.
    """

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.answers: dict[tuple, object] = {}

    def __call__(self) -> "FormClassifier":
        return self

    def infer(self, title: str, *texts: str | None, **options):
        key = (title, texts, tuple(sorted(options.items())))
        if key not in self.answers:
            self.answers[key] = self.workspace.classifier.infer(title, *texts, **options)
        return self.answers[key]
