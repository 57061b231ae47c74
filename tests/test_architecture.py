"""The package's stages depend on each other one way only, bottom to top.

Every ``import`` in ``pipeline/`` (at the top of a module or deferred inside a
function) is read with :mod:`ast`. A module may import from its own stage or
from a lower one, never from a higher one, and no chain of imports between
modules comes back to where it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "pipeline"

#: Stages from the bottom up; a module may import from its own layer and those before it.
LAYERS = [
    {"pipeline", "pipeline.diagnostics", "pipeline.text"},
    {"pipeline.workspace"},
    {"pipeline.form"},
    {"pipeline.document"},
    {"pipeline.wording", "pipeline.layout", "pipeline.proofread"},
    {"pipeline.export"},
    {"pipeline.commands"},
    {"pipeline.progress", "pipeline.cli", "pipeline.__main__"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    """pipeline.form.model → pipeline.form; pipeline.cli → pipeline.cli; pipeline → pipeline."""
    return ".".join(module.split(".")[:2])


def layer(module: str) -> int:
    for index, stages in enumerate(LAYERS):
        if stage(module) in stages:
            return index
    raise AssertionError(f"{module} belongs to no layer: add its stage to LAYERS")


def imports(path: Path) -> set[str]:
    """The pipeline modules ``path`` imports (``from pipeline.x import y``: pipeline.x.y when
    that is a module, else pipeline.x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def test_every_stage_is_a_package_with_modules():
    stages = {stage(m) for m in MODULES if m.count(".") >= 2}
    assert stages == {"pipeline.text", "pipeline.workspace", "pipeline.form", "pipeline.document",
                      "pipeline.wording", "pipeline.layout", "pipeline.proofread", "pipeline.export",
                      "pipeline.commands"}
    flat = sorted(m for m, p in MODULES.items() if p.parent == PACKAGE and p.name != "__init__.py")
    assert flat == ["pipeline.__main__", "pipeline.cli", "pipeline.diagnostics", "pipeline.progress"]


def test_no_module_imports_from_a_higher_stage():
    upward = [f"{module} → {target}" for module, path in sorted(MODULES.items())
              for target in sorted(imports(path)) if target in MODULES and layer(target) > layer(module)]
    assert upward == []


def test_no_import_cycles():
    graph = {module: {t for t in imports(path) if t in MODULES and t != module and not t.endswith("__init__")}
             for module, path in MODULES.items()}
    # a package's __init__ imports nothing: importing pipeline.x.y runs pipeline.x's __init__
    cycles = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" → ".join(trail[trail.index(target):] + [target]))
            elif target not in state:
                visit(target, trail + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_only_the_form_stage_reads_yaml_and_only_layout_writes_wordml():
    def users(library: str) -> set[str]:
        return {stage(m) for m, p in MODULES.items()
                if any(isinstance(n, (ast.Import, ast.ImportFrom)) and
                       (getattr(n, "module", None) or "").split(".")[0] == library or
                       isinstance(n, ast.Import) and any(a.name.split(".")[0] == library for a in n.names)
                       for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))}
    assert users("yaml") <= {"pipeline.form"}
    assert users("ruamel") <= {"pipeline.form"}
    assert users("docx") <= {"pipeline.layout", "pipeline.export"}
