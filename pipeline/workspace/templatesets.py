"""Template sets: which folders a department's templates are looked up in.

A *template set* is a folder of ``*.j2`` templates with a name. worksum ships
``default`` and a few others (built-in sets); a workspace may add its own
folders under ``templates/``. config.yaml's ``templates`` key names the set
each department uses; a department it does not name uses ``default``.

A template name (``opening.j2``) is looked up in this order, first match wins,
so a school overrides one file, not a whole set:

1. ``templates/<name>``             the workspace's own file, for every department
2. ``templates/<set>/<name>``       the department's set, in the workspace
3. built-in ``<set>/<name>``        the department's set, as shipped
4. ``templates/default/<name>``     the workspace's copy of the default set (``worksum init``)
5. built-in ``default/<name>``      the default set, as shipped

A department config.yaml does not name uses the built-in set of its kind (后勤处 →
后勤, 政教处 → 德育; :mod:`pipeline.form.kinds`), looked up after step 4, so a
workspace's own default copy still wins over wording nobody chose.

This module only finds folders; :mod:`pipeline.wording` renders.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import HOME
from pipeline.text.characters import NOT_IN_FILE_NAMES
from pipeline.text.suggest import did_you_mean
from pipeline.workspace.reading import read_capped

DEFAULT_SET = "default"
#: ``{% extends "内置/<set>/<file>" %}`` names a shipped template whatever the workspace holds.
BUILTIN_PREFIX = "内置"

_PACKAGED = HOME / "templates"  # inside an installed wheel: pipeline/templates/<set>/
_SOURCE = HOME.parent / "templates"  # in a source checkout: templates/<set>/

#: A set name becomes a folder name: no separators, no "..", nothing hidden.
_SET_NAME = re.compile(f"^[^{NOT_IN_FILE_NAMES}.][^{NOT_IN_FILE_NAMES}]*$")


def builtin_sets() -> Path:
    """The folder holding the built-in sets, one sub-folder each."""
    return _PACKAGED if (_PACKAGED / DEFAULT_SET).is_dir() else _SOURCE


def builtin_templates() -> Path:
    """The folder of the built-in default set."""
    return builtin_sets() / DEFAULT_SET


def valid_set_name(name: str) -> bool:
    return bool(_SET_NAME.match(name)) and ".." not in name


def _sets_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and valid_set_name(p.name) and any(p.glob("*.j2")))


@dataclass(frozen=True)
class TemplateSet:
    """A named set and where its folders are: in the workspace, built in, or both."""

    name: str
    workspace: Path | None
    builtin: Path | None


def available_sets(workspace: Path | None) -> dict[str, TemplateSet]:
    """Every set a department may name: built-in sets and the workspace's folders."""
    builtin_root = builtin_sets().resolve()
    own_root = (workspace / "templates").resolve() if workspace else None
    names = set(_sets_in(builtin_root))
    if own_root and own_root != builtin_root:
        names.update(_sets_in(own_root))
    sets = {}
    for name in sorted(names, key=lambda n: (n != DEFAULT_SET, n)):
        own = own_root / name if own_root and own_root != builtin_root and (own_root / name).is_dir() else None
        shipped = builtin_root / name if (builtin_root / name).is_dir() else None
        sets[name] = TemplateSet(name, own, shipped)
    return sets


def search_path(workspace: Path | None, template_set: str | None = None, *,
                inferred: bool = False) -> tuple[Path, ...]:
    """The folders a template name is looked up in, first match wins (see module doc).

    An ``inferred`` set (config.yaml did not choose it; the department's name did) is
    looked up after the workspace's ``templates/default/`` when the school edited that
    copy: what a school wrote always wins over wording it did not ask for. An untouched
    copy (as ``worksum init`` leaves it) gives way to the set, as the built-in default does.
    """
    own = (workspace / "templates") if workspace else None
    candidates: list[Path] = []
    if own:
        candidates.append(own)
    named = template_set and template_set != DEFAULT_SET and valid_set_name(template_set)
    if named:
        if own:
            candidates.append(own / template_set)
        if not inferred:
            candidates.append(builtin_sets() / template_set)
    late = named and inferred and own is not None and edited(own / DEFAULT_SET)
    if named and inferred and not late:
        candidates.append(builtin_sets() / template_set)
    if own:
        candidates.append(own / DEFAULT_SET)
    if late:
        candidates.append(builtin_sets() / template_set)
    candidates.append(builtin_templates())
    folders = [p.resolve() for p in candidates if p.is_dir()]
    return tuple(dict.fromkeys(folders))


#: Hashes of earlier shipped versions of the default set's files (``worksum init`` copied one of them).
#: When a default template changes, add the SHA-256 of the version main shipped before (``git show
#: main:templates/default/<file> | sha256sum``); tests/wording/test_template_sets.py checks one of them.
_EARLIER = Path(__file__).with_name("shipped_templates.json")


@functools.lru_cache(maxsize=1)
def _earlier_versions() -> dict[str, frozenset[str]]:
    data = json.loads(_EARLIER.read_text(encoding="utf-8"))
    return {name: frozenset(hashes) for name, hashes in data["default"].items()}


