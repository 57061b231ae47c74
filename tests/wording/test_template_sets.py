"""Template sets: lookup order, per-department sets, `worksum templates`, template errors."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

from conftest import ROOT
from docx_text import texts

from pipeline.workspace import templatesets

FORM = textwrap.dedent("""\
    organization: 明德实验学校
    campus: 东湖校区
    department: {department}
    term: 2024-2025-1
    date: 2025-01-16
    activities:
      - title: 消防疏散演练
        category: safety
        details: 全校师生分楼层有序撤离。
      - title: 集体备课
        category: duties
        details: 各备课组每周集中备课一次。
    counts:
      - item: 消防设施检查
        value: 10
        unit: 次
        category: safety
    shortcomings:
      - 部分教研组活动流于形式。
    """)

JIAOWU_OPENING = "东湖校区教务处开展教务工作2项"
HOUQIN_OPENING = "东湖校区后勤处完成后勤保障工作2项"


def workspace(tmp_path: Path, config: str = "", departments=("后勤处", "教务处")) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    for department in departments:
        path = tmp_path / "inputs" / "2024-2025-1" / "东湖校区" / f"{department}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FORM.format(department=department), encoding="utf-8")
    return tmp_path


def template(root: Path, relative: str, text: str) -> None:
    path = root / "templates" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(run, root: Path, department: str) -> list[str]:
    out = root / f"{department}.docx"
    result = run(root, "build", f"inputs/2024-2025-1/东湖校区/{department}.yaml", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    return texts(out)


# --- lookup -------------------------------------------------------------------

def test_a_workspace_template_changes_only_its_own_part(tmp_path, run):
    root = workspace(tmp_path, departments=("后勤处",))
    before = build(run, root, "后勤处")
    template(root, "lead_safety.j2", "安全这一节由我们自己写：{{ section.title }}。")
    after = build(run, root, "后勤处")
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert len(before) == len(after)
    # The built-in lead had nothing to say of one activity; the workspace's leads the figures' paragraph.
    assert changed == [("本学期消防设施检查10次。", "安全这一节由我们自己写：狠抓安全管理，保障师生平安。消防设施检查10次。")]


def test_a_department_set_applies_to_that_department_only(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  教务处: 教务\n")
    jiaowu, houqin = build(run, root, "教务处"), build(run, root, "后勤处")
    assert JIAOWU_OPENING in jiaowu[2] and HOUQIN_OPENING not in jiaowu[2]
    assert HOUQIN_OPENING in houqin[2] and JIAOWU_OPENING not in houqin[2]  # 后勤处: the set of its kind
    assert "一、抓实教学常规，提高教学质量" in jiaowu and "一、明确岗位职责，做好服务保障" in houqin
    # What the set does not hold comes from the default set: the figures and the activities.
    assert "本学期消防设施检查10次。" in jiaowu and "本学期消防设施检查10次。" in houqin


def test_a_workspace_set_holds_only_the_files_it_changes(tmp_path, run):
    root = workspace(tmp_path, "departments: [后勤处, 教务处]\ntemplates:\n  后勤处: 后勤\n")
    template(root, "后勤/closing.j2", "后勤的结束语：{{ period.this }}辛苦了。")
    houqin, jiaowu = build(run, root, "后勤处"), build(run, root, "教务处")
    assert "后勤的结束语：本学期辛苦了。" in houqin and "后勤的结束语：本学期辛苦了。" not in jiaowu
    assert HOUQIN_OPENING in houqin[2]  # the rest of the set comes from the built-in 后勤 set
    assert JIAOWU_OPENING in jiaowu[2]


def test_lookup_order_workspace_then_set_then_builtin_set_then_default(tmp_path):
    root = tmp_path
    template(root, "default/opening.j2", "工作区默认导语")
    template(root, "default/closing.j2", "工作区默认结束语")
    template(root, "教务/lead_study.j2", "工作区教务学习")
    template(root, "title.j2", "工作区标题")
    folders = templatesets.search_path(root, "教务")
    where = {name: templatesets.resolve(folders, name) for name in
             ("title.j2", "lead_study.j2", "opening.j2", "lead_safety.j2", "figures.j2", "closing.j2")}
    assert where["title.j2"] == (root / "templates" / "title.j2").resolve()  # workspace, every department
    assert where["lead_study.j2"] == (root / "templates" / "教务" / "lead_study.j2").resolve()  # workspace set
    builtin = templatesets.builtin_sets().resolve()
    assert where["opening.j2"] == builtin / "教务" / "opening.j2"  # the built-in set before any default
    assert where["lead_study.j2"] != builtin / "default" / "lead_study.j2"
    assert where["lead_safety.j2"] == builtin / "default" / "lead_safety.j2"  # the 教务 set has none
    assert where["figures.j2"] == builtin / "default" / "figures.j2"  # nobody changed it
    # The built-in 教务 set has its own closing; the workspace default copy applies to departments without a set.
    assert where["closing.j2"] == builtin / "教务" / "closing.j2"
    assert templatesets.resolve(templatesets.search_path(root, None), "closing.j2") == \
        (root / "templates" / "default" / "closing.j2").resolve()
    # A set config.yaml did not choose (the department's kind chose it) comes after the workspace's
    # default copy once the school edited it (here: opening.j2 and closing.j2 differ from the built-in ones).
    inferred = templatesets.search_path(root, "教务", inferred=True)
    assert templatesets.resolve(inferred, "opening.j2") == (root / "templates" / "default" / "opening.j2").resolve()
    assert templatesets.resolve(inferred, "lead_study.j2") == (root / "templates" / "教务" / "lead_study.j2").resolve()
    assert templatesets.resolve(inferred, "lead_duties.j2") == builtin / "教务" / "lead_duties.j2"


def test_an_untouched_default_copy_gives_way_to_the_set_of_the_departments_kind(tmp_path, run):
    assert run(tmp_path, "init", ".").exit_code == 0  # copies the default set into templates/default/
    root = workspace(tmp_path, departments=("教务处",))
    assert not templatesets.edited(root / "templates" / "default")
    assert "一、抓实教学常规，提高教学质量" in build(run, root, "教务处")
    template(root, "default/closing.j2", "我们自己的结束语。")
    assert templatesets.edited(root / "templates" / "default")
    folders = templatesets.search_path(root, "教务", inferred=True)
    assert templatesets.resolve(folders, "closing.j2") == (root / "templates" / "default" / "closing.j2").resolve()


def test_an_edited_default_copy_applies_to_every_department_without_a_set(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  教务处: 教务\n")
    template(root, "default/lead_duties.j2", "我们的默认岗位引导语。")
    assert "我们的默认岗位引导语。" in build(run, root, "后勤处")
    assert "我们的默认岗位引导语。" not in build(run, root, "教务处")  # its set has its own


def test_an_unknown_set_in_config_is_an_error_at_its_line(tmp_path, run):
    root = workspace(tmp_path, "departments: [后勤处, 教务处]\ntemplates:\n  教务处: 教物\n  后勤部: default\n")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert re.search(r"config\.yaml:3:\d+: 错误: 模板组 \"教物\" 不存在；是否应为 \"教务\"？可用的模板组：default、保教、办公室、卫生保健、后勤、安全、家校、德育、教务、教科研、财务",
                     result.stderr)
    assert re.search(r"config\.yaml:4:3: 错误: 部门 \"后勤部\" 不在 departments 名单中，是否应为 \"后勤处\"？",
                     result.stderr)


def test_a_set_name_cannot_leave_the_templates_folder(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  教务处: ../inputs\n")
    result = run(root, "validate")
    assert result.exit_code == 1
    assert "模板组 \"../inputs\" 不存在" in result.stderr


def test_templates_command_lists_sets_and_where_each_template_comes_from(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  教务处: 教务\n")
    template(root, "default/closing.j2", "改过的结束语")
    template(root, "教务/figures.j2", "教务的数据")
    result = run(root, "templates", "-d", "教务处")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  default（工作区 templates/default，内置）" in lines
    assert "  教务（工作区 templates/教务，内置）" in lines
    assert "  教务处 → 教务" in lines
    assert "  其他部门 → 按部门名称选用同名的模板组（如 后勤处 → 后勤、政教处 → 德育），没有时用 default" in lines
    row = {line.split()[0]: line.split()[1:] for line in lines if line.startswith("  ") and ".j2" in line}
    assert row["figures.j2"] == ["templates/教务/figures.j2", "工作区模板组“教务”"]
    assert row["opening.j2"][1] == "内置模板组“教务”"
    assert row["activity.j2"][1] == "内置模板组“default”"
    assert row["closing.j2"][1] == "内置模板组“教务”"
    other = run(root, "templates").stdout
    assert re.search(r"closing\.j2\s+templates/default/closing\.j2\s+工作区模板组“default”（已修改）", other)


# --- template errors --------------------------------------------------------------

def failing_build(run, root: Path, department: str = "后勤处") -> str:
    out = root / "out.docx"
    result = run(root, "build", f"inputs/2024-2025-1/东湖校区/{department}.yaml", "-o", str(out))
    assert result.exit_code == 1
    assert not out.exists()
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
    return result.stderr


def test_syntax_error_names_file_and_line(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "第一行\n{% if period.this %}\n第三行\n")
    stderr = failing_build(run, root)
    assert "templates/closing.j2:3:1: 错误: 模板语法错误：模板已经结束，但 {% if %} 块还没有结束，缺少 {% endif %}" in stderr


def test_wrong_end_tag_says_which_one_is_expected(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "figures.j2", "{% for figure in figures %}\n{{ figure.item }}\n{% endif %}\n")
    stderr = failing_build(run, root)
    assert ("templates/figures.j2:3:1: 错误: 模板语法错误：这里的 {% endif %} 不对：正在结束的是 {% for %} 块，"
            "应写 {% endfor %}") in stderr


def test_syntax_error_in_a_lead_template_is_a_template_error(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "lead_safety.j2", "安全\n{{ section.title }\n")
    stderr = failing_build(run, root)
    assert "templates/lead_safety.j2:2:1: 错误: 模板语法错误：多余或不成对的“}”" in stderr


def test_unknown_filter_is_named_with_a_suggestion(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "结束语\n\n{{ date | cn_dat }}\n")
    stderr = failing_build(run, root)
    assert "templates/closing.j2:3:1: 错误: 模板语法错误：没有名为“cn_dat”的过滤器，是否应为“cn_date”？" in stderr


def test_undefined_variable_is_named_with_a_suggestion(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "结束语\n\n{{ departmnet }}做得好。\n")
    stderr = failing_build(run, root)
    assert ("templates/closing.j2:3:1: 错误: 模板中使用了不存在的变量或字段：没有变量“departmnet”，"
            "是否应为“department”？本模板可用的变量：") in stderr


def test_undefined_field_is_named_with_the_object_and_its_fields(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  后勤处: 后勤\n")
    template(root, "后勤/activity.j2", "{{ activity.details }}\n{{ activity.titel }}\n")
    stderr = failing_build(run, root)
    assert ("templates/后勤/activity.j2:2:1: 错误: 模板中使用了不存在的变量或字段：activity 没有字段“titel”，"
            "是否应为“title”？它的字段：category、title") in stderr


def test_runtime_error_names_file_and_line(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "结束语\n\n\n{{ 10 / (sections | length - 3) }}\n")
    stderr = failing_build(run, root)
    assert "templates/closing.j2:4:1: 错误: 模板运行出错：除数为零" in stderr


def test_error_in_an_included_template_points_into_that_template(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "结束语\n{% include 'signoff.j2' %}\n")
    template(root, "signoff.j2", "落款前\n\n{{ period.missing }}\n")
    stderr = failing_build(run, root)
    assert "templates/signoff.j2:3:1: 错误: 模板中使用了不存在的变量或字段：period 没有字段“missing”" in stderr


def test_sandbox_refusal_names_file_and_line(tmp_path, run):
    root = workspace(tmp_path)
    template(root, "closing.j2", "结束语\n{{ sections.append(1) }}\n")
    stderr = failing_build(run, root)
    assert "templates/closing.j2:2:1: 错误: 模板试图访问不允许的内容" in stderr


def test_a_broken_template_fails_only_the_departments_that_use_it(tmp_path, run):
    root = workspace(tmp_path, "templates:\n  教务处: 教务\n")
    shutil.copytree(templatesets.builtin_sets() / "教务", root / "templates" / "教务")
    template(root, "教务/opening.j2", "{% for x in sections %}\n")
    result = run(root, "build")
    assert result.exit_code == 1
    assert "templates/教务/opening.j2:1:1: 错误: 模板语法错误" in result.stderr
    assert "完成：生成 1 份，未变化 0 份，失败 1 份" in result.stderr
    assert (root / "outputs" / "2024-2025-1" / "东湖校区" / "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结.docx").is_file()


def test_builtin_sets_render_for_the_sample_workspace(tmp_path, run):
    """Every built-in set builds every sample form: no set may have a latent error."""
    for template_set in templatesets.available_sets(None):
        root = tmp_path / template_set
        root.mkdir()
        shutil.copytree(ROOT / "inputs", root / "inputs")
        (root / "config.yaml").write_text(f"templates:\n  后勤处: {template_set}\n  教务处: {template_set}\n",
                                          encoding="utf-8")
        result = run(root, "build")
        assert result.exit_code == 0, result.stderr
        assert result.stderr.count("错误") == 0


def test_every_built_in_set_ships_in_the_wheel():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for folder in (ROOT / "templates").iterdir():
        if folder.is_dir() and any(folder.glob("*.j2")):
            assert shipped.get(f"templates/{folder.name}") == f"pipeline/templates/{folder.name}", folder.name


# --- the department sets share the default opening and closing ------------------

CLOSING_HOUQIN = "总之，本学期后勤处完成了2项重点工作，今后我们将继续让后勤服务跟上教育教学的需要。"
OLD_HOUQIN_OPENING = """\
{% set top = facts.headline %}
{{ period.this }}，{{ campus }}{{ department }}
{% if facts.activities %}
完成后勤保障工作{{ facts.activities }}项，我们自己的导语
{% else %}
的后勤工作
{% endif %}
，现总结如下：
"""


def test_each_built_in_set_says_only_its_own_phrase(tmp_path):
    """A set's opening and closing extend the shipped default ones and fill only their blocks."""
    builtin = templatesets.builtin_sets()
    sets = [s for s in templatesets.available_sets(None) if s != templatesets.DEFAULT_SET]
    assert len(sets) == 10
    for name in sets:
        for file, blocks in (("opening.j2", ["done"]), ("closing.j2", ["aim"])):
            text = (builtin / name / file).read_text(encoding="utf-8")
            lines = text.splitlines()
            assert lines[1] == f'{{% extends "内置/default/{file}" %}}', (name, file)
            assert [re.match(r"{% block (\w+) %}.+{% endblock %}$", line).group(1) for line in lines[2:]] == blocks
    # and the default set's own files keep the whole sentence, so a workspace copy stands alone
    for file in ("opening.j2", "closing.j2"):
        assert "extends" not in (builtin / "default" / file).read_text(encoding="utf-8")


