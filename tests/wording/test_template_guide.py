"""docs/模板编写指南.md stays true to the code: every example renders to what it says,
and every variable, field and filter a template can use is in it."""

from __future__ import annotations

import dataclasses
import re
import textwrap

import pytest
from conftest import ROOT

from pipeline.document.assemble import Section, Summary, assemble
from pipeline.form.config import Config
from pipeline.form.fields import DateSpan
from pipeline.form.loader import load_text
from pipeline.form.model import Activity, Figure, Incident
from pipeline.form.periods import Term
from pipeline.form.validate import validate_form
from pipeline.wording import summary as wording
from pipeline.wording.facts import facts
from pipeline.wording.filters import FILTERS
from pipeline.workspace.templatesets import builtin_templates, search_path

GUIDE = (ROOT / "docs" / "模板编写指南.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"^- `(.+?)` → (.+)$", GUIDE, re.MULTILINE)

# The form the guide's section 三 describes.
FORM = textwrap.dedent("""\
    organization: 明德实验学校
    campus: 东湖校区
    department: 后勤处
    term: 2024-2025-1
    date: 2025-01-15
    activities:
      - title: 消防疏散演练
        category: safety
        date: 2024-11-09
        times: 2
        participants: 1240
        details: 全校师生分楼层有序撤离
        result: 用时3分10秒
    counts:
      - item: 消防设施检查
        value: 10
        unit: 次
        previous: 8
        note: 含灭火器和消防栓
        category: safety
    incidents:
      - date: 2024-10-08
        description: 一名学生在楼梯间滑倒，手腕扭伤
        severity: 轻微
        handling: 校医冷敷后送医复查，无大碍
    shortcomings:
      - 疏散指示标志有两处不亮。
      - 部分班级演练时秩序不够好。
    plans:
      - 每月检查一次应急照明。
    """)


@pytest.fixture(scope="module")
def context():
    config = Config()
    form = validate_form(load_text(FORM, "guide.yaml"), config)
    summary, _ = assemble(form, config, lambda: None, lambda at, message: None)
    section = summary.sections[0]
    return {**wording.base_context(summary), "section": section, "here": facts([section]),
            "activity": section.activities[0],
            "figures": section.figures, "figure": section.figures[0], "incidents": section.incidents,
            "incident": section.incidents[0]}


def test_the_guide_has_examples():
    assert len(EXAMPLES) > 60


@pytest.mark.parametrize("source, expected", EXAMPLES, ids=[source for source, _ in EXAMPLES])
def test_every_example_renders_to_what_the_guide_says(context, source, expected):
    env = wording.environment(search_path(None))
    rendered = env.from_string(source).render(**context)
    assert rendered == ("" if expected == "（空）" else expected)


def _example_sources() -> str:
    return "\n".join(source for source, _ in EXAMPLES)


def test_every_filter_has_an_example():
    for name in FILTERS:
        assert re.search(rf"\|\s*{name}\b", _example_sources()), f"filter {name} has no example in the guide"


def test_every_variable_has_an_example(context):
    base = set(wording.base_context(Summary("", "", "", Term.parse("2024"), None, "", [])))
    for name in base | {"section", "activity", "figures", "incidents"}:
        assert re.search(rf"\b{name}\b", _example_sources()), f"variable {name} has no example in the guide"


@pytest.mark.parametrize("model, shown", [(Section, "section"), (Activity, "activity"), (Figure, "figure"),
                                          (Incident, "incident"), (Term, "period"), (DateSpan, "activity.date")])
def test_every_field_a_template_sees_has_an_example(model, shown):
    fields = (list(model.model_fields) if hasattr(model, "model_fields")
              else [f.name for f in dataclasses.fields(model)])
    fields += [n for n, v in vars(model).items() if isinstance(v, property) and not n.startswith("_")]
    if model is Term:
        fields += ["previous"]
    for name in fields:
        assert re.search(rf"{re.escape(shown)}\.{name}\b", _example_sources()), f"{shown}.{name} is not in the guide"


def test_summary_fields_are_named():
    base = set(wording.base_context(Summary("", "", "", Term.parse("2024"), None, "", [])))
    for field in dataclasses.fields(Summary):
        assert field.name in base or f"`summary.{field.name}`" in GUIDE, field.name


def test_the_guide_names_every_template_of_the_default_set():
    for path in builtin_templates().glob("*.j2"):
        name = path.name
        if name.startswith(("lead_", "heading_")) and name != "heading_safety.j2":
            continue  # described as lead_<标题代号>.j2, heading_<标题代号>.j2
        assert f"`{name}`" in GUIDE, name


def test_the_guide_shows_how_a_set_fills_the_shared_opening_and_closing():
    """The guide quotes a built-in set's opening as it ships, and names every block the default
    opening and closing offer, with the default set's words for it."""
    sets = builtin_templates().parent
    assert (sets / "后勤" / "opening.j2").read_text(encoding="utf-8") in GUIDE
    for file in ("opening.j2", "closing.j2", "lead_study.j2", "lead_duties.j2"):
        base = (sets / "default" / file).read_text(encoding="utf-8")
        for name, words in re.findall(r"{% block (\w+) %}(.*?){% endblock %}", base):
            assert f"| `{file}` | `{name}` |" in GUIDE and f"| {words} |" in GUIDE, (file, name)
    assert '以 `内置/` 开头的名称总是指 worksum 自带的文件' in GUIDE
