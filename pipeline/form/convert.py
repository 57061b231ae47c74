"""Turn a YAML form into a workbook form and back: ``worksum convert``.

Both containers carry the same data (:mod:`pipeline.form.workbook`), so a
conversion is: read the form's data with the reader of its container, write it
with the writer of the other. Nothing the form contract carries is lost; a
YAML form's comments are (a workbook has no place for them).

The form need not be valid to be converted (a half-filled form may move to the
container its filler prefers), but what its container could not read (a
formula without a saved result) stops the conversion: that value would be lost.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.diagnostics import FormError, UsageError, WorksumError, shown
from pipeline.form.container import WORKBOOK_SUFFIX, YAML_SUFFIX, load_form
from pipeline.form.workbook_write import CATEGORY_CHOICES, write_workbook


def ordered(data: dict) -> dict:
    """``data`` with its keys in the model's order, and each record's in its sheet's column order
    (title first), as the blank form has them."""
    from pipeline.form.model import Form
    from pipeline.form.workbook import layout

    def by(order: list[str], mapping: dict) -> dict:
        return dict(sorted(mapping.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))

    shape = layout()
    result = by(list(Form.model_fields), data)
    for sheet in shape.records:
        if isinstance(result.get(sheet.key), list):
            columns = [column.field for column in sheet.columns]
            result[sheet.key] = [by(columns, r) if isinstance(r, dict) else r for r in result[sheet.key]]
    if isinstance(result.get("headings"), dict):
        columns = [column.field for column in shape.headings]
        result["headings"] = {k: by(columns, v) if isinstance(v, dict) else v for k, v in result["headings"].items()}
    return result


class _Dumper(yaml.SafeDumper):
    """Block style, paragraphs with line breaks as ``|`` blocks, lists indented as the blank form's."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def yaml_text(data: dict, origin: str = "") -> str:
    """A YAML form holding ``data``."""
    head = f"# 工作总结填报表。由 worksum convert 从 {origin} 转换而来。\n\n" if origin else ""
    body = yaml.dump(ordered(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=4096)
    # A blank line before each list or map of the form, as a person lays the form out.
    body = re.sub(r"\n(?=[a-z_]+:\n)", "\n\n", body)
    return head + body


def form_data(path: Path, display: str) -> dict:
    """The raw data of the form at ``path``, either container. Raises :class:`FormError`."""
    loaded = load_form(path, display)
    if loaded.errors:
        raise FormError(loaded.errors)
    if not isinstance(loaded.data, dict):
        raise FormError([loaded.diagnostic((), "填报表是空的，没有可以转换的内容")])
    unheld = [loaded.diagnostic(path, f"未知字段 \"{path[-1]}\"，工作簿中没有它的位置；请先改正"
                                      "（worksum validate 会给出建议）再转换", at_key=True)
              for path in _unknown_keys(loaded.data)]
    if unheld:
        raise FormError(unheld)  # converting would drop what the person wrote there
    return loaded.data


def _unknown_keys(data: dict) -> list[tuple]:
    """The paths of keys in ``data`` that no field of the form has (a typo such as catgory)."""
    from pipeline.form.model import Form
    from pipeline.form.workbook import layout

    shape = layout()
    unknown = [(key,) for key in data if key not in Form.model_fields]
    for sheet in shape.records:
        fields = {column.field for column in sheet.columns}
        for index, record in enumerate(data.get(sheet.key) or []):
            if isinstance(record, dict):
                unknown += [(sheet.key, index, key) for key in record if key not in fields]
    fields = {column.field for column in shape.headings}
    for name, override in (data.get("headings") or {}).items() if isinstance(data.get("headings"), dict) else []:
        if isinstance(override, dict):
            unknown += [("headings", name, key) for key in override if key not in fields]
    return unknown


def converted(path: Path, display: str, categories: tuple[str, ...] = CATEGORY_CHOICES) -> tuple[str, bytes]:
    """(suffix, bytes) of the form at ``path`` in the other container."""
    data = form_data(path, display)
    if path.suffix.lower() == WORKBOOK_SUFFIX:
        return YAML_SUFFIX, yaml_text(data, path.name).encode("utf-8")
    return WORKBOOK_SUFFIX, write_workbook(data, categories=categories)


def backup_name(path: Path) -> Path:
    """Where a converted form's original is kept: ``后勤处.bak.yaml``, which no command reads
    (pipeline.workspace.discovery), or ``后勤处-2.bak.yaml`` … when that is taken."""
    candidate = path.with_name(f"{path.stem}.bak{path.suffix}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{number}.bak{path.suffix}")
        number += 1
    return candidate


def convert_form(source: Path, target: Path | None = None) -> tuple[Path, Path | None]:
    """Write the form at ``source`` in the other container: to ``target``, or beside it.

    Beside it (no ``target``) in ``inputs/``, the two would be one department's two forms, so
    the original is renamed to :func:`backup_name`: kept, never read again. Returns (the
    written form, where the original went or None). Nothing is ever overwritten. Raises
    :class:`FormError` for a form that cannot be read, :class:`UsageError` for a source or
    target of the wrong kind, :class:`WorksumError` for a target that exists.
    """
    from pipeline.form.container import FORM_SUFFIXES, twins
    from pipeline.form.newterm import write_new
    from pipeline.form.validate import read_config
    from pipeline.form.workbook_write import categories_of
    from pipeline.workspace.root import find_root

    if source.suffix.lower() not in FORM_SUFFIXES:
        raise UsageError(f"只能转换 .yaml 或 .xlsx 填报表，现在是 {source.name}")
    categories = categories_of(read_config(find_root(source)))
    suffix, data = converted(source, shown(source), categories)
    target = target or source.with_suffix(suffix)
    if target.suffix.lower() != suffix:
        raise UsageError(f"{source.name} 应转换为 {suffix} 文件，不能写成 {target.name}")
    if target.exists() or not write_new(target, data):
        raise WorksumError("已存在，没有覆盖", where=target)
    kept = None
    if source.resolve() in [p.resolve() for p in twins(target)]:
        kept = backup_name(source)
        source.rename(kept)
    return target, kept
