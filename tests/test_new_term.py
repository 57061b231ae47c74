"""worksum new-term: next period's forms from this period's, comments kept, nothing overwritten."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from conftest import EXAMPLE_FORM, ROOT, worksum
from docx_text import texts

from pipeline.diagnostics import FormError
from pipeline.form.config import Config
from pipeline.form.loader import load_text
from pipeline.form.model import Activity, Figure, Form
from pipeline.form.newterm import carry_over
from pipeline.form.periods import Term
from pipeline.form.validate import validate_form

FIRST, SECOND = Term.parse("2024-2025-1"), Term.parse("2024-2025-2")


def errors_of(text: str) -> list[str]:
    """The validation errors of a form's text, as "field path: message"."""
    try:
        validate_form(load_text(text, "new.yaml"), Config())
    except FormError as exc:
        return [d.message for d in exc.diagnostics]
    return []


def fill_in(text: str, date: str, values: list[float]) -> str:
    """What the person does: type the date and this period's values after the comments' prompts,
    and confirm every item carried over as done this period."""
    text = re.sub(r"^date:( *)#", lambda m: f"date: {date}{m.group(1)}#", text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)confirmed: 否", r"\1confirmed: 是", text, flags=re.MULTILINE)
    for value in values:
        text = re.sub(r"^(\s*)value:( *)# 本期数值", lambda m: f"{m.group(1)}value: {value}{m.group(2)}# 已填",
                      text, count=1, flags=re.MULTILINE)
    return text


# --- one form ---------------------------------------------------------------------

def test_carried_over_example_form_keeps_identity_and_comments():
    old = EXAMPLE_FORM.read_text(encoding="utf-8")
    new = carry_over(old, FIRST, SECOND)
    data = yaml.safe_load(new)
    assert (data["organization"], data["campus"], data["department"], data["author"], data["term"]) == \
        ("青禾实验幼儿园", "南园区", "后勤部", "南园区后勤部", "2024-2025-2")
    assert data["date"] is None
    # Comments survive: the form's own header, and a comment inside a record (its summer item is
    # carried into next autumn, not into spring: see test_seasonal_work_is_not_carried_into_the_other_half).
    assert "# 工作总结填报表 — 测试用示例（后勤部）\n" in new
    next_autumn = carry_over(old, FIRST, Term.parse("2025-2026-1"))
    assert "details: 趁暑假对活动室、午睡室和厨房进行检修改造。   # no category: inferred (duties)\n" in next_autumn
    # A comment naming the old period now names the new one.
    assert re.search(r"^term: 2024-2025-2 +# 2024—2025学年第二学期$", new, re.MULTILINE)
    assert re.search(r"^date: +# 成文日期，填写后再生成$", new, re.MULTILINE)


def test_only_fields_of_the_form_appear_and_only_the_blanks_are_errors():
    new = carry_over(EXAMPLE_FORM.read_text(encoding="utf-8"), FIRST, SECOND)
    data = yaml.safe_load(new)
    assert set(data) <= set(Form.model_fields)
    for activity in data["activities"]:
        assert set(activity) <= set(Activity.model_fields)
    for count in data["counts"]:
        assert set(count) <= set(Figure.model_fields)
    errors = errors_of(new)
    unconfirmed = [f'字段 "activities" 第{i}项 "confirmed"：“{a["title"]}”是从上一期的填报表带过来的，还没有确认：'
                   f'本期做了的，把“否”改为“是”（或删去这一行），并按本期的情况填写时间、做法和成效；没有做的，删去这一整项'
                   for i, a in enumerate(data["activities"], 1)]
    assert len(unconfirmed) == 9  # five of last term's items (the summer one left out), two plans, two shortcomings
    assert errors == ['字段 "date"：还没有填写（日期）'] + unconfirmed + [
        '字段 "counts" 第%d项 "value"：还没有填写（数值）' % i for i in (1, 2, 3)]
    assert errors_of(fill_in(new, "2025-07-04", [120, 98, 30000])) == []


