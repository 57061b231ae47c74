"""Layout profiles as data (pipeline/profiles/, docs/版式指南.md): choosing, overriding and
writing one, every mistake named in Chinese at its file and line, and what each key
does to the document. The pages themselves are measured in tests/export/test_pdf_pages.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, worksum
from docx_reading import NS, paragraphs, part
from hypothesis import HealthCheck, assume, given, settings
from profile_cases import profile_texts, resolved

from pipeline.diagnostics import FormError
from pipeline.document.manuscript import Attachment, Manuscript, Table
from pipeline.form import profiles as spec
from pipeline.layout import engines
from pipeline.layout.measure import signature_indents, width
from pipeline.layout.present import label
from pipeline.layout.profile import GBT9704, Profile, builtin
from pipeline.text.chinese import date_in_words

GUIDE = ROOT / "docs" / "版式指南.md"
EXAMPLES = ROOT / "tests" / "data" / "profiles"
FORM = "inputs/2024-2025-1/东湖校区/后勤处.yaml"


def workspace_with(tmp_path: Path, format_text: str | None, files: dict[str, str] | None = None) -> Path:
    """The sample workspace with config.yaml's ``format`` line removed, and ``format_text``
    (when given) written at the top of the file instead; ``files`` go into templates/."""
    folder = tmp_path / "ws"
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^format:.*\n", "", config)
    if format_text is not None:  # first, so that messages name lines counted from it
        config = format_text.rstrip("\n") + "\n" + config
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    for name, text in (files or {}).items():
        (folder / "templates").mkdir(exist_ok=True)
        (folder / "templates" / name).write_text(text, encoding="utf-8")
    return folder


def build(folder: Path, *args: str) -> bytes:
    out = folder / "out.docx"
    done = worksum("build", FORM, "-o", str(out), *args, cwd=folder)
    assert done.returncode == 0, done.stderr.decode()
    return out.read_bytes()


def refused(folder: Path) -> str:
    done = worksum("build", FORM, "-o", str(folder / "out.docx"), cwd=folder)
    assert done.returncode == 1, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert not (folder / "out.docx").exists()
    return done.stderr.decode()


# --- the built-in profiles ------------------------------------------------------

def test_the_gbt9704_data_file_holds_layout_md_numbers():
    p = builtin("gbt9704")
    assert (p.page_width_mm, p.page_height_mm) == (210, 297)
    assert (p.margin_top_mm, p.margin_bottom_mm, p.margin_left_mm, p.margin_right_mm) == (37, 35, 28, 26)
    assert (p.lines_per_page, p.chars_per_line, p.line_pitch_twips, p.body_char_spacing) == (22, 28, 579, -5)
    assert (p.body_font, p.body_size_pt, p.title_font, p.title_size_pt) == ("仿宋_GB2312", 16, "方正小标宋简体", 22)
    assert (p.page_number_style, p.page_number_position, p.page_number_size_pt) == ("— N —", "outside", 14)
    assert (p.signature_lines, p.date_style, p.red_header, p.attachments) == (("<author>",), "arabic", False, False)
    assert GBT9704 == p


def test_the_school_profile_is_a_few_lines_over_gbt9704():
    text = (ROOT / "pipeline" / "profiles" / "school.yaml").read_text(encoding="utf-8")
    keys = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(keys) <= 6, keys
    p = builtin("school")
    assert (p.page_number_style, p.page_number_position) == ("- N -", "center")
    assert (p.line_pitch_twips, p.body_size_pt) == (560, 14)  # 28 pt lines, 四号 body
    assert (p.lines_per_page, p.chars_per_line) == (24, 31)
    assert p.char_twips * p.chars_per_line <= p.text_width_twips < p.char_twips * (p.chars_per_line + 1)


def test_the_root_profile_names_every_key():
    """gbt9704 is the root every other profile is laid over: it must leave nothing out."""
    loaded = spec.load_file(spec.BUILTIN_DIR / "gbt9704.yaml")
    for path, model in spec.SHAPES.items():
        section = loaded.data
        for key in path:
            section = section[key]
        # the root says lines_per_page (line_spacing is the other way to say it); headings take the body's size
        optional = {"based_on", "line_spacing"} | ({"size"} if model is spec.HeadingKeys else set())
        assert set(section) >= set(model.model_fields) - optional, (path, set(model.model_fields) - set(section))


def test_naming_gbt9704_gives_the_same_bytes_as_naming_none(tmp_path):
    none = build(workspace_with(tmp_path / "a", None))
    named = build(workspace_with(tmp_path / "b", "format: gbt9704"))
    over = build(workspace_with(tmp_path / "c", "format:\n  based_on: gbt9704\n"))
    restated = build(workspace_with(tmp_path / "d", "format:\n  margins: {top: 37mm, left: 2.8cm}\n"
                                                    "  body: {size: 三号}\n  chars_per_line: 28\n"))
    assert none == named == over == restated
    school = build(workspace_with(tmp_path / "e", "format: school"))
    assert school != none


# --- what each key does to the document --------------------------------------------

def test_school_profile_document(tmp_path):
    data = build(workspace_with(tmp_path, "format: school"))
    styles = part(data, "word/styles.xml")
    normal = styles.find('w:style[@w:styleId="Normal"]', NS)
    assert normal.find("w:rPr/w:sz", NS).get(f"{{{NS['w']}}}val") == "28"  # 四号
    assert normal.find("w:pPr/w:spacing", NS).get(f"{{{NS['w']}}}line") == "560"  # exactly 28 pt
    for name in ("word/footer1.xml", "word/footer2.xml"):
        footer = part(data, name)
        assert footer.find(".//w:jc", NS).get(f"{{{NS['w']}}}val") == "center"
        shown = "".join(footer.xpath(".//w:t/text()", namespaces=NS))
        assert re.sub("[12]", "N", shown) == "- N -"


def test_page_number_with_the_page_count(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  page_number: {style: 第N页共M页, position: 居右}\n"))
    footer = part(data, "word/footer2.xml")
    fields = [t.strip() for t in footer.xpath(".//w:instrText/text()", namespaces=NS)]
    assert fields == ["PAGE", "NUMPAGES"]
    assert footer.find(".//w:jc", NS).get(f"{{{NS['w']}}}val") == "right"  # even pages too


def test_signature_lines_and_the_date_in_chinese_numerals(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  signature: {lines: [<organization>, <campus><department>], "
                                          "date: 汉字}\n"))
    tail = [(p.style, p.text) for p in paragraphs(data)][-3:]
    assert tail == [("Signature", "明德实验学校"), ("Signature", "东湖校区后勤处"),
                    ("Signature", "二〇二五年一月十五日")]


def test_dates_in_chinese_numerals():
    assert date_in_words(dt.date(2025, 1, 15)) == "二〇二五年一月十五日"
    assert date_in_words(dt.date(2012, 10, 16)) == "二〇一二年十月十六日"
    assert date_in_words(dt.date(2030, 12, 31)) == "二〇三〇年十二月三十一日"


def test_heading_numbering_styles(tmp_path):
    data = build(workspace_with(tmp_path, 'format:\n  heading1: {numbering: "第一部分 "}\n'
                                          '  heading3: {numbering: "（1）"}\n'))
    texts = [p.text for p in paragraphs(data)]
    assert any(t.startswith("第一部分 加强学习培训") for t in texts), texts[:8]
    assert any(t.startswith("第二部分 ") for t in texts)
    assert any(t.startswith("（1）") for t in texts)
    assert not any(re.match("^[一二三]、", t) for t in texts)


@pytest.mark.parametrize("style, number, expected", [("一、", 12, "十二、"), ("（一）", 3, "（三）"), ("1.", 10, "10."),
                                                     ("（1）", 2, "（2）"), ("①", 3, "③"), ("第一部分", 2, "第二部分")])
def test_numbering_labels(style, number, expected):
    assert label(style, number) == expected


def test_fonts_sizes_and_bold_from_the_profile(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  title: {font: 宋体, size: 小一, bold: true}\n"
                                          "  heading1: {font: 楷体_GB2312, bold: true, size: 小二}\n"))
    styles = part(data, "word/styles.xml")
    title = styles.find('w:style[@w:styleId="Title"]/w:rPr', NS)
    assert title.find("w:rFonts", NS).get(f"{{{NS['w']}}}eastAsia") == "宋体"
    assert title.find("w:sz", NS).get(f"{{{NS['w']}}}val") == "48"
    assert title.find("w:b", NS).get(f"{{{NS['w']}}}val") is None  # bold
    heading = styles.find('w:style[@w:styleId="Heading1"]/w:rPr', NS)
    assert heading.find("w:rFonts", NS).get(f"{{{NS['w']}}}eastAsia") == "楷体_GB2312"
    assert heading.find("w:b", NS).get(f"{{{NS['w']}}}val") is None
    assert heading.find("w:sz", NS).get(f"{{{NS['w']}}}val") == "36"  # 小二
    second = styles.find('w:style[@w:styleId="Heading2"]/w:rPr', NS)
    assert second.find("w:sz", NS).get(f"{{{NS['w']}}}val") == "32"  # the body's 三号


def test_a_workspace_profile_file(tmp_path):
    folder = workspace_with(tmp_path, "format: 我校", {"我校.profile.yaml": "based_on: school\nsignature: {date: 汉字}\n"})
    data = build(folder)
    assert paragraphs(data)[-1].text == "二〇二五年一月十五日"
    assert part(data, "word/styles.xml").find('w:style[@w:styleId="Normal"]/w:rPr/w:sz', NS).get(
        f"{{{NS['w']}}}val") == "28"  # school's 四号


@pytest.mark.parametrize("name", ["sunwu", "aynu", "zznu"])
def test_the_guides_examples_are_the_test_profiles(name):
    """docs/版式指南.md shows each published school's rules as a profile of a few lines:
    the very files the page tests measure."""
    keys = "\n".join(line for line in (EXAMPLES / f"{name}.profile.yaml").read_text(encoding="utf-8").splitlines()
                     if not line.startswith("#")).strip()
    assert f"```yaml\n{keys}\n```" in GUIDE.read_text(encoding="utf-8")
    assert len(keys.splitlines()) <= 6
    source = re.search(r"来源：(\S+)", (EXAMPLES / f"{name}.profile.yaml").read_text(encoding="utf-8")).group(1)
    assert source in GUIDE.read_text(encoding="utf-8")


# --- mistakes, in Chinese at their file and line -----------------------------------

@pytest.mark.parametrize("format_text, expected", [
    ("format: gbt970", 'config.yaml:1:9: 错误: 字段 "format"：未知的版式 "gbt970"，是否应为 "gbt9704"？'),
    ("format:\n  margins: {top: 3.7}", 'config.yaml:2:18: 错误: 版式 "margins" "top"：“3.7”没有单位：请写成 3.7mm、3.7cm 或 3.7pt'),
    ("format:\n  margins: {botom: 35mm}", 'config.yaml:2:13: 错误: 版式中未知的键 "botom"，是否应为 "bottom"？'),
    ("format:\n  页码: {style: 第N页}", 'config.yaml:2:3: 错误: 版式中未知的键 "页码"，键名要用英文，应写成 "page_number"'),
    ("format:\n  body: {size: 3}", 'config.yaml:2:16: 错误: 版式 "body" "size"：字号 3 不明确：是指“三号”（16 磅）吗？'),
    ("format:\n  body: {size: 大三}", '字号“大三”看不懂'),
    ("format:\n  heading1: {numbering: 第部分}", '编号样式“第部分”看不懂'),
    ("format:\n  page_number: {style: 第页}", '页码样式“第页”应含一个 N'),
    ("format:\n  page_number: {position: 中间}", '页码位置“中间”不可用；可选：外侧、居中、居右、居左'),
    ("format:\n  signature: {lines: [<organisation>]}", '落款中的 <organisation> 不可用，是否应为 <organization>？'),
    ("format:\n  line_spacing: 12pt", 'config.yaml:2:17: 错误: 行距 12 磅小于正文字号三号（16 磅），文字会重叠'),
    ("format:\n  chars_per_line: 40", 'config.yaml:2:19: 错误: 每行 40 字太多：版心宽 156mm，三号字每行最多排 30 字'),
    ("format:\n  heading1: {size: 初号}", 'config.yaml:2:20: 错误: 1级标题字号初号大于行距 28.95 磅，标题会被截去一截'),
    ("format:\n  margins: {left: 80mm, right: 80mm}", '左右边距太大'),
    ("format:\n  page_number: {gap: 40mm}", '页码离版心 40mm，连同页码本身超出了下边距 35mm'),
    ("format: [a, b]", '字段 "format"：format 应为版式名称'),
])
def test_mistakes_in_format_are_named_at_their_line(tmp_path, format_text, expected):
    assert expected in refused(workspace_with(tmp_path, format_text))


def test_a_line_spacing_of_nothing_is_named_once(tmp_path):
    """line_spacing: 0pt was an internal error (ZeroDivisionError, exit 3); it is said once, without
    the headings' consequences (each heading larger than a line of 0 pt)."""
    said = refused(workspace_with(tmp_path, "format:\n  line_spacing: 0pt")).strip().splitlines()
    assert said == ["config.yaml:2:17: 错误: 行距 0 磅小于正文字号三号（16 磅），文字会重叠"]


