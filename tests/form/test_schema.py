"""worksum schema: the JSON Schema editors use to complete and check forms."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import EXAMPLE_FORM, ROOT, worksum

from pipeline.form.schema import form_schema

CHINESE = re.compile(r"[\u4e00-\u9fff]")


class EditorLoader(yaml.SafeLoader):
    """YAML as yaml-language-server reads it: dates stay text (YAML 1.2 has no timestamps)."""


EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(text: str):
    return yaml.load(text, Loader=EditorLoader)


@pytest.fixture(scope="module")
def validator():
    schema = form_schema()
    dialect = jsonschema.validators.validator_for(schema)
    assert dialect is jsonschema.Draft7Validator
    dialect.check_schema(schema)
    return dialect(schema)


def errors(validator, data) -> list[str]:
    """``path: message`` of each problem, looking inside anyOf (``incidents`` may be null)."""
    def leaves(error):
        inner = [e for e in error.context or () if len(e.absolute_path) > len(error.absolute_path)]
        if not inner:
            return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"]
        return [leaf for e in inner for leaf in leaves(e)]

    return [leaf for error in validator.iter_errors(data) for leaf in leaves(error)]


def sample_forms() -> list[Path]:
    return [EXAMPLE_FORM, *sorted((ROOT / "inputs").rglob("*.yaml"))]


@pytest.mark.parametrize("form", sample_forms(), ids=lambda p: "/".join(p.parts[-3:]))
def test_the_example_and_sample_forms_are_valid(validator, form: Path):
    assert errors(validator, load(form.read_text(encoding="utf-8"))) == []


def test_an_unknown_key_is_an_error_where_it_stands(validator):
    form = load(EXAMPLE_FORM.read_text(encoding="utf-8"))
    form["activities"][0]["catgory"] = "安全"
    form["orgnization"] = "阳光实验幼儿园"
    found = errors(validator, form)
    assert len(found) == 2
    assert any(e.startswith("activities/0:") and "catgory" in e for e in found)
    assert any(e.startswith(":") and "orgnization" in e for e in found)


def test_values_worksum_accepts_are_not_flagged_and_others_are(validator):
    form = load(EXAMPLE_FORM.read_text(encoding="utf-8"))
    form["date"] = "2025年1月15日"
    form["incidents"][0].update(severity="一般", resolved="已解决")
    form["counts"][0]["value"] = -3.5  # a decline: any number (form.md)
    assert errors(validator, form) == []
    form["incidents"][0].update(severity="很严重", resolved="也许")
    form["counts"][0]["value"] = "十二"
    form["date"] = "一月十五日"
    found = errors(validator, form)
    assert {e.split(":")[0] for e in found} == {"incidents/0/severity", "incidents/0/resolved", "counts/0/value",
                                                "date"}
    del form["campus"]
    assert any("'campus' is a required property" in e for e in errors(validator, form))


def test_every_field_has_a_chinese_title_and_description():
    schema = form_schema()
    objects = [schema, *schema["$defs"].values()]
    fields = 0
    for model in objects:
        assert CHINESE.search(model["title"]) and CHINESE.search(model["description"]), model["title"]
        for name, prop in model["properties"].items():
            assert CHINESE.search(prop.get("title", "")), name
            assert CHINESE.search(prop.get("description", "")), name
            fields += 1
    assert fields >= 30
    assert "严重" in schema["$defs"]["Incident"]["properties"]["severity"]["enum"]
    assert "安全" in schema["$defs"]["Activity"]["properties"]["category"]["examples"]


def test_schema_command_writes_the_schema(tmp_path: Path):
    done = worksum("schema", cwd=tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout.decode("utf-8")) == form_schema()
    done = worksum("schema", "-o", "worksum-form.schema.json", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.decode().strip() == "worksum-form.schema.json"
    assert json.loads((tmp_path / "worksum-form.schema.json").read_text(encoding="utf-8")) == form_schema()
    assert "工作总结填报表" in (tmp_path / "worksum-form.schema.json").read_text(encoding="utf-8")


def test_readme_shows_the_editor_setup():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "worksum schema -o" in readme
    assert "# yaml-language-server: $schema=" in readme and "redhat.vscode-yaml" in readme
    assert '"yaml.schemas"' in readme


def test_term_and_category_are_checked_with_chinese_messages(validator):
    schema = form_schema()
    assert schema["properties"]["term"]["patternErrorMessage"].startswith("学期编号应写成 2024-2025-1")
    category = schema["$defs"]["Activity"]["properties"]["category"]["anyOf"][0]
    assert "安全" in category["enum"] and category["errorMessage"].startswith("未知的分类；可用的分类：study、学习")
    form = load(EXAMPLE_FORM.read_text(encoding="utf-8"))
    form["term"] = "2024-2025-上"
    form["activities"][0]["category"] = "后勤"
    form["incidents"][0]["severity"] = "很严重"
    found = errors(validator, form)
    assert {e.split(":")[0] for e in found} == {"term", "activities/0/category", "incidents/0/severity"}
    form["term"], form["activities"][0]["category"], form["incidents"][0]["severity"] = 2024, "岗位", "一般"
    assert errors(validator, form) == []


def test_categories_follow_the_workspaces_config(tmp_path: Path):
    (tmp_path / "config.yaml").write_text(
        "headings:\n  - key: study\n  - key: duties\n  - key: safety\n  - key: finance\n  - key: shortcomings\n"
        "  - key: health\n    name: 卫生保健\n    title: 做好卫生保健\n", encoding="utf-8")
    done = worksum("schema", cwd=tmp_path)
    category = json.loads(done.stdout.decode("utf-8"))["$defs"]["Activity"]["properties"]["category"]["anyOf"][0]
    assert "卫生保健" in category["enum"] and "health" in category["enum"]


def test_hover_texts_are_not_doubled():
    # The editor shows a field's title, then its description: the description must not say the title again,
    # and no branch of a choice carries a title or description of its own (it would be shown after " || ").
    schema = form_schema()
    for model in [schema, *schema["$defs"].values()]:
        for name, prop in model["properties"].items():
            assert not prop["description"].startswith(prop["title"]), (name, prop["title"], prop["description"])
            for branch in prop.get("anyOf", []):
                assert "title" not in branch and "description" not in branch, name
