"""Every Chinese name the blank form, the guide and the editor's hover texts give a field, written
as a key, is pointed to the field's English name; dates and figures written as people write them."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from pipeline.diagnostics import FormError
from pipeline.form.config import Config
from pipeline.form.loader import load_text
from pipeline.form.model import Activity, Figure, Form, Incident
from pipeline.form.schema import FIELDS
from pipeline.form.validate import validate_form

SKELETON = ROOT / "pipeline" / "skeleton" / "blank-form.yaml"
GUIDE = ROOT / "docs" / "填报指南.md"
MODELS = {"Form": Form, "Activity": Activity, "Figure": Figure, "Incident": Incident}
SECTION_MODEL = {"activities": "Activity", "counts": "Figure", "incidents": "Incident"}
HEAD = "organization: 明德实验学校\ncampus: 东湖校区\ndepartment: 后勤处\nterm: 2024-2025-1\ndate: 2025-01-16\n"


def blank_form_labels() -> set[tuple[str, str, str]]:
    """(model, field, label) for every field the blank form explains in a comment."""
    labels = set()
    model = "Form"
    for line in SKELETON.read_text(encoding="utf-8").splitlines():
        top = re.match(r"^(\w+):", line)
        if top:
            model = SECTION_MODEL.get(top.group(1), "Form")
        match = re.match(r"^\s*(?:#\s*)?(?:-\s*)?(\w+):[^#\n]*#\s*(?:【必填】)?([^，：（,\s#]+)", line)
        field = match and match.group(1)
        if field and (field in MODELS[model].model_fields or field in Form.model_fields):
            labels.add((model if field in MODELS[model].model_fields else "Form", field, match.group(2)))
    return labels


def guide_rows() -> dict[tuple[str, str], list[str]]:
    """(model, field) → the cells of its row in the guide's field tables."""
    rows = {}
    model = "Form"
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        section = re.match(r"^### \d\. (\w+)", line)
        if section:
            model = SECTION_MODEL.get(section.group(1), "Form" if section.group(1) == "基本信息" else model)
        row = re.match(r"^\| `(\w+)` \|(.+)\|\s*$", line)
        if row and row.group(1) in MODELS[model].model_fields:
            rows[(model, row.group(1))] = [cell.strip() for cell in row.group(2).split("|")]
    return rows


def guide_labels() -> set[tuple[str, str, str]]:
    """(model, field, label) for every row of the guide's field tables."""
    return {(model, field, cells[0]) for (model, field), cells in guide_rows().items()}


def schema_labels() -> set[tuple[str, str, str]]:
    return {(model, field, title) for model, fields in FIELDS.items() if model in MODELS
            for field, (title, _description) in fields.items()}


def messages(text: str) -> list[str]:
    try:
        validate_form(load_text(text, "form.yaml"), Config())
    except FormError as exc:
        return [d.message for d in exc.diagnostics]
    return []


def written_as_key(model: str, label: str) -> str:
    """A form with ``label`` written as a key where ``model``'s fields stand."""
    if model == "Form":
        return HEAD + f"{label}: 某某\n"
    section = {v: k for k, v in SECTION_MODEL.items()}[model]
    first = {"Activity": "title: 消防演练", "Figure": "item: 维修\n    value: 3", "Incident": "date: 2024-10-21\n    description: 擦伤"}
    return HEAD + f"{section}:\n  - {first[model]}\n    {label}: 某某\n"


ALL = sorted(blank_form_labels() | guide_labels() | schema_labels())


def test_the_labels_are_found_in_all_three_places():
    assert ("Form", "date", "成文日期") in blank_form_labels()
    assert ("Activity", "times", "开展了几次") in guide_labels()
    assert ("Figure", "value", "数值") in schema_labels()
    assert len(blank_form_labels()) >= 30 and len(guide_labels()) >= 30 and len(schema_labels()) >= 30


@pytest.mark.parametrize("model, field, label", ALL, ids=lambda v: str(v))
def test_a_label_written_as_a_key_points_to_its_field(model, field, label):
    if label == field:
        pytest.skip("not a Chinese label")
    said = messages(written_as_key(model, label))
    assert f"未知字段 \"{label}\"，字段名要用英文，应写成 \"{field}\"" in said, said


def test_a_required_field_written_in_full_width_letters_is_not_also_missing():
    """ｃａｍｐｕｓ (typed with the Chinese input method on) was said twice: unknown, and campus missing."""
    said = messages(HEAD.replace("campus: 东湖校区", "ｃａｍｐｕｓ: 东湖校区"))
    assert said == ["未知字段 \"ｃａｍｐｕｓ\"，字段名要用半角英文字母，应写成 \"campus\""]


