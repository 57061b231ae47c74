"""The Word document built from the spec's example form, checked against layout.md."""

from __future__ import annotations

import re

import pytest
from docx_reading import NS, attr, paragraphs, part, style, w

TITLE = "青禾实验幼儿园南园区后勤部2024—2025学年第一学期工作总结"


@pytest.fixture
def built(example_form, run, tmp_path):
    out = tmp_path / "x.docx"
    result = run(tmp_path, "build", str(example_form), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_page_is_a4_with_gbt9704_margins_and_22_line_grid(built):
    sect = part(built, "word/document.xml").xpath("//w:body/w:sectPr", namespaces=NS)[0]
    size = sect.find(w("pgSz"))
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")  # 210 × 297 mm
    margins = sect.find(w("pgMar"))
    # 37 / 35 / 28 / 26 mm in twips
    assert [margins.get(w(k)) for k in ("top", "bottom", "left", "right")] == ["2098", "1984", "1587", "1474"]
    grid = sect.find(w("docGrid"))
    assert grid.get(w("linePitch")) == "579"


def test_body_style_is_16pt_fangsong_exact_spacing_with_28_characters(built):
    styles = part(built, "word/styles.xml")
    normal = style(styles, "Normal")
    assert attr(normal, "w:rPr/w:rFonts", "eastAsia") == "仿宋_GB2312"
    assert attr(normal, "w:rPr/w:rFonts", "ascii") == "Times New Roman"
    assert attr(normal, "w:rPr/w:sz", "val") == "32"
    assert attr(normal, "w:rPr/w:spacing", "val") == "-5"  # −0.25 pt: 28 characters a line
    assert attr(normal, "w:pPr/w:spacing", "line") == "579"
    assert attr(normal, "w:pPr/w:spacing", "lineRule") == "exact"
    assert attr(normal, "w:pPr/w:ind", "firstLineChars") == "200"
    assert attr(normal, "w:pPr/w:jc", "val") == "both"


def test_title_and_heading_styles_are_real_word_styles_with_east_asian_fonts(built):
    styles = part(built, "word/styles.xml")
    expected = {"Title": ("方正小标宋简体", "44"), "heading 1": ("黑体", "32"),
                "heading 2": ("楷体_GB2312", "32"), "heading 3": ("仿宋_GB2312", "32")}
    for name, (font, size) in expected.items():
        element = style(styles, name)
        assert attr(element, "w:rPr/w:rFonts", "eastAsia") == font, name
        assert attr(element, "w:rPr/w:sz", "val") == size, name
    title = style(styles, "Title")
    assert attr(title, "w:pPr/w:jc", "val") == "center"
    assert attr(title, "w:pPr/w:ind", "firstLineChars") == "0"  # the body indent must not leak in
    assert attr(style(styles, "heading 1"), "w:pPr/w:outlineLvl", "val") == "0"
    assert attr(style(styles, "heading 2"), "w:pPr/w:outlineLvl", "val") == "1"


def test_no_theme_fonts_and_chinese_language(built):
    for name in ("word/styles.xml", "word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        xml = part(built, name)
        for fonts in xml.iter(w("rFonts")):
            assert not [a for a in fonts.attrib if "Theme" in a], (name, fonts.attrib)
    lang = part(built, "word/styles.xml").xpath("//w:rPrDefault//w:lang", namespaces=NS)[0]
    assert lang.get(w("eastAsia")) == "zh-CN"


def test_text_follows_the_genre_in_order(built):
    paras = paragraphs(built)
    assert paras[0].style == "Title"
    assert paras[0].text.replace("\n", "") == TITLE
    assert paras[1].text == ""  # one empty line between title and body
    assert paras[2].style == "Normal" and paras[2].text.endswith("现总结如下：")
    headings = [p.text for p in paras if p.style == "Heading 1"]
    assert headings == [
        "一、加强学习培训，提高队伍素质",
        "二、明确岗位职责，做好服务保障",
        "三、狠抓安全管理，保障师幼平安",  # a kindergarten: 师幼, not 师生
        "四、规范财务管理，管好用好资产",
        "五、存在的不足及今后努力方向",
    ]
    assert [p.text for p in paras if p.style == "Heading 2"] == ["（一）存在的不足", "（二）今后努力方向"]
    assert paras[-2].style == "Signature" and paras[-2].text == "南园区后勤部"
    assert paras[-1].style == "Signature" and paras[-1].text == "2025年1月15日"
    assert paras[-3].text == ""  # a blank line before the signature
    assert paras[-4].text == "2.健全物品申领和报修登记手续。"  # the plans end the text: no closing says them again


def test_records_are_worded_under_their_headings(built):
    paras = paragraphs(built)
    text = [p.text for p in paras]

    def under(heading: str) -> str:
        start = next(i for i, t in enumerate(text) if t.startswith(heading))
        end = next((i for i in range(start + 1, len(paras)) if paras[i].style == "Heading 1"), len(paras))
        return "\n".join(text[start:end])

    study = under("一、")
    assert "1.后勤员工岗位业务学习。2024年9月1日至2025年1月10日，隔周利用周五下午集中学习" in study
    assert "共开展8次，参与104人次。" in study
    assert "2.厨房人员“五常法”管理培训。2024年11月，" in study
    duties = under("二、")
    # 暑期园舍维修 has no category: inferred from its words
    assert "2.暑期园舍维修。趁暑假对活动室、午睡室和厨房进行检修改造。" in duties
    assert "维修幼儿桌椅96套，较上学期增长28%" in duties
    safety = under("三、")
    assert "教职工体检率100%" in safety
    assert "2024年11月12日，一名幼儿在滑梯旁奔跑时绊倒，手肘擦破皮。" in safety
    assert "节约公用经费18600元" in under("四、")
    last = under("五、")
    assert "1.后勤岗位人手偏紧，个别员工身兼几项工作。" in last
    assert "2.健全物品申领和报修登记手续。" in last


def test_item_titles_run_in_with_the_bold_item_style(built):
    paras = paragraphs(built)
    item = next(p for p in paras if p.text.startswith("1.后勤员工"))
    runs = item.element.findall(w("r"))
    assert runs[0].find(f"{w('rPr')}/{w('rStyle')}").get(w("val")) == "ItemTitle"
    assert runs[0].findtext(w("t")) == "1.后勤员工岗位业务学习。"
    styles = part(built, "word/styles.xml")
    assert styles.xpath('w:style[@w:styleId="ItemTitle"]/w:rPr/w:b', namespaces=NS)


def test_page_numbers_odd_right_even_left_with_em_dashes(built):
    settings = part(built, "word/settings.xml")
    assert settings.find(w("evenAndOddHeaders")) is not None
    document = part(built, "word/document.xml")
    refs = {r.get(w("type")): r for r in document.iter(w("footerReference"))}
    assert set(refs) == {"default", "even"}
    for name, side in (("word/footer1.xml", "right"), ("word/footer2.xml", "left")):
        footer = part(built, name)
        text = "".join(footer.itertext())
        assert re.fullmatch(r"— \s*PAGE\s*\d —", text), text
        assert footer.xpath("//w:instrText", namespaces=NS)[0].text.strip() == "PAGE"
        assert [f.get(w("fldCharType")) for f in footer.iter(w("fldChar"))] == ["begin", "separate", "end"]
        assert attr(footer, "//w:pPr/w:jc", "val") == side
        assert attr(footer, "//w:pPr/w:ind", side) == "280"  # one 14 pt character in
    footer_style = style(part(built, "word/styles.xml"), "footer")
    assert attr(footer_style, "w:rPr/w:rFonts", "eastAsia") == "宋体"
    assert attr(footer_style, "w:rPr/w:sz", "val") == "28"


def test_signature_name_keeps_two_characters_and_date_starts_two_in(built):
    paras = paragraphs(built)
    name, date = paras[-2].element, paras[-1].element
    name_right = int(name.xpath("w:pPr/w:ind/@w:right")[0])
    date_right = int(date.xpath("w:pPr/w:ind/@w:right")[0])
    char = 315
    # 南园区后勤部; 2025年1月15日: digits are half-width, and word processors add 0.2 of a
    # character where digits meet Chinese (5 places), so the date prints 6.5 + 1 wide.
    name_width, date_width = 6, 7.5
    # The date is the longer line here: it keeps the 2-character right space …
    assert date_right == 2 * char
    # … and the name moves left so that the date still starts 2 characters right of the name.
    name_start = name_right + name_width * char
    date_start = date_right + date_width * char
    assert abs((name_start - date_start) - 2 * char) <= 1


def test_signature_of_a_long_name_keeps_two_characters_at_the_right():
    from pipeline.layout.measure import signature_indents
    from pipeline.layout.profile import GBT9704

    name_right, date_right = signature_indents(GBT9704, "明德实验学校东湖校区后勤处", "2025年1月16日")
    assert name_right == 2 * 315
    assert (name_right + 13 * 315) - (date_right + 7.5 * 315) == pytest.approx(2 * 315, abs=1)  # 6.5 + autospace


def test_core_properties(built):
    import docx

    core = docx.Document(str(built)).core_properties
    assert core.title == TITLE
    assert core.author == "南园区后勤部"
    assert core.created.year == 2025


def test_same_input_gives_identical_bytes(example_form, run, tmp_path):
    first, second = tmp_path / "a.docx", tmp_path / "b.docx"
    assert run(tmp_path, "build", str(example_form), "-o", str(first)).exit_code == 0
    assert run(tmp_path, "build", str(example_form), "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_long_title_wraps_into_balanced_lines(built):
    title = paragraphs(built)[0].text.split("\n")
    assert title == ["青禾实验幼儿园南园区后勤部", "2024—2025学年第一学期工作总结"]


def test_titles_wrap_between_unit_and_period_not_inside_a_word(workspace, run):
    assert run(workspace, "build", "--term", "2024-2025-1").exit_code == 0
    titles = [paragraphs(p)[0].text for p in sorted((workspace / "outputs" / "2024-2025-1").rglob("*.docx"))]
    assert "明德实验学校滨江校区后勤处\n2024—2025学年第一学期工作总结" in titles
    assert all(t.split("\n")[1] == "2024—2025学年第一学期工作总结" for t in titles)


def test_preferred_breaks_win_only_when_the_lines_fit():
    from pipeline.layout.measure import balanced_lines

    text = "明德实验学校滨江校区后勤处2024—2025学年第一学期工作总结"
    assert balanced_lines(text, 20.1, (13,)) == ["明德实验学校滨江校区后勤处", "2024—2025学年第一学期工作总结"]
    # A unit name too long for one line: the general rule takes over.
    long_unit = "某某市某某区某某街道某某实验学校附属幼儿园东园区后勤部"
    lines = balanced_lines(long_unit + "2024年度工作总结", 20.1, (len(long_unit),))
    assert all(len(line) <= 20 for line in lines) and "".join(lines) == long_unit + "2024年度工作总结"
