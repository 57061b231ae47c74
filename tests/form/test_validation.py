"""Every kind of mistake in a form: a Chinese message with file:line:col, exit 1, nothing written."""

from __future__ import annotations

import pytest
from conftest import VALID, worksum, write_form


def check(tmp_path, run, text: str, *expected: str) -> str:
    """Build ``text``; assert exit 1, no output, and each expected line in the messages."""
    form = write_form(tmp_path, text)
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert not out.exists()
    assert "Traceback" not in result.output
    for line in expected:
        assert line in result.stderr, result.stderr
    return result.stderr


def test_valid_form_builds(tmp_path, run):
    form = write_form(tmp_path, VALID)
    result = run(tmp_path, "build", str(form), "-o", str(tmp_path / "out.docx"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.docx").stat().st_size > 0


def test_unknown_key_suggests_the_nearest(tmp_path, run):
    text = VALID.replace("    category: safety", "    catgory: safety")
    check(tmp_path, run, text, 'form.yaml:8:5: 错误: 未知字段 "catgory"，是否应为 "category"？')


def test_unknown_top_level_key(tmp_path, run):
    check(tmp_path, run, VALID + "activites: []\n", 'form.yaml:10:1: 错误: 未知字段 "activites"，是否应为 "activities"？')


def test_missing_required_field(tmp_path, run):
    check(tmp_path, run, VALID.replace("campus: 东湖校区\n", ""),
          'form.yaml:1:1: 错误: 缺少必填字段 "campus"（校区）')


def test_missing_field_in_a_record_points_at_the_record(tmp_path, run):
    text = VALID + "incidents:\n  - description: 幼儿擦伤。\n"
    check(tmp_path, run, text, 'form.yaml:11:5: 错误: 缺少必填字段 "date"（日期）')


def test_bad_date(tmp_path, run):
    check(tmp_path, run, VALID.replace("date: 2025-01-16", "date: 2025-02-30"),
          'form.yaml:5:7: 错误: 字段 "date"：日期 "2025-02-30" 不存在（2025年2月没有30日）')


def test_date_in_words_is_refused(tmp_path, run):
    check(tmp_path, run, VALID.replace("date: 2025-01-16", "date: 一月中旬"),
          'form.yaml:5:7: 错误: 字段 "date"：日期格式不对（现在是 "一月中旬"），应写成 2025-01-15')


def test_bad_term_id(tmp_path, run):
    check(tmp_path, run, VALID.replace("term: 2024-2025-1", "term: 2024-2026-1"),
          'form.yaml:4:7: 错误: 字段 "term"：学期编号 "2024-2026-1" 中的学年应为相邻两年，如 2024-2025')
    check(tmp_path, run, VALID.replace("term: 2024-2025-1", "term: 2024-2025-3"),
          'form.yaml:4:7: 错误: 字段 "term"：学期编号 "2024-2025-3" 格式不对')


def test_negative_times_are_refused(tmp_path, run):
    # A count of times or people cannot be negative; a figure's value can (form.md: a decline, a deficit).
    text = VALID.replace("    details: 全校师生参加。\n", "    details: 全校师生参加。\n    times: -3\n")
    assert "times: -3" in text
    check(tmp_path, run, text, 'form.yaml:10:12: 错误: 字段 "activities" 第1项 "times"：不能为负数（现在是 -3）')


def test_wrong_type_number_with_unit(tmp_path, run):
    text = VALID + "counts:\n  - item: 维修课桌椅\n    value: 12套\n"
    check(tmp_path, run, text, 'form.yaml:12:12: 错误: 字段 "counts" 第1项 "value"：请只写数字 12，把单位“套”写在 unit 字段里')


def test_wrong_type_list_where_text_expected(tmp_path, run):
    text = VALID.replace("    details: 全校师生参加。", "    details:\n      - 全校师生参加。")
    check(tmp_path, run, text, 'form.yaml:10:7: 错误: 字段 "activities" 第1项 "details"：应为一段文字')


def test_wrong_type_text_where_list_expected(tmp_path, run):
    check(tmp_path, run, VALID + "shortcomings: 人手不足。\n",
          'form.yaml:10:15: 错误: 字段 "shortcomings"：应为列表（每一项另起一行，以“- ”开头）')


def test_count_that_is_not_whole(tmp_path, run):
    text = VALID.replace("    details: 全校师生参加。", "    times: 2.5")
    check(tmp_path, run, text, 'form.yaml:9:12: 错误: 字段 "activities" 第1项 "times"：应为整数，现在是 2.5')


def test_unknown_category(tmp_path, run):
    check(tmp_path, run, VALID.replace("category: safety", "category: saftey"),
          'form.yaml:8:15: 错误: 字段 "activities" 第1项 "category"：未知的分类 "saftey"，是否应为 "safety"？')


def test_unknown_severity(tmp_path, run):
    text = VALID + "incidents:\n  - date: 2024-10-21\n    description: 幼儿擦伤。\n    severity: 很轻\n"
    check(tmp_path, run, text, 'form.yaml:13:15: 错误: 字段 "incidents" 第1项 "severity"：未知的严重程度 "很轻"')


def test_campus_not_in_config(tmp_path, run):
    (tmp_path / "config.yaml").write_text("campuses: [本部校区, 东湖校区]\n", encoding="utf-8")
    check(tmp_path, run, VALID.replace("campus: 东湖校区", "campus: 东胡校区"),
          'form.yaml:2:9: 错误: 字段 "campus"：校区 "东胡校区" 不在 config.yaml 的 campuses 名单中，是否应为 "东湖校区"？')


def test_campus_that_is_a_path_is_refused(tmp_path, run):
    check(tmp_path, run, VALID.replace("campus: 东湖校区", "campus: ../../x"),
          'form.yaml:2:9: 错误: 字段 "campus"：名称 "../../x" 含有不能用于文件夹名的字符')


def test_duplicate_key(tmp_path, run):
    check(tmp_path, run, VALID + "campus: 本部校区\n",
          'form.yaml:10:1: 错误: 字段 "campus" 重复出现（第一次在第 2 行）')


def test_yaml_syntax_error_in_chinese(tmp_path, run):
    text = VALID.replace("    details: 全校师生参加。", "    details: 时间: 上午")
    check(tmp_path, run, text, "form.yaml:9:16: 错误: 字段 \"details\" 的文字中有英文冒号“:”，会被当作新的字段；"
                               "请改成中文冒号“：”，或者给整段文字加上引号")


def test_tab_indentation(tmp_path, run):
    check(tmp_path, run, VALID.replace("    category: safety", "\tcategory: safety"),
          "form.yaml:8:1: 错误: YAML 格式错误：不能用 Tab 键缩进，请改用空格")


def test_input_method_slips_are_each_reported_at_their_own_place(tmp_path, run):
    text = (VALID.replace("campus: 东湖校区", "campus：东湖校区")
            .replace("department: 后勤处", "department:后勤处")
            .replace("  - title: 消防疏散演练", "  - title：消防疏散演练")
            .replace("    details: 全校师生参加。", "\u3000\u3000details: 全校师生参加。"))
    text += "intro: |\n  Note：块文字里的冒号不算错。\n  time:10点\n"
    messages = check(tmp_path, run, text,
                     'form.yaml:2:7: 错误: 字段 "campus" 后的冒号应为半角“:”，现在是全角“：”',
                     'form.yaml:3:11: 错误: 字段 "department" 的冒号后面要有一个空格（写成“department: …”）',
                     'form.yaml:7:10: 错误: 字段 "title" 后的冒号应为半角“:”，现在是全角“：”',
                     "form.yaml:9:1: 错误: 缩进中有全角空格，请改用半角空格")
    assert len([line for line in messages.splitlines() if ": 错误: " in line]) == 4


def test_chinese_keys_are_pointed_to_their_english_names(tmp_path, run):
    check(tmp_path, run, VALID.replace("    details: 全校师生参加。", "    详情: 全校师生参加。") + "落款: 东湖校区后勤处\n",
          'form.yaml:9:5: 错误: 未知字段 "详情"，字段名要用英文，应写成 "details"',
          'form.yaml:10:1: 错误: 未知字段 "落款"，字段名要用英文，应写成 "author"')


def test_python_tags_run_nothing(tmp_path, run):
    marker = tmp_path / "pwned"
    text = VALID.replace("title: 消防疏散演练",
                         f"title: !!python/object/apply:os.system ['touch {marker}']")
    check(tmp_path, run, text, "form.yaml:7:12: 错误: 不支持的 YAML 标签 !!python/object/apply:os.system")
    assert not marker.exists()


def test_all_problems_of_a_form_are_reported_in_one_run(tmp_path, run):
    text = (VALID.replace("term: 2024-2025-1", "term: 2024")
            .replace("date: 2025-01-16", "date: 2025-13-01")
            .replace("category: safety", "catgory: safety"))
    text += "counts:\n  - item: 经费\n    value: 1,200\n"
    messages = check(tmp_path, run, text)
    assert len([line for line in messages.splitlines() if ": 错误: " in line]) == 3


def test_empty_file(tmp_path, run):
    check(tmp_path, run, "", "form.yaml:1:1: 错误: 填报表应由“字段: 内容”组成")


def test_bom_and_gbk_files_are_read(tmp_path, run):
    form = tmp_path / "bom.yaml"
    form.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert run(tmp_path, "build", str(form), "-o", str(tmp_path / "a.docx")).exit_code == 0
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes(VALID.encode("gbk"))
    result = run(tmp_path, "build", str(gbk), "-o", str(tmp_path / "b.docx"))
    assert result.exit_code == 0
    assert "gbk.yaml:1:1: 警告: 文件不是 UTF-8 编码，已按 GBK/GB18030 读取" in result.stderr
    from docx_reading import paragraphs

    for name in ("a.docx", "b.docx"):
        texts = [p.text for p in paragraphs(tmp_path / name)]
        assert "1.消防疏散演练。全校师生参加。" in texts
        assert texts[-2] == "东湖校区后勤处"


def test_control_characters_do_not_crash_the_build(tmp_path, run):
    from docx_reading import paragraphs

    text = VALID.replace("全校师生参加。", '"全校\\x07师生\\x0b参加。"')
    form = write_form(tmp_path, text)
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert any("全校师生参加。" in p.text for p in paragraphs(out))


def test_misspelt_heading_in_config_is_suggested(tmp_path, run):
    (tmp_path / "config.yaml").write_text("headings:\n  - key: safty\n", encoding="utf-8")
    check(tmp_path, run, VALID, 'config.yaml:2:3: 错误: 字段 "headings"：未知的标题 "safty"，是否应为 "safety"？')


def test_config_errors_are_reported_with_their_line(tmp_path, run):
    (tmp_path / "config.yaml").write_text("organisation: 明德实验学校\nformat: a5\n", encoding="utf-8")
    check(tmp_path, run, VALID,
          'config.yaml:1:1: 错误: 未知字段 "organisation"，是否应为 "organization"？',
          'config.yaml:2:9: 错误: 字段 "format"：未知的版式 "a5"')


def test_validate_writes_nothing_and_exits_1(tmp_path):
    form = write_form(tmp_path, VALID.replace("category: safety", "catgory: safety"))
    before = sorted(p.name for p in tmp_path.iterdir())
    result = worksum("validate", str(form), cwd=tmp_path)
    assert result.returncode == 1
    assert 'form.yaml:8:5: 错误: 未知字段 "catgory"' in result.stderr.decode()
    assert b"Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("term, name", [("2024-2025-1", "2024—2025学年第一学期"), ("2024-2025-2", "2024—2025学年第二学期"),
                                        ("2024-2025", "2024—2025学年"), ("2024", "2024年度")])
def test_period_ids_and_names(tmp_path, run, term, name):
    from docx_reading import paragraphs

    form = write_form(tmp_path, VALID.replace("term: 2024-2025-1", f"term: {term}"))
    out = tmp_path / "out.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    assert name in paragraphs(out)[0].text.replace("\n", "")


def test_text_that_looks_like_a_slip_is_left_alone(tmp_path, run):
    from docx_reading import paragraphs

    text = VALID + "intro: 第一段，\n  　　第二段。\nplans:\n  - PPT：制作课件。\n  - A:1\n"
    form = write_form(tmp_path, text)
    out = tmp_path / "out.docx"
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0, result.output
    texts = [p.text for p in paragraphs(out)]
    assert "1.PPT：制作课件。" in texts and "2.A:1。" in texts