def test_a_workspace_copy_of_a_set_opening_still_wins(tmp_path, run):
    """Schools copy a set's templates and edit them year after year: a whole old-style copy
    (no blocks, no extends) in templates/后勤/ is used as written, and so is templates/opening.j2."""
    root = workspace(tmp_path / "set", departments=("后勤处",))
    template(root, "后勤/opening.j2", OLD_HOUQIN_OPENING)
    houqin = build(run, root, "后勤处")
    assert houqin[2] == "本学期，东湖校区后勤处完成后勤保障工作2项，我们自己的导语，现总结如下："
    assert CLOSING_HOUQIN in houqin  # the closing is still the built-in set's
    root = workspace(tmp_path / "all", departments=("后勤处",))
    template(root, "后勤/opening.j2", OLD_HOUQIN_OPENING)
    template(root, "opening.j2", "全校统一的导语。")
    assert build(run, root, "后勤处")[2] == "全校统一的导语。"


def test_a_workspace_template_may_extend_the_built_in_base_and_fill_one_block(tmp_path, run):
    root = workspace(tmp_path, departments=("后勤处",))
    template(root, "后勤/opening.j2",
             '{% extends "内置/default/opening.j2" %}\n{% block done %}做好服务保障工作{% endblock %}\n')
    template(root, "后勤/closing.j2",
             '{% extends "内置/后勤/closing.j2" %}\n{% block aim %}让{{ words.people }}满意{% endblock %}\n')
    text = build(run, root, "后勤处")
    assert text[2].startswith("本学期，东湖校区后勤处做好服务保障工作2项，包括集体备课等")
    assert CLOSING_HOUQIN.replace("让后勤服务跟上教育教学的需要", "让师生满意") in text