def test_a_title_larger_than_the_line_spacing_is_accepted_and_gets_lines_its_size_needs(tmp_path):
    """No refusal ("标题会被截去"): the title's lines are as high as its type needs, so it
    cannot be cut; headings, which keep the body's spacing, still are refused (above)."""
    folder = workspace_with(tmp_path, "format:\n  title: {size: 初号}")
    done = worksum("build", FORM, "-o", str(folder / "out.docx"), cwd=folder)
    assert done.returncode == 0 and "截去" not in done.stderr.decode(), done.stderr.decode()
    styles = part((folder / "out.docx").read_bytes(), "word/styles.xml")
    title = styles.find("w:style[@w:styleId='Title']", NS)
    spacing = title.find("w:pPr/w:spacing", NS)
    w = f"{{{NS['w']}}}"
    assert spacing.get(f"{w}lineRule") == "exact"
    assert int(spacing.get(f"{w}line")) == round(42 * 20 * 1.3) > round(28.95 * 20)  # 54.6 pt lines for 42 pt type
    assert title.find("w:rPr/w:sz", NS).get(f"{w}val") == "84"


def _title_lines(data: bytes) -> list[str]:
    """The title's lines as the document breaks them (runs joined, split at its w:br)."""
    body = part(data, "word/document.xml").find("w:body", NS)
    title = next(p for p in body.findall("w:p", NS) if p.find("w:pPr/w:pStyle", NS).get(f"{{{NS['w']}}}val") == "Title")
    text = "".join("\n" if child.tag.endswith("}br") else (child.text or "") for child in title.iter()
                   if child.tag.endswith("}t") or child.tag.endswith("}br"))
    return text.split("\n")


