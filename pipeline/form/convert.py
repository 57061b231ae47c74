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

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from pipeline.diagnostics import FormError
from pipeline.form.container import load_form
from pipeline.form.container import WORKBOOK_SUFFIX, YAML_SUFFIX
from pipeline.form.workbook_write import CATEGORY_CHOICES, write_workbook




def ordered(data: dict) -> dict:
    """``data`` with its keys in the model's order (records' keys too), as the blank form has them."""
    from pipeline.form.model import Activity, Figure, Form, HeadingOverride, Incident

    def by(model, mapping: dict) -> dict:
        order = list(model.model_fields)
        return dict(sorted(mapping.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))

    result = by(Form, data)
    for key, model in (("activities", Activity), ("counts", Figure), ("incidents", Incident)):
        if isinstance(result.get(key), list):
            result[key] = [by(model, r) if isinstance(r, dict) else r for r in result[key]]
    if isinstance(result.get("headings"), dict):
        result["headings"] = {k: by(HeadingOverride, v) if isinstance(v, dict) else v
                              for k, v in result["headings"].items()}
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
    return head + body


def form_data(path: Path, display: str) -> dict:
    """The raw data of the form at ``path``, either container. Raises :class:`FormError`."""
    loaded = load_form(path, display)
    if getattr(loaded, "errors", None):
        raise FormError(loaded.errors)
    if not isinstance(loaded.data, dict):
        raise FormError([loaded.diagnostic((), "填报表是空的，没有可以转换的内容")])
    return loaded.data


def converted(path: Path, display: str, categories: tuple[str, ...] = CATEGORY_CHOICES) -> tuple[str, bytes]:
    """(suffix, bytes) of the form at ``path`` in the other container."""
    data = form_data(path, display)
    if path.suffix.lower() == WORKBOOK_SUFFIX:
        return YAML_SUFFIX, yaml_text(data, path.name).encode("utf-8")
    return WORKBOOK_SUFFIX, write_workbook(data, categories=categories)
