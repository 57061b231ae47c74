"""The fast layout engine (pipeline.layout.fast) makes the reference engine's bytes exactly.

The reference is python-docx (``lay_out(..., engine="python-docx")``). Every
test compares whole .docx files byte for byte, then opens the fast one to check
it is a sound document in its own right. Tables (the roll-up's figures) go the
same way. Last, the title's line breaks, which both engines share.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE_FORM, ROOT
from docx_reading import paragraphs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.commands.context import find_workspace
from pipeline.document.manuscript import Manuscript, Paragraph, Table
from pipeline.form.validate import read_form
from pipeline.layout import engines, measure, parts
from pipeline.layout import fast as wordml
from pipeline.layout import reference as reference_engine
from pipeline.layout.profile import GBT9704

SAMPLE_FORMS = sorted((ROOT / "inputs").rglob("*.yaml"))
CREATED = dt.datetime(2025, 1, 15, 8, 0)


def manuscript_of(form_path: Path) -> Manuscript:
    from pipeline.document.assemble import assemble
    from pipeline.wording.summary import word

    workspace = find_workspace(form_path.resolve().parent)
    form, loaded = read_form(form_path, workspace.config)
    summary, _ = assemble(form, workspace.config, lambda: workspace.classifier, loaded.diagnostic)
    return word(summary, workspace.templates_for(form.department))


def both(manuscript: Manuscript) -> tuple[bytes, bytes]:
    fast = engines.lay_out(manuscript, GBT9704)
    reference = engines.lay_out(manuscript, GBT9704, engine="python-docx")
    return fast, reference


def assert_same(manuscript: Manuscript) -> bytes:
    fast, reference = both(manuscript)
    if fast != reference:  # name the first part that differs, not just "bytes differ"
        with zipfile.ZipFile(io.BytesIO(fast)) as a, zipfile.ZipFile(io.BytesIO(reference)) as b:
            assert a.namelist() == b.namelist()
            for name in b.namelist():
                assert a.read(name).decode() == b.read(name).decode(), name
        assert fast == reference  # same parts, different framing
    return fast


def doc(*paragraphs: Paragraph, title: str = "测试标题", author: str = "东湖校区后勤处") -> Manuscript:
    return Manuscript(title=title, author=author, created=CREATED, paragraphs=list(paragraphs))


def standard(body: str = "正文。", runin: str = "1.标题。", title: str = "某校后勤处工作总结",
             author: str = "东湖校区后勤处", date: str = "2025年1月15日") -> Manuscript:
    return doc(Paragraph("title", title), Paragraph("blank"), Paragraph("body", body),
               Paragraph("heading1", "一、" + body), Paragraph("heading2", "（一）" + body),
               Paragraph("heading3", body), Paragraph("item", body, runin=runin),
               Paragraph("blank"), Paragraph("signature", author), Paragraph("date", date),
               title=title, author=author)


# --- real forms --------------------------------------------------------------

@pytest.mark.parametrize("form", [EXAMPLE_FORM, *SAMPLE_FORMS], ids=lambda p: "/".join(p.parts[-3:]))
def test_forms_give_identical_bytes_in_both_engines(form):
    manuscript = manuscript_of(form)
    fast = assert_same(manuscript)
    laid = paragraphs(fast)
    assert [p.text.replace("\n", "") for p in laid] == [p.runin + p.text for p in manuscript.paragraphs]
    assert laid[0].style == "Title" and any(p.style == "Heading 1" for p in laid)


MINIMAL_FORM = """\
organization: 阳光实验幼儿园
campus: 东园区
department: 后勤部
term: 2024-2025-1
date: 2025-01-15
activities:
  - title: 消防演练
    category: safety
"""

SPECIAL_FORM = MINIMAL_FORM + """\
    details: "R&D <实验> 区“A&B”，'单引号'\\t制表符，\\u3000全角空格 "
    result: 结果 ]]> & 完