def test_an_edited_default_copy_does_not_become_the_base_of_a_named_set(tmp_path, run):
    """config.yaml names 后勤 for 后勤处: the set's opening extends the *shipped* default opening,
    not the school's edited copy in templates/default/ (which has no blocks to fill)."""
    root = workspace(tmp_path, "templates:\n  后勤处: 后勤\n", departments=("后勤处", "教务处"))
    template(root, "default/opening.j2", "我们的默认导语。")
    assert build(run, root, "后勤处")[2].startswith("本学期，东湖校区后勤处完成后勤保障工作2项")
    assert build(run, root, "教务处")[2] == "我们的默认导语。"  # inferred set: the edited copy wins


def test_an_error_in_a_block_names_the_file_that_fills_it(tmp_path, run):
    root = workspace(tmp_path, departments=("后勤处",))
    template(root, "后勤/opening.j2",
             '{% extends "内置/default/opening.j2" %}\n{% block done %}{{ facts.activitys }}{% endblock %}\n')
    stderr = failing_build(run, root)
    assert "templates/后勤/opening.j2:2:" in stderr and "activitys" in stderr


def test_the_built_in_prefix_cannot_leave_the_built_in_sets(tmp_path, run):
    root = workspace(tmp_path, departments=("后勤处",))
    template(root, "opening.j2", '{% include "内置/../pyproject.toml" %}')
    stderr = failing_build(run, root)
    assert "templates/opening.j2:1:" in stderr and "pyproject" in stderr


