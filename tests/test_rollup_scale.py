"""Roll-ups from 2 to 30 campuses stay readable: a few campuses as columns, more as rows
(the table turned), long campus names wrapping, numbers never broken across lines, and
every document schema-valid."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from conftest import ROOT, worksum
from docx.table import Table
from ooxml import assert_valid

from pipeline.document.manuscript import Table as Block
from pipeline.layout.measure import least_widths
from pipeline.layout.profile import GBT9704

TERM = "2024-2025-1"
SOURCES = sorted((ROOT / "inputs" / TERM).glob("*/后勤处.yaml"))
#: Where a line may not break: between two of these (digits, signs, Latin letters).
GLUED = re.compile(r"[0-9A-Za-z.%\-—]")
LONG_NAME = "明德实验学校附属第二十八实验小学城南分校区"


def campus_names(count: int) -> list[str]:
    names = [f"第{n}校区" for n in range(1, count + 1)]
    if count > 2:
        names[1] = LONG_NAME  # wraps in the label column
    return names


def rolled_up(folder: Path, count: int) -> Path:
    """A workspace of ``count`` campuses (the sample forms under new names), rolled up."""
    names = campus_names(count)
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config = re.sub(r"^campuses: .*$", f"campuses: [{', '.join(names)}]", config, flags=re.M)
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    for number, name in enumerate(names):
        source = SOURCES[number % len(SOURCES)]
        text = re.sub(r"^campus: .*$", f"campus: {name}", source.read_text(encoding="utf-8"), flags=re.M)
        target = folder / "inputs" / TERM / name / "后勤处.yaml"
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
    done = worksum("rollup", "--term", TERM, cwd=folder, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    [document] = (folder / "outputs" / TERM / "汇总").glob("*后勤处*.docx")
    return document


def tables(path: Path) -> list[Table]:
    document = docx.Document(str(path))
    return [Table(element, document) for element in document.element.body.iterchildren()
            if element.tag.endswith("}tbl")]


def texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.parametrize("count", [2, 4, 8, 30])
def test_a_rollup_of_many_campuses_keeps_its_numbers_whole(tmp_path, count):
    document = rolled_up(tmp_path, count)
    assert_valid(document)
    names = campus_names(count)
    found = tables(document)
    assert found
    for table in found:
        rows = texts(table)
        flat = [[cell.replace("\n", "") for cell in row] for row in rows]
        if count <= 4:  # campuses as columns, as people expect for a few
            assert flat[0][:2] == ["项目", "单位"] and flat[0][2:2 + count] == names
        else:  # turned: campuses as rows, in config order, after the units
            assert flat[0][0] == "项目" and flat[1][0] == "单位"
            assert [row[0] for row in flat[2:2 + count]] == names
        assert len(rows[0]) <= GBT9704.table_max_columns
        for row in rows:
            for cell in row:
                for i, char in enumerate(cell[1:-1], 1):  # wrapped only where a line may end
                    if char == "\n":
                        assert not (GLUED.match(cell[i - 1]) and GLUED.match(cell[i + 1])), cell
        widths = [int(column.width.twips) for column in table.columns]
        assert sum(widths) == GBT9704.text_width_twips
        block = Block(tuple(c.replace("\n", "") for c in rows[0]),
                      tuple(tuple(c.replace("\n", "") for c in row) for row in rows[1:]))
        assert all(w >= least - 1 for w, least in zip(widths, least_widths(block, GBT9704))), cell
    if count > 2:  # the long name wraps, in the header or the label column
        cells = [cell for table in found for row in texts(table) for cell in row]
        assert any("\n" in cell and cell.replace("\n", "") == LONG_NAME for cell in cells)
