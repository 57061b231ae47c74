"""Workbook forms in tests: cells by their headers, and LibreOffice Calc's save.

LibreOffice opens the workbook, computes its formulas and saves it again
(``soffice --headless --convert-to xlsx``): what comes back is what a person
gets after opening the file in Calc and saving it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl

CALC_PACKAGE = "libreoffice-calc"


def require_calc() -> None:
    """Skip a test that needs LibreOffice Calc where it is missing; under CI fail instead."""
    import pytest

    from pipeline.export.pdf import find_soffice

    soffice = find_soffice()
    if soffice is not None and _has_calc(soffice):
        return
    reason = f"缺少 LibreOffice Calc（安装：apt-get install {CALC_PACKAGE}）"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI 中的工作簿测试不能跳过：{reason}", pytrace=False)
    pytest.skip(reason)


def _has_calc(soffice: str) -> bool:
    program = Path(os.path.realpath(soffice)).parent
    return any(program.glob("libsclo.so*")) or any(program.glob("sc*.dll"))


def through_libreoffice(path: Path, scratch: Path) -> Path:
    """``path`` opened and saved by LibreOffice Calc; returns the saved copy (in ``scratch``)."""
    from pipeline.export.pdf import find_soffice

    require_calc()
    out = scratch / "calc-saved"
    out.mkdir(parents=True, exist_ok=True)
    profile = scratch / "calc-profile"
    command = [find_soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
               "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    saved = out / path.name
    assert saved.is_file(), f"LibreOffice did not save {path.name}"
    return saved


def save_over(path: Path, scratch: Path) -> None:
    """Replace ``path`` by its copy saved in LibreOffice Calc."""
    shutil.copy(through_libreoffice(path, scratch), path)


# --- cells by header, so a column the model gains (分组) moves nothing in the tests ----

def blank_book(**data) -> openpyxl.Workbook:
    """The blank workbook form holding ``data`` (campus=…), opened for filling in."""
    from pipeline.form.workbook_write import write_workbook

    return openpyxl.load_workbook(io.BytesIO(write_workbook(data)))


def letter(ws, header: str) -> str:
    """The column letter of ``header`` in the sheet's first row."""
    for cell in ws[1]:
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(f"no column {header} in {ws.title}")


def info_cell(book: openpyxl.Workbook, label: str):
    """The 内容 cell of a 基本信息 row, by its label."""
    ws = book["基本信息"]
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return ws.cell(row[0].row, 2)
    raise AssertionError(f"no row {label} in 基本信息")


def put(ws, row: int, **by_header) -> None:
    """Write a row of a record sheet, by header: put(ws, 2, 标题="…", 次数=4)."""
    for header, value in by_header.items():
        ws[f"{letter(ws, header)}{row}"] = value


# --- typing, as Calc reads what a person types --------------------------------------------

#: LibreOffice's text import: comma-separated, UTF-8, from line 1, in a Chinese locale (2052), with
#: "detect special numbers" on, as typing into a cell is read: 2024-11-04 and 2024/10/15 become dates,
#: 6 a number, 2024-09-01 ~ 2025-01-10 stays text.
TYPING_FILTER = "CSV:44,34,76,1,,2052,false,true"


def typed_in_calc(typed: dict[str, dict[str, str]], scratch: Path) -> dict[str, dict[str, tuple]]:
    """What Calc makes of text typed into cells: {sheet: {"D4": "6"}} → {sheet: {"D4": (6, "General")}}.

    Each sheet's text goes through LibreOffice Calc's own input parsing (its text import in a
    Chinese locale), so numbers, dates and text come out as Calc stores what a person types.
    """
    import csv

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    from pipeline.export.pdf import find_soffice

    require_calc()
    folder = scratch / "typed"
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for number, (sheet, cells) in enumerate(typed.items()):
        grid: dict[tuple[int, int], str] = {}
        for coordinate, text in cells.items():
            letters, row = coordinate_from_string(coordinate)
            grid[(row, column_index_from_string(letters))] = text
        rows, cols = max(r for r, _ in grid), max(c for _, c in grid)
        path = folder / f"sheet{number}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([[grid.get((r, c), "") for c in range(1, cols + 1)]
                                          for r in range(1, rows + 1)])
        names[sheet] = path
    command = [find_soffice(), f"-env:UserInstallation={(scratch / 'calc-profile').resolve().as_uri()}",
               "--headless", "--norestore", f"--infilter={TYPING_FILTER}", "--convert-to", "xlsx",
               "--outdir", str(folder), *map(str, names.values())]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    result = {}
    for sheet, path in names.items():
        ws = openpyxl.load_workbook(path.with_suffix(".xlsx")).active
        result[sheet] = {coordinate: (ws[coordinate].value, ws[coordinate].number_format)
                         for coordinate in typed[sheet]}
    return result


def type_into(book: openpyxl.Workbook, typed: dict[str, dict[str, str]], scratch: Path) -> None:
    """Type ``typed`` ({sheet: {cell: text}}) into ``book``, each cell as Calc reads what is typed."""
    for sheet, cells in typed_in_calc(typed, scratch).items():
        for coordinate, (value, number_format) in cells.items():
            book[sheet][coordinate] = value
            if not isinstance(value, str):  # a blank workbook's text cells stay text ("@")
                book[sheet][coordinate].number_format = number_format