def test_a_required_field_written_under_its_chinese_name_is_not_also_missing():
    said = messages(HEAD.replace("date: 2025-01-16", "成文日期: 2025-01-16").replace("organization:", "单位全称:"))
    assert said == ["未知字段 \"单位全称\"，字段名要用英文，应写成 \"organization\"",
                    "未知字段 \"成文日期\"，字段名要用英文，应写成 \"date\""]


@pytest.mark.parametrize("written, start, end", [
    ("2024年8月19日至8月30日", "2024-08-19", "2024-08-30"),
    ("2024年8月19日至30日", "2024-08-19", "2024-08-30"),
    ("2024年12月20日至1月5日", "2024-12-20", "2025-01-05"),
    ("2024年9月至12月", "2024-09-01", "2024-12-01"),
])
def test_a_range_whose_end_leaves_out_the_year_is_read(written, start, end):
    from pipeline.form.fields import _span

    span = _span(written)
    assert (span.start.isoformat(), span.end.isoformat()) == (start, end)


def test_a_range_end_that_does_not_exist_is_named():
    said = messages(HEAD + "activities:\n  - title: 暑期维修\n    date: 2024年8月19日至8月32日\n")
    assert said == ['字段 "activities" 第1项 "date"：日期 "8月32日" 不存在（2024年8月没有32日）']


def test_a_figure_in_wan_with_its_unit_gets_both_ways_to_write_it():
    said = messages(HEAD + "counts:\n  - item: 维修经费\n    value: 41.2万\n    unit: 元\n"
                           "  - item: 节约经费\n    value: 2.35万元\n    unit: 元\n")
    assert said == [('字段 "counts" 第1项 "value"：数值只写数字：“41.2万”写成 412000（unit 已是“元”）；'
                    '或者写 41.2，并把 unit 改为“万元”'),
                    ('字段 "counts" 第2项 "value"：数值只写数字：“2.35万元”写成 23500（unit 已是“元”）；'
                    '或者写 2.35，并把 unit 改为“万元”')]


@pytest.mark.parametrize("model, field", [(name, field) for name, model in MODELS.items()
                                          for field in model.model_fields])
def test_the_guide_explains_every_field_the_form_accepts_with_an_example(model, field):
    """docs/填报指南.md has a row for each field of the model (a field added to the model and not to
    the guide fails here): what it means in Chinese, whether it is required, and how to fill it in."""
    cells = guide_rows().get((model, field))
    assert cells is not None, f"docs/填报指南.md 的字段表中没有 {model}.{field}"
    meaning, required, how = cells[:3]
    assert re.search("[\u4e00-\u9fff]", meaning) and required.startswith(("是", "否")), cells
    assert re.search(r"[\u4e00-\u9fff0-9`]", how), cells  # an example, or how one writes it


def test_the_guide_shows_how_a_heading_is_reworded_with_each_field_it_accepts():
    from pipeline.form.model import HeadingOverride

    guide = GUIDE.read_text(encoding="utf-8")
    example = guide[guide.index("### 6. headings"):guide.index("### 7. category")]
    for field in HeadingOverride.model_fields:
        assert re.search(rf"(?m)^    {field}: [\u4e00-\u9fff]", example), field


def test_the_guides_workbook_table_names_every_column_of_each_sheet():
    """Each sheet's row in the guide's workbook table (第七部分) names every column the workbook has:
    是否已确认, which new-term writes into 开展的工作, was missing."""
    from pipeline.form.workbook import layout

    guide = GUIDE.read_text(encoding="utf-8")
    sheets = layout()
    for sheet in sheets.records:
        row = re.search(rf"(?m)^\| {sheet.name} \| (.+)$", guide).group(1)
        assert [c.header for c in sheet.columns if c.header not in row] == [], sheet.name
    row = re.search(r"(?m)^\| 标题改写 \| (.+)$", guide).group(1)
    assert [c.header for c in sheets.headings if c.header not in row] == []


def test_an_empty_list_of_campuses_is_named_as_empty():
    """campuses: [] in config.yaml refused every form with “不在 campuses 名单中”, as if the name were
    misspelt; the message says the list is empty and the two ways out."""
    config = Config.model_validate({"campuses": []})
    try:
        validate_form(load_text(HEAD, "form.yaml"), config)
    except FormError as exc:
        said = [d.message for d in exc.diagnostics]
    assert said == [('字段 "campus"：校区 "东湖校区" 不在 config.yaml 的 campuses 名单中：名单是空的（campuses: []）；'
                     '请在名单中列出校区名称，或删去 campuses 这一行（不限制校区名称）')]