shortcomings: ["<不足> & 改进"]
title: "\\u3000<特别> & “总结”"
"""


@pytest.mark.parametrize("text", [MINIMAL_FORM, SPECIAL_FORM], ids=["minimal", "xml specials"])
def test_written_forms_give_identical_bytes(text, tmp_path):
    form = tmp_path / "form.yaml"
    form.write_text(text, encoding="utf-8")
    manuscript = manuscript_of(form)
    assert_same(manuscript)
    if text is SPECIAL_FORM:
        assert any("R&D <实验>" in p.text for p in manuscript.paragraphs)
        assert "<特别> & “总结”" in paragraphs(engines.lay_out(manuscript, GBT9704))[0].text


def test_the_fast_engine_writes_a_sound_zip_that_python_docx_reads():
    manuscript = manuscript_of(EXAMPLE_FORM)
    fast = assert_same(manuscript)
    with zipfile.ZipFile(io.BytesIO(fast)) as archive:
        assert archive.testzip() is None  # every CRC checks out
        assert archive.namelist()[:3] == ["[Content_Types].xml", "_rels/.rels", "word/document.xml"]
        assert all(info.date_time == parts.ZIP_DATE for info in archive.infolist())
    import docx

    document = docx.Document(io.BytesIO(fast))
    assert document.core_properties.title == manuscript.title
    assert document.core_properties.author == manuscript.author
    assert document.core_properties.created.replace(tzinfo=None) == manuscript.created
    assert document.sections[0].even_page_footer.paragraphs[0].text.startswith("— ")


# --- edge cases --------------------------------------------------------------

EDGE_TEXTS = {
    "xml specials": "A&B <c> \"d\" 'e' ]]> &amp; 5<6",
    "control characters": "前\x00\x01\x08\x0b\x0c\x0e\x1f后\ufffe\uffff\ud800完",
    "tabs and line ends": "一\t二\n三\r四\r\n五\t",
    "only line ends": "\n\t\r",
    "edge white space": "  两端有空格  ",
    "ideographic spaces": "\u3000全角空格\u3000",
    "non-BMP": "𠀀𝕏😀汉字",
    "cleaned to nothing": "\x01\x02",
    "very long": "长" * 30_000 + "end",
}


@pytest.mark.parametrize("text", EDGE_TEXTS.values(), ids=EDGE_TEXTS.keys())
def test_edge_case_text_gives_identical_bytes(text):
    assert_same(standard(body=text, runin=text, title=text, author=text, date=text))


@pytest.mark.parametrize("title", [
    "明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结",
    "明德实验学校东湖校区后勤处教务处德育处安全办公室总务处2024—2025学年第一学期联合工作总结",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" * 3,
    "长" * 300,  # a title longer than Word's 255-character property limit
    "",
])
def test_long_and_empty_titles_give_identical_bytes(title):
    fast = assert_same(standard(title=title))
    laid = paragraphs(fast)
    assert laid[0].text.replace("\n", "") == title
    lines = measure.balanced_lines(title, GBT9704.title_chars_per_line)
    assert laid[0].element.xml.count("<w:br/>") == len(lines) - 1


def test_long_document_property_is_cut_to_word_limit_not_refused():
    import docx

    fast = assert_same(standard(title="题" * 300, author="署" * 300))
    assert docx.Document(io.BytesIO(fast)).core_properties.title == "题" * parts.PROPERTY_CHARS


@pytest.mark.parametrize("manuscript", [
    doc(),
    doc(Paragraph("blank")),
    doc(Paragraph("body", "")),
    doc(Paragraph("item", "", runin="1.只有标题。")),
    doc(Paragraph("item", "只有正文。", runin="")),
    doc(Paragraph("signature", "只有落款")),
    doc(Paragraph("date", "2025年1月15日")),
    doc(Paragraph("signature", "名"), Paragraph("date", "2025年12月31日")),  # the date longer than the name
    doc(Paragraph("title", "标题"), title="", author=""),
    doc(Paragraph("heading1", "一、空"), Paragraph("heading1", "二、空"), Paragraph("heading2", "（一）空"),
        Paragraph("signature", "落款"), Paragraph("date", "2025年1月15日")),
], ids=["empty", "blank only", "empty body", "run-in only", "text only", "signature only", "date only",
        "date longer than name", "empty properties", "empty sections"])
def test_sparse_manuscripts_give_identical_bytes(manuscript):
    assert_same(manuscript)


def test_a_different_creation_time_changes_only_core_properties():
    first = standard()
    second = standard()
    second.created = dt.datetime(1999, 12, 31, 23, 59, 58)
    assert_same(second)
    with zipfile.ZipFile(io.BytesIO(engines.lay_out(first, GBT9704))) as a, \
            zipfile.ZipFile(io.BytesIO(engines.lay_out(second, GBT9704))) as b:
        changed = [name for name in a.namelist() if a.read(name) != b.read(name)]
    assert changed == ["docProps/core.xml"]


texts = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from("&<>\"'\t\r\n \u3000")), max_size=40)
roles = st.sampled_from(sorted(parts.ROLE_STYLES))  # the paragraph roles


@st.composite
def tables(draw) -> Table:
    row = st.tuples(*[texts] * draw(st.integers(1, 9)))
    return Table(draw(row), tuple(draw(st.lists(row, max_size=4))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.builds(Paragraph, roles, texts, texts), max_size=8), texts, texts)
def test_any_manuscript_gives_identical_bytes(paras, title, author):
    # run-in titles only belong to items, but the engines must agree on whatever they get
    assert_same(doc(*paras, title=title, author=author))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.builds(Paragraph, roles, texts, texts), tables()), max_size=6))
def test_any_manuscript_with_tables_gives_identical_bytes(blocks):
    assert_same(doc(*blocks))


# --- tables ------------------------------------------------------------------

def without_line_ends(text: str) -> str:
    return measure.clean(text).replace("\r", "").replace("\n", "")


def cell_texts(data: bytes) -> list[list[list[str]]]:
    """Every table of a .docx as rows of cell texts, line ends left out (wrapping adds them)."""
    import docx

    return [[[without_line_ends(cell.text) for cell in row.cells] for row in table.rows]
            for table in docx.Document(io.BytesIO(data)).tables]


def kept_with_next(data: bytes) -> list[str]:
    """The body paragraphs (not the cells) that keep with the block after them."""
    import docx

    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.paragraph_format.keep_with_next]


HEADER = ("项目", "单位", "本部校区", "东湖校区", "滨江校区", "合计", "上期合计", "增减")
ROWS = (("维修课桌凳", "套", "124", "—", "36", "160", "142", "+18"),
        ("节约水电费", "元", "21400", "12600", "9800", "43800", "41000", "+2800"),
        ("食堂满意度", "%", "96.5", "94", "—", "—", "—", "—"),
        ("安全隐患整改", "处", "", "3", "", "3", "", ""))
TABLES = {
    "header and rows": Table(HEADER, ROWS),
    "header only": Table(("项目", "合计")),
    "one column": Table(("项目",), (("维修",), ("保洁",))),
    "xml specials": Table(("A&B", "<c>", "]]>"), (("&amp;", "5<6>4", "\"双\"'单'"), ("R&D", "<>", "&"))),
    "empty cells": Table(("项目", "", "合计"), (("", "", ""), ("有", "", "1"))),
    "white space and line ends": Table(("  两端  ", "\u3000全角", "一\t二"),
                                        (("三\r四\r\n五\n六", "\n", "\r"), (" ", "\t", "\r\n"))),
    "characters Word cannot store": Table(("\x01\x02", "前\x00后\ufffe"), (("\x0b", "𠀀😀"),)),
    "wide": Table(("项目名称很长很长很长很长很长很长",) + tuple(f"第{n}校区" for n in range(1, 9)),
                  (("很长很长很长很长很长很长的项目名称",) + ("1234567",) * 8,
                   ("短",) + ("12345678901234567890",) * 8)),
    "very long cells": Table(("项目", "说明"), (("长" * 300, "明德" * 200 + "2024" * 50),)),
}


def with_table(table: Table) -> Manuscript:
    """A table where the roll-up puts one: after a heading's lead, before more text."""
    return doc(Paragraph("title", "明德实验学校后勤处2024—2025学年第一学期工作汇总"), Paragraph("blank"),
               Paragraph("heading1", "一、岗位职责"), Paragraph("body", "主要数据见下表："), table,
               Paragraph("body", "表后的一段。"), Paragraph("blank"), Paragraph("signature", "明德实验学校后勤处"),
               Paragraph("date", "2025年1月16日"))


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_tables_give_identical_bytes(table):
    fast = assert_same(with_table(table))
    shown = measure.arranged(table, GBT9704)  # a table too wide for the page is turned, or cut
    assert cell_texts(fast) == [[[without_line_ends(cell) for cell in row] for row in (part.header, *part.rows)]
                                for part in shown]
    if shown != [table]:  # turned: its columns, read back across the parts, are the table's rows
        grids = [list(zip(*(part.header, *part.rows))) for part in shown]
        assert [grids[0][0], *(column for grid in grids for column in grid[1:])] == [table.header, *table.rows]
        assert all(grid[0] == grids[0][0] for grid in grids)  # each part repeats the labels
    # the table's opening line, and the signature block (the title and headings keep by their styles)
    assert kept_with_next(fast) == ["主要数据见下表：", "表后的一段。", "", "明德实验学校后勤处"]


