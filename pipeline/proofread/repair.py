"""Apply the safe punctuation repairs of proofreading to the form files: ``worksum check --fix``.

The repairs are made in the YAML text itself, at the characters
:class:`pipeline.form.source.Source` maps each value character to, so comments, key
order, quoting and layout stay exactly as the person wrote them and only the
reported characters change. No wording is touched: the repairs are those
:mod:`pipeline.text.punctuation` marks safe (half-width → full-width marks, a doubled
mark made single, full-width digits, ``1、`` → ``1.``).

Before anything is written, the edited text is parsed again; it must give the
same data as before, except that each repaired value reads exactly as repaired.
Otherwise the file is left alone and the warnings stay. The file is replaced in
one step (:mod:`pipeline.workspace.write`), keeping its permissions and its byte-order mark.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from pipeline.diagnostics import FormError
from pipeline.form.container import is_workbook
from pipeline.form.loader import load_text, normalize_line_ends
from pipeline.proofread.proofreader import Checked, Issue
from pipeline.text.punctuation import apply, quote
from pipeline.workspace.write import write_atomic

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Change:
    """One repair as it is reported: where, what was there, what is there now."""

    line: int
    col: int
    before: str
    after: str
    context: str

    def describe(self, display: str) -> str:
        return f"{display}:{self.line}:{self.col}: 已修改: “{self.before}”→“{self.after}”：{self.context}"


@dataclass
class Repair:
    """The repairs planned for one form file."""

    checked: Checked
    text: str
    raw: bytes = b""  # the file's bytes, as ``checked`` was read from them
    changes: list[Change] = field(default_factory=list)
    repaired: list[Issue] = field(default_factory=list)  # the issues the changes settle
    refused: str | None = None  # why the file is left alone


def plan(checked: Checked, issues: list[Issue], raw: bytes) -> Repair:
    """The repairs of ``issues`` that can be made safely in ``checked``'s file (``raw``: its bytes,
    which ``checked`` was read from: the file is read once)."""
    source = checked.source
    repair = Repair(checked, source.text, raw)
    fixable = [issue for issue in issues if issue.edits]
    if not fixable:
        return repair
    if is_workbook(checked.path):
        repair.refused = "工作簿不会自动修改，请按上面的提示在 Excel/WPS 中改正标点"
        return repair
    if not _file_matches(checked, raw):
        repair.refused = "文件不是 UTF-8 编码或含有不可见的控制字符，没有自动修改；请先另存为 UTF-8"
        return repair

    taken: list[tuple[int, int]] = []
    text_edits: dict[tuple[int, int], str] = {}
    value_edits: dict[tuple, list] = {}
    for issue in fixable:
        spans = [source.span(issue.path, edit.start, edit.end) for edit in issue.edits]
        if any(span is None for span in spans):
            continue  # a line break or an escape inside: leave it to the person
        new = [span for span in spans if span not in text_edits]
        if any(s < e2 and s2 < e for s, e in new for s2, e2 in taken):
            continue  # overlaps another repair: the next run will see what remains
        taken.extend(new)
        value_edits.setdefault(issue.path, []).extend(issue.edits)
        repair.repaired.append(issue)
        value = source.value(issue.path)
        for span, edit in zip(spans, issue.edits):
            if span in text_edits:
                continue  # the same characters reached through an alias: one change
            text_edits[span] = edit.replacement
            line, col = source.position(span[0])
            repair.changes.append(Change(line, col, value[edit.start:edit.end], edit.replacement,
                                         quote(value, edit.start, edit.end)))
    if not text_edits:
        return repair

    text = source.text
    for (start, end), replacement in sorted(text_edits.items(), reverse=True):
        text = text[:start] + replacement + text[end:]
    expected = copy.deepcopy(checked.loaded.data)
    for path, edits in value_edits.items():
        _set(expected, path, apply(source.value(path), edits))
    try:
        reparsed = load_text(text, checked.display).data
    except FormError:
        reparsed = None
    if reparsed != expected:
        repair.refused = "自动改正后文件的内容会发生其他变化，已放弃修改；请按警告手工改正"
        repair.changes.clear()
        repair.repaired.clear()
        return repair
    repair.text = text
    return repair


def write(repair: Repair) -> bytes | None:
    """Write the repaired text over the form file, atomically, with the file's own line ends and
    byte-order mark; the bytes written (None: nothing to write). Raises OSError."""
    if not repair.changes or repair.refused:
        return None
    raw = repair.raw
    data = repair.text.encode("utf-8")
    if b"\r" in raw and b"\n" not in raw:
        data = data.replace(b"\n", b"\r")  # the file's own line ends: CR alone (read as LF)
    if raw.startswith(_BOM):
        data = _BOM + data
    write_atomic(repair.checked.path, data)  # keeps the form's permissions
    return data


def _file_matches(checked: Checked, raw: bytes) -> bool:
    """Whether the parsed text is the file's own text (UTF-8, no characters removed; lines
    ended by CR alone are read as LF and written back as they were)."""
    try:
        return normalize_line_ends(raw.decode("utf-8-sig")) == checked.loaded.text
    except UnicodeDecodeError:
        return False


def _set(data, path: tuple, value) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value
