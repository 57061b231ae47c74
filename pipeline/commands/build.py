"""Run the stages for one form: load → validate → proofread → assemble → word → lay out.

Proofreading (:mod:`pipeline.proofread`) adds its warnings to the build's, or
stops the form under ``--strict``. Last period's figures (:mod:`pipeline.form.history`)
are loaded beside the form and handed to assemble, which fills in the ``previous`` values the form leaves out.

:func:`build_form` returns the document's bytes and the warnings; it writes
nothing (see :mod:`pipeline.workspace.write`). A :class:`~pipeline.commands.context.Workspace`
holds what every form of a workspace shares (config.yaml, the template
environment, the classifier), loaded once and reused for every form.
:func:`summarise` and :func:`typeset` are the parts of the chain the roll-up
(:mod:`pipeline.commands.rollup_run`) shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.commands.context import Workspace, find_workspace  # noqa: F401 - find_workspace: re-exported
from pipeline.diagnostics import Diagnostic, FormError
from pipeline.document.assemble import Summary, assemble
from pipeline.form.history import Earlier, previous_figures
from pipeline.form.loader import Loaded
from pipeline.form.model import Form
from pipeline.form.validate import read_form


@dataclass
class Built:
    """One form's result: the document and what was said about it."""

    form: Form
    title: str
    docx: bytes
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Files besides the form that decided the document (last period's form): see Earlier.depends.
    depends: tuple[Path, ...] = ()
    #: Built without comparing the form with other forms (``compare=False``): the form as read, and
    #: the warnings to say with the comparison's (:func:`with_comparison`).
    checked: object = None
    stated: list[Diagnostic] = field(default_factory=list)  # the form's and assembling's
    own: tuple[list[Diagnostic], list[Diagnostic]] = ([], [])  # proofreading's: before and after the comparison's


def build_form(path: Path, workspace: Workspace, display: str | None = None, strict: bool = False,
               compare: bool = True) -> Built:
    """Build one form. Raises :class:`~pipeline.diagnostics.FormError` on errors.

    Proofreading warnings (:mod:`pipeline.proofread`) come with the result; with
    ``strict`` they are errors and nothing is built. Without ``compare`` the form
    is proofread alone, not compared with other forms (no index is needed): a batch
    compares it afterwards, and only when the index says it shares text (see
    :mod:`pipeline.commands.batch`).
    """
    from pipeline.proofread.proofreader import Checked, in_line_order
    from pipeline.wording.summary import word

    form, loaded = read_form(path, workspace.config, display)
    classifier = FormClassifier(workspace)  # proofreading and the document group the same records
    checked = Checked(path.resolve(), loaded.path, form, loaded, classifier)
    own: tuple[list[Diagnostic], list[Diagnostic]] = ([], [])
    if compare:
        checks = [issue.diagnostic for issue in workspace.proofreader.check([checked])[checked.path]]
    else:
        before, after = workspace.proofreader.own_issues(checked)
        own = [i.diagnostic for i in before], [i.diagnostic for i in after]
        checks = in_line_order([*own[0], *own[1]])
    if strict and checks:
        raise FormError([replace(d, severity="error") for d in checks])

    earlier = previous_figures(form, workspace.root)
    summary, warnings = summarise(form, loaded, workspace, classifier, earlier)
    manuscript = word(summary, workspace.templates_for(form.department))
    if workspace.profile.attachments:  # the layout profile asks for the figures as a 附件
        from pipeline.wording.attachments import figures_attachment  # (imports the roll-up's wording: only then)

        manuscript.attachments += figures_attachment(summary)
    return Built(form, manuscript.title, typeset(manuscript, workspace), loaded.warnings + warnings + checks,
                 earlier.depends, None if compare else checked, loaded.warnings + warnings, own)


def with_comparison(stated: list, own: tuple[list, list], compared: list) -> list:
    """A form's warnings when the comparison with other forms (``compared``) comes after it was built
    without: as :func:`build_form` gives them with ``compare``."""
    from pipeline.proofread.proofreader import in_line_order

    return [*stated, *in_line_order([*own[0], *compared, *own[1]])]


def summarise(form: Form, loaded: Loaded, workspace: Workspace, classifier=None,
              earlier: Earlier | None = None) -> tuple[Summary, list[Diagnostic]]:
    """The stages between a valid form and its wording: last period's figures, then assemble.

    Returns the :class:`~pipeline.document.assemble.Summary` and the warnings on the way
    (not the form's own ``loaded.warnings``). A campus's document and the
    roll-up both start here, so a campus's part of the roll-up says what its
    own document says. ``classifier`` defaults to the workspace's; ``earlier``, last period's
    figures when already looked up.
    """
    def warn(at: tuple, message: str) -> Diagnostic:
        return loaded.diagnostic(at, message, severity="warning")

    earlier = earlier if earlier is not None else previous_figures(form, workspace.root)
    summary, warnings = assemble(form, workspace.config, classifier or (lambda: workspace.classifier), warn,
                                 earlier.values)
    return summary, earlier.warnings + warnings


def typeset(manuscript, workspace: Workspace) -> bytes:
    """The .docx of ``manuscript`` in the workspace's layout profile (config.yaml's ``format``)."""
    from pipeline.layout.engines import lay_out

    return lay_out(manuscript, workspace.profile)


class FormClassifier:
    """The workspace's classifier for one form's build, answering each record once.

    Proofreading groups the form to check its headings, then the document is
    grouped again; the second time reuses the first's answers. The answers are
    kept on the workspace (:attr:`~pipeline.commands.context.Workspace.inferences`),
    so a record another form of the run already had (real forms repeat their
    records term after term, and across a campus's departments) is not scored again:
    the classifier's answer depends on the record's words and the options only.
    Called, it returns itself, as assemble expects of its ``classifier`` argument;
    the real classifier is made only when a record needs it.
    """

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.answers: dict[tuple, object] = workspace.inferences

    def __call__(self) -> "FormClassifier":
        return self

    def infer(self, title: str, *texts: str | None, **options):
        key = (title, texts, tuple(sorted(options.items())))
        answer = self.answers.get(key)
        if answer is None:
            answer = self.workspace.classifier.infer(title, *texts, **options)
            if len(self.answers) >= MAX_INFERENCES:
                self.answers.clear()  # bounded: a run of distinct records starts afresh
            self.answers[key] = answer
        return answer


#: Answers the workspace keeps before starting afresh: each holds its record's text (about 1 KB
#: with the answer), so a worker keeps at most a few MB; the 1,000-form bench has 392 distinct records.
MAX_INFERENCES = 4096


def build_to_file(form_path: Path, target: Path, strict: bool = False):
    """``build FORM -o FILE``: one form to the file a person named, atomically, with no
    manifest; an edited earlier document there is kept as a backup. Returns
    (:class:`Built`, :class:`~pipeline.commands.manifest.Landed`)."""
    from pipeline.commands.manifest import land
    from pipeline.diagnostics import shown

    built = build_form(form_path, find_workspace(form_path.resolve().parent), shown(form_path), strict=strict)
    return built, land(target, built.docx, None)


def preview_pages(source: Path, outdir: Path | None, dpi: int, note) -> list[Path]:
    """PNG pages of a .docx, or of the document a form builds, written to a scratch file
    (never over the form's document in outputs/). Images go to ``outdir``, or beside the
    .docx, or where ``build`` would put the form's document. ``note`` gets the form's warnings."""
    import tempfile

    from pipeline.diagnostics import shown
    from pipeline.export.preview import PreviewError, render

    with tempfile.TemporaryDirectory(prefix="worksum-preview-") as scratch:
        if source.suffix.lower() == ".docx":
            docx, stem, folder = source, source.stem, source.parent
        else:
            workspace = find_workspace(source.resolve().parent)
            built = build_form(source, workspace, shown(source))
            for warning in built.warnings:
                note(str(warning))
            target = workspace.output_path(built.form, built.title)
            docx = Path(scratch) / "document.docx"
            docx.write_bytes(built.docx)
            stem, folder = target.stem, target.parent
        folder = outdir or folder
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return render(docx, folder, stem, dpi)
        except PreviewError as exc:
            raise PreviewError(exc.message, where=source) from None