def edited(folder: Path) -> bool:
    """Whether a workspace's copy of the default set differs from the built-in one (a file
    changed or added); False when there is no such folder or it is the built-in one itself.

    A file equal to an earlier shipped version is not an edit: a workspace made by an older
    ``worksum init`` keeps its copy, and the department sets still come before it."""
    shipped = builtin_templates()
    if not folder.is_dir() or folder.resolve() == shipped.resolve():
        return False
    for path in folder.glob("*.j2"):
        original = shipped / path.name
        if not original.is_file():
            return True
        mine = _template_bytes(path)
        if mine is None:
            return True  # a pipe, a link out of the workspace …: not the shipped file (the build says why)
        if mine != original.read_bytes() and \
                hashlib.sha256(mine).hexdigest() not in _earlier_versions().get(path.name, ()):
            return True
    return False


#: The largest template file read (a template is a few KB).
TEMPLATE_BYTES = 1024 * 1024


def _template_bytes(path: Path) -> bytes | None:
    """A workspace template's bytes, read as every file a person put there is (no pipe waited on,
    no link out of the workspace followed); None when it cannot be read so."""
    try:
        return read_capped(path, TEMPLATE_BYTES)
    except OSError:
        return None


def template_names(folders: tuple[Path, ...]) -> list[str]:
    """Every template name found in ``folders`` (top level only: sub-folders are sets)."""
    return sorted({p.name for folder in folders for p in folder.glob("*.j2") if p.is_file()})


def resolve(folders: tuple[Path, ...], name: str) -> Path | None:
    """The file ``name`` comes from along ``folders``, or None."""
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    return None


def config_problems(templates: dict[str, str], departments: list[str] | None,
                    workspace: Path | None) -> list[tuple[tuple, str, bool]]:
    """What is wrong with config.yaml's ``templates`` (department → set name).

    Each problem is ``(path in config.yaml, Chinese message, whether it is about the key)``.
    """
    problems = []
    sets = available_sets(workspace)
    for department, name in templates.items():
        if departments is not None and department not in departments:
            hint = did_you_mean(department, departments)
            problems.append((("templates", department),
                             f"部门 \"{department}\" 不在 departments 名单中{hint}", True))
        if not valid_set_name(name) or name not in sets:
            hint = did_you_mean(name, sets, lead="")
            problems.append((("templates", department),
                             f"模板组 \"{name}\" 不存在；{hint}可用的模板组：{'、'.join(sets)}"
                             "（模板组是 templates/ 下的文件夹，或 worksum 内置的模板组）", False))
    return problems


def origin(path: Path | None, workspace: Path | None) -> str:
    """Where a template file comes from, in words: 工作区 / 工作区模板组“x” / 内置模板组“x”."""
    if path is None:
        return ""
    path = path.resolve()
    builtin_root = builtin_sets().resolve()
    own_root = (workspace / "templates").resolve() if workspace else None
    if own_root and own_root != builtin_root and path.parent == own_root:
        return "工作区（所有部门）"
    if own_root and own_root != builtin_root and path.parent.parent == own_root:
        shipped = builtin_root / path.parent.name / path.name
        if shipped.is_file():
            same = shipped.read_bytes() == _template_bytes(path)
            return f"工作区模板组“{path.parent.name}”（{'与内置相同' if same else '已修改'}）"
        return f"工作区模板组“{path.parent.name}”"
    if path.parent.parent == builtin_root:
        return f"内置模板组“{path.parent.name}”"
    return ""


def listing(root: Path | None, chosen_sets: dict[str, str], departments, department: str | None,
            department_set: tuple[str | None, bool] = (None, False)) -> list[str]:
    """``worksum templates``: the sets, which set each department uses, and the file each
    template name of ``department``'s set (or the default set) resolves to, as lines.
    ``department_set`` is the set ``department`` uses and whether its name chose it."""
    from pipeline.diagnostics import shown

    lines = ["模板组："]
    for template_set in available_sets(root).values():
        where = ([f"工作区 {shown(template_set.workspace)}"] if template_set.workspace else []) + \
                (["内置"] if template_set.builtin else [])
        lines.append(f"  {template_set.name}（{'，'.join(where)}）")
    lines.append("各部门使用的模板组（config.yaml 的 templates）：")
    lines += [f"  {name} → {chosen}" for name, chosen in chosen_sets.items()]
    lines.append(f"  {'其他部门' if chosen_sets else '全部部门'} → 按部门名称选用同名的模板组"
                 f"（如 后勤处 → 后勤、政教处 → 德育），没有时用 {DEFAULT_SET}")
    chosen, inferred = department_set if department else (None, False)
    folders = search_path(root, chosen, inferred=inferred)
    lines.append(f"部门“{department}”（模板组 {chosen or DEFAULT_SET}）的模板：" if department else "默认模板组的模板：")
    rows = [(name, shown(path), origin(path, root))
            for name, path in ((name, resolve(folders, name)) for name in template_names(folders))]
    name_width = max((len(name) for name, _, _ in rows), default=0)
    path_width = max((len(path) for _, path, _ in rows), default=0)
    lines += [f"  {name.ljust(name_width)}  {path.ljust(path_width)}  {where}" for name, path, where in rows]
    return lines