def test_activities_become_a_checklist_with_last_periods_facts_in_comments():
    new = carry_over(EXAMPLE_FORM.read_text(encoding="utf-8"), FIRST, SECOND)
    first = yaml.safe_load(new)["activities"][0]
    assert first == {"title": "后勤员工岗位业务学习", "confirmed": "否", "category": "study", "date": None, "times": None,
                     "participants": None, "result": None,
                     "details": "隔周利用周五下午集中学习，内容有岗位操作规程、食品安全知识和传染病消毒要求。"}
    assert re.search(r"^    times: +# 上学期：8$", new, re.MULTILINE)
    assert re.search(r"^    date: +# 上学期：2024-09-01 ~ 2025-01-10$", new, re.MULTILINE)
    assert re.search(r"^    confirmed: 否 +# 上学期的工作：本期也做了，改为“是”并按本期情况修改；没有做，删去整项$", new,
                     re.MULTILINE)
    assert "# 开展的工作：以下是上学期的工作清单，每项都写着“confirmed: 否”（未确认的填报表不会生成文档）。" in new


def test_counts_move_their_value_to_previous():
    data = yaml.safe_load(carry_over(EXAMPLE_FORM.read_text(encoding="utf-8"), FIRST, SECOND))
    assert [(c["item"], c["value"], c["previous"], c.get("unit")) for c in data["counts"]] == [
        ("维修幼儿桌椅", None, 96, "套"), ("教职工体检率", None, 100, "%"), ("节约公用经费", None, 18600, "元")]


def test_plans_and_shortcomings_become_items_to_report_on():
    new = carry_over(EXAMPLE_FORM.read_text(encoding="utf-8"), FIRST, SECOND)
    data = yaml.safe_load(new)
    carried = [a for a in data["activities"] if set(a) == {"title", "confirmed", "details"}]
    assert all(a["confirmed"] == "否" and a["details"] is None for a in carried)
    assert [a["title"] for a in carried] == [
        "按岗位分批开展业务培训，每月安排一次保育员操作交流", "健全物品申领和报修登记手续",
        "整改：后勤岗位人手偏紧，个别员工身兼几项工作", "整改：少数保育员对新版消毒流程还不够熟悉"]
    assert re.search(r"^    confirmed: 否 +# 上学期的不足。整改了，改为“是”并写明做了什么、效果如何；没有整改，删去整项$", new,
                     re.MULTILINE)
    assert re.search(r"^    confirmed: 否 +# 上学期的打算。落实了，改为“是”并写明做法和成效；没有落实，删去整项$", new,
                     re.MULTILINE)
    assert re.search(r"^    details: +# 写明本期的做法和成效$", new, re.MULTILINE)
    assert data["shortcomings"] is None and data["plans"] is None and data["incidents"] is None


def test_an_unresolved_incident_becomes_an_item_to_follow_up():
    old = EXAMPLE_FORM.read_text(encoding="utf-8").replace("resolved: true", "resolved: false")
    data = yaml.safe_load(carry_over(old, FIRST, SECOND))
    follow = data["activities"][-1]
    assert follow == {"title": "跟进：一名幼儿在滑梯旁奔跑时绊倒，手肘擦破皮", "confirmed": "否", "category": "safety",
                      "details": None}


def test_a_year_id_is_not_replaced_in_text():
    old = ("organization: 明德实验学校\ncampus: 本部校区\ndepartment: 后勤处\nterm: 2024\ndate: 2024-12-30\n"
           "intro: 2024年度，我们在2024年9月完成了食堂改造。\ncounts: [{item: 维修, value: 3, unit: 次}]\n")
    new = carry_over(old, Term.parse("2024"), Term.parse("2025"))
    data = yaml.safe_load(new)
    assert data["term"] == 2025
    assert data["intro"] == "2025年度，我们在2024年9月完成了食堂改造。"  # the period's name, not every "2024"
    assert data["counts"] == [{"item": "维修", "value": None, "previous": 3, "unit": "次"}]  # flow list made block


def test_blank_lines_between_sections_stay_where_they_were():
    new = carry_over((ROOT / "inputs" / "2023-2024-2" / "东湖校区" / "后勤处.yaml").read_text(encoding="utf-8"),
                     Term.parse("2023-2024-2"), FIRST)
    assert "\n\n\n" not in new
    assert re.search(r"\n\n# 数据：上学期的数值已移到 previous", new)
    assert re.search(r"# 写明本期的做法和成效\n\n# 数据", new)  # the new items end the list, then the blank line