def test_a_title_too_large_for_its_parts_breaks_between_words(tmp_path):
    """At 初号 a line holds ten characters: neither 明德实验学校东湖校区后勤处 nor the period fits
    one line, so the title breaks inside the parts the wording gave, between words (never
    东湖校|区 or 学|年), three balanced lines; both engines agree."""
    data = build(workspace_with(tmp_path, "format:\n  title: {size: 初号}"))
    assert _title_lines(data) == ["明德实验学校东湖校区", "后勤处2024—2025学年", "第一学期工作总结"]
    at_default = build(workspace_with(tmp_path / "default", None))
    assert _title_lines(at_default) == ["明德实验学校东湖校区后勤处", "2024—2025学年第一学期工作总结"]  # the parts fit
    assert_engines_agree(sample_manuscript(), resolved("format:\n  title: {size: 初号}\n"))


@pytest.mark.parametrize("size, title, lines", [
    (42, "华东师范大学第二附属中学紫竹校区教务处2024—2025学年第二学期工作总结",
     ["华东师范大学", "第二附属中学紫竹校区", "教务处2024—2025学年", "第二学期工作总结"]),
    (36, "明德实验学校2024—2025学年第一学期后勤处工作总结（本部校区、东湖校区、滨江校区）",
     ["明德实验学校", "2024—2025学年第一学期", "后勤处工作总结", "（本部校区、东湖", "校区、滨江校区）"]),
])
def test_title_lines_keep_names_ordinals_and_marks_whole(size, title, lines):
    """A name longer than a line breaks between its words (华东师范大学|第二附属中学); an ordinal
    keeps what it counts (第二附属中学, 第一学期); no line starts with 、 or ends with （."""
    from pipeline.layout.measure import title_lines

    profile = dataclasses.replace(GBT9704, title_size_pt=size)
    got = title_lines(title, profile, names=("华东师范大学第二附属中学", "紫竹校区", "教务处", "明德实验学校"))
    assert got == lines
    assert all(width(line) <= profile.title_chars_per_line for line in got)


