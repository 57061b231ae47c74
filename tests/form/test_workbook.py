"""The workbook form: an .xlsx filled in Excel, WPS or LibreOffice is a form like the .yaml.

The key test fills a workbook as a person would (typing into the blank
workbook, blank rows, trailing spaces, numbers typed as text, a merged 分类
cell, a formula), saves it in LibreOffice Calc, and checks that it builds the
same document, paragraph for paragraph, as the equivalent YAML form. The
others give every malformed workbook its exact message.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from docx_text import texts
from workbooks import blank_book, info_cell, letter, put, save_over, through_libreoffice, type_into

from pipeline.form.loader import load_text
from pipeline.form.workbook import load_workbook
from pipeline.form.workbook_write import write_workbook

TERM = "2024-2025-1"
CONFIG = """\
organization: 青禾路小学
campuses: [北校区, 南校区]
departments: [后勤处, 教务处]
"""

# The YAML form the workbook below is the equivalent of (our own words).
YAML_FORM = """\
organization: 青禾路小学
campus: 北校区
department: 后勤处
term: 2024-2025-1
date: 2025-01-17
author: 北校区后勤处

activities:
  - title: 后勤人员安全操作规程学习
    category: 学习
    date: 2024-09-01 ~ 2025-01-10
    times: 6
    participants: 180
    details: 每月第二周的周四下午集中学习电工、锅炉和厨房设备的操作规程，学后逐人抽问。
    result: 全学期没有发生违规操作。
  - title: 食堂员工健康证复核
    category: 岗位
    group: 食堂管理
    date: 2024-10
    details: 逐人核对健康证的有效期，两人临近到期，已安排复检。
  - title: 教室照明改造
    category: 岗位
    group: 校舍维修
    date: 2024-11-04
    times: 3
    details: 把六间教室的老式灯管换成护眼灯。
  - title: 校门口护学岗值守
    category: 安全
    participants: 420

counts:
  - item: 维修课桌凳
    value: 96
    unit: 套
    previous: 80
  - item: 节约用电
    value: 12.5
    unit: "%"

incidents:
  - date: 2024-10-15
    description: 厨房一只高压锅的安全阀漏气。
    severity: 一般
    handling: 当即停用并联系厂家更换安全阀。
    resolved: true

shortcomings:
  - 维修材料储备不足。
  - 部分设备缺少保养记录。

plans:
  - 建立常用耗材的安全库存。