def test_a_default_copy_from_an_older_init_is_not_an_edit(tmp_path, run):
    """A workspace made by an earlier `worksum init` holds an earlier shipped opening.j2: it is
    no school's edit, so 后勤处 still gets the 后勤 set's opening, not the copy's."""
    import hashlib
    import json

    earlier = json.loads((ROOT / "pipeline" / "workspace" / "shipped_templates.json").read_text(encoding="utf-8"))
    old = OLDER_OPENING.encode("utf-8")
    assert hashlib.sha256(old).hexdigest() in earlier["default"]["opening.j2"]
    root = workspace(tmp_path / "old", departments=("后勤处",))
    (root / "templates" / "default").mkdir(parents=True)
    (root / "templates" / "default" / "opening.j2").write_bytes(old)
    assert not templatesets.edited(root / "templates" / "default")
    assert build(run, root, "后勤处")[2].startswith(HOUQIN_OPENING.replace("东湖校区", "本学期，东湖校区", 1))
    # one changed character makes it the school's own again
    root = workspace(tmp_path / "mine", departments=("后勤处",))
    template(root, "default/opening.j2", OLDER_OPENING.replace("开展重点工作", "开展主要工作"))
    assert templatesets.edited(root / "templates" / "default")
    assert "开展主要工作2项" in build(run, root, "后勤处")[2]


