"""Typing slips in otherwise valid forms: exactly the slip is named, at its line, and nothing else
of the form is taken for one (the slips are found line by line, so they must not misread good YAML)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import EXAMPLE_FORM, ROOT

from pipeline.diagnostics import FormError
from pipeline.form.loader import load_text
from pipeline.form.validate import _CHINESE_KEYS, _FORM_KEYS, _FORM_LISTS

FORMS = [EXAMPLE_FORM, *sorted((ROOT / "inputs").rglob("*.yaml")),
         *sorted(p for p in (ROOT / "tests" / "data" / "seed_like").rglob("*.yaml") if p.name != "config.yaml")]


def said(text: str) -> list[tuple[int, str]]:
    try:
        load_text(text, "form.yaml", keys=_FORM_KEYS, lists=_FORM_LISTS, words=_CHINESE_KEYS)
    except FormError as exc:
        return [(d.line, d.message) for d in exc.diagnostics]
    return []


def line_of(text: str, pattern: str) -> int:
    return text[:re.search(pattern, text, re.MULTILINE).start()].count("\n") + 1


@pytest.mark.parametrize("form", FORMS, ids=lambda p: "/".join(p.parts[-3:]))
def test_a_valid_form_has_no_slips(form: Path):
    assert said(form.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("form", FORMS, ids=lambda p: "/".join(p.parts[-3:]))
def test_one_slip_in_a_valid_form_is_the_only_thing_said(form: Path):
    text = form.read_text(encoding="utf-8")
    colon = re.sub(r"^department: ", "department：", text, count=1, flags=re.MULTILINE)
    assert said(colon) == [(line_of(text, r"^department: "), "字段 \"department\" 后的冒号应为半角“:”，现在是全角“：”")]
    dash = re.sub(r"^(\s*)- (?=\w+: )", r"\1-", text, count=1, flags=re.MULTILINE)
    where = line_of(text, r"^\s*- \w+: ")
    assert [line for line, _ in said(dash)] == [where]
    assert said(dash)[0][1].startswith("列表项的“-”后面要有一个空格，请写成“- ")