def test_tables_anywhere_give_identical_bytes():
    first, second = TABLES["header and rows"], TABLES["xml specials"]
    fast = assert_same(doc(first, Paragraph("title", "标题"), second, second, Paragraph("heading2", "（一）本部"),
                           first, Paragraph("blank"), Paragraph("signature", "落款"), Paragraph("date", "2025年1月1日"),
                           first))
    assert len(cell_texts(fast)) == 5
    # each table's opening line, and the signature block; a table keeps nothing with what follows it
    assert kept_with_next(fast) == ["标题", "（一）本部", "", "落款", "2025年1月1日"]


def test_a_wide_table_wraps_its_cells_into_lines():
    import docx

    fast = assert_same(with_table(TABLES["wide"]))
    cells = docx.Document(io.BytesIO(fast)).tables[0].rows[0].cells
    assert cells[0].text.count("\n") >= 1  # the long header label wraps, in balanced lines
    assert all(len(line) <= 9 for line in cells[0].text.split("\n"))


def rollup_manuscripts(term: str = "2024-2025-1") -> dict[str, Manuscript]:
    """The sample workspace's roll-ups for ``term``, by department, worded as ``worksum rollup`` words them."""
    from pipeline.commands.build import summarise
    from pipeline.document.rollup import roll_up
    from pipeline.wording.rollup import word_rollup
    from pipeline.workspace.discovery import forms_in

    workspace = find_workspace(ROOT)
    summaries: dict[str, list] = {}
    for path in forms_in(ROOT / "inputs" / term):
        form, loaded = read_form(path, workspace.config)
        summary, _ = summarise(form, loaded, workspace)  # the stages worksum rollup runs for each campus
        summaries.setdefault(form.department, []).append(summary)
    return {department: word_rollup(roll_up(found, workspace.config), workspace.templates_for(department))
            for department, found in summaries.items()}


