"""`worksum check`: the seed samples' flaws found at their line and column, --fix, --strict, build, config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, force_pool

EAST = "inputs/2024-2025-1/东园区/后勤部.yaml"
WEST = "inputs/2024-2025-1/西园区/后勤部.yaml"
EAST_BEFORE = "inputs/2023-2024-2/东园区/后勤部.yaml"


def warnings_of(stderr: str, path: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(path + ":")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def test_finds_the_seed_flaws_where_they_are(seed_like, run):
    before = snapshot(seed_like)
    result = run(seed_like, "check")
    assert result.exit_code == 0, result.output
    east = warnings_of(result.stderr, EAST)
    expected = [
        # half-width commas, each at its own column
        f"{EAST}:8:11: 警告: 中文里用了半角逗号“,”，应为“，”：“本学期,后勤部在园部的带…”",
        f"{EAST}:8:22: 警告: 中文里用了半角逗号“,”",
        f"{EAST}:8:43: 警告: 中文里用了半角逗号“,”",
        # the doubled 、 (in an item number that also wants 3.)
        f"{EAST}:17:41: 警告: 标点重复“、、”，且编号“3、”应写作“3.”",
        f"{EAST}:17:14: 警告: 编号“1、”应写作“1.”",
        f"{EAST}:17:30: 警告: 编号“2、”应写作“2.”",
        f"{EAST}:23:29: 警告: 中文里用了半角括号，应为“（）”",
        # the repeated item: its details say again what an earlier item said
        f"{EAST}:27:14: 警告: 句子与第20行的几乎相同（94%的词语相同）：“营养员每周进班观察幼儿用餐情况并做好记录",
        # a paragraph the other campus also has, and a plan handed in again from last term
        f"{EAST}:30:14: 警告: 与 {WEST} 第14行的文字相同（其他校区同期的填报表）：“入冬后每天早晨",
        f"{EAST}:43:5: 警告: 与 {EAST_BEFORE} 第18行的文字相同（本校区上学期的填报表）：“继续开展保育员分岗培训",
        # a figure in the text that contradicts counts, and a heading with one short record
        f"{EAST}:24:21: 警告: 文中写的“42件”与第35行的数据“维修门窗 36件”不一致",
        f"{EAST}:31:5: 警告: 标题“规范财务管理，管好用好资产”下只有一项简短的工作“期末财产清点”",
    ]
    for line in expected:
        assert any(w.startswith(line) for w in east), line
    assert len(east) == len(expected)
    assert warnings_of(result.stderr, WEST) == [
        f"{WEST}:14:14: 警告: 与 {EAST} 第30行的文字相同（其他校区同期的填报表）："
        "“入冬后每天早晨由保安检查户外场地和楼梯，有结冰的地方及时铺设防滑垫并拉好警示带。”"]
    assert warnings_of(result.stderr, EAST_BEFORE) == []
    assert "检查了 3 份填报表：发现 13 处问题" in result.stderr
    assert snapshot(seed_like) == before  # check never modifies a form


def test_checking_one_form_still_compares_it_with_the_workspace(seed_like, run):
    result = run(seed_like, "check", EAST)
    assert f"与 {WEST} 第14行的文字相同" in result.stderr
    assert f"与 {EAST_BEFORE} 第18行的文字相同" in result.stderr
    assert warnings_of(result.stderr, WEST) == []  # compared with, not checked


def test_strict_makes_findings_fail(seed_like, run):
    assert run(seed_like, "check", "--strict").exit_code == 1
    assert run(seed_like, "check", "--strict", EAST_BEFORE).exit_code == 0


def test_bundled_sample_workspace_has_no_more_than_a_few_false_alarms(workspace, run):
    result = run(workspace, "check")
    assert result.exit_code == 0
    assert len([line for line in result.stderr.splitlines() if ": 警告: " in line]) <= 3
    assert "检查了 12 份填报表" in result.stderr


def test_fix_repairs_punctuation_in_place_and_nothing_else(seed_like, run):
    form = seed_like / EAST
    before = form.read_text(encoding="utf-8")
    result = run(seed_like, "check", "--fix")
    assert result.exit_code == 0
    assert f"{EAST}:8:11: 已修改: “,”→“，”" in result.stderr
    assert f"{EAST}:17:42: 已修改: “、、”→“.”" in result.stderr
    assert f"{EAST}:23:29: 已修改: “(”→“（”" in result.stderr
    assert "已改正 8 处标点" in result.stderr

    after = form.read_text(encoding="utf-8")
    changed = [n for n, (a, b) in enumerate(zip(before.splitlines(), after.splitlines()), 1) if a != b]
    assert changed == [8, 17, 23]  # comments, keys, layout and every other line as they were
    assert after.splitlines()[7] == "intro: 本学期，后勤部在园部的带领下，围绕保安全、优服务、强保障三件事开展工作，全体后勤人员各司其职。"
    assert after.splitlines()[16] == "    details: 1.生熟食品分开存放，标签清楚；2.餐具每餐清洗消毒；3.每日留样并由专人登记。"
    assert after.splitlines()[22] == "    details: 门窗、水龙头和户外器械随报随修（一般问题当天解决）。"

    # What is left is wording, which --fix never touches; reported against the file as it is now.
    remaining = warnings_of(result.stderr, EAST)
    assert not any("半角" in w or "标点重复" in w or "编号" in w for w in remaining)
    assert any(w.startswith(f"{EAST}:27:14: 警告: 句子与第20行的几乎相同") for w in remaining)
    assert "已改正 0 处标点" in run(seed_like, "check", "--fix").stderr  # nothing more to do


def test_fix_leaves_what_it_cannot_place_exactly(seed_like, run):
    form = seed_like / EAST
    text = form.read_text(encoding="utf-8").replace(
        "details: 门窗、水龙头和户外器械随报随修(一般问题当天解决)。",
        'details: "门窗、水龙头和户外器械随报随修(一般问题当天解决)\\u3002"')
    form.write_text(text, encoding="utf-8")
    run(seed_like, "check", "--fix")
    assert '随报随修(一般问题当天解决)\\u3002"' in form.read_text(encoding="utf-8")


def test_fix_keeps_crlf_bom_and_permissions(seed_like, run):
    form = seed_like / EAST
    raw = form.read_bytes().replace(b"\n", b"\r\n")
    form.write_bytes(b"\xef\xbb\xbf" + raw)
    os.chmod(form, 0o664)
    run(seed_like, "check", "--fix")
    fixed = form.read_bytes()
    assert fixed.startswith(b"\xef\xbb\xbf") and fixed.count(b"\r\n") == raw.count(b"\r\n")
    assert "本学期，后勤部".encode() in fixed
    assert os.stat(form).st_mode & 0o777 == 0o664


def test_config_similarity_and_min_chars(seed_like, run):
    from pipeline.commands.context import workspace_at

    def run_fresh(*args):
        workspace_at.cache_clear()  # config.yaml is read once per process and folder; this test edits it
        return run(*args)

    config = seed_like / "config.yaml"
    original = config.read_text(encoding="utf-8")
    config.write_text(original + "check:\n  similarity: 0.95\n", encoding="utf-8")
    stderr = run_fresh(seed_like, "check").stderr
    assert "几乎相同" not in stderr  # 94% is below the bar now
    assert f"与 {WEST} 第14行的文字相同" in stderr  # equal text still is

    config.write_text(original + "check:\n  min_chars: 60\n", encoding="utf-8")
    stderr = run_fresh(seed_like, "check").stderr
    assert "几乎相同" not in stderr and "文字相同" not in stderr

    config.write_text(original + "check:\n  similarity: 2\n", encoding="utf-8")
    result = run_fresh(seed_like, "check")
    assert result.exit_code == 1
    assert "config.yaml:7:15: 错误: 字段 \"check\" \"similarity\"：相似度应在 0.5 到 1 之间" in result.stderr


def test_invalid_form_is_an_error_and_the_others_are_checked(seed_like, run):
    bad = seed_like / EAST_BEFORE
    bad.write_text(bad.read_text(encoding="utf-8").replace("details:", "detials:", 1), encoding="utf-8")
    result = run(seed_like, "check")
    assert result.exit_code == 1
    assert f'{EAST_BEFORE}:10:5: 错误: 未知字段 "detials"' in result.stderr
    assert "与 inputs/2024-2025-1/西园区" in result.stderr
    assert "1 份有错误" in result.stderr


def test_build_prints_check_warnings_and_strict_refuses(seed_like, run):
    result = run(seed_like, "build")
    assert result.exit_code == 0
    assert f"{EAST}:8:11: 警告: 中文里用了半角逗号" in result.stderr
    assert len(list((seed_like / "outputs").rglob("*.docx"))) == 3

    shutil.rmtree(seed_like / "outputs")
    result = run(seed_like, "build", "--strict")
    assert result.exit_code == 1
    assert f"{EAST}:8:11: 错误: 中文里用了半角逗号" in result.stderr
    written = [p.parent.name + "/" + p.parent.parent.name for p in (seed_like / "outputs").rglob("*.docx")]
    assert written == ["东园区/2023-2024-2"]  # the two forms sharing a paragraph are not built


_PROBE = """\
import sys
from pipeline.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
if sys.argv[1:] == ["classify"]:  # category inference alone: dictionary look-ups, no jieba
    from pipeline.document.classify import Classifier
    from pipeline.form.config import Config
    Classifier(Config().heading_list).infer("消防设施检查", "更换灭火器")
