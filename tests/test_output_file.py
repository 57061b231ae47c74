"""`build FORM -o FILE`: the named file is written, and nothing a person made is lost."""

from __future__ import annotations

import docx
from conftest import VALID, write_form


def test_output_must_be_a_docx_and_never_the_form(tmp_path, run):
    form = write_form(tmp_path, VALID)
    notes = tmp_path / "notes.txt"
    notes.write_text("我的笔记", encoding="utf-8")
    result = run(tmp_path, "build", str(form), "-o", str(notes))
    assert result.exit_code == 2 and "-o 应指定一个 .docx 文件" in result.output
    assert notes.read_text(encoding="utf-8") == "我的笔记"
    result = run(tmp_path, "build", str(form), "-o", str(form))
    assert result.exit_code == 2
    assert form.read_text(encoding="utf-8") == VALID


def test_rebuilding_to_the_same_file_replaces_an_untouched_document(tmp_path, run):
    form = write_form(tmp_path, VALID)
    out = tmp_path / "总结.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    form.write_text(VALID.replace("全校师生参加。", "全校师生一千余人参加。"), encoding="utf-8")
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0
    assert "修改过" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["form.yaml", "总结.docx"]
    assert any("一千余人" in p.text for p in docx.Document(str(out)).paragraphs)


def test_an_edited_document_is_kept_as_a_backup(tmp_path, run):
    form = write_form(tmp_path, VALID)
    out = tmp_path / "总结.docx"
    assert run(tmp_path, "build", str(form), "-o", str(out)).exit_code == 0
    edited = docx.Document(str(out))
    edited.add_paragraph("校长批示：请补充具体数据。")
    edited.save(str(out))
    edited_bytes = out.read_bytes()
    form.write_text(VALID.replace("全校师生参加。", "全校师生一千余人参加。"), encoding="utf-8")
    result = run(tmp_path, "build", str(form), "-o", str(out))
    assert result.exit_code == 0
    [backup] = list(tmp_path.glob("总结.edited-*.docx"))
    assert backup.read_bytes() == edited_bytes
    assert f"警告: 这份文档生成后被修改过，修改后的版本已另存为 {backup.name}" in result.stderr
    assert any("一千余人" in p.text for p in docx.Document(str(out)).paragraphs)


def test_schema_output_must_be_json(tmp_path, run):
    form = write_form(tmp_path, VALID)
    result = run(tmp_path, "schema", "-o", str(form))
    assert result.exit_code == 2
    assert form.read_text(encoding="utf-8") == VALID
