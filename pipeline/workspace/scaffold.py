"""A new workspace: what ``worksum init`` writes.

::

    config.yaml              workspace settings, every key explained in Chinese
    空白填报表.yaml           an annotated blank form, to copy into inputs/
    inputs/                  where the forms go: inputs/<term>/<campus>/<department>.yaml
    templates/README.md      how templates are looked up, and how to change one
    templates/default/       a copy of the built-in default set, for the school to edit
    templates/模板编写指南.md  the template author's guide
    worksum-form.schema.json  the form's JSON Schema, for editors (given by the caller:
                             the schema belongs to the form stage, above this one)
    .vscode/settings.json    VS Code's YAML extension told to check inputs/ against it

The blank form sits beside inputs/, not in it, so ``worksum build`` does not
try to build it while it is blank. Every file is created exclusively: an
existing workspace is refused as a whole, and nothing is ever overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline import HOME
from pipeline.diagnostics import WorksumError
from pipeline.workspace.templatesets import builtin_templates

SKELETON = HOME / "skeleton"
BLANK_FORM = "空白填报表.yaml"
SCHEMA_FILE = "worksum-form.schema.json"
EDITOR_SETTINGS = Path(".vscode") / "settings.json"
GUIDE = "模板编写指南.md"

_GUIDE_PACKAGED = HOME / "docs" / GUIDE  # inside an installed wheel
_GUIDE_SOURCE = HOME.parent / "docs" / GUIDE  # in a source checkout

TEMPLATES_README = """\
# 文字模板

文档中由程序写出的句子（导语、各标题下的引导语、数据、结束语等）都来自这里的模板。

- `default/` 是默认模板组的副本，可以直接修改，改动对所有部门生效。
- 想让某个部门用另一套措辞：在这里新建一个文件夹（如 `后勤/`），只放要改的模板文件，
  再在 config.yaml 的 `templates` 中写 `后勤处: 后勤`。没有放进去的模板仍用 default。
- 直接放在 `templates/` 下的模板文件（如 `templates/closing.j2`）对所有部门优先生效。

查找顺序（先找到的生效）：templates/<文件> → templates/<部门的模板组>/<文件>
→ 内置的同名模板组 → templates/default/<文件> → 内置默认模板。

运行 `worksum templates -d 部门名` 可以查看每个模板实际使用的是哪个文件。
模板里能用的变量和过滤器见同一文件夹中的《模板编写指南.md》。
"""


class WorkspaceExists(WorksumError):
    """The folder already holds (part of) a workspace; the message is Chinese."""


@dataclass
class Created:
    root: Path
    files: list[Path]
    settings_kept: bool = False  # the folder had its own .vscode/settings.json


def guide_path() -> Path | None:
    for path in (_GUIDE_PACKAGED, _GUIDE_SOURCE):
        if path.is_file():
            return path
    return None


def _planned(root: Path) -> dict[Path, bytes]:
    """Every file ``init`` writes, relative to the workspace, with its bytes."""
    files = {
        Path("config.yaml"): (SKELETON / "workspace-config.yaml").read_bytes(),
        Path(BLANK_FORM): (SKELETON / "blank-form.yaml").read_bytes(),
        Path("templates") / "README.md": TEMPLATES_README.encode("utf-8"),
    }
    for template in sorted(builtin_templates().glob("*.j2")):
        files[Path("templates") / "default" / template.name] = template.read_bytes()
    guide = guide_path()
    if guide:
        files[Path("templates") / GUIDE] = guide.read_bytes()
    return files


def _occupied(root: Path) -> list[str]:
    """What in ``root`` already belongs to a workspace."""
    found = []
    for name in ("config.yaml", BLANK_FORM, SCHEMA_FILE):
        if (root / name).exists():
            found.append(name)
    for name in ("inputs", "templates"):
        folder = root / name
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            found.append(name + "/")
    return found


def editor_settings() -> bytes:
    """.vscode/settings.json: the forms (and the blank form) are checked against the schema."""
    settings = {"yaml.schemas": {f"./{SCHEMA_FILE}": ["inputs/**/*.yaml", BLANK_FORM]}}
    return (json.dumps(settings, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def create_workspace(root: Path, schema: bytes | None = None) -> Created:
    """Create a workspace in ``root`` (made if missing). Raises :class:`WorkspaceExists`.

    With ``schema`` (the form's JSON Schema), the editor set-up too: the schema file and
    .vscode/settings.json, unless the folder already has VS Code settings (left alone:
    ``Created.settings_kept`` says so)."""
    if root.exists() and not root.is_dir():
        raise WorkspaceExists(f"{root} 是一个文件，不是文件夹")
    occupied = _occupied(root) if root.exists() else []
    if occupied:
        raise WorkspaceExists(f"{root} 已经是一个工作区（已有 {'、'.join(occupied)}），没有做任何改动；"
                              "如要新建，请换一个空文件夹")
    files = _planned(root)
    kept = False
    if schema is not None:
        files[Path(SCHEMA_FILE)] = schema
        kept = (root / EDITOR_SETTINGS).exists()
        if not kept:
            files[EDITOR_SETTINGS] = editor_settings()
    root.mkdir(parents=True, exist_ok=True)
    (root / "inputs").mkdir(exist_ok=True)
    written = []
    for relative, data in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # "x": a file that appeared meanwhile is an error, never overwritten.
        with open(target, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        written.append(target)
    return Created(root, written, kept)