@pytest.fixture(scope="module")
def rollups() -> dict[str, Manuscript]:
    return rollup_manuscripts()


@pytest.mark.parametrize("department", ["后勤处", "教务处"])
def test_sample_rollups_give_identical_bytes_in_both_engines(rollups, department):
    manuscript = rollups[department]
    tables_in = [block for block in manuscript.paragraphs if isinstance(block, Table)]
    assert tables_in and wordml.can_render(manuscript)
    fast = assert_same(manuscript)
    assert cell_texts(fast) == [[[without_line_ends(cell) for cell in row] for row in (table.header, *table.rows)]
                                for table in tables_in]


# --- what the fast engine does not know --------------------------------------

def test_a_role_without_an_emitter_is_laid_out_by_the_reference_engine(monkeypatch):
    manuscript = standard()
    expected = engines.lay_out(manuscript, GBT9704, engine="python-docx")
    monkeypatch.delitem(wordml.EMITTERS, "item")
    assert not wordml.can_render(manuscript)
    assert engines.lay_out(manuscript, GBT9704) == expected


def test_a_manuscript_with_a_table_takes_the_fast_path(monkeypatch):
    manuscript = with_table(TABLES["header and rows"])
    expected = engines.lay_out(manuscript, GBT9704, engine="python-docx")
    assert wordml.can_render(manuscript)
    monkeypatch.setattr(reference_engine, "base_package", lambda profile: pytest.fail("laid out by the reference engine"))
    assert engines.lay_out(manuscript, GBT9704) == expected


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown layout engine"):
        engines.lay_out(standard(), GBT9704, engine="docxtpl")