# --- the command -------------------------------------------------------------------

def sample(tmp_path: Path, *terms: str) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(ROOT / "config.yaml", root / "config.yaml")
    for term in terms:
        shutil.copytree(ROOT / "inputs" / term, root / "inputs" / term)
    return root


def test_new_term_writes_every_campus_and_department(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    result = run(root, "new-term", "2024-2025-1", "2024-2025-2")
    assert result.exit_code == 0, result.stderr
    written = sorted(p.relative_to(root / "inputs" / "2024-2025-2").as_posix()
                     for p in (root / "inputs" / "2024-2025-2").rglob("*.yaml"))
    assert written == sorted(p.relative_to(root / "inputs" / "2024-2025-1").as_posix()
                             for p in (root / "inputs" / "2024-2025-1").rglob("*.yaml"))
    assert len(written) == 6
    assert result.stdout.splitlines() == sorted(f"inputs/2024-2025-2/{name}" for name in written)
    assert "完成：生成 6 份 2024-2025-2 填报表" in result.stderr
    for path in (root / "inputs" / "2024-2025-2").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["term"] == "2024-2025-2" and data["date"] is None


def test_new_term_never_overwrites_and_a_second_run_changes_nothing(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    mine = root / "inputs" / "2024-2025-2" / "东湖校区" / "后勤处.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("# 我已经开始填写的表\ncampus: 东湖校区\n", encoding="utf-8")
    first = run(root, "new-term", "2024-2025-1", "2024-2025-2")
    assert first.exit_code == 0
    assert "inputs/2024-2025-2/东湖校区/后勤处.yaml: 已存在，没有改动" in first.stderr
    assert mine.read_text(encoding="utf-8") == "# 我已经开始填写的表\ncampus: 东湖校区\n"
    snapshot = {p: p.read_bytes() for p in (root / "inputs" / "2024-2025-2").rglob("*.yaml")}
    second = run(root, "new-term", "2024-2025-1", "2024-2025-2")
    assert second.exit_code == 0
    assert second.stdout == ""
    assert "完成：生成 0 份 2024-2025-2 填报表，6 份已存在未改动" in second.stderr
    assert {p: p.read_bytes() for p in (root / "inputs" / "2024-2025-2").rglob("*.yaml")} == snapshot
    assert not list((root / "inputs").rglob(".worksum-*"))


def test_a_form_with_errors_is_reported_and_the_others_still_carried_over(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    broken = root / "inputs" / "2024-2025-1" / "东湖校区" / "教务处.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("  - item:", "  - iten:", 1), encoding="utf-8")
    result = run(root, "new-term", "2024-2025-1", "2024-2025-2")
    assert result.exit_code == 1
    assert re.search(r"inputs/2024-2025-1/东湖校区/教务处\.yaml:\d+:\d+: 错误: 未知字段 \"iten\"", result.stderr)
    assert not (root / "inputs" / "2024-2025-2" / "东湖校区" / "教务处.yaml").exists()
    assert len(list((root / "inputs" / "2024-2025-2").rglob("*.yaml"))) == 5


def test_new_term_refuses_a_missing_period_and_bad_ids(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    missing = run(root, "new-term", "2023-2024-1", "2023-2024-2")
    assert missing.exit_code == 1 and "没有找到 inputs/2023-2024-1" in missing.stderr
    bad = run(root, "new-term", "2024-2025-3", "2025")
    assert bad.exit_code == 2 and "学期编号 \"2024-2025-3\" 格式不对" in bad.stderr
    assert not (root / "inputs" / "2025").exists()


# --- a school's years: init → first term → new-term → next term says the changes ------------

def test_from_an_empty_folder_to_next_terms_comparisons(tmp_path, run):
    assert run(tmp_path, "init", ".").exit_code == 0
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("organization:\n", "organization: 明德实验学校\n"),
                      encoding="utf-8")
    first = tmp_path / "inputs" / "2024-2025-1" / "本部校区" / "后勤处.yaml"
    first.parent.mkdir(parents=True)
    first.write_text(
        "campus: 本部校区\ndepartment: 后勤处\nterm: 2024-2025-1\ndate: 2025-01-15\n"
        "activities:\n  - title: 校舍维修\n    category: duties\n    details: 完成教学楼屋面防水。\n"
        "counts:\n  - item: 维修课桌凳   # 每学期都统计\n    value: 80\n    unit: 套\n    category: duties\n"
        "  - item: 考试及格率\n    value: 90\n    unit: \"%\"\n    category: duties\n"
        "shortcomings:\n  - 维修记录不够完整。\nplans:\n  - 建立维修台账。\n", encoding="utf-8")
    assert run(tmp_path, "build").exit_code == 0

    made = run(tmp_path, "new-term", "2024-2025-1", "2024-2025-2")
    assert made.exit_code == 0, made.stderr
    second = tmp_path / "inputs" / "2024-2025-2" / "本部校区" / "后勤处.yaml"
    text = second.read_text(encoding="utf-8")
    assert "# 每学期都统计" in text
    assert run(tmp_path, "validate", str(second)).exit_code == 1  # date and values still to fill
    second.write_text(fill_in(text, "2025-07-04", [100, 92.5]), encoding="utf-8")

    built = run(tmp_path, "build", "inputs/2024-2025-2")
    assert built.exit_code == 0, built.stderr
    document = texts(tmp_path / "outputs" / "2024-2025-2" / "本部校区" /
                     "明德实验学校本部校区后勤处2024—2025学年第二学期工作总结.docx")
    assert "本学期维修课桌凳100套，较上学期增长25%；考试及格率92.5%，较上学期提高2.5个百分点。" in document
    # Last term's plan and shortcoming, as this term's work items (their heading is the classifier's call).
    assert any(re.fullmatch(r"\d\.建立维修台账。", text) for text in document)
    assert any(re.fullmatch(r"\d\.整改：维修记录不够完整。", text) for text in document)
    assert document[-1] == "2025年7月4日"


def test_new_term_as_a_command(tmp_path):
    root = sample(tmp_path, "2023-2024-2")
    made = worksum("new-term", "2023-2024-2", "2024-2025-1", cwd=root)
    assert made.returncode == 0, made.stderr.decode()
    assert len(made.stdout.decode().splitlines()) == 6


def test_a_form_of_the_same_campus_and_department_elsewhere_is_not_doubled(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    mine = root / "inputs" / "2024-2025-2" / "东湖" / "后勤.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("organization: 明德实验学校\ncampus: 东湖校区\ndepartment: 后勤处\n", encoding="utf-8")
    result = run(root, "new-term", "2024-2025-1", "2024-2025-2")
    assert result.exit_code == 0
    assert ("inputs/2024-2025-1/东湖校区/后勤处.yaml: 这个校区和部门在 2024-2025-2 已有填报表 "
            "inputs/2024-2025-2/东湖/后勤.yaml，没有另外生成") in result.stderr
    assert not (root / "inputs" / "2024-2025-2" / "东湖校区" / "后勤处.yaml").exists()
    assert len(list((root / "inputs" / "2024-2025-2").rglob("*.yaml"))) == 6


def test_a_filled_in_new_term_form_is_not_flagged_by_the_editor_schema():
    from test_init import editor_errors

    new = carry_over(EXAMPLE_FORM.read_text(encoding="utf-8"), FIRST, SECOND)
    assert editor_errors(fill_in(new, "2025-07-04", [120, 98, 30000])) == []


# --- nothing carried over becomes a wrong document ------------------------------------

SMALL = ("# 明德实验学校 2024-2025学年度上学期 后勤处填报表（2024～2025学年第1学期）\n"
         "organization: 明德实验学校\ncampus: 本部校区\ndepartment: 后勤处\nterm: 2024-2025-1\ndate: 2025-01-15\n"
         "intro: 2024-2025学年度上学期，后勤处围绕安全和服务开展工作。\n"
         "activities:\n  - title: 冬季锅炉房检修\n    details: 供暖前完成检修。\n"
         "  - title: 水电巡查\n    details: 每天巡查两次；入冬后增加防冻检查。\n"
         "  - title: 食堂留样\n    details: 每餐留样48小时。\n"
         "plans:\n  - 下学期为厨房大型设备建立保养卡。\n  - 今后要完善采购审批流程。\n")


def test_last_terms_plans_become_to_do_items_to_confirm_not_achievements():
    new = carry_over(SMALL, FIRST, SECOND)
    activities = yaml.safe_load(new)["activities"]
    assert activities[-2:] == [{"title": "为厨房大型设备建立保养卡", "confirmed": "否", "details": None},
                               {"title": "完善采购审批流程", "confirmed": "否", "details": None}]
    assert re.search(r"^    confirmed: 否 +# 上学期的打算“下学期为厨房大型设备建立保养卡”。落实了，改为“是”并写明做法和成效；"
                     r"没有落实，删去整项$", new, re.MULTILINE)


def test_seasonal_work_is_not_carried_into_the_other_half_of_the_year():
    new = carry_over(SMALL, FIRST, SECOND)
    activities = yaml.safe_load(new)["activities"]
    assert [a["title"] for a in activities] == ["水电巡查", "食堂留样", "为厨房大型设备建立保养卡", "完善采购审批流程"]
    assert "# 上学期的季节性工作没有带过来（本期如有同类工作请照格式添加）：冬季锅炉房检修。\n" in new
    # A kept item whose details speak of last term's season: the details wait to be rewritten.
    assert activities[0]["details"] is None
    assert re.search(r"^    details: +# 上学期的做法，其中“入冬、防冻”是上学期的季节性内容，请按本期情况重写："
                     r"每天巡查两次；入冬后增加防冻检查。$", new, re.MULTILINE)
    assert activities[1]["details"] == "每餐留样48小时。"
    # Into the same half of the next year, the winter work is carried as any other.
    next_autumn = yaml.safe_load(carry_over(SMALL, FIRST, Term.parse("2025-2026-1")))["activities"]
    assert next_autumn[0]["title"] == "冬季锅炉房检修" and next_autumn[0]["details"] == "供暖前完成检修。"


def test_period_names_are_renamed_in_the_spelling_the_form_uses():
    new = carry_over(SMALL, FIRST, SECOND)
    assert "# 明德实验学校 2024-2025学年度下学期 后勤处填报表（2024～2025学年第2学期）\n" in new
    assert yaml.safe_load(new)["intro"] == "2024-2025学年度下学期，后勤处围绕安全和服务开展工作。"
    following = carry_over(new.replace("term: 2024-2025-2", "term: 2024-2025-2"), SECOND, Term.parse("2025-2026-1"))
    assert "# 明德实验学校 2025-2026学年度上学期 后勤处填报表（2025～2026学年第1学期）\n" in following


def test_a_new_term_form_filled_only_where_the_message_asks_is_refused_item_by_item(tmp_path, run):
    root = sample(tmp_path, "2024-2025-1")
    assert run(root, "new-term", "2024-2025-1", "2024-2025-2").exit_code == 0
    form = root / "inputs" / "2024-2025-2" / "本部校区" / "后勤处.yaml"
    text = form.read_text(encoding="utf-8")
    values = len(re.findall(r"value: +# 本期数值", text))
    only_asked = re.sub(r"^(\s*)confirmed: 是", r"\1confirmed: 否", fill_in(text, "2025-07-04", [10] * values),
                        flags=re.MULTILINE)
    form.write_text(only_asked, encoding="utf-8")
    lines = only_asked.splitlines()
    expected = [n for n, line in enumerate(lines, 1) if line.strip().startswith("confirmed: 否")]
    assert len(expected) == 13  # seven of last term's items (the summer one left out), three plans, three shortcomings

    checked = run(root, "validate", "inputs/2024-2025-2/本部校区/后勤处.yaml")
    assert checked.exit_code == 1
    said = [int(line.split(":")[1]) for line in checked.stderr.splitlines() if "还没有确认" in line]
    assert said == expected
    assert "“编制校舍水电管网改造计划，争取利用暑假分批实施”是从上一期的填报表带过来的，还没有确认" in checked.stderr

    built = run(root, "build", "inputs/2024-2025-2/本部校区/后勤处.yaml")
    assert built.exit_code == 1
    assert not (root / "outputs" / "2024-2025-2" / "本部校区").exists()