"""


def filled_as_a_person_would(path: Path, scratch: Path) -> None:
    """The workbook equivalent of YAML_FORM, typed into the blank workbook the way people type.

    Every value is typed as text and read as Calc reads typing (numbers, dates); then what
    typing cannot give: a number pasted as text, formulas, a merged 分类 cell, a month shown as one.
    """
    book = blank_book(campus="北校区", department="后勤处", term=TERM)
    info = {f"B{info_cell(book, label).row}": text for label, text in (
        ("单位", "青禾路小学 "), ("成文日期", "2025-01-17"), ("落款", "北校区后勤处"), ("本期安全事件", "有"))}
    work, numbers, incidents = book["开展的工作"], book["数据"], book["安全事件"]

    def cells(ws, row: int, **by_header) -> dict[str, str]:
        return {f"{letter(ws, header)}{row}": text for header, text in by_header.items()}

    # Rows 2 and 3 left blank (people start lower, or clear rows), and row 5 between two records.
    typed = {
        "基本信息": info,
        "开展的工作": {
            **cells(work, 4, 标题="后勤人员安全操作规程学习", 分类="学习", 日期="2024-09-01 ~ 2025-01-10", 次数="6",
                    人次="180", 做法="每月第二周的周四下午集中学习电工、锅炉和厨房设备的操作规程，学后逐人抽问。",
                    成效="全学期没有发生违规操作。 "),
            **cells(work, 6, 标题="食堂员工健康证复核", 分类="岗位", 分组="食堂管理",
                    做法="逐人核对健康证的有效期，两人临近到期，已安排复检。"),
            **cells(work, 7, 标题="教室照明改造", 分组="校舍维修", 日期="2024/11/4", 做法="把六间教室的老式灯管换成护眼灯。"),
            **cells(work, 8, 标题="校门口护学岗值守 ", 分类="安全"),
        },
        "数据": {**cells(numbers, 2, 项目="维修课桌凳", 数值=" 96", 单位="套"),
                 **cells(numbers, 3, 项目="节约用电", 数值="12.5", 单位="%")},
        "安全事件": cells(incidents, 2, 日期="2024-10-15", 经过="厨房一只高压锅的安全阀漏气。", 严重程度="一般",
                          处理情况="当即停用并联系厂家更换安全阀。", 是否解决="是"),
        "不足与打算": {"A2": "维修材料储备不足。", "A4": "部分设备缺少保养记录。", "B2": "建立常用耗材的安全库存。"},
    }
    type_into(book, typed, scratch)
    put(work, 8, 人次="420")  # pasted from a chat message: a number stored as text
    put(work, 7, 次数="=1+2")  # a formula
    put(numbers, 2, 上期="=40*2")
    put(work, 6, 日期=dt.datetime(2024, 10, 1))  # a month, typed as a date and shown as one
    work[f"{letter(work, '日期')}6"].number_format = "yyyy-mm"
    category = letter(work, "分类")
    work.merge_cells(f"{category}6:{category}7")  # one 岗位 cell for two rows
    book.save(path)


def workspace_with(root: Path, name: str, content: bytes | str = b"") -> Path:
    (root / "inputs" / TERM / "北校区").mkdir(parents=True)
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    form = root / "inputs" / TERM / "北校区" / name
    form.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return form


# --- the key test ------------------------------------------------------------------

def test_a_workbook_filled_in_calc_builds_the_same_document_as_the_yaml_form(tmp_path: Path, run):
    yaml_form = workspace_with(tmp_path / "yaml", "后勤处.yaml", YAML_FORM)
    workbook = workspace_with(tmp_path / "xlsx", "后勤处.xlsx")
    filled_as_a_person_would(workbook, tmp_path)
    save_over(workbook, tmp_path)  # opened and saved in LibreOffice Calc

    first = run(tmp_path / "yaml", "build", str(yaml_form), "-o", str(tmp_path / "from-yaml.docx"))
    second = run(tmp_path / "xlsx", "build", str(workbook), "-o", str(tmp_path / "from-xlsx.docx"))
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output

    from_yaml, from_workbook = texts(tmp_path / "from-yaml.docx"), texts(tmp_path / "from-xlsx.docx")
    assert from_workbook == from_yaml
    assert (tmp_path / "from-xlsx.docx").read_bytes() == (tmp_path / "from-yaml.docx").read_bytes()  # to the byte
    body = "\n".join(from_workbook)
    assert "青禾路小学北校区后勤处" in body and "2025年1月17日" in body
    assert "校门口护学岗值守" in body and "教室照明改造" in body
    assert "（一）食堂管理" in from_workbook and "（二）校舍维修" in from_workbook  # the 分组 column


def test_the_saved_workbook_reads_as_the_yaml_form_reads(tmp_path: Path):
    path = tmp_path / "后勤处.xlsx"
    filled_as_a_person_would(path, tmp_path)
    data = load_workbook(through_libreoffice(path, tmp_path)).data
    expected = load_text(YAML_FORM, "x.yaml").data
    assert data["date"] == dt.date(2025, 1, 17)
    assert [a.get("date") for a in data["activities"]] == ["2024-09-01 ~ 2025-01-10", "2024-10", dt.date(2024, 11, 4), None]
    assert [a.get("category") for a in data["activities"]] == ["学习", "岗位", "岗位", "安全"]  # the merged cell
    assert data["activities"][2]["times"] == 3  # the formula's result, computed and saved by Calc
    assert data["counts"][0]["value"] == 96 and data["counts"][0]["previous"] == 80
    assert data["activities"][3]["participants"] == "420"  # text, read as the YAML form's 420 is
    assert data["incidents"] == expected["incidents"]  # typed 2024-10-15: a date cell
    assert data["shortcomings"] == expected["shortcomings"] and data["plans"] == expected["plans"]


def test_every_sample_form_goes_to_a_workbook_and_back_unchanged(tmp_path: Path):
    from conftest import ROOT

    from pipeline.form.convert import ordered, yaml_text
    from pipeline.form.loader import load_file
    from pipeline.form.workbook import load_workbook_bytes

    forms = sorted((ROOT / "inputs").rglob("*.yaml"))
    assert len(forms) >= 12
    for form in forms:
        data = load_file(form).data
        workbook = load_workbook_bytes(write_workbook(data), "x.xlsx")
        assert workbook.errors == [] and ordered(workbook.data) == ordered(data), form
        assert load_text(yaml_text(workbook.data), "back.yaml").data == data, form


# --- diagnostics at the cell -------------------------------------------------------------

def _workbook(folder: Path, fill, name: str = "后勤处.xlsx") -> Path:
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    book = blank_book(campus="北校区", department="后勤处", term=TERM)
    info_cell(book, "成文日期").value = dt.datetime(2025, 1, 17)
    fill(book)
    path = folder / name
    book.save(path)
    return path


def _said(folder: Path, run, *args: str) -> list[str]:
    return run(folder, "validate", *args).output.splitlines()


def test_every_problem_of_a_workbook_is_reported_at_its_cell_in_one_run(tmp_path: Path, run):
    def fill(book):
        info_cell(book, "学期").value = "2024-2025-3"
        work, numbers, incidents = book["开展的工作"], book["数据"], book["安全事件"]
        put(work, 2, 标题="岗位练兵", 分类="后勤", 次数="5次")
        put(work, 3, 次数=2)
        put(numbers, 2, 项目="节约水电费", 数值="21,400", 单位="元")
        put(incidents, 2, 日期="2024-10-15", 经过="水管破裂", 严重程度="很严重")

    path = _workbook(tmp_path, fill)
    book = blank_book()
    term_row = info_cell(book, "学期").row
    work, numbers, incidents = book["开展的工作"], book["数据"], book["安全事件"]
    result = run(tmp_path, "validate", path.name)
    assert result.exit_code == 1
    # The same list a YAML form's unknown category gets (config.yaml's headings, whatever they are).
    yaml_form = workspace_with(tmp_path / "yaml", "后勤处.yaml", YAML_FORM.replace("category: 学习", "category: 后勤", 1))
    categories = run(yaml_form.parent, "validate", yaml_form.name).output.splitlines()[0].split("可用的分类：", 1)[1]
    assert categories.startswith("study（学习、学习培训）；duties（")
    assert result.output.splitlines() == [
        (f"后勤处.xlsx:基本信息!B{term_row}: 错误: 学期：学期编号 \"2024-2025-3\" 格式不对；"
        "应写成 2024-2025-1（第一学期）、2024-2025-2（第二学期）、2024-2025（学年）或 2024（年度）"),
        f"后勤处.xlsx:开展的工作!{letter(work, '分类')}2: 错误: 分类：未知的分类 \"后勤\"；可用的分类：" + categories,
        f"后勤处.xlsx:开展的工作!{letter(work, '次数')}2: 错误: 次数：请只写数字 5（“次”不用写）",
        f"后勤处.xlsx:开展的工作!{letter(work, '标题')}3: 错误: 标题：不能为空",
        f"后勤处.xlsx:数据!{letter(numbers, '数值')}2: 错误: 数值：数字 \"21,400\" 中不要加逗号，请写成 21400",
        (f"后勤处.xlsx:安全事件!{letter(incidents, '严重程度')}2: 错误: 严重程度：未知的严重程度 \"很严重\"，"
        "应为 轻微/一般/严重（minor/moderate/serious）"),
        "检查了 1 份填报表：1 份有错误",
    ]


def test_the_same_mistake_reads_the_same_in_a_yaml_form_and_in_a_workbook(tmp_path: Path, run):
    yaml_form = workspace_with(tmp_path / "yaml", "后勤处.yaml", YAML_FORM.replace("times: 6", "times: 6次"))
    said_yaml = run(yaml_form.parent, "validate", yaml_form.name).output.splitlines()[0]
    path = _workbook(tmp_path, lambda book: put(book["开展的工作"], 2, 标题="学习", 次数="6次"))
    said_workbook = _said(tmp_path, run, path.name)[0]
    assert said_yaml.endswith("错误: 字段 \"activities\" 第1项 \"times\"：请只写数字 6（“次”不用写）")
    assert said_workbook.endswith("错误: 次数：请只写数字 6（“次”不用写）")
    assert said_yaml.split("：", 1)[1] == said_workbook.split("：", 1)[1]  # one wording, two ways to point


def test_a_required_value_left_blank_is_named_at_its_cell(tmp_path: Path, run):
    path = _workbook(tmp_path, lambda book: setattr(info_cell(book, "成文日期"), "value", None))
    row = info_cell(blank_book(), "成文日期").row
    assert _said(tmp_path, run, path.name)[0] == f"后勤处.xlsx:基本信息!B{row}: 错误: 成文日期：还没有填写（日期）"


def test_a_formula_without_a_saved_result_is_said_and_not_taken_for_blank(tmp_path: Path, run):
    path = _workbook(tmp_path, lambda book: put(book["数据"], 2, 项目="维修课桌凳", 数值="=SUM(H2:H9)", 单位="套"))
    column = letter(blank_book()["数据"], "数值")
    assert _said(tmp_path, run, path.name) == [  # openpyxl saves no results: Excel computes them on opening
        (f"后勤处.xlsx:数据!{column}2: 错误: 单元格是公式 =SUM(H2:H9)，但文件中没有保存计算结果；"
        "请在 Excel/WPS 中打开并保存一次，或直接填写数值"),
        "检查了 1 份填报表：1 份有错误"]


def test_a_formula_error_is_said(tmp_path: Path, run):
    path = _workbook(tmp_path, lambda book: put(book["数据"], 2, 项目="维修课桌凳", 数值="=1/0", 单位="套"))
    save_over(path, tmp_path)
    column = letter(blank_book()["数据"], "数值")
    assert _said(tmp_path, run, path.name)[0] == f"后勤处.xlsx:数据!{column}2: 错误: 单元格是错误值 #DIV/0!（公式出错），请改正"


def test_an_unknown_header_is_an_error_with_the_closest_header_and_序号_is_read_past(tmp_path: Path, run):
    def fill(book):
        numbers = book["数据"]
        numbers.insert_cols(1)
        numbers["A1"] = "序号"
        free = numbers.max_column + 1
        numbers.cell(1, free, "备住")
        put(numbers, 2, 序号=1, 项目="维修课桌凳", 数值=96, 单位="套", 备住="含桌面")
        numbers["A3"] = 2  # numbered ahead, nothing else yet

    path = _workbook(tmp_path, fill)
    from openpyxl import load_workbook as open_book

    column = letter(open_book(path)["数据"], "备住")
    assert _said(tmp_path, run, path.name)[0] == (
        f"后勤处.xlsx:数据!{column}1: 错误: 未知的列名“备住”，是否应为“备注”？；这一列没有读取")
    assert load_workbook(path).data["counts"] == [{"item": "维修课桌凳", "value": 96, "unit": "套"}]


def test_dates_as_serial_numbers_and_as_text_are_read(tmp_path: Path):
    def fill(book):
        put(book["安全事件"], 2, 日期=45580, 经过="水管破裂")  # a date pasted as a number: 2024-10-15
        put(book["安全事件"], 3, 日期="2024年10月16日", 经过="插座短路")

    loaded = load_workbook(_workbook(tmp_path, fill))
    assert [i["date"] for i in loaded.data["incidents"]] == [dt.date(2024, 10, 15), "2024年10月16日"]


def test_无_says_none_happened_and_blank_says_nothing(tmp_path: Path, run):
    def none_happened(book):
        info_cell(book, "本期安全事件").value = "无"

    assert load_workbook(_workbook(tmp_path, none_happened)).data["incidents"] == []
    assert "incidents" not in load_workbook(_workbook(tmp_path, lambda book: None)).data

    def contradiction(book):
        none_happened(book)
        put(book["安全事件"], 2, 日期="2024-10-15", 经过="水管破裂")

    path = _workbook(tmp_path, contradiction)
    row = info_cell(blank_book(), "本期安全事件").row
    assert _said(tmp_path, run, path.name)[0] == (
        f"后勤处.xlsx:基本信息!B{row}: 错误: 填写了“无”，但“安全事件”表中有 1 件事件；请改为“有”，或删去表中的事件")


def test_a_sheet_that_is_not_part_of_the_form_is_a_warning(tmp_path: Path, run):
    path = _workbook(tmp_path, lambda book: book.create_sheet("维修记录").cell(1, 1, "3月4日 换灯管"))
    result = run(tmp_path, "validate", path.name)
    assert result.exit_code == 0
    assert result.output.splitlines() == ["后勤处.xlsx:维修记录!A1: 警告: 工作表“维修记录”不是填报表的一部分，没有读取",
                                          "检查了 1 份填报表：没有发现错误"]


def test_text_in_a_column_without_a_header_is_not_dropped_silently(tmp_path: Path, run):
    def fill(book):
        work = book["开展的工作"]
        put(work, 2, 标题="门卫值守")
        work.cell(2, work.max_column + 2, "夜间加岗")

    path = _workbook(tmp_path, fill)
    assert _said(tmp_path, run, path.name)[0].endswith(
        "错误: 这一格填了内容，但这一列没有列名，没有读取；请填写列名，或把内容移到对应的列")


# --- workbooks that cannot be read ------------------------------------------------------

def _first_line(folder: Path, run, name: str, content: bytes) -> str:
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / name).write_bytes(content)
    result = run(folder, "validate", name)
    assert result.exit_code == 1 and "Traceback" not in result.output
    return result.output.splitlines()[0]


def test_a_password_protected_workbook_gets_a_clear_message(tmp_path: Path, run):
    from msoffcrypto.format.ooxml import OOXMLFile

    locked = io.BytesIO()
    OOXMLFile(io.BytesIO(write_workbook({"campus": "北校区"}))).encrypt("mima123", locked)
    assert _first_line(tmp_path, run, "后勤处.xlsx", locked.getvalue()) == (
        "后勤处.xlsx: 错误: 工作簿设置了打开密码（已加密），无法读取；请在 Excel/WPS 中打开，"
        "去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后保存")


def test_a_corrupt_or_renamed_file_gets_a_clear_message(tmp_path: Path, run):
    whole = write_workbook({"campus": "北校区"})
    assert _first_line(tmp_path, run, "后勤处.xlsx", whole[: len(whole) // 2]) == (
        "后勤处.xlsx: 错误: 文件已损坏（不完整或不是 .xlsx）；请在 Excel/WPS 中打开，“另存为”Excel 工作簿（.xlsx）")
    assert _first_line(tmp_path, run, "教务处.xlsx", "campus: 北校区\n".encode()) == (
        "教务处.xlsx: 错误: 文件已损坏，或不是 Excel 工作簿（.xlsx）；请在 Excel/WPS 中打开，“另存为”Excel 工作簿（.xlsx）")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # the header every old .xls starts with
    assert _first_line(tmp_path, run, "德育处.xlsx", ole) == (
        "德育处.xlsx: 错误: 这是旧版 Excel 格式（.xls）的文件；请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）")


def test_a_damaged_part_inside_the_workbook_gets_a_clear_message(tmp_path: Path, run):
    import zipfile

    whole, damaged = zipfile.ZipFile(io.BytesIO(write_workbook(None))), io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as out:
        for name in whole.namelist():
            content = whole.read(name)
            out.writestr(name, content[:60] if name == "xl/worksheets/sheet2.xml" else content)
    assert _first_line(tmp_path, run, "后勤处.xlsx", damaged.getvalue()) == (
        "后勤处.xlsx: 错误: 工作簿已损坏，无法读取；请在 Excel/WPS 中打开，“另存为”Excel 工作簿（.xlsx）后再试")


def test_an_open_workbook_is_read_with_a_warning_and_its_lock_file_is_never_a_form(tmp_path: Path, run):
    workspace_with(tmp_path, "后勤处.xlsx")
    folder = tmp_path / "inputs" / TERM / "北校区"
    _workbook(folder, lambda book: None)
    (folder / "config.yaml").unlink()
    (folder / "~$后勤处.xlsx").write_bytes(b"\x08zhangsan" + bytes(150))  # what Excel and WPS leave beside it
    result = run(tmp_path, "validate")
    assert result.output.splitlines() == [
        (f"inputs/{TERM}/北校区/后勤处.xlsx: 警告: 这个工作簿可能正在 Excel/WPS 中打开（旁边有锁文件 ~$后勤处.xlsx）；"
        "读取的是最后一次保存的内容，没有保存的修改不会生效"),
        "检查了 1 份填报表：没有发现错误"]  # the lock file is not a second form
    named = run(folder, "validate", "~$后勤处.xlsx")
    assert named.output.splitlines()[0] == (
        "~$后勤处.xlsx: 错误: 这是 Excel/WPS 打开工作簿时留下的锁文件，不是填报表；关闭工作簿后它会自动消失")


def test_a_department_with_both_a_yaml_form_and_a_workbook_is_an_error_naming_both(tmp_path: Path, run):
    form = workspace_with(tmp_path, "后勤处.yaml", YAML_FORM)
    (form.parent / "后勤处.xlsx").write_bytes(write_workbook(None))
    result = run(tmp_path, "build")
    assert result.exit_code == 1
    both = ("同一个部门有两份填报表：后勤处.yaml 和 后勤处.xlsx；每个部门只能有一份（.yaml 或 .xlsx），"
            "请删去或移走其中一份")
    assert f"inputs/{TERM}/北校区/后勤处.yaml: 错误: {both}" in result.output
    assert f"inputs/{TERM}/北校区/后勤处.xlsx: 错误: {both}" in result.output
    assert not list(tmp_path.rglob("*.docx"))


def test_an_old_xls_beside_the_forms_is_named_not_read(tmp_path: Path, run):
    form = workspace_with(tmp_path, "后勤处.yaml", YAML_FORM)
    (form.parent / "教务处.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    result = run(tmp_path, "validate")
    assert result.output.splitlines()[0] == (
        f"inputs/{TERM}/北校区/教务处.xls: 警告: 扩展名是 .xls，没有作为填报表读取（这是旧版 Excel 格式；"
        "工作簿填报表要“另存为”Excel 工作簿 .xlsx）；如果这是填报表，请在 Excel/WPS 中另存为 教务处.xlsx")
    assert result.output.splitlines()[-1] == "检查了 1 份填报表：没有发现错误"


# --- a 台账 as people keep it, and fields the model gains ------------------------------------

def test_a_title_row_above_the_headers_and_a_序号_column_are_read_past(tmp_path: Path):
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import column_index_from_string

    title = get_column_letter(column_index_from_string(letter(blank_book()["开展的工作"], "标题")) + 1)

    def fill(book):
        work = book["开展的工作"]
        work.insert_rows(1)  # a title row above the headers, merged across, as 台账 have
        work.insert_cols(1)  # and a 序号 column, numbered ahead of the records
        work["B1"] = "北校区后勤处2024—2025学年第一学期工作台账"
        work.merge_cells("B1:F1")
        work["A2"] = "序号"
        for number in (1, 2, 3):
            work.cell(2 + number, 1, number)
        work[f"{title}3"], work[f"{title}5"] = "门卫值守", "食堂验收"  # row 4: numbered, left blank

    loaded = load_workbook(_workbook(tmp_path, fill))
    assert loaded.errors == []
    assert loaded.data["activities"] == [{"title": "门卫值守"}, {"title": "食堂验收"}]
    assert loaded.place(*loaded.positions.value(("activities", 1, "title"))) == f"开展的工作!{title}5"


def test_a_field_the_model_gains_gets_its_column_without_a_change_to_the_workbook_code(tmp_path: Path, monkeypatch):
    from pydantic import Field

    from pipeline.form import model, workbook
    from pipeline.form.fields import Count, Text

    class Activity(model.Activity):
        group: Text | None = None
        volunteers: Count | None = None  # a field no table here names: headed by its key

    class Form(model.Form):
        activities: list[Activity] = Field(default_factory=list)

    monkeypatch.setattr(model, "Form", Form)
    workbook.layout.cache_clear()
    try:
        columns = {c.field: c for c in workbook.layout().sheet_of("activities").columns}
        assert columns["group"].header == "分组" and columns["volunteers"].kind == "count"
        book = openpyxl_book_of(write_workbook(None))
        put(book["开展的工作"], 2, 标题="营养员培训", 分组="营养员工作", volunteers="12")
        path = tmp_path / "x.xlsx"
        book.save(path)
        assert load_workbook(path).data["activities"] == [{"title": "营养员培训", "group": "营养员工作",
                                                           "volunteers": "12"}]
    finally:
        monkeypatch.undo()
        workbook.layout.cache_clear()


def openpyxl_book_of(data: bytes):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(data))


def test_borders_drawn_far_below_the_records_are_not_rows(tmp_path: Path, run):
    from openpyxl.styles import Border, Side

    def fill(book):
        work = book["开展的工作"]
        put(work, 2, 标题="门卫值守")
        line = Side(style="thin")
        for row in range(2, 30_001):  # a 台账 ruled down to row 30000, as people prepare one
            work.cell(row, 1).border = Border(bottom=line)

    path = _workbook(tmp_path, fill)
    loaded = load_workbook(path)
    assert loaded.errors == [] and loaded.data["activities"] == [{"title": "门卫值守"}]


def test_a_header_with_its_unit_in_brackets_is_its_column(tmp_path: Path):
    def fill(book):
        work = book["开展的工作"]
        times, people = letter(work, "次数"), letter(work, "人次")
        work[f"{times}1"], work[f"{people}1"] = "次数（次）", "人次(人次)"
        put(work, 2, 标题="门卫值守")
        work[f"{times}2"], work[f"{people}2"] = 4, 60

    assert load_workbook(_workbook(tmp_path, fill)).data["activities"] == [
        {"title": "门卫值守", "times": 4, "participants": 60}]


def _warnings_and_errors(book, tmp_path: Path) -> list[str]:
    from pipeline.diagnostics import FormError

    path = tmp_path / "后勤处.xlsx"
    book.save(path)
    try:
        loaded = load_workbook(path, "后勤处.xlsx")
    except FormError as exc:
        return [str(d) for d in exc.diagnostics]
    return [str(d) for d in [*loaded.errors, *loaded.warnings]]


def test_hidden_sheets_and_rows_are_read_and_said_so(tmp_path: Path):
    """A row hidden instead of deleted (or the whole 开展的工作 sheet hidden) was read and printed
    without a word: the person who hid it meant it gone. Each is read, with a warning."""
    book = blank_book(campus="北校区", department="后勤处", term=TERM)
    work = book["开展的工作"]
    for row, title in ((2, "宿舍消防检查"), (3, "旧的一项"), (4, "食堂设备保养")):
        put(work, row, 标题=title)
    work.row_dimensions[3].hidden = True
    work.sheet_state = "hidden"
    said = _warnings_and_errors(book, tmp_path)
    assert "后勤处.xlsx:开展的工作!A3: 警告: 第3行是隐藏的，其中的内容照样读取，会写进文档；不要的内容请删去整行" in said
    assert "后勤处.xlsx:开展的工作!A1: 警告: 工作表“开展的工作”是隐藏的，其中的内容照样读取，会写进文档" in said


def test_a_column_whose_header_is_merged_into_the_one_before_is_named(tmp_path: Path):
    """标题 merged over A1:B1 left column B without a header of its own: the message said only that
    B had no header; it names the merge to undo."""
    book = blank_book(campus="北校区", department="后勤处", term=TERM)
    work = book["开展的工作"]
    put(work, 2, 标题="宿舍消防检查", 分类="安全")
    work.merge_cells("A1:B1")
    said = _warnings_and_errors(book, tmp_path)
    assert ("后勤处.xlsx:开展的工作!B2: 错误: 这一格填了内容，但这一列的列名格与左边合并了（A1:B1），"
            "这一列没有自己的列名，没有读取；请取消合并，给每一列填写列名") in said


def test_invisible_characters_in_a_cell_are_removed_as_in_a_yaml_form(tmp_path: Path):
    """A zero-width space or a right-to-left mark pasted into a cell went into the document (a YAML
    form loses them with a warning): the cell loses them too, with the same warning."""
    book = blank_book(campus="北校区", department="后勤处", term=TERM)
    put(book["开展的工作"], 2, 标题="宿管员\u200b与\u202e炊事员")
    path = tmp_path / "后勤处.xlsx"
    book.save(path)
    loaded = load_workbook(path, "后勤处.xlsx")
    assert loaded.data["activities"][0]["title"] == "宿管员与炊事员"
    assert [str(w) for w in loaded.warnings] == [
        "后勤处.xlsx:开展的工作!A2: 警告: 删除了文字中看不见的字符 U+200B（零宽空格）（多见于从网页、Word 或微信复制的文字）"]
    text = load_text("title: 宿管员\u202e与炊事员\n", "form.yaml")
    assert text.data["title"] == "宿管员与炊事员"
    assert [w.message for w in text.warnings] == [
        "删除了文字中看不见的字符 U+202E（文字方向控制符）（多见于从网页、Word 或微信复制的文字）"]