#: templates/default/opening.j2 as main shipped it before the department sets shared it.
OLDER_OPENING = """\
{#- 导语：校区和部门，再写本期的实绩（工作项数和参与人次、参与最多的一项或第一项、
    增长最多的一项数据（没有时为第一项数据）、安全事件的有无），以“现总结如下：”结尾。每句都由填报表的内容写成（facts 见《模板编写指南》）。 -#}
{% set top = facts.headline %}
{{ period.this }}，{{ campus }}{{ department }}
{% if facts.activities %}
开展重点工作{{ facts.activities }}项
{%- if facts.participants %}，参与{{ facts.participants }}人次{% endif %}
{%- if facts.busiest %}，其中{{ facts.busiest.title | bare }}规模最大（{{ facts.busiest.participants }}人次）{% else %}，包括{{ (sections | map(attribute='activities') | select | first | first).title | bare }}等{% endif %}
{%- if top %}。{{ top.item }}{{ top | amount }}{% if top | change(period) %}，{{ top | change(period) }}{% endif %}{% endif %}
{% else %}
的工作
{% endif %}
{%- if facts.quiet %}，{{ words.whole }}未发生安全责任事故{% elif facts.incidents %}，发生{{ '事件' if facts.other_incidents else '安全事件' }}{{ facts.incidents | length }}起{% endif %}
，现总结如下：
"""
