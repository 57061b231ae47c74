"""The workspace: which folder a form belongs to, and what that folder shares.

One rule, used by every command (build, validate, check, rollup, new-term,
templates, the manifest, last period's figures):

    A path belongs to the nearest folder at or above it that has a
    ``config.yaml``, an ``inputs/`` folder, or a ``templates/`` folder with
    templates (``*.j2``) in it. That folder is the workspace's root.

config.yaml is optional (form.md: a workspace without one builds with the
defaults), so the other two parts of a workspace mark it as well: a folder
made by hand with only ``inputs/`` and ``templates/closing.j2`` is a workspace,
and its closing is used. A ``templates/`` folder counts only when it holds
templates, so a home folder's "Templates" (the same name on a disk that ignores
case) does not make the home folder a workspace. A path with no such folder
above it belongs to no workspace (root None): it is built with the defaults,
and outputs/ and inputs/ are looked for in the current folder.

A :class:`Workspace` holds what every form of one root shares (config.yaml,
the template environments, the classifier, the proofreader), loaded once per
process. config.yaml is read once too, also when it has errors: the same
errors are raised on every use, so a command can report them once.
"""

from __future__ import annotations

import os

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.diagnostics import Diagnostic, FormError
from pipeline.workspace.root import INPUTS, find_root, real_place

if TYPE_CHECKING:  # the models are imported when a workspace is used, not when one is found
    from pipeline.form.config import Config
    from pipeline.form.model import Form


def find_workspace(start: Path) -> "Workspace":
    """The :class:`Workspace` of ``start`` (a folder or a form); one per root and process."""
    return workspace_at(find_root(start))


def current_workspace() -> "Workspace":
    """The workspace of the current folder: what commands without a form work on."""
    return find_workspace(Path.cwd())


@lru_cache(maxsize=None)
def workspace_at(root: Path | None) -> "Workspace":
    """The :class:`Workspace` whose root is ``root`` (None: outside any), made once per process."""
    return Workspace(root)


