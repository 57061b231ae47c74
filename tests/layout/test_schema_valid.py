"""Every kind of document worksum makes is valid OOXML (openxml-audit: the ISO/IEC 29500
schemas and semantic rules): each sample, each roll-up, the edge cases of both layout
engines. The property tests (tests/test_properties.py) validate theirs as well."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE_FORM, ROOT, worksum
from lxml import etree
from ooxml import assert_valid, errors

from pipeline.document.manuscript import Manuscript, Paragraph, Table
from pipeline.layout.engines import ENGINES, lay_out
from pipeline.layout.profile import GBT9704

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> list[Path]:
    """The sample workspace built and rolled up for every term, and the example form."""
    folder = tmp_path_factory.mktemp("valid") / "ws"
    folder.mkdir()
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    shutil.copytree(ROOT / "inputs", folder / "inputs")
    assert worksum("build", cwd=folder).returncode == 0
    for term in sorted(p.name for p in (folder / "inputs").iterdir()):
        done = worksum("rollup", "--term", term, cwd=folder)
        assert done.returncode == 0, done.stderr.decode()
    example = folder / "example.docx"
    assert worksum("build", str(EXAMPLE_FORM), "-o", str(example), cwd=folder).returncode == 0
    return sorted((folder / "outputs").rglob("*.docx")) + [example]


def test_every_sample_and_rollup_is_valid(made):
    forms = list((ROOT / "inputs").rglob("*.yaml"))
    rollups = [p for p in made if "汇总" in p.parts]
    assert len(made) == len(forms) + len(rollups) + 1 and len(rollups) >= 2
    for document in made:
        assert errors(document) == [], document.name


def test_the_validator_finds_what_the_documents_used_to_have(made):
    """The check can fail: the old settings order and a missing theme are both reported."""
    with zipfile.ZipFile(made[0]) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    settings = parts["word/settings.xml"].decode()
    parts["word/settings.xml"] = settings.replace("<w:evenAndOddHeaders/>", "").replace(
        "<w:zoom w:percent=\"100\"/>", "<w:zoom w:percent=\"100\"/><w:evenAndOddHeaders/>").encode()
    parts["word/_rels/document.xml.rels"] = parts["word/_rels/document.xml.rels"].decode().replace(
        '<Relationship Id="rIdTheme" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'theme" Target="theme/theme1.xml"/>', "").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as broken:
        for name, data in parts.items():
            broken.writestr(name, data)
    found = "\n".join(errors(buffer.getvalue()))
    assert "defaultTabStop" in found and "theme" in found


def test_the_theme_carries_the_profiles_fonts(made):
    with zipfile.ZipFile(made[0]) as document:
        theme = etree.fromstring(document.read("word/theme/theme1.xml"))
        settings = etree.fromstring(document.read("word/settings.xml"))
    major, minor = theme.find(f".//{A}majorFont"), theme.find(f".//{A}minorFont")
    assert major.find(f"{A}ea").get("typeface") == GBT9704.title_font
    assert minor.find(f"{A}ea").get("typeface") == GBT9704.body_font
    assert {f.find(f"{A}latin").get("typeface") for f in (major, minor)} == {GBT9704.latin_font}
    order = [child.tag.removeprefix(W) for child in settings]
    assert order.index("defaultTabStop") < order.index("evenAndOddHeaders") < order.index("characterSpacingControl")


# --- edge cases, in both engines --------------------------------------------------

AUTHOR_60 = ("明德实验学校附属第二小学东湖校区后勤保障处与校园安全管理办公室联合工作小组"
             "全体成员暨家长委员会代表和社区志愿服务队伍代表")
assert len(AUTHOR_60) == 60
EDGE = {
    "punctuation": "他说：“做实。”又说‘好’——第一……玛丽·居里，2024—2025学年",
    "control characters": "前\x01\x0b后\ufffe",
    "line ends and tabs": "一\n二\r\n三\t四",
    "empty": "",
    "xml specials": "<w:p> & </w:t>]]>",
    "non-BMP": "𠀀😀汉字",
    "long": "长" * 3000,
}


def manuscript(text: str, author: str = "东湖校区后勤处", table: Table | None = None) -> Manuscript:
    blocks = [Paragraph("title", text or "标题"), Paragraph("blank"), Paragraph("body", text),
              Paragraph("heading1", "一、" + text), Paragraph("heading2", "（一）" + text),
              Paragraph("item", text, runin="1." + text + "。")]
    if table:
        blocks.append(table)
    blocks += [Paragraph("blank"), Paragraph("signature", author), Paragraph("date", "2025年1月15日")]
    return Manuscript(text or "标题", author, dt.datetime(2025, 1, 15, 8), blocks)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", EDGE.values(), ids=EDGE.keys())
def test_edge_case_text_is_valid(text, engine):
    assert_valid(lay_out(manuscript(text), GBT9704, engine=engine))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sixty_character_author_and_a_thirty_campus_table_are_valid(engine):
    campuses = tuple(f"第{n}校区" for n in range(1, 31))
    table = Table(("项目", "单位", *campuses, "合计", "上期合计", "增减"),
                  (("节约水电费", "元", *("12345",) * 30, "370350", "300000", "增长23.5%"),
                   ("能耗同比", "%", *("-3.5",) * 30, "—", "—", "—")))
    assert_valid(lay_out(manuscript("正文。", AUTHOR_60, table), GBT9704, engine=engine))