def test_zip_framing_matches_zipfile_for_any_parts():
    members = [("a.xml", b""), ("word/b.xml", "汉字".encode() * 500), ("c", bytes(range(256)))]
    framed = wordml.zip_entries([wordml._entry(name, data) for name, data in members])
    assert framed == parts.zip_parts(members)


# --- start-up: heavy libraries wait until a command needs them ---------------

PROBE = """
import sys
sys.argv = ["worksum", *sys.argv[1:]]
from pipeline.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({"docx", "lxml", "jieba", "jinja2", "docxtpl"} & {m.split(".")[0] for m in sys.modules})
print("HEAVY", ",".join(heavy), file=sys.stderr)
"""


def imported_heavy(*args: str, cwd: Path) -> set[str]:
    """The heavy libraries a ``worksum ARGS`` process has imported when it ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)
    line = [line for line in done.stderr.splitlines() if line.startswith("HEAVY")][-1]
    return set(filter(None, line.split(" ", 1)[1].split(",")))


def test_help_and_validate_import_no_heavy_library(workspace):
    assert imported_heavy("--help", cwd=workspace) == set()
    assert imported_heavy("validate", cwd=workspace) == set()


def test_build_writes_documents_without_python_docx_or_lxml(example_form, tmp_path):
    out = tmp_path / "out.docx"
    heavy = imported_heavy("build", str(example_form), "-o", str(out), cwd=tmp_path)
    assert heavy.isdisjoint({"docx", "lxml"}), heavy
    assert out.read_bytes() == engines.lay_out(manuscript_of(example_form), GBT9704, engine="python-docx")


def test_rollup_writes_its_tables_without_python_docx_or_lxml(workspace, rollups):
    heavy = imported_heavy("rollup", "--term", "2024-2025-1", cwd=workspace)
    assert heavy.isdisjoint({"docx", "lxml"}), heavy
    folder = workspace / "outputs" / "2024-2025-1" / "汇总"
    assert sorted(p.name for p in folder.glob("*.docx")) == sorted(f"{m.title}.docx" for m in rollups.values())
    for manuscript in rollups.values():
        expected = engines.lay_out(manuscript, GBT9704, engine="python-docx")
        assert (folder / f"{manuscript.title}.docx").read_bytes() == expected


# --- titles: the fewest lines that fit, balanced, without a quadratic search --

def breaks_of(text: str) -> list[int]:
    """Where a line may end: anywhere but inside a run of digits, Latin letters or dashes."""
    unbreakable = measure._NO_BREAK.match
    return [i for i in range(1, len(text)) if not (unbreakable(text[i - 1]) and unbreakable(text[i]))]


def balanced_lines_by_search(text: str, capacity: float) -> list[str]:
    """The earlier rule, straightforwardly: ⌈width / capacity⌉ lines, each ending at the
    break nearest its share, trying every break for every line (slow on long titles).

    It had a bug: the nearest break can lie past the capacity, and breaks cannot fall
    inside runs of digits or Latin letters, so a line could be wider than the capacity
    although other breaks fit. Where its lines fit, the new rule gives the same lines.
    """
    total = measure.width(text)
    if total <= capacity:
        return [text]
    count = int(-(-total // capacity))
    lines, start = [], 0
    for n in range(1, count):
        target = total * n / count
        best = min((b for b in breaks_of(text) if b > start), key=lambda b: abs(measure.width(text[:b]) - target),
                   default=None)
        if best is None:
            break
        lines.append(text[start:best])
        start = best
    lines.append(text[start:])
    return lines


def fewest_lines(text: str, capacity: float) -> int:
    """The fewest lines any set of breaks gives, every line fitting unless it cannot be broken."""
    stops = [0, *breaks_of(text), len(text)]

    @functools.lru_cache(maxsize=None)
    def from_stop(k: int) -> int:
        if k == len(stops) - 1:
            return 0
        return min(1 + from_stop(j) for j in range(k + 1, len(stops))
                   if j == k + 1 or measure.width(text[stops[k]:stops[j]]) <= capacity)

    return from_stop(0)


def fits(lines: list[str], capacity: float) -> bool:
    return all(measure.width(line) <= capacity for line in lines)


CAPACITIES = [GBT9704.title_chars_per_line, 3.3, 5.0, 7.5, 12.0]
TITLE_PARTS = st.one_of(
    st.sampled_from(list("明德实验学校东湖校区后勤处学年第一学期工作总结（）、 ")),
    st.text("0123456789", min_size=1, max_size=45),  # numbers, up to wider than a title line
    st.sampled_from(["2024—2025", "STEAM", "SmartCampus", "ISO9001-2015", "—", "-", "."]))
titles = st.lists(TITLE_PARTS, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("明德校区后勤处工作总结—-.2024ABCxyz （）、"), max_size=90), st.sampled_from(CAPACITIES))
def test_balanced_lines_are_the_nearest_breaks_wherever_those_fit(title, capacity):
    earlier = balanced_lines_by_search(title, capacity)
    if fits(earlier, capacity):
        assert measure.balanced_lines(title, capacity) == earlier


@settings(max_examples=400, deadline=None)
@given(titles, st.sampled_from(CAPACITIES))
def test_no_line_is_wider_than_the_capacity_when_breaks_allow_it(title, capacity):
    lines = measure.balanced_lines(title, capacity)
    assert "".join(lines) == title
    start, allowed = 0, set(breaks_of(title))
    for line in lines:  # a line too wide is a run that cannot be broken, alone on its line
        assert measure.width(line) <= capacity or not allowed & set(range(start + 1, start + len(line))), lines
        start += len(line)
    pieces = [title[a:b] for a, b in zip([0, *allowed], [*sorted(allowed), len(title)])]
    if title and fits(pieces, capacity):  # some set of breaks fits: so do the lines, and as few as can
        assert fits(lines, capacity), lines
        total = measure.width(title)
        assert len(lines) == (1 if total <= capacity else max(-(-total // capacity), fewest_lines(title, capacity)))


@pytest.mark.parametrize("title, earlier, now", [
    # a 20.5-character second line where 20.1 fit: three lines are the fewest that fit
    ("阳光实验幼儿园东园区SmartCampus2024—2025学年第一学期工作总结",
     ["阳光实验幼儿园东园区", "SmartCampus2024—2025学年第一学期工作总结"],
     ["阳光实验幼儿园东园区", "SmartCampus2024—2025", "学年第一学期工作总结"]),
    # a long number: the earlier rule's first line was 21 characters wide
    ("明德实验学校" + "1" * 30 + "号楼2024—2025学年第一学期工作总结",
     ["明德实验学校" + "1" * 30, "号楼2024—2025学年第一学期工作总结"],
     ["明德实验学校", "1" * 30 + "号楼", "2024—2025学年第一学期工作总结"]),
])
def test_lines_that_ran_past_the_capacity_now_fit(title, earlier, now):
    capacity = GBT9704.title_chars_per_line
    assert balanced_lines_by_search(title, capacity) == earlier and not fits(earlier, capacity)
    assert measure.balanced_lines(title, capacity) == now and fits(now, capacity)


@pytest.mark.parametrize("title, lines", [
    ("阳光实验幼儿园东园区后勤部2024—2025学年第一学期工作总结", ["阳光实验幼儿园东园区后勤部", "2024—2025学年第一学期工作总结"]),
    ("明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结", ["明德实验学校东湖校区后勤处", "2024—2025学年第一学期工作总结"]),
    ("明德实验学校后勤处2024—2025学年第一学期工作汇总", ["明德实验学校后勤处2024—2025", "学年第一学期工作汇总"]),
])
def test_the_sample_titles_wrap_as_before(title, lines):
    assert measure.balanced_lines(title, GBT9704.title_chars_per_line) == lines


def test_a_very_long_title_is_split_into_even_lines():
    # the search over every break took minutes here; the test would time out the suite.
    # 20,000 / 20.1 would be 996 lines, some of 21 characters: too wide, so 1,000 lines of 20.
    lines = measure.balanced_lines("长" * 20_000, GBT9704.title_chars_per_line)
    assert "".join(lines) == "长" * 20_000
    assert len(lines) == 20_000 // 20
    assert {len(line) for line in lines} == {20}


def test_a_very_long_title_of_numbers_is_split_between_them():
    title = ("2024" * 9 + "年") * 500  # each number 18 characters wide: one number and its 年 a line
    lines = measure.balanced_lines(title, GBT9704.title_chars_per_line)
    assert lines == ["2024" * 9 + "年"] * 500