@pytest.mark.parametrize("size", [42, 36])
@pytest.mark.parametrize("unit", ["明德实验学校后勤处", "明德实验学校教务处", "青禾路小学北校区保教部", "明德学校安全办"])
@pytest.mark.parametrize("period", ["2024年秋季学期", "2025年春季学期", "2024—2025学年度", "2024年上半年", "2024—2025学年第二学期"])
def test_a_title_never_breaks_inside_the_genres_title_words(size, unit, period):
    """jieba cuts 秋季|学期 and 工作|总结 in two, so at 初号 明德实验学校后勤处2024年秋季|学期工作总结
    broke inside the period: the period and the subject stay whole on their line (and the lines fit)."""
    from pipeline.layout.measure import TITLE_UNITS, title_lines

    profile = dataclasses.replace(GBT9704, title_size_pt=size)
    for subject in ("工作总结", "工作汇总"):
        title = unit + period + subject
        lines = title_lines(title, profile, names=(unit,))
        assert "".join(lines) == title and all(width(line) <= profile.title_chars_per_line for line in lines)
        ends = [sum(map(len, lines[:n])) for n in range(1, len(lines))]
        inside = [title[found.start():found.end()] for found in TITLE_UNITS.finditer(title)
                  if any(found.start() < end < found.end() for end in ends)]
        assert not inside, lines
    assert [found.group() for found in TITLE_UNITS.finditer(period + "工作总结")][-1] == "工作总结"