print("jieba" in sys.modules)
"""


def test_jieba_loads_only_when_needed_and_once(seed_like):
    def probe(*args: str) -> str:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=seed_like, env=env,
                              capture_output=True, text=True, timeout=120)
        return done.stdout.strip()

    assert probe("validate") == "False"
    assert probe("classify") == "False"
    assert probe("check") == "True"  # proofreading reads sentences with jieba


def test_fix_repairs_everything_safe_in_one_run_and_removes_pasted_bullets(tmp_path, run):
    form = tmp_path / "form.yaml"
    form.write_text("organization: 明德实验学校\ncampus: 东湖校区\ndepartment: 后勤处\nterm: 2024-2025-1\n"
                    "date: 2025-01-16\nactivities:\n  - title: 暑期校舍维修\n"
                    "    details: 1、检修水电线路;2、给围栏刷漆(共３０米);3、为教室更换灯管。\n"
                    "shortcomings:\n  - • 保育员队伍年龄偏大。\n  - 部分老设备缺少保养记录。\nplans:\n  - 建立保养卡。\n",
                    encoding="utf-8")
    checked = run(tmp_path, "check", "form.yaml")
    said = [line.split(": 警告: ")[0] for line in checked.stderr.splitlines() if ": 警告: " in line]
    assert said == ["form.yaml:8:14", "form.yaml:8:22", "form.yaml:8:23", "form.yaml:8:30", "form.yaml:8:32",
                    "form.yaml:8:36", "form.yaml:8:37", "form.yaml:10:5"]
    assert "form.yaml:10:5: 警告: 开头的“•”是从 Word 等处复制来的项目符号，会照样印进文档；请删去" in checked.stderr

    fixed = run(tmp_path, "check", "--fix", "form.yaml")
    assert "没有发现问题，已改正 9 处标点" in fixed.stderr
    lines = form.read_text(encoding="utf-8").splitlines()
    assert lines[7] == "    details: 1.检修水电线路；2.给围栏刷漆（共30米）；3.为教室更换灯管。"
    assert lines[9] == "  - 保育员队伍年龄偏大。"
    assert "已改正 0 处标点" in run(tmp_path, "check", "--fix", "form.yaml").stderr


# --- one way of checking, with or without --fix ---------------------------------------------

def _lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("检查了 ")]


def test_fix_with_nothing_to_repair_says_what_check_says(seed_like, run):
    """--fix and check go one way: once nothing is left to repair, they say the same lines in the
    same order, errors included (an invalid form's error said once, not once per reading)."""
    bad = seed_like / EAST_BEFORE
    bad.write_text(bad.read_text(encoding="utf-8").replace("details:", "detials:", 1), encoding="utf-8")
    first = run(seed_like, "check", "--fix")
    error = f'{EAST_BEFORE}:10:5: 错误: 未知字段 "detials"'
    assert [line for line in first.stderr.splitlines() if line.startswith(error)] == [first.stderr.splitlines()[0]]
    said = first.stderr.splitlines()
    assert said.index(next(line for line in said if "已修改" in line)) > 0  # errors first, then the repairs
    checked, fixed = run(seed_like, "check"), run(seed_like, "check", "--fix")
    assert (checked.exit_code, fixed.exit_code) == (1, 1)
    assert _lines(fixed.stderr) == _lines(checked.stderr) and len(_lines(checked.stderr)) == 6
    assert "检查了 3 份填报表：发现 5 处问题，1 份有错误" in checked.stderr
    assert "检查了 3 份填报表：发现 5 处问题，已改正 0 处标点，1 份有错误" in fixed.stderr


def test_fix_on_the_pool_repairs_and_reports_as_in_one_process(seed_like, run, monkeypatch):
    """The same run with the forms dealt to worker processes: the same repairs, lines and files."""
    from pipeline.commands import batch

    copy = seed_like.parent / "pooled"
    shutil.copytree(seed_like, copy)
    alone = run(seed_like, "check", "--fix")
    used_pool = force_pool(monkeypatch, 1)
    monkeypatch.setattr(batch, "cpu_count", lambda: 2)
    pooled = run(copy, "check", "--fix")
    assert used_pool
    assert pooled.stderr == alone.stderr and "已改正 8 处标点" in pooled.stderr
    assert snapshot(copy) == snapshot(seed_like)


def test_fix_that_cannot_write_a_form_names_it_and_reports_no_repair(seed_like, run, monkeypatch):
    from pipeline.proofread import repair

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    before = snapshot(seed_like)
    monkeypatch.setattr(repair, "write_atomic", refuse)
    result = run(seed_like, "check", "--fix")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (f"worksum check: 错误: 无法写入 {EAST}：没有写入权限（文件或文件夹是只读的，"
                                              "或正被其他程序占用）")
    assert "已修改" not in result.stderr and "检查了" not in result.stderr
    assert snapshot(seed_like) == before


_OPENED: list[str] | None = None


def _count_opens(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if not flags & (os.O_WRONLY | os.O_RDWR) and not any(c in mode for c in "wax+"):
            _OPENED.append(os.path.realpath(os.fsdecode(args[0])))


sys.addaudithook(_count_opens)  # an audit hook cannot be removed: it counts only while _OPENED is a list


def _reads(folder: Path, run, *args: str) -> dict[str, int]:
    """How many times ``worksum *args`` in ``folder`` opened each form under inputs/ to read it."""
    global _OPENED
    _OPENED = []
    try:
        result = run(folder, *args)
    finally:
        opened, _OPENED = _OPENED, None
    assert result.exit_code in (0, 1), result.output
    forms = {os.path.realpath(p): str(p.relative_to(folder)) for p in folder.rglob("*.yaml") if "inputs" in p.parts}
    return {name: opened.count(path) for path, name in forms.items()}


def test_fix_reads_each_form_as_often_as_check_does(seed_like, run):
    """check --fix read every form once more than check (a repair pass before the check's own) and a
    repaired one once more again: now it reads each form as check does, once, and once more only to
    compare a form that shares text with another; a repaired form is proofread from the bytes written."""
    copy = seed_like.parent / "checked"
    shutil.copytree(seed_like, copy)
    checked = _reads(copy, run, "check")
    fixed = _reads(seed_like, run, "check", "--fix")
    assert "已改正 8 处标点" in run(copy, "check", "--fix").stderr  # (the copy had as much to repair)
    assert fixed == checked and len(fixed) == 3, (fixed, checked)
    assert fixed[EAST_BEFORE] == 1  # last term's form, only read for the index


def test_fix_leaves_a_form_saved_while_it_was_checked_alone(seed_like, run, monkeypatch):
    """A form saved in an editor between the check's reading and its writing: writing the repairs
    (made to the text read) would undo the edit; the file is left as saved, and the message says why."""
    from pipeline.proofread import repair

    form = seed_like / EAST
    planned = repair.plan

    def plan_while_saved(checked, issues, raw):
        found = planned(checked, issues, raw)
        if os.path.realpath(checked.path) == os.path.realpath(form):
            form.write_bytes(raw + "# 刚在记事本里补写的一行\n".encode())
        return found

    monkeypatch.setattr(repair, "plan", plan_while_saved)
    result = run(seed_like, "check", "--fix")
    assert form.read_bytes().endswith("# 刚在记事本里补写的一行\n".encode())
    assert (f"{EAST}: 警告: 文件在检查期间被修改过（可能刚在编辑器中保存），没有自动修改；"
            "请再运行一次 worksum check --fix") in result.stderr
    assert f"{EAST}:8:11: 已修改" not in result.stderr


def test_a_date_far_from_the_forms_period_is_named(seed_like, run):
    """2015 typed for 2025 was printed as the summary's date without a word (as was 1900年1月3日, a 3
    typed into a workbook's date cell): check and build name the date and the period it is far from."""
    form = seed_like / EAST
    form.write_text(form.read_text(encoding="utf-8").replace("date: 2025-01-15", "date: 2015-01-15"), encoding="utf-8")
    said = f"{EAST}:6:7: 警告: 日期“2015年1月15日”不在2024—2025学年第一学期（2024年8月至2025年1月）前后，多半是年份写错了；请核对"
    assert said in run(seed_like, "check").stderr
    assert said in run(seed_like, "build").stderr
    form.write_text(form.read_text(encoding="utf-8").replace("date: 2015-01-15", "date: 2025-03-20"), encoding="utf-8")
    assert "不在2024—2025学年第一学期" not in run(seed_like, "check").stderr  # written weeks after the term: fine


def test_a_figure_the_document_rounds_away_is_named(tmp_path, run):
    """A figure has at most two decimals in the document: 0.004 was printed as 0 (and 0.125 as 0.13)
    without a word; check says what the document will print."""
    from conftest import VALID, write_form

    form = write_form(tmp_path, VALID + "counts:\n  - item: 事故率\n    value: 0.004\n    unit: \"%\"\n"
                                        "    category: 安全\n    previous: 0.125\n")
    said = run(tmp_path, "check", str(form)).stderr
    assert "警告: 数值 0.004 在文档中写成 0（数据最多保留两位小数）；需要更精确时，请换用更小的单位（如把“万元”改为“元”）" in said
    assert "警告: 数值 0.125 在文档中写成 0.13（数据最多保留两位小数）" in said
