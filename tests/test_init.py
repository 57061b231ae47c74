"""worksum init: a new workspace that goes from empty folder to a valid document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import worksum
from docx_text import headings, paragraphs

from pipeline.form.model import Activity, Figure, Form, HeadingOverride, Incident
from pipeline.form.validate import read_config
from pipeline.workspace.scaffold import BLANK_FORM
from pipeline.workspace.templatesets import builtin_templates

FILLED = {
    "organization": "明德实验学校",
    "campus": "本部校区",
    "department": "后勤处",
    "term": "2024-2025-1",
    "date": "2025-01-15",
}


def fill(blank: str, values: dict[str, str]) -> str:
    """Type a value after each named top-level key, as a person does in an editor."""
    for key, value in values.items():
        blank, count = re.subn(rf"^{key}:( *)#", lambda m: f"{key}: {value}{m.group(1)}#", blank, count=1,
                               flags=re.MULTILINE)
        assert count == 1, key
    return blank


def uncomment(blank: str, lines: list[str]) -> str:
    """Remove the "# " that starts each commented example line whose key is in ``lines``."""
    for line in lines:
        blank, count = re.subn(rf"^(\s*)# ({re.escape(line)})", r"\1\2", blank, count=1, flags=re.MULTILINE)
        assert count == 1, line
    return blank


def test_init_writes_config_templates_inputs_and_a_blank_form(tmp_path, run):
    result = run(tmp_path, "init", "school")
    assert result.exit_code == 0, result.stderr
    root = tmp_path / "school"
    config = (root / "config.yaml").read_text(encoding="utf-8")
    assert "# 单位全称" in config and "# 各部门使用的模板组" in config
    assert read_config(root).heading_list[0].key == "study"  # the commented config is a valid one
    copied = sorted(p.name for p in (root / "templates" / "default").glob("*.j2"))
    assert copied == sorted(p.name for p in builtin_templates().glob("*.j2"))
    for name in copied:
        assert (root / "templates" / "default" / name).read_bytes() == (builtin_templates() / name).read_bytes()
    assert (root / "inputs").is_dir() and not any((root / "inputs").iterdir())
    assert (root / BLANK_FORM).is_file()
    assert "模板编写指南" in (root / "templates" / "README.md").read_text(encoding="utf-8")
    assert (root / "templates" / "模板编写指南.md").is_file()
    assert "config.yaml" in result.stdout and "下一步" not in result.stdout  # files on stdout, advice on stderr
    assert "复制为 inputs/" in result.stderr


def test_blank_form_explains_every_field_in_chinese(tmp_path, run):
    run(tmp_path, "init", ".")
    blank = (tmp_path / BLANK_FORM).read_text(encoding="utf-8")
    for model in (Form, Activity, Figure, Incident, HeadingOverride):
        for field in model.model_fields:
            pattern = rf"^\s*(?:#\s*)?(?:-\s*)?{field}:[^#\n]*#\s*\S*[\u4e00-\u9fff]"
            assert re.search(pattern, blank, re.MULTILINE), f"{model.__name__}.{field} has no Chinese comment"


def test_blank_form_left_blank_says_what_to_fill(tmp_path, run):
    run(tmp_path, "init", ".")
    result = run(tmp_path, "validate", BLANK_FORM)
    assert result.exit_code == 1
    for line, field, said in ((10, "campus", "不能为空"), (11, "department", "不能为空"),
                              (12, "term", "还没有填写（学期编号）"), (13, "date", "还没有填写（日期）")):
        assert re.search(rf"{BLANK_FORM}:{line}:\d+: 错误: 字段 \"{field}\"：{said}", result.stderr), field
    assert "Traceback" not in result.stderr


def test_blank_form_is_valid_once_the_required_fields_are_filled(tmp_path, run):
    run(tmp_path, "init", ".")
    form = tmp_path / "inputs" / "2024-2025-1" / "本部校区" / "后勤处.yaml"
    form.parent.mkdir(parents=True)
    form.write_text(fill((tmp_path / BLANK_FORM).read_text(encoding="utf-8"), FILLED), encoding="utf-8")
    result = run(tmp_path, "validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith("没有发现错误")


def test_init_then_build_gives_a_valid_document(tmp_path, run):
    assert run(tmp_path, "init", ".").exit_code == 0
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("organization:\n", "organization: 明德实验学校\n")
                      .replace("campuses:\n", "campuses: [本部校区]\n"), encoding="utf-8")
    text = (tmp_path / BLANK_FORM).read_text(encoding="utf-8")
    text = fill(text, {k: v for k, v in FILLED.items() if k != "organization"})
    text = uncomment(text, ["- title:", "  category:", "  details:", "- 部分老设备"])
    text = text.replace("- title:            #", "- title: 食堂从业人员食品安全培训 #", 1)
    text = text.replace("  category:         # 归入哪个标题：学习", "  category: 学习 # 归入哪个标题：学习", 1)
    text = text.replace("  details:          # 具体做法", "  details: 请区疾控中心的老师到校讲解留样要求。 # 具体做法", 1)
    form = tmp_path / "inputs" / "2024-2025-1" / "本部校区" / "后勤处.yaml"
    form.parent.mkdir(parents=True)
    form.write_text(text, encoding="utf-8")

    result = run(tmp_path, "build")
    assert result.exit_code == 0, result.stderr
    document = tmp_path / "outputs" / "2024-2025-1" / "本部校区" / "明德实验学校本部校区后勤处2024—2025学年第一学期工作总结.docx"
    assert result.stdout.strip() == str(document.relative_to(tmp_path))
    paras = paragraphs(document)
    assert paras[0].style == "Title"
    assert paras[0].text.replace("\n", "") == "明德实验学校本部校区后勤处2024—2025学年第一学期工作总结"
    assert headings(document) == ["一、加强学习培训，提高队伍素质", "二、存在的不足及今后努力方向"]
    body = [p.text for p in paras]
    assert "1.食堂从业人员食品安全培训。请区疾控中心的老师到校讲解留样要求。" in body
    assert "1.部分老设备缺少定期保养记录。" in body
    assert body[-2:] == ["本部校区后勤处", "2025年1月15日"]


def test_init_refuses_an_existing_workspace_and_changes_nothing(tmp_path, run):
    assert run(tmp_path, "init", "ws").exit_code == 0
    config = tmp_path / "ws" / "config.yaml"
    config.write_text("organization: 我们改过的\n", encoding="utf-8")
    (tmp_path / "ws" / "templates" / "default" / "opening.j2").unlink()
    result = run(tmp_path, "init", "ws")
    assert result.exit_code == 1
    assert "已经是一个工作区" in result.stderr and "没有做任何改动" in result.stderr
    assert config.read_text(encoding="utf-8") == "organization: 我们改过的\n"
    assert not (tmp_path / "ws" / "templates" / "default" / "opening.j2").exists()


@pytest.mark.parametrize("existing", ["config.yaml", "inputs/2024-2025-1/本部校区/后勤处.yaml", "templates/closing.j2"])
def test_init_refuses_any_part_of_a_workspace(tmp_path, run, existing):
    path = tmp_path / existing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# 已有的内容\n", encoding="utf-8")
    result = run(tmp_path, "init")
    assert result.exit_code == 1
    assert "已经是一个工作区" in result.stderr
    assert path.read_text(encoding="utf-8") == "# 已有的内容\n"
    assert not (tmp_path / BLANK_FORM).exists()


def test_init_as_a_command(tmp_path):
    made = worksum("init", "新学校", cwd=tmp_path)
    assert made.returncode == 0, made.stderr.decode()
    again = worksum("init", "新学校", cwd=tmp_path)
    assert again.returncode == 1
    assert "错误: 新学校 已经是一个工作区" in again.stderr.decode()
    assert Path(tmp_path / "新学校" / "config.yaml").is_file()


def editor_errors(text: str) -> list[str]:
    """What an editor using `worksum schema` flags in a form (it reads dates as text, as YAML 1.2 does)."""
    import jsonschema
    import yaml

    from pipeline.form.schema import form_schema

    class EditorLoader(yaml.SafeLoader):
        pass

    EditorLoader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    validator = jsonschema.Draft7Validator(form_schema())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(yaml.load(text, Loader=EditorLoader))]


def test_the_filled_in_blank_form_is_not_flagged_by_the_editor_schema(tmp_path, run):
    run(tmp_path, "init", ".")
    blank = (tmp_path / BLANK_FORM).read_text(encoding="utf-8")
    assert editor_errors(fill(blank, FILLED)) == []
    assert any(error.startswith("date: None") for error in editor_errors(blank))  # still to fill: flagged


def test_init_sets_up_the_editor_in_one_step(tmp_path, run):
    import json

    from pipeline.form.schema import form_schema

    result = run(tmp_path, "init", "school")
    assert result.exit_code == 0
    root = tmp_path / "school"
    assert json.loads((root / "worksum-form.schema.json").read_text(encoding="utf-8")) == form_schema()
    settings = json.loads((root / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings == {"yaml.schemas": {"./worksum-form.schema.json": ["inputs/**/*.yaml", BLANK_FORM]}}
    assert "school/worksum-form.schema.json" in result.stdout.splitlines()


def test_init_leaves_existing_editor_settings_alone_and_says_what_to_add(tmp_path, run):
    mine = tmp_path / ".vscode" / "settings.json"
    mine.parent.mkdir()
    mine.write_text('{"editor.fontSize": 16}\n', encoding="utf-8")
    result = run(tmp_path, "init", ".")
    assert result.exit_code == 0
    assert mine.read_text(encoding="utf-8") == '{"editor.fontSize": 16}\n'
    assert (tmp_path / "worksum-form.schema.json").is_file()
    assert ('注意: 已有 .vscode/settings.json，没有改动；要在 VS Code 中即时检查填报表，请在其中加上 '
            '"yaml.schemas": {"./worksum-form.schema.json": ["inputs/**/*.yaml"]}') in result.stderr


def test_a_value_typed_after_the_blank_forms_comment_is_pointed_to_its_place(tmp_path, run):
    run(tmp_path, "init", ".")
    blank = (tmp_path / BLANK_FORM).read_text(encoding="utf-8")
    typed = blank.replace("# 【必填】校区，如：本部校区\n", "# 【必填】校区，如：本部校区 东湖校区\n")
    typed = typed.replace("# 【必填】成文日期，写在落款处，如：2025-01-15\n", "# 【必填】成文日期，写在落款处，如：2025-01-15 2025-01-16\n")
    (tmp_path / BLANK_FORM).write_text(typed, encoding="utf-8")
    result = run(tmp_path, "validate", BLANK_FORM)
    assert f"{BLANK_FORM}:10:8: 错误: 字段 \"campus\"：不能为空；“东湖校区”写在了“#”后面，那里是说明，不会被读取：" \
           "请把它移到冒号后面（campus: 东湖校区）" in result.stderr.splitlines()
    assert f"{BLANK_FORM}:13:6: 错误: 字段 \"date\"：还没有填写（日期）；“2025-01-16”写在了“#”后面，那里是说明，" \
           "不会被读取：请把它移到冒号后面（date: 2025-01-16）" in result.stderr.splitlines()
    assert f"{BLANK_FORM}:11:12: 错误: 字段 \"department\"：不能为空" in result.stderr.splitlines()  # untouched: no hint