@dataclass
class Workspace:
    """A folder with (optionally) config.yaml, inputs/, templates/ and outputs/."""

    root: Path | None  # None: a form outside any workspace, built with the defaults
    _found: tuple[list[Path], set[str]] | None = field(default=None, repr=False, compare=False)
    #: The process that made this workspace; a pool's worker, forked from it, lives for one run.
    made_in: int = field(default_factory=os.getpid, repr=False, compare=False)
    _folders: dict = field(default_factory=dict, repr=False, compare=False)  # department → template folders

    @property
    def base(self) -> Path:
        """The folder inputs/ and outputs/ are in: the root, or the current folder."""
        return self.root or Path.cwd()

    @property
    def inputs(self) -> Path:
        return self.base / INPUTS

    @cached_property
    def _config(self) -> Config | FormError:
        from pipeline.form.validate import read_config

        try:
            return read_config(self.root)
        except FormError as exc:
            return exc

    @property
    def config(self) -> Config:
        """config.yaml, read once; raises the same :class:`FormError` each time it is broken."""
        if isinstance(self._config, FormError):
            raise self._config
        return self._config

    @property
    def config_errors(self) -> list[Diagnostic]:
        """What is wrong with config.yaml (empty when it is fine or absent)."""
        return self._config.diagnostics if isinstance(self._config, FormError) else []

    @cached_property
    def profile(self):
        """The layout profile config.yaml's ``format`` stands for (raises as :attr:`config` does)."""
        from pipeline.layout.profile import Profile

        return Profile(**self.config.profile_values)

    @cached_property
    def environment(self):
        from pipeline.wording import summary as wording
        from pipeline.workspace.templatesets import search_path

        return wording.environment(search_path(self.root))

    def templates_for(self, department: str):
        """The template environment of ``department``: its set from config.yaml's ``templates``,
        else the built-in set of its kind (后勤处 → 后勤, 政教处 → 德育), else ``default``."""
        from pipeline.wording import summary as wording

        return wording.environment(self.template_folders(department))

    def template_set(self, department: str) -> tuple[str | None, bool]:
        """The template set ``department`` uses and whether it was inferred: config.yaml's
        choice, else the set of its kind where one exists (后勤处 → 后勤), else none."""
        from pipeline.form.kinds import department_kind
        from pipeline.workspace import templatesets

        chosen = self.config.templates.get(department)
        if chosen:
            return chosen, False
        kind = department_kind(department)
        return (kind, True) if kind and kind in templatesets.available_sets(self.root) else (None, False)

    def template_folders(self, department: str) -> tuple:
        """Where ``department``'s templates are looked up, first match wins.

        A pool's worker (forked, see :mod:`pipeline.commands.batch`) lives for one run, in
        which templates/ does not change: it looks each department's folders up once, not
        once per form (it lists folders). The process that made the workspace looks every time.
        """
        from pipeline.workspace import templatesets

        if self.made_in != os.getpid() and department in self._folders:
            return self._folders[department]
        name, inferred = self.template_set(department)
        folders = self._folders[department] = templatesets.search_path(self.root, name, inferred=inferred)
        return folders

    @cached_property
    def classifier(self):
        from pipeline.document.classify import Classifier

        return Classifier(self.config.heading_list, self.config.words)

    @cached_property
    def inferences(self) -> dict:
        """The classifier's answers in this process, by record and options (see build.FormClassifier)."""
        return {}

    @cached_property
    def proofreader(self):
        """Proofreading against this workspace's forms, through the workspace's sentence index
        (``outputs/.worksum-index.sqlite``; in memory outside a workspace). Nothing is read until it runs."""
        from pipeline.proofread.corpus import INDEX_NAME
        from pipeline.proofread.proofreader import Proofreader
        from pipeline.workspace.outputs import outputs_folder

        database = outputs_folder(self.root) / INDEX_NAME if self.root is not None else None
        return Proofreader(self.config, lambda: self.classifier, self.resolved_forms, database)

    def form_paths(self) -> list[Path]:
        """Every form under inputs/ (valid or not: the proofreader's index tells them apart), resolved."""
        return [Path(path) for path in self.resolved_forms()]

    def resolved_forms(self) -> list[str]:
        """:meth:`form_paths` as strings, as the proofreader takes them.

        The folder is resolved once and only a form that is itself a link is resolved again: at ten
        thousand forms, resolving each path component by component costs seconds. The forms a command
        has just found there (:meth:`found_forms`) are taken instead of walking the folder again."""
        from pipeline.workspace.discovery import forms_in

        found, self._found = self._found, None
        inputs = self.inputs
        if not inputs.is_dir():
            return []
        real = real_place(inputs)
        prefix = os.path.join(str(inputs), "")
        resolved = []
        links: set[str] = set()
        if found is None:
            found = forms_in(inputs, links=links)
        else:
            found, links = found
        for path in found:
            text = str(path)
            if text in links:
                resolved.append(real_place(text))
            elif text.startswith(prefix):
                resolved.append(real + os.sep + text[len(prefix):])
            else:
                resolved.append(str(Path(real) / Path(path).relative_to(inputs)))
        return resolved

    def found_forms(self, forms: list[Path] | None, links: set[str] = frozenset()) -> None:
        """``forms`` are every form under inputs/, just listed by :func:`~pipeline.workspace.discovery.forms_in`
        (each once), ``links`` those of them that are symbolic links: the next :meth:`form_paths` takes them
        instead of walking the folder again. None: forget them."""
        self._found = (forms, links) if forms is not None else None

    def output_path(self, form: Form, title: str) -> Path:
        """Where a form's document goes, from config.yaml's ``output`` pattern.

        Raises :class:`~pipeline.workspace.outputs.UnsafeOutput` for a path outside outputs/.
        """
        from pipeline.workspace.outputs import output_path

        values = {"term": form.term, "campus": form.campus, "department": form.department,
                  "organization": form.organization or "", "title": title}
        return output_path(self.base, self.config.output, values)
