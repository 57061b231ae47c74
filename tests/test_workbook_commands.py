"""Workbook forms in every command: init and blank, convert, build (incremental), check,
new-term, last period's figures whatever their container, and the roll-up's figures workbook."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import openpyxl
from docx_text import texts
from workbooks import info_cell, letter, through_libreoffice

from pipeline.form.workbook import load_workbook
from pipeline.form.workbook_write import write_workbook

TERM, NEXT = "2024-2025-1", "2024-2025-2"
EAST = Path("inputs") / TERM / "东湖校区"


def convert(run, workspace: Path, form: Path, *args: str):
    result = run(workspace, "convert", str(form), *args)
    assert result.exit_code == 0, result.output
    return result


def document(run, workspace: Path, form: Path, name: str) -> list[str]:
    out = workspace / name
    result = run(workspace, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.output
    return texts(out)


# --- a blank workbook ------------------------------------------------------------------

def validations(ws) -> dict[str, tuple[str, str | None]]:
    """Column letter → (type, list formula) of each data validation that has a type."""
    found = {}
    for rule in ws.data_validations.dataValidation:
        if rule.type:
            for area in str(rule.sqref).split():
                found[area.split(":")[0].rstrip("0123456789")] = (rule.type, rule.formula1)
    return found


def check_blank(book: openpyxl.Workbook, frozen: bool = True) -> None:
    assert book.sheetnames == ["基本信息", "开展的工作", "数据", "安全事件", "不足与打算", "标题改写", "填写说明"]
    work, numbers, incidents, info = book["开展的工作"], book["数据"], book["安全事件"], book["基本信息"]
    rules = validations(work)
    assert rules[letter(work, "分类")] == ("list", '"学习,岗位,安全,财务"')
    assert rules[letter(work, "次数")][0] == rules[letter(work, "人次")][0] == "whole"
    assert letter(work, "日期") not in rules  # 2024-10 and ranges are text: no date check there
    assert letter(numbers, "数值") not in validations(numbers)  # 100多 and 约160 are figures too
    rules = validations(incidents)
    assert rules[letter(incidents, "严重程度")] == ("list", '"轻微,一般,严重"')
    assert rules[letter(incidents, "是否解决")] == ("list", '"是,否"')
    assert rules[letter(incidents, "日期")][0] == "date"
    date_row, flag_row = info_cell(book, "成文日期").row, info_cell(book, "本期安全事件").row
    info_rules = [(r.type, str(r.sqref), r.formula1) for r in info.data_validations.dataValidation if r.type]
    assert ("date", f"B{date_row}", "32874") in info_rules and ("list", f"B{flag_row}", '"有,无"') in info_rules
    for ws in (work, numbers, incidents):
        for cell in ws[1]:  # every header fits its column (a Chinese character is two widths)
            assert ws.column_dimensions[cell.column_letter].width >= 2 * len(cell.value) + 2, (ws.title, cell.value)
        if frozen:
            assert ws.freeze_panes == "A2"
    assert "填写说明" in book["填写说明"]["A1"].value


def test_init_writes_a_blank_workbook_beside_the_blank_yaml_form(tmp_path: Path, run):
    result = run(tmp_path, "init", "ws")
    assert result.exit_code == 0
    workbook = tmp_path / "ws" / "空白填报表.xlsx"
    assert "ws/空白填报表.xlsx" in result.stdout.splitlines()
    check_blank(openpyxl.load_workbook(workbook))
    # Nothing filled in yet: the required values are there to be said missing, at their cells.
    assert load_workbook(workbook).data == dict.fromkeys(["organization", "campus", "department", "term", "date"])


def test_the_blank_workbook_keeps_its_dropdowns_after_a_save_in_calc(tmp_path: Path):
    path = tmp_path / "空白填报表.xlsx"
    path.write_bytes(write_workbook(None))
    saved = through_libreoffice(path, tmp_path)
    # LibreOffice drops frozen panes in a headless save (they are view settings); all else stays.
    check_blank(openpyxl.load_workbook(saved), frozen=False)


def test_blank_writes_a_departments_workbook_once(workspace: Path, run):
    result = run(workspace, "blank", "--term", NEXT, "--campus", "东湖校区", "--department", "后勤处")
    assert result.exit_code == 0, result.output
    target = workspace / "inputs" / NEXT / "东湖校区" / "后勤处.xlsx"
    assert result.stdout.splitlines() == [f"inputs/{NEXT}/东湖校区/后勤处.xlsx"]
    assert load_workbook(target).data == {"organization": "明德实验学校", "campus": "东湖校区", "department": "后勤处",
                                          "term": NEXT, "date": None}
    again = run(workspace, "blank", "--term", NEXT, "--campus", "东湖校区", "--department", "后勤处")
    assert again.exit_code == 1
    assert again.output.splitlines() == [f"inputs/{NEXT}/东湖校区/后勤处.xlsx: 错误: 已有这个部门的填报表，没有覆盖"]
    yaml_there = run(workspace, "blank", "--term", TERM, "--campus", "东湖校区", "--department", "后勤处")
    assert yaml_there.exit_code == 1
    assert yaml_there.output.splitlines() == [f"inputs/{TERM}/东湖校区/后勤处.yaml: 错误: 已有这个部门的填报表，没有覆盖"]
    typo = run(workspace, "blank", "--term", NEXT, "--campus", "东湖校", "--department", "后勤处")
    assert typo.exit_code == 2  # the form's own rule, said of the option
    assert typo.output.splitlines() == [
        "错误: --campus：校区 \"东湖校\" 不在 config.yaml 的 campuses 名单中，是否应为 \"东湖校区\"？"]


# --- conversion -------------------------------------------------------------------------

def test_converting_a_form_to_a_workbook_keeps_the_original_and_builds_the_same_document(workspace: Path, run):
    form = workspace / EAST / "后勤处.yaml"
    before = document(run, workspace, form, "before.docx")
    result = convert(run, workspace, form)
    assert result.stdout.splitlines() == [f"{EAST}/后勤处.xlsx"]
    assert "原来的 后勤处.yaml 改名为 后勤处.bak.yaml 保留（不再读取）" in result.stderr
    assert not form.exists() and (workspace / EAST / "后勤处.bak.yaml").is_file()
    checked = run(workspace, "validate")
    assert checked.exit_code == 0 and checked.output.splitlines()[-1] == "检查了 12 份填报表：没有发现错误"
    assert document(run, workspace, workspace / EAST / "后勤处.xlsx", "after.docx") == before

    back = convert(run, workspace, workspace / EAST / "后勤处.xlsx", "-o", str(workspace / "back.yaml"))
    assert back.stdout.splitlines() == ["back.yaml"] and (workspace / EAST / "后勤处.xlsx").exists()
    assert document(run, workspace, workspace / "back.yaml", "back.docx") == before
    refused = run(workspace, "convert", str(workspace / EAST / "后勤处.xlsx"), "-o", str(workspace / "back.yaml"))
    assert refused.exit_code == 1 and refused.output.splitlines() == ["back.yaml: 错误: 已存在，没有覆盖"]


def test_a_converted_workbook_survives_a_save_in_calc(workspace: Path, run, tmp_path: Path):
    form = workspace / EAST / "教务处.yaml"
    before = document(run, workspace, form, "before.docx")
    convert(run, workspace, form)
    workbook = workspace / EAST / "教务处.xlsx"
    shutil.copy(through_libreoffice(workbook, tmp_path), workbook)
    assert document(run, workspace, workbook, "after.docx") == before


# --- build, check ------------------------------------------------------------------------

def test_build_skips_an_unchanged_workbook_and_rebuilds_a_changed_one(workspace: Path, run):
    convert(run, workspace, workspace / EAST / "后勤处.yaml")
    first = run(workspace, "build", "--term", TERM)
    assert first.exit_code == 0 and first.stderr.splitlines()[-1] == "完成：生成 6 份，未变化 0 份，失败 0 份"
    second = run(workspace, "build", "--term", TERM)
    assert second.stderr.splitlines()[-1] == "完成：生成 0 份，未变化 6 份，失败 0 份"
    workbook = workspace / EAST / "后勤处.xlsx"
    book = openpyxl.load_workbook(workbook)
    info_cell(book, "成文日期").value = dt.datetime(2025, 1, 20)
    book.save(workbook)
    third = run(workspace, "build", "--term", TERM)
    assert third.stderr.splitlines()[-1] == "完成：生成 1 份，未变化 5 份，失败 0 份"
    assert any("2025年1月20日" in line for line in texts(Path(workspace / third.stdout.splitlines()[0])))


def test_check_points_at_cells_and_leaves_a_workbook_alone(workspace: Path, run):
    convert(run, workspace, workspace / EAST / "后勤处.yaml")
    workbook = workspace / EAST / "后勤处.xlsx"
    book = openpyxl.load_workbook(workbook)
    work = book["开展的工作"]
    cell = work[f"{letter(work, '做法')}2"]
    cell.value = cell.value.replace("，", ",", 1)
    book.save(workbook)
    before = workbook.read_bytes()
    result = run(workspace, "check", "--fix", str(workbook))
    lines = result.output.splitlines()
    assert f"{EAST}/后勤处.xlsx:开展的工作!{cell.coordinate}: 警告: 中文里用了半角逗号“,”，应为“，”" in "\n".join(lines)
    assert f"{EAST}/后勤处.xlsx: 警告: 工作簿不会自动修改，请按上面的提示在 Excel/WPS 中改正标点" in lines
    assert workbook.read_bytes() == before


# --- new-term and last period's figures ---------------------------------------------------

def test_new_term_carries_a_workbook_into_next_terms_workbook(workspace: Path, run):
    convert(run, workspace, workspace / EAST / "后勤处.yaml")
    result = run(workspace, "new-term", TERM, NEXT)
    assert result.exit_code == 0, result.output
    carried = workspace / "inputs" / NEXT / "东湖校区" / "后勤处.xlsx"
    assert f"inputs/{NEXT}/东湖校区/后勤处.xlsx" in result.stdout.splitlines()
    assert not carried.with_suffix(".yaml").exists()
    data = load_workbook(carried).data
    old = load_workbook(workspace / EAST / "后勤处.xlsx").data
    assert data["term"] == NEXT and data["date"] is None and "incidents" not in data
    assert [c["previous"] for c in data["counts"]] == [c["value"] for c in old["counts"]]
    assert all(c["value"] is None for c in data["counts"])
    from pipeline.form.newterm import seasonal_words
    from pipeline.form.periods import Term

    kept = [a["title"] for a in old["activities"] if not seasonal_words(a["title"], Term.parse(TERM), Term.parse(NEXT))]
    assert len(kept) < len(old["activities"])  # 冬季… stays with last term, as in a YAML form
    assert [a["title"] for a in data["activities"][:len(kept)]] == kept
    assert all("times" not in a and "result" not in a for a in data["activities"])
    assert all(a["confirmed"] is False for a in data["activities"])  # 是否已确认: 否, until the person says
    book = openpyxl.load_workbook(carried)
    work = book["开展的工作"]
    first_times = old["activities"][0].get("times")
    note = work[f"{letter(work, '次数')}2"].comment
    assert first_times is not None and note.text == f"上学期：{first_times}"
    assert info_cell(book, "成文日期").comment.text == "成文日期，填写后再生成"
    date_row = info_cell(book, "成文日期").row
    said = run(workspace, "validate", str(carried)).output
    assert f"后勤处.xlsx:基本信息!B{date_row}: 错误: 成文日期：还没有填写（日期）" in said


def test_a_workbook_and_a_yaml_form_carry_over_by_the_same_rules():
    """One piece of code serves both containers: an approximate value (80余) moves to
    previous as the number, its marker in the note, in a workbook as in a YAML form
    (a workbook once kept "80余" there, which validation then refused)."""
    import re

    from pipeline.form.newterm import carry_over, carry_over_data
    from pipeline.form.periods import Term

    text = ("term: 2024-2025-1\nactivities:\n  - title: 防汛检查\n    details: 入冬前检查供暖管道。\n    times: 3\n"
            "counts:\n  - item: 维修桌椅\n    value: 80余\n    unit: 件\nplans:\n  - 下学期为厨房建立保养卡。\n")
    source, target = Term.parse(TERM), Term.parse(NEXT)
    data, notes = carry_over_data({"term": TERM, "activities": [{"title": "防汛检查", "details": "入冬前检查供暖管道。",
                                                                 "times": 3}],
                                   "counts": [{"item": "维修桌椅", "value": "80余", "unit": "件"}],
                                   "plans": ["下学期为厨房建立保养卡。"]}, source, target)
    yaml_text = carry_over(text, source, target)
    assert data["counts"] == [{"item": "维修桌椅", "value": None, "unit": "件", "previous": 80}]
    assert notes[("counts", 0, "previous")] == "上学期（2024—2025学年第一学期）的数值，约数（余）"
    assert re.search(r"previous: 80 +# 上学期（2024—2025学年第一学期）的数值，约数（余）", yaml_text)
    details = notes[("activities", 0, "details")]
    assert details.startswith("上学期的做法，其中“入冬、供暖”是上学期的季节性内容") and f"# {details}" in yaml_text
    assert notes[("activities", 0, "times")] == "上学期：3" and "# 上学期：3" in yaml_text
    assert [a["title"] for a in data["activities"]] == ["防汛检查", "为厨房建立保养卡"]
    assert "plans" not in data and "plans: " in yaml_text


def test_figures_compare_with_last_term_whatever_container_either_term_used(workspace: Path, run):
    form = workspace / EAST / "后勤处.yaml"
    expected = "节约水电费12600元，较上学期增长28.6%"  # 9800 in last term's YAML form

    def compared(document: list[str]) -> bool:
        return any(expected in paragraph for paragraph in document)

    assert compared(document(run, workspace, form, "yaml-yaml.docx"))
    convert(run, workspace, workspace / "inputs" / "2023-2024-2" / "东湖校区" / "后勤处.yaml")
    assert compared(document(run, workspace, form, "yaml-xlsx.docx"))  # last term now a workbook
    convert(run, workspace, form)
    assert compared(document(run, workspace, workspace / EAST / "后勤处.xlsx", "xlsx-xlsx.docx"))


# --- the roll-up's figures ------------------------------------------------------------------

def test_each_rollup_has_its_figures_as_a_workbook_beside_it(workspace: Path, run):
    convert(run, workspace, workspace / EAST / "后勤处.yaml")  # one campus fills a workbook
    result = run(workspace, "rollup", "--term", TERM, "--department", "后勤处")
    assert result.exit_code == 0, result.output
    docx_path, = (workspace / p for p in result.stdout.splitlines() if p.endswith(".docx"))
    table = docx_path.with_suffix(".xlsx")
    assert result.stdout.splitlines() == [str(table.relative_to(workspace)), str(docx_path.relative_to(workspace))]
    ws = openpyxl.load_workbook(table)["数据汇总"]
    header = [cell.value for cell in ws[2]]
    assert header[:3] == ["标题", "项目", "单位"] and header[-2:] == ["合计", "上期合计"]
    assert set(header[3:-2]) == {"本部校区", "东湖校区", "滨江校区"}
    rows = {row[1]: dict(zip(header, row)) for row in ws.iter_rows(min_row=3, values_only=True)}
    saving = rows["节约水电费"]
    assert saving["东湖校区"] == 12600 and saving["单位"] == "元"
    assert saving["合计"] == sum(v for k, v in saving.items() if k in {"本部校区", "东湖校区", "滨江校区"} and v)
    assert all(isinstance(v, (int, float)) for k, v in saving.items() if k in {"合计"})
    assert any(row["单位"] == "%" and row["合计"] is None for row in rows.values())  # rates are not added up

    before = table.read_bytes()
    time.sleep(1.1)  # a second later: nothing in the workbook may say when it was written
    again = run(workspace, "rollup", "--term", TERM, "--department", "后勤处")
    assert again.stdout == "" and table.read_bytes() == before  # unchanged: left alone, no backup
    assert not list(table.parent.glob("*.edited-*"))


def test_check_names_the_sheet_and_row_of_the_earlier_value(workspace: Path, run):
    convert(run, workspace, workspace / EAST / "后勤处.yaml")
    workbook = workspace / EAST / "后勤处.xlsx"
    book = openpyxl.load_workbook(workbook)
    work = book["开展的工作"]
    title, details = letter(work, "标题"), letter(work, "做法")
    first = work[f"{title}2"].value
    work[f"{title}4"] = first
    work[f"{details}3"] = work[f"{details}2"].value
    book.save(workbook)
    lines = run(workspace, "check", str(workbook)).output.splitlines()
    assert f"{EAST}/后勤处.xlsx:开展的工作!{title}4: 警告: 工作条目重复：“{first}”与“开展的工作”表第2行的第1项相同" in lines
    assert any(line.startswith(f"{EAST}/后勤处.xlsx:开展的工作!{details}3: 警告: 句子重复：")
               and line.endswith("与“开展的工作”表第2行的句子相同") for line in lines)


def test_a_form_with_a_misspelt_field_is_not_converted_and_loses_nothing(workspace: Path, run):
    form = workspace / EAST / "后勤处.yaml"
    form.write_text(form.read_text(encoding="utf-8").replace("    category: duties\n", "    catgory: duties\n", 1),
                    encoding="utf-8")
    result = run(workspace, "convert", str(form))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].endswith(
        "错误: 未知字段 \"catgory\"，工作簿中没有它的位置；请先改正（worksum validate 会给出建议）再转换")
    assert form.is_file() and not form.with_suffix(".xlsx").exists()
