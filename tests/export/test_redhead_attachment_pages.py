"""红头 and 附件 on real pages, measured against GB/T 9704's figures.

One campus's forms and the roll-up of a term are built with ``red_header`` and
``attachments`` on (config.yaml's ``format``), in the gbt9704 profile and in the
school one, rendered by LibreOffice and measured with poppler:

* 版头: the issuing unit's red mark, centred, its top edge 35 mm below the text
  block's top; the document number two lines below it, centred; a red rule of the
  text block's width 4 mm below the number; the title two lines below the rule.
* 附件: "附件：" with the attachments' names after the body, two characters in,
  before the signature; each attachment from a new page, "附件N" in the text
  block's first line at its left edge, its title centred in the third line, then
  its table; a table too wide for an upright page on a landscape page.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from conftest import ROOT, worksum
from pdfpages import PT_PER_MM, ink_rows, read, require_renderer

pytestmark = pytest.mark.slow  # LibreOffice renders every page

NUMBER = "明德校〔2025〕3号"
TOLERANCE = 1.5  # points
MARGIN_TOLERANCE = PT_PER_MM  # GB/T 9704 allows ±1 mm in the page's margins


@pytest.fixture(scope="module", params=["gbt9704", "school"])
def built(request, tmp_path_factory):
    """(profile, PDFs): a campus's forms and both departments' roll-ups with 红头 and 附件."""
    require_renderer()
    from pipeline.commands.context import workspace_at
    from pipeline.export.pdf import convert

    folder = tmp_path_factory.mktemp(f"redhead-{request.param}") / "ws"
    folder.mkdir()
    config = re.sub(r"(?m)^format:.*\n", "", (ROOT / "config.yaml").read_text(encoding="utf-8"))
    (folder / "config.yaml").write_text(
        f"format:\n  based_on: {request.param}\n  red_header: {{enabled: true, number: {NUMBER}}}\n"
        f"  attachments: {{enabled: true}}\n" + config, encoding="utf-8")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    done = worksum("build", "--pdf", "inputs/2024-2025-1/东湖校区", cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    done = worksum("rollup", "--term", "2024-2025-1", cwd=folder, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    rollups = sorted((folder / "outputs").rglob("汇总/*.docx"))
    pdfs = sorted((folder / "outputs" / "2024-2025-1" / "东湖校区").glob("*.pdf")) + convert(rollups)
    assert len(pdfs) == 4
    return workspace_at(folder).profile, pdfs


def text_block(profile):
    """left, right, top (points) and the line pitch of an upright page."""
    return (profile.margin_left_mm * PT_PER_MM, (profile.page_width_mm - profile.margin_right_mm) * PT_PER_MM,
            profile.margin_top_mm * PT_PER_MM, profile.line_pitch_twips / 20)


def test_the_red_header_stands_where_gbt9704_puts_it(built):
    profile, pdfs = built
    left, right, top, pitch = text_block(profile)
    for pdf in pdfs:
        red = ink_rows(pdf, 1, "red")
        assert len(red) == 2, (pdf.name, red)  # the mark and the rule, nothing else red
        mark, rule = red
        assert mark.top == pytest.approx(top + 35 * PT_PER_MM, abs=MARGIN_TOLERANCE), pdf.name
        assert (mark.x0 + mark.x1) / 2 == pytest.approx((left + right) / 2, abs=TOLERANCE)
        assert rule.bottom - rule.top <= 2, "a thin rule"
        assert (rule.x0, rule.x1) == (pytest.approx(left, abs=TOLERANCE), pytest.approx(right, abs=TOLERANCE))
        lines = read(pdf).pages[0].lines
        number = next(line for line in lines if line.text == NUMBER)
        assert number.centre == pytest.approx((left + right) / 2, abs=TOLERANCE)
        number_ink = [band for band in ink_rows(pdf, 1, "black") if mark.bottom < band.top < rule.top]
        assert len(number_ink) == 1, number_ink
        assert number_ink[0].top - mark.bottom > 1.5 * pitch, "two empty lines between mark and number"
        assert rule.top - number_ink[0].bottom == pytest.approx(4 * PT_PER_MM, abs=TOLERANCE), pdf.name
        title = next(line for line in lines if line.top > rule.bottom)
        assert 2 * pitch <= title.top - rule.bottom < 3 * pitch, "two empty lines, then the title"
        assert title.text in read(pdf).title


def test_attachments_follow_the_signature_on_pages_of_their_own(built):
    profile, pdfs = built
    left, right, top, pitch = text_block(profile)
    char = profile.char_twips / 20
    for pdf in pdfs:
        document = read(pdf)
        lines = [(page, line) for page in document.pages for line in page.lines]
        listed = [(page, line) for page, line in lines if line.text.startswith("附件：")]
        assert len(listed) == 1, pdf.name
        list_page, first = listed[0]
        assert first.x0 == pytest.approx(left + profile.indent_chars * char, abs=TOLERANCE)
        signature_page = next(page for page, line in lines if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line.text))
        labels = [(page, line) for page, line in lines if re.fullmatch(r"附件\d*", line.text)]
        assert labels and list_page.number <= signature_page.number < labels[0][0].number, pdf.name
        for page, label in labels:
            assert page.lines[0] is label, "附件N opens its page"
            assert page.height > page.width, "the sample tables fit an upright page"
            assert label.x0 == pytest.approx(left, abs=TOLERANCE), "顶格"
            assert label.top == pytest.approx(top, abs=pitch / 2), "in the first line"
            title = page.lines[1]
            assert title.top - label.top == pytest.approx(2 * pitch, abs=pitch / 2), "the title in the third line"
            assert title.centre == pytest.approx((left + right) / 2, abs=TOLERANCE)


def test_a_wide_table_is_set_on_a_landscape_page(tmp_path):
    """A table whose cells do not fit the upright text width turns its page; the next
    attachment, which fits, stands upright again."""
    require_renderer()
    from pipeline.document.manuscript import Attachment, Manuscript, Table
    from pipeline.export.pdf import convert
    from pipeline.layout.engines import lay_out
    from pipeline.layout.profile import GBT9704 as profile

    m = Manuscript(title="明德实验学校后勤处工作汇总", author="明德实验学校后勤处", created=dt.datetime(2025, 1, 16, 8),
                   organization="明德实验学校", department="后勤处", date=dt.date(2025, 1, 16))
    m.add("title", m.title)
    m.add("blank")
    m.add("body", "本学期各校区的主要数据见附件。")
    m.add("blank")
    m.add("signature", m.author)
    m.add("date", "2025年1月16日")
    wide = Table(tuple(f"第{i}校区" for i in range(1, 13)), (tuple(f"{i * 1234.5}" for i in range(1, 13)),))
    narrow = Table(("项目", "数量"), (("维修", "12"),))
    m.attachments = [Attachment("各校区数据对比表", wide), Attachment("维修统计表", narrow)]
    path = tmp_path / "wide.docx"
    path.write_bytes(lay_out(m, profile))
    (pdf,) = convert([path])
    pages = read(pdf).pages
    assert [page.width > page.height for page in pages] == [False, True, False]
    turned = pages[1]
    assert turned.width == pytest.approx(profile.page_height_mm * PT_PER_MM, abs=1)
    label, title = turned.lines[:2]
    assert label.text == "附件1" and title.text == "各校区数据对比表"
    # The page turns a quarter: the binding edge (the upright page's left) is at the top,
    # the upright page's foot at the left.
    assert label.top == pytest.approx(profile.margin_left_mm * PT_PER_MM, abs=profile.line_pitch_twips / 40)
    assert label.x0 == pytest.approx(profile.margin_bottom_mm * PT_PER_MM, abs=TOLERANCE)
    cells = [line for line in turned.lines[2:] if "1234.5" in line.text]
    assert cells and all("校区" not in line.text for line in cells), "every figure on one row: nothing wrapped"
    assert pages[2].lines[0].text == "附件2"


@pytest.mark.parametrize("size, number", [("初号", NUMBER), ("二号", NUMBER), ("初号", '""')])
def test_the_lowest_red_header_the_check_accepts_is_the_lowest_that_keeps_title_and_body_on_page_1(size, number, tmp_path):
    """The 红头 as low as the profile check lets it stand (the largest ``top`` it accepts, to a tenth
    of a millimetre): the first page still holds the whole title, at its own size, and the body's
    first line; a tenth of a millimetre lower, which the check refuses, LibreOffice moves the body to
    page 2. (The check refused an 初号 title's 红头 at 77-79mm, where both fit.)"""
    require_renderer()
    import dataclasses

    from pipeline.diagnostics import FormError
    from pipeline.export.pdf import convert
    from pipeline.layout.engines import lay_out
    from profile_cases import resolved

    def text(top: float) -> str:
        return f"format:\n  title: {{size: {size}}}\n  red_header: {{enabled: true, number: {number}, top: {top:g}mm}}\n"

    def accepted(top: float) -> bool:
        try:
            resolved(text(top))
        except FormError:
            return False
        return True

    lowest = max(top / 10 for top in range(350, 2000) if accepted(top / 10))
    assert not accepted(lowest + 0.1)
    folder = tmp_path / "ws"
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    config = re.sub(r"(?m)^format:.*\n", "", (ROOT / "config.yaml").read_text(encoding="utf-8"))
    (folder / "config.yaml").write_text(text(lowest) + config, encoding="utf-8")
    out = folder / "out.docx"
    done = worksum("build", "inputs/2024-2025-1/东湖校区/后勤处.yaml", "-o", str(out), cwd=folder)
    assert done.returncode == 0, done.stderr.decode()
    # a tenth lower: the same document with only the 红头's top moved, past what the check accepts
    profile = resolved(text(lowest))
    lower = folder / "lower.docx"
    from pipeline.commands.context import find_workspace
    from pipeline.document.assemble import assemble
    from pipeline.form.validate import read_form
    from pipeline.wording.summary import word

    form = folder / "inputs" / "2024-2025-1" / "东湖校区" / "后勤处.yaml"
    workspace = find_workspace(form.parent)
    parsed, loaded = read_form(form, workspace.config)
    summary, _ = assemble(parsed, workspace.config, lambda: workspace.classifier, loaded.diagnostic)
    manuscript = word(summary, workspace.templates_for(parsed.department))
    lower.write_bytes(lay_out(manuscript, dataclasses.replace(profile, red_header_top_mm=round(lowest + 0.1, 1))))
    at_edge, past_edge = convert([out, lower])
    title = "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结"
    body = "本学期，东湖校区后勤处完成后勤保障工作8项"
    first = "".join(line.text for line in read(at_edge).pages[0].lines).replace(" ", "")
    assert title in first and body in first, (lowest, first)
    first = "".join(line.text for line in read(past_edge).pages[0].lines).replace(" ", "")
    assert title in first and body not in first, (lowest + 0.1, first)