_WORDS_PROBE = """\
from pipeline.layout.measure import inside_words
from pipeline.text import segment
title = "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结"
{before}
print(sorted(inside_words(title)))
"""


def test_where_a_title_breaks_does_not_depend_on_the_words_added_before():
    """Proofreading adds its words (config.yaml's, the trade's) to the process's dictionary; a title
    measured after that breaks where it would in a process that added none."""
    import subprocess
    import sys

    def inside(before: str) -> str:
        done = subprocess.run([sys.executable, "-c", _WORDS_PROBE.format(before=before)], capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return done.stdout

    alone = inside("")
    assert alone == inside('segment.tokenizer(["校区后勤", "学校东湖", "工作总结", "年第一"])')
    # 明德实验学校|东湖|校区|后勤处|2024—2025学年|第一学期|工作|总结: 学校东湖 and 校区后勤, words only
    # because they were added, are broken (6, 10); 东湖校|区 (9), 学|年 (23), 第一|学期 (26) are not
    assert alone == "[1, 3, 4, 5, 7, 9, 11, 12, 17, 22, 23, 25, 26, 27, 29, 31]\n"


@pytest.mark.parametrize("title, top, refused_too", [("", "116.5mm", False), ("", "116.6mm", True),
                                                     ("  title: {size: 初号}\n", "79.1mm", False),
                                                     ("  title: {size: 初号}\n", "79.2mm", True)])
def test_the_red_header_check_measures_the_title_at_its_own_size(title, top, refused_too):
    """Under a 红头 the first page must hold the title and the body's first line: an 初号 title
    (three lines of 54.6 pt for a title as wide as the sample's) takes far more of it than a
    二号 one (two of the body's 28.95 pt lines). The edge is LibreOffice's, to a tenth of a
    millimetre: at 79.1mm the 初号 title and the body's first line are on page 1, at 79.2mm the
    body goes to page 2 (the check refused 77-79mm before; tests/export/test_redhead_attachment_pages.py
    renders both sides of the edge)."""
    text = f"format:\n{title}  red_header: {{enabled: true, number: 明德校〔2025〕3号, top: {top}}}\n"
    if not refused_too:
        assert resolved(text).red_header
        return
    with pytest.raises(FormError) as raised:
        resolved(text)
    line = 3 if title else 2
    assert [str(d) for d in raised.value.diagnostics] == [
        f"config.yaml:{line}:57: 错误: 红头离版心上边缘 {top}，首页排不下红头、标题和正文"]


def test_mistakes_in_a_workspace_profile_file_are_named_in_it(tmp_path):
    folder = workspace_with(tmp_path, "format: 我校", {"我校.profile.yaml": "# 我校的格式\nline_spacing: 12pt\nbody: {fnt: 黑体}\n"})
    message = refused(folder)
    assert 'templates/我校.profile.yaml:3:8: 错误: 版式中未知的键 "fnt"，是否应为 "font"？' in message
    (folder / "templates" / "我校.profile.yaml").write_text("# 我校的格式\nline_spacing: 12pt\n", encoding="utf-8")
    assert "templates/我校.profile.yaml:2:15: 错误: 行距 12 磅小于正文字号" in refused(folder)


def test_profiles_based_on_each_other_in_a_circle_are_refused(tmp_path):
    folder = workspace_with(tmp_path, "format: 甲", {"甲.profile.yaml": "based_on: 乙\n", "乙.profile.yaml": "based_on: 甲\n"})
    assert 'templates/乙.profile.yaml:1:11: 错误: 字段 "based_on"：版式 "甲" 的 based_on 绕回了自己' in refused(folder)


def test_a_profile_name_cannot_leave_the_workspace(tmp_path):
    assert "版式名称 \"../x\" 只能由汉字、字母、数字" in refused(workspace_with(tmp_path, "format: ../x"))


def test_a_profile_file_slip_of_the_input_method_is_named(tmp_path):
    folder = workspace_with(tmp_path, "format: 我校", {"我校.profile.yaml": "body：{size: 四号}\n"})
    assert "templates/我校.profile.yaml:1:5:" in refused(folder)


# --- 红头 and 附件 in the document -----------------------------------------------------

def test_red_header_paragraphs(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  red_header: {enabled: true, number: 明德校〔2025〕3号}\n"))
    body = part(data, "word/document.xml").find("w:body", NS)
    first, second = body.findall("w:p", NS)[:2]
    mark = first.find("w:r/w:rPr", NS)
    assert "".join(first.itertext()) == "明德实验学校"
    assert mark.find("w:color", NS).get(f"{{{NS['w']}}}val") == "FF0000"
    assert mark.find("w:rFonts", NS).get(f"{{{NS['w']}}}eastAsia") == "方正小标宋简体"
    assert first.find("w:pPr/w:jc", NS).get(f"{{{NS['w']}}}val") == "center"
    assert "".join(second.itertext()) == "明德校〔2025〕3号"
    rule = second.find("w:pPr/w:pBdr/w:bottom", NS)
    assert rule.get(f"{{{NS['w']}}}color") == "FF0000"
    texts = [p.text for p in paragraphs(data)]
    assert texts[2:4] == ["", ""] and texts[4].startswith("明德实验学校东湖校区后勤处"), "two empty lines to the title"


def test_red_header_without_a_number_puts_the_rule_under_the_mark(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  red_header: {enabled: true, unit: <organization>文件}\n"))
    first = part(data, "word/document.xml").find("w:body/w:p", NS)
    assert "".join(first.itertext()) == "明德实验学校文件"
    assert first.find("w:pPr/w:pBdr/w:bottom", NS) is not None


def test_a_long_unit_name_is_set_smaller_to_fit_one_line():
    manuscript = sample_manuscript()
    manuscript.organization = "某某市某某区第一实验小学教育集团东湖校区"  # 20 characters
    profile = dataclasses.replace(GBT9704, red_header=True)
    first = part(engines.lay_out(manuscript, profile), "word/document.xml").find("w:body/w:p", NS)
    size = int(first.find("w:r/w:rPr/w:sz", NS).get(f"{{{NS['w']}}}val")) / 2
    assert size * width(manuscript.organization) <= profile.text_width_twips / 20
    assert size < profile.red_header_size_pt


def test_attachments_list_and_pages(tmp_path):
    data = build(workspace_with(tmp_path, "format:\n  attachments: {enabled: true}\n"))
    paras = paragraphs(data)
    texts = [p.text for p in paras]
    listed = texts.index("附件：东湖校区后勤处主要数据统计表")  # one attachment: no number
    assert [p.style for p in paras[listed + 2:listed + 4]] == ["Signature", "Signature"]
    label = texts.index("附件")
    assert label > listed + 3, "the attachment comes after the signature"
    assert paras[label].element.find("w:pPr/w:pageBreakBefore", NS) is not None
    assert texts[label + 1:label + 3] == ["", "东湖校区后勤处主要数据统计表"]
    assert paras[label + 2].style == "Title"
    table = part(data, "word/document.xml").findall(".//w:tbl", NS)
    assert len(table) == 1
    header = ["".join(c.itertext()) for c in table[0].find("w:tr", NS).findall("w:tc", NS)]
    assert header[:3] == ["项目", "单位", "本期"]


def test_a_rollups_tables_become_attachments_the_text_names(tmp_path):
    folder = workspace_with(tmp_path, "format:\n  attachments: {enabled: true}\n")
    done = worksum("rollup", "--term", "2024-2025-1", "--department", "后勤处", cwd=folder)
    assert done.returncode == 0, done.stderr.decode()
    (document,) = (folder / "outputs").rglob("*汇总*.docx")
    texts = [p.text for p in paragraphs(document)]
    labels = [t for t in texts if re.fullmatch(r"附件\d+", t)]
    assert labels == [f"附件{n}" for n in range(1, len(labels) + 1)] and len(labels) >= 2
    for name in labels:
        assert any(f"见{name}" in t for t in texts), name
    assert not any("见下表" in t for t in texts)
    listed = [t for t in texts if t.startswith("附件：1.")]
    assert len(listed) == 1
    titles = [texts[texts.index(name) + 2] for name in labels]  # in the third line of each 附件 page
    assert all(re.fullmatch("各校区[^，]+主要数据", title) for title in titles), titles
    assert listed[0] == f"附件：1.{titles[0]}" and f"{len(titles)}.{titles[-1]}" in texts


def test_a_wide_attachment_turns_its_page(tmp_path):
    manuscript = sample_manuscript()
    wide = Table(tuple(f"第{i}校区合计" for i in range(12)), (tuple(f"{i * 1234.5}" for i in range(12)),))
    narrow = Table(("项目", "数量"), (("维修", "12"),))
    manuscript.attachments = [Attachment("窄表", narrow), Attachment("宽表", wide), Attachment("又一窄表", narrow)]
    data = assert_engines_agree(manuscript, GBT9704)
    body = part(data, "word/document.xml").find("w:body", NS)
    sections = body.findall(".//w:sectPr", NS)
    orients = [s.find("w:pgSz", NS).get(f"{{{NS['w']}}}orient") for s in sections]
    assert orients == [None, "landscape", None]  # portrait text and first table, the wide one, the last
    landscape = sections[1].find("w:pgSz", NS)
    assert int(landscape.get(f"{{{NS['w']}}}w")) > int(landscape.get(f"{{{NS['w']}}}h"))
    widths = [int(t.find("w:tblPr/w:tblW", NS).get(f"{{{NS['w']}}}w")) for t in body.findall(".//w:tbl", NS)]
    assert widths[1] > GBT9704.text_width_twips == widths[0] == widths[2]


# --- both engines, and any valid profile ----------------------------------------------

def sample_manuscript() -> Manuscript:
    m = Manuscript(title="明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结", author="东湖校区后勤处",
                   created=dt.datetime(2025, 1, 15, 8, 0), organization="明德实验学校", campus="东湖校区",
                   department="后勤处", date=dt.date(2025, 1, 15))
    m.add("title", m.title)
    m.add("blank")
    m.add("body", "本学期，后勤处围绕学校中心工作，扎实做好各项服务保障。" * 3)
    for n in (1, 2):
        m.add("heading1", f"{'一二'[n - 1]}、第{n}项工作", number=n)
        for k in (1, 2, 3):
            m.add("item", "按计划完成，师生反映良好。" * 4, runin=f"{k}.工作事项{k}。", number=k)
        m.add("heading2", "（一）存在的不足", number=1)
        m.add("body", "1.个别环节衔接不够紧密。")
    m.add("blank")
    m.add("signature", "东湖校区后勤处")
    m.add("date", "2025年1月15日")
    return m


def assert_engines_agree(manuscript: Manuscript, profile: Profile) -> bytes:
    fast = engines.lay_out(manuscript, profile)
    reference = engines.lay_out(manuscript, profile, engine="python-docx")
    if fast != reference:
        with zipfile.ZipFile(io.BytesIO(fast)) as a, zipfile.ZipFile(io.BytesIO(reference)) as b:
            for name in b.namelist():
                assert a.read(name).decode() == b.read(name).decode(), name
    assert fast == reference
    return fast


@pytest.mark.parametrize("name", ["gbt9704", "school", "sunwu", "aynu", "zznu"])
def test_every_profile_with_red_header_and_attachments_gives_identical_bytes(name):
    if name in ("gbt9704", "school"):
        base = builtin(name)
    else:  # the published rules' profiles, as config.yaml's format
        text = (EXAMPLES / f"{name}.profile.yaml").read_text(encoding="utf-8")
        base = resolved("format:\n" + "".join(f"  {line}\n" for line in text.splitlines()
                                              if line and not line.startswith("#")))
    manuscript = sample_manuscript()
    manuscript.attachments = [Attachment("主要数据统计表", Table(("项目", "数量"), (("维修", "12"),)))]
    assert_engines_agree(manuscript, base)
    for profile in (dataclasses.replace(base, red_header=True, red_header_number="明德校〔2025〕3号"),
                    dataclasses.replace(base, red_header=True, date_style="chinese",
                                        signature_lines=("<organization>", "<campus><department>"),
                                        heading1_numbering="第一部分", heading3_numbering="（1）")):
        assert_engines_agree(manuscript, profile)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile_texts())
def test_any_valid_profile_lays_out_without_overflow(text):
    """A profile the checks accept fits its own page: the grid inside the text block, the
    title and the page number inside the paper, the 落款 inside the line; and both engines
    still agree on its bytes."""
    try:
        p = resolved(text)
    except FormError as exc:
        assert all(re.match(r"config\.yaml:\d+:\d+: 错误: ", str(d)) for d in exc.diagnostics)
        assume(False)
    text_height = round((p.page_height_mm - p.margin_top_mm - p.margin_bottom_mm) / 25.4 * 1440)
    assert p.lines_per_page * p.line_pitch_twips <= text_height
    assert p.chars_per_line * p.char_twips <= p.text_width_twips
    assert p.line_pitch_twips >= p.body_size_pt * 20  # the title's lines take what its type needs:
    assert p.title_line_twips >= max(p.line_pitch_twips, p.title_size_pt * 20 * p.type_height_em - 1)
    assert p.footer_twips >= 0
    name_indent, date_indent = signature_indents(p, "东湖校区后勤处", "二〇二五年一月十五日")
    assert 0 <= name_indent and date_indent <= p.text_width_twips - 10 * p.char_twips
    assert_engines_agree(sample_manuscript(), dataclasses.replace(p, red_header=True))


def test_restating_a_value_changes_nothing():
    """Writing gbt9704's own paper, margins and size again keeps its 28 characters a line;
    changing them without chars_per_line fills the line with the body size instead."""
    same = resolved("format:\n  paper: A4\n  margins: {left: 28mm, right: 2.6cm}\n  body: {size: 三号}\n")
    assert dataclasses.replace(same, name=GBT9704.name) == GBT9704
    wider = resolved("format:\n  margins: {left: 20mm}\n")
    assert wider.chars_per_line == wider.text_width_twips // 320


def test_editing_a_workspace_profile_rebuilds_what_it_shapes(tmp_path):
    """An unchanged workspace is skipped; a changed templates/<name>.profile.yaml is a change."""
    folder = workspace_with(tmp_path, "format: 我校", {"我校.profile.yaml": "based_on: school\n"})
    forms = len(list((folder / "inputs").rglob("*.yaml")))
    first = worksum("build", cwd=folder, timeout=600)
    assert first.returncode == 0 and f"生成 {forms} 份" in first.stderr.decode(), first.stderr.decode()
    again = worksum("build", cwd=folder, timeout=600)
    assert f"未变化 {forms} 份" in again.stderr.decode(), again.stderr.decode()
    (folder / "templates" / "我校.profile.yaml").write_text("based_on: school\nsignature: {date: 汉字}\n",
                                                           encoding="utf-8")
    changed = worksum("build", cwd=folder, timeout=600)
    assert f"生成 {forms} 份" in changed.stderr.decode(), changed.stderr.decode()
    dates = {paragraphs(d)[-1].text for d in (folder / "outputs").rglob("*.docx")}
    assert all(re.fullmatch("二〇[〇一二三四五六七八九]{2}年.+日", d) for d in dates), dates
