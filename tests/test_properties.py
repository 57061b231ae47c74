"""Property-based: any form, valid or mutated, ends in a correct document or a file:line:col message."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from docx_reading import paragraphs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ooxml import errors as schema_errors
from pipeline.cli import main
from pipeline.layout.measure import clean
from pipeline.text.chinese import bare

# Text as people paste it: Chinese, ASCII, full-width punctuation, emoji, rare characters,
# template and XML syntax, control characters.
ALPHABET = st.sampled_from(list("后勤教务安全消防演练维修学习培训经费，。、；：“”（）") +
                           list("abcXYZ019 {}%#<>&'\"!?-:") + ["😀", "𠀀", "\x07", "\x0b", "\t", "\u3000"])
TEXT = st.text(ALPHABET, min_size=1, max_size=40)
CATEGORY = st.sampled_from(["study", "duties", "safety", "finance", "学习", "岗位", "职责", "安全", "财务"])
DATE = st.dates(min_value=__import__("datetime").date(2000, 1, 1), max_value=__import__("datetime").date(2099, 12, 31))

ACTIVITY = st.fixed_dictionaries(
    {"title": TEXT},
    optional={"category": CATEGORY, "details": TEXT, "result": TEXT, "times": st.integers(0, 500),
              "participants": st.integers(0, 5000), "date": DATE.map(str)},
)
COUNT = st.fixed_dictionaries(
    # any number (form.md), negative and far past a float's 17 digits included
    {"item": TEXT, "value": st.integers(-10**30, 10**30) | st.floats(-10**6, 10**6, allow_nan=False)},
    optional={"unit": st.sampled_from(["套", "次", "元", "%", "人"]), "category": CATEGORY,
              "previous": st.integers(-10**6, 10**30) | st.floats(-10**6, 10**6, allow_nan=False), "note": TEXT},
)
INCIDENT = st.fixed_dictionaries(
    {"date": DATE, "description": TEXT},
    optional={"severity": st.sampled_from(["minor", "serious", "轻微", "一般"]), "handling": TEXT,
              "resolved": st.booleans()},
)
FORM = st.fixed_dictionaries(
    {"organization": TEXT, "campus": st.sampled_from(["东湖校区", "本部校区", "滨江校区"]),
     "department": st.sampled_from(["后勤处", "教务处"]),
     "term": st.sampled_from(["2024-2025-1", "2024-2025-2", "2024-2025", 2024]), "date": DATE},
    optional={"activities": st.lists(ACTIVITY, max_size=6), "counts": st.lists(COUNT, max_size=4),
              "incidents": st.lists(INCIDENT, max_size=3), "shortcomings": st.lists(TEXT, max_size=3),
              "plans": st.lists(TEXT, max_size=3), "intro": TEXT, "closing": TEXT, "author": TEXT},
)

# Mutations people make: a wrong value somewhere, a misspelt key, a missing field.
WRONG_VALUES = st.sampled_from([-1, "十二", [1, 2], {"a": 1}, "2025-02-30", True, None, "", "1,200", 3.5])


@st.composite
def mutated(draw):
    form = draw(FORM)
    kind = draw(st.sampled_from(["value", "key", "missing", "record"]))
    if kind == "missing":
        form.pop(draw(st.sampled_from(["campus", "department", "term", "date"])))
    elif kind == "key":
        form[draw(st.sampled_from(["catgory", "activites", "titel", "Date"]))] = draw(TEXT)
    elif kind == "value":
        form[draw(st.sampled_from(["term", "date", "activities", "counts", "campus"]))] = draw(WRONG_VALUES)
    else:
        record = draw(ACTIVITY)
        record[draw(st.sampled_from(["times", "date", "category", "title", "participants"]))] = draw(WRONG_VALUES)
        form.setdefault("activities", []).append(record)
    return form


def build(form: dict):
    folder = Path(tempfile.mkdtemp())
    try:
        source = folder / "form.yaml"
        source.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
        out = folder / "out.docx"
        result = CliRunner().invoke(main, ["build", str(source), "-o", str(out)], catch_exceptions=False)
        document = paragraphs(out) if out.exists() else None
        invalid = schema_errors(out) if out.exists() else []
        leftovers = [p.name for p in folder.iterdir() if p.name not in ("form.yaml", "out.docx")]
        return result, document, leftovers, invalid
    finally:
        shutil.rmtree(folder)


def assert_document_or_message(form: dict) -> None:
    result, document, leftovers, invalid = build(form)
    assert result.exit_code in (0, 1), result.output
    assert invalid == []  # every document written is schema-valid OOXML
    assert "Traceback" not in result.output
    assert not leftovers, leftovers  # no temporary or partial file left behind
    if result.exit_code == 0:
        text = "\n".join(p.text for p in document)
        for activity in form.get("activities") or []:  # "activities:" left empty means none
            assert bare(clean(str(activity["title"])).strip()) in text
        for count in form.get("counts") or []:
            assert clean(str(count["item"])).strip() in text
    else:
        assert document is None  # nothing written for a form with errors
        assert re.search(r"form\.yaml:\d+:\d+: 错误: ", result.stderr, re.M), result.stderr


SETTINGS = settings(max_examples=int(__import__("os").environ.get("WORKSUM_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(FORM)
def test_generated_forms_build_a_document_with_every_record(form):
    assert_document_or_message(form)


@SETTINGS
@given(mutated())
def test_mutated_forms_get_a_message_with_a_line(form):
    assert_document_or_message(form)


@settings(max_examples=int(__import__("os").environ.get("WORKSUM_EXAMPLES", 60)), deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200))
def test_arbitrary_bytes_never_crash(data):
    folder = Path(tempfile.mkdtemp())
    try:
        source = folder / "form.yaml"
        source.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        result = CliRunner().invoke(main, ["build", str(source), "-o", str(folder / "out.docx")],
                                    catch_exceptions=False)
        assert result.exit_code == 1
        assert re.search(r"form\.yaml:\d+:\d+: 错误: ", result.stderr, re.M), result.stderr
    finally:
        shutil.rmtree(folder)
