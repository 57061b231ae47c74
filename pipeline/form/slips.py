"""Slips people make typing YAML in Notepad, WPS or on a phone, found line by line.

The YAML parser reports where it gave up, which is often a line or two after
the line the person must change, and in its own terms (缺少冒号, 缩进不一致).
This module reads the text as a person wrote it, one line at a time, and names
the line to change and what to write instead:

* :func:`typing_slips`, checked before parsing, are slips that are never meant:
  a full-width colon or no space after a field name, full-width spaces used to
  indent, a list item written ``-保育员`` (no space), a bullet pasted from Word
  (``• 保育员``) or a hand-typed number (``1、保育员``) where a list item stands;
* :func:`layout_slips`, checked when the parser has failed, are what usually
  made it fail: text that belongs to the line above but is not indented (a
  wrapped sentence, ``details:`` with its text on the next line), a field or a
  list item indented a space or two more or less than the one above it, an
  English colon followed by a space inside a text, and a text starting with a
  character YAML reserves (``unit: %``, ``details: [重要]更换水管``).

Only the model's own field names count as field names, so text such as
``- PPT：制作课件`` is never taken for a slip; lines inside block texts
(``|`` and ``>``) are text and are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic

#: Marks that Word, WPS and chat programs put before list items.
BULLETS = "•·●○◦▪■□◆◇★☆►▶➢✓✔※－–—"

_KEY = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>[ \u3000]*[:：])(?P<after>.?)")
_ANY_KEY = re.compile(r"(?P<key>[^\s#'\"\[\]{}:：,-][^#:：]*?)[ \t]*:(?: |$)")
_BLOCK_START = re.compile(r"[:：]\s*[|>][-+0-9]*\s*(#.*)?$")
#: A number people type before a list item: 1、 2. 3） 一、 （1）
_NUMBERED = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?:[.、．,，]|[)）])\s*(?=\S)"
                       r"|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）]\s*(?=\S)")
_INDENT = " \t\u3000"
_DASH = re.compile(r"-[ \u3000]+")
_COMMENT = re.compile(r"(?:^|\s)#")


@dataclass(slots=True)
class _Line:
    """One line as a person sees it."""

    number: int
    text: str
    indent: int  # half-width spaces before the content
    content: str  # the line without its indentation
    kind: str  # blank, comment, block (inside | or >), key, item, dash, bullet, numbered, text
    key: str = ""  # for key lines: the field name
    key_col: int = 0  # 0-based column of the field name
    value: str = ""  # for key lines: what follows the colon (comment removed)
    mark: str = ""  # for dash, bullet and numbered lines: the mark written
    item: bool = False  # a key line that starts a list item: "- title: …"

    @property
    def significant(self) -> bool:
        return self.kind not in ("blank", "comment", "block")

    @property
    def opens(self) -> bool:
        """A key with nothing after its colon: what follows, indented, is its value."""
        return self.kind == "key" and self.value == ""


def _lines(text: str, keys: frozenset[str]) -> list[_Line]:
    lines: list[_Line] = []
    block_indent = None  # inside a block text: lines indented deeper than this
    for number, raw in enumerate(text.split("\n"), 1):
        raw = raw.rstrip("\r")
        content = raw.lstrip(" ")
        indent = len(raw) - len(content)
        if block_indent is not None:
            if not content.strip() or indent > block_indent:
                lines.append(_Line(number, raw, indent, content, "block"))
                continue
            block_indent = None
        line = _Line(number, raw, indent, content, _kind(content))
        if line.kind in ("text", "item"):
            _read_key(line, keys)
        elif line.kind in ("dash", "bullet", "numbered"):
            line.mark = _mark(content, line.kind)
            _read_marked_key(line, keys)
        if ("|" in raw or ">" in raw) and _BLOCK_START.search(raw) and line.significant:
            block_indent = indent
        lines.append(line)
    return lines


def _kind(content: str) -> str:
    stripped = content.strip(_INDENT)
    if not stripped:
        return "blank"
    if stripped.startswith(("---", "...")):
        return "document"
    if stripped.startswith("#"):
        return "comment"
    if stripped == "-" or stripped.startswith(("- ", "-\t")):
        return "item"
    if stripped.startswith("-") and not stripped.startswith(("--", "-.")) and not stripped[1:2].isdigit():
        return "dash"
    if stripped[0] in BULLETS and not stripped.startswith(("——", "……")):
        return "bullet"
    if _NUMBERED.match(stripped):
        return "numbered"
    return "text"


def _mark(content: str, kind: str) -> str:
    stripped = content.strip(_INDENT)
    if kind == "dash":
        return "-"
    if kind == "bullet":
        return stripped[0]
    return _NUMBERED.match(stripped).group().strip()


def _read_key(line: _Line, keys: frozenset[str]) -> None:
    """Mark ``line`` as a key line when it starts (after ``- ``) with a field name: one of
    ``keys``, or any other name YAML takes for a key (``safety:``, ``成文日期: …``)."""
    offset = 0
    content = line.content.lstrip("\u3000\t")
    if line.kind == "item":
        rest = content[1:]
        offset = 1 + len(rest) - len(rest.lstrip(" \u3000\t"))
        content = rest.lstrip(" \u3000\t")
    match = _KEY.match(content)
    if match and match.group("key") in keys:
        line.key, value = match.group("key"), content[match.end("sep"):]
    else:
        # Any other "名称: 内容" is a key to YAML (headings' safety:, a Chinese name): its place
        # in the structure counts; validation says what is wrong with the name.
        match = _ANY_KEY.match(content)
        if not match:
            return
        line.key, value = match.group("key"), content[match.end():]
    line.key_col = line.indent + (len(line.content) - len(line.content.lstrip("\u3000\t"))) + offset
    value = value if value.lstrip()[:1] in ("'", '"') else _COMMENT.split(value, maxsplit=1)[0]
    line.value = value.strip()  # without an end-of-line comment
    line.item = line.kind == "item"
    line.kind = "key"


def _read_marked_key(line: _Line, keys: frozenset[str]) -> None:
    """``-title: …`` or ``• title: …``: a record's first key after a wrong list mark, placed
    where it stands once the mark is written ``- ``, so the record's other keys line up with it."""
    stripped = line.content.strip(_INDENT)
    rest = stripped[len(line.mark):].lstrip(" \u3000\t")
    probe = _Line(line.number, " " * (line.indent + 2) + rest, line.indent + 2, rest, "text")
    _read_key(probe, keys)
    if probe.key:
        line.key, line.key_col, line.value, line.item = probe.key, probe.key_col, probe.value, True


def _is_item(line: _Line) -> bool:
    return line.kind in ("item", "dash", "bullet", "numbered") or line.item


def _sample(text: str, width: int = 20) -> str:
    text = text.strip()
    return text if len(text) <= width else text[:width] + "…"


# --- before parsing ----------------------------------------------------------

def typing_slips(text: str, display: str, keys: frozenset[str], lists: frozenset[str] = frozenset(),
                 words: dict[str, tuple[str, ...]] | None = None) -> list[Diagnostic]:
    """Slips that are never meant, each at its own line and column (see the module doc).

    ``keys``: the field names of the document's model; ``lists``: those whose value is a list;
    ``words``: Chinese names people write for them (成文日期 → date).
    """
    lines = [line for line in _lines(text, keys) if line.significant]
    slips: list[Diagnostic] = []
    last_key: _Line | None = None  # the nearest key line above: a line indented under it is its text
    for index, line in enumerate(lines):
        slip = _input_method_slip(line, display, keys)
        if slip is None and not (last_key and line.indent > last_key.key_col):
            slip = _chinese_key(line, display, words or {})
        if slip is None and line.kind in ("dash", "bullet", "numbered") and _item_place(lines, index, lists):
            slip = _list_mark_slip(line, display, keys)
        if slip:
            slips.append(slip)
        if line.kind == "key":
            last_key = line
    return slips


def _input_method_slip(line: _Line, display: str, keys: frozenset[str]) -> Diagnostic | None:
    content = line.text.lstrip(_INDENT)
    lead = line.text[: len(line.text) - len(content)]
    dash = _DASH.match(content)
    after_dash = content[dash.end():] if dash else content
    match = _KEY.match(after_dash)
    if match and match.group("key") not in keys:
        match = None
    if "\u3000" in lead and (match or content.startswith("- ")):
        # A full-width space before a key or a list item is indentation; before text it is text.
        return Diagnostic(display, line.number, line.text.index("\u3000") + 1, "error",
                          "缩进中有全角空格，请改用半角空格")
    if not match:
        return None
    sep_col = len(lead) + (dash.end() if dash else 0) + match.end("sep")  # 1-based column of the colon
    key = match.group("key")
    if match.group("sep").endswith("："):
        return Diagnostic(display, line.number, sep_col, "error",
                          f"字段 \"{key}\" 后的冒号应为半角“:”，现在是全角“：”")
    if match.group("after") not in ("", " ", "\t", "\r", "/", ":"):
        return Diagnostic(display, line.number, sep_col, "error",
                          f"字段 \"{key}\" 的冒号后面要有一个空格（写成“{key}: …”）")
    return None


_WORD_KEY = re.compile(r"(?P<word>[^\s:：#'\"\[\]{}-][^\s:：#]{0,11})(?P<colon>[:：])(?P<after>.?)")


def _chinese_key(line: _Line, display: str, words: dict[str, tuple[str, ...]]) -> Diagnostic | None:
    """``成文日期：2025-01-15``: a field's Chinese name with a colon YAML does not take as one."""
    match = _WORD_KEY.match(line.content.strip(_INDENT)) if line.kind == "text" else None
    if not match or match.group("word") not in words:
        return None
    if match.group("colon") == ":" and match.group("after") in ("", " ", "\t"):
        return None  # a key to YAML: validation names it (未知字段 "成文日期"，…应写成 "date")
    word = match.group("word")
    meant = "或".join(f"“{key}: ”" for key in words[word])  # 单位: organization for the form, unit for a figure
    return Diagnostic(display, line.number, line.indent + 1, "error",
                      f"字段名要用英文，冒号用半角“:”并在后面空一格：把“{word}{match.group('colon')}”改成{meant}")


def _item_place(lines: list[_Line], index: int, lists: frozenset[str]) -> bool:
    """Whether ``lines[index]`` (of the significant lines) stands where a list item stands:
    beside another item at its indentation, or first under a field whose value is a list."""
    line = lines[index]
    if index > 0:
        previous = lines[index - 1]
        if previous.kind == "key" and previous.opens and previous.key in lists and line.indent >= previous.indent:
            return True
    for step in (-1, 1):  # the nearest line at this indentation above, then below, within the block
        other = index + step
        while 0 <= other < len(lines) and lines[other].indent > line.indent:
            other += step
        if 0 <= other < len(lines) and lines[other].indent == line.indent and _is_item(lines[other]):
            return True
    return False


def _list_mark_slip(line: _Line, display: str, keys: frozenset[str]) -> Diagnostic:
    stripped = line.content.strip(_INDENT)
    rest = stripped[len(line.mark):].lstrip(" \u3000\t")
    col = line.indent + 1
    written = f"- {_sample(rest)}"
    if line.kind == "dash" and stripped[1:2] == "\u3000":
        message = f"列表项的“-”后面是全角空格，请改成半角空格，写成“{written}”"
    elif line.kind == "dash":
        message = f"列表项的“-”后面要有一个空格，请写成“{written}”"
    elif line.mark in "－–—":
        message = (f"行首的“{line.mark}”不是半角减号（多是中文输入法或 Word 打出来的），worksum 不认识；"
                   f"请改成半角“-”加一个空格，写成“{written}”")
    elif line.kind == "bullet":
        message = (f"行首的“{line.mark}”是从 Word 等处复制来的项目符号，worksum 不认识；"
                   f"列表的每一项要以半角减号加空格开头，请写成“{written}”")
    else:
        message = f"列表项不用写编号“{line.mark}”（文档会自动编号），每一项以半角减号加空格开头，请写成“{written}”"
    return Diagnostic(display, line.number, col, "error", message)


# --- after the parser has failed ------------------------------------------------

def layout_slips(text: str, display: str, keys: frozenset[str]) -> list[Diagnostic]:
    """What most likely made the parser fail, each at the line to change (see the module doc)."""
    lines = _lines(text, keys)
    if any(line.kind == "document" or "\t" in line.text[: len(line.text) - len(line.text.lstrip(_INDENT))]
           for line in lines):
        return []  # a second document or a Tab: the parser's own message says it at the right line
    slips: list[Diagnostic] = []
    levels: list[tuple[int, _Line]] = []  # the key columns of the open mappings, with their first key
    previous: _Line | None = None
    items: dict[int, _Line] = {}  # the last list item seen at each indentation (in order seen)
    for line in lines:
        if not line.significant:
            continue
        if _is_item(line):
            slip = _misaligned_item(line, previous, items, display)
            items.pop(line.indent, None)
            items[line.indent] = line
            if slip:
                slips.append(slip)
                previous = line
                continue
        if line.kind in ("dash", "bullet", "numbered") and line.key:
            _misaligned(line, previous, levels, display)  # its slip is said before parsing
        elif line.kind == "key":
            slip = _misaligned(line, previous, levels, display)
            if slip:
                slips.append(slip)
            else:
                colon = _colon_in_text(line, display)
                if colon:
                    slips.append(colon)
        elif line.kind == "text" and previous is not None:
            slip = _unindented_text(line, previous, display)
            if slip:
                slips.append(slip)
        previous = line
    return slips


def _misaligned(line: _Line, previous: _Line | None, levels: list[tuple[int, _Line]], display: str) -> Diagnostic | None:
    col = line.key_col
    popped = None
    while levels and levels[-1][0] > col:
        popped = levels.pop()
    if levels and levels[-1][0] == col:
        return None
    opened = previous is None or previous.opens or line.item
    if opened and popped is None:
        levels.append((col, line))
        return None
    sibling = popped[1] if popped else (levels[-1][1] if levels else previous)
    if sibling is None or sibling.key == "":
        levels.append((col, line))
        return None
    difference = col - sibling.key_col
    if difference > 0:
        how = f"多缩进了 {difference} 个空格，请删去"
    else:
        how = f"少缩进了 {-difference} 个空格，请补上"
    return Diagnostic(display, line.number, line.indent + 1, "error",
                      f"字段 \"{line.key}\" 比第 {sibling.number} 行的 \"{sibling.key}\" {how}；"
                      f"同一层的字段要左边对齐")


def _misaligned_item(line: _Line, previous: _Line | None, items: dict[int, _Line], display: str) -> Diagnostic | None:
    """A list item one or two spaces off the item before it in the same list."""
    if not items or previous is None or previous.opens:
        return None  # the first item of a list may be indented as the person likes
    last = next(reversed(items.values()))
    difference = line.indent - last.indent
    if difference == 0 or abs(difference) > 2:
        return None
    if line.indent in items:
        return None  # back to an outer list
    how = f"多缩进了 {difference} 个空格，请删去" if difference > 0 else f"少缩进了 {-difference} 个空格，请补上"
    return Diagnostic(display, line.number, line.indent + 1, "error",
                      f"这一项的“-”比第 {last.number} 行的“-”{how}；同一列表的各项要左边对齐")


#: Characters YAML reserves at the start of a value: a text starting with one must be quoted,
#: unless it is what YAML means by it (a quoted text, a list in brackets, a block of lines …).
_RESERVED_START = "%@`[{*&!|>'\"-?,"
_CLOSING = {"[": "]", "{": "}"}


def _reserved_start(line: _Line, display: str) -> Diagnostic | None:
    """A text starting with a character YAML reserves (``unit: %``, ``details: [重要]更换水管``,
    ``details: "安全月"活动``), which the parser takes for something else and fails on."""
    value = line.value
    first = value[:1]
    if not first or first not in _RESERVED_START:
        return None
    if first in "-?" and value[1:2] not in ("", " "):
        return None  # -3.5, ?号: plain text to YAML
    if first not in "%@`":
        if first in _CLOSING and _CLOSING[first] not in value:
            return None  # a list or mapping in brackets continued on the next lines
        if first in "'\"" and first not in value[1:]:
            return None  # a quote not closed: the parser says so
        if _parses_alone(line):
            return None
    sample = _sample(value)
    # in double quotes a backslash starts an escape: then single quotes, a ' in them written twice
    quoted = f"'{sample.replace(chr(39), chr(39) * 2)}'" if '"' in value or "\\" in value else f'"{sample}"'
    if first in "'\"":
        message = f"开头的引号只包住了一部分文字，整段文字要放在一对引号里，请写成“{line.key}: {quoted}”"
    else:
        message = f"以“{first}”开头的内容要加引号，请写成“{line.key}: {quoted}”"
    return Diagnostic(display, line.number, line.text.index(value) + 1, "error", message)


def _parses_alone(line: _Line) -> bool:
    """Whether ``key: value`` of ``line`` is good YAML by itself, with a value (``details: &a`` is
    an anchor on nothing)."""
    import yaml

    try:
        parsed = yaml.safe_load(f"k: {line.value}")
    except yaml.YAMLError:
        return False
    return isinstance(parsed, dict) and parsed.get("k") is not None


def _colon_in_text(line: _Line, display: str) -> Diagnostic | None:
    reserved = _reserved_start(line, display)
    if reserved:
        return reserved
    value = line.value
    if not value or value[0] in "'\"[{|>&*!":
        return None
    match = re.search(r":(?= |$)", value)
    if not match:
        return None
    col = line.text.index(value) + match.start() + 1
    return Diagnostic(display, line.number, col, "error",
                      f"字段 \"{line.key}\" 的文字中有英文冒号“:”，会被当作新的字段；"
                      f"请改成中文冒号“：”，或者给整段文字加上引号")


def _unindented_text(line: _Line, previous: _Line, display: str) -> Diagnostic | None:
    """Text written at (or left of) the indentation of the field or item above it."""
    if _ANY_KEY.match(line.content):
        return None  # "某字段: 内容": a field name the validation names
    if previous.kind == "key":
        if line.indent > previous.key_col:
            return None
        word = _WORD_KEY.match(line.content.strip(_INDENT))
        if word and word.group("colon") == "：":
            return Diagnostic(display, line.number, line.indent + 1, "error",
                              f"“{word.group('word')}”不是字段名：字段名是固定的英文（见填报指南），"
                              f"冒号要用半角“:”并在后面空一格")
        if previous.opens:
            return Diagnostic(display, line.number, line.indent + 1, "error",
                              f"这一行的文字属于上一行的 \"{previous.key}\"，但没有缩进；"
                              f"请把它接在第 {previous.number} 行“{previous.key}: ”的后面，"
                              f"或者在行首再加两个空格")
        return Diagnostic(display, line.number, line.indent + 1, "error",
                          f"这一行接着第 {previous.number} 行 \"{previous.key}\" 的文字，但缩进不够；"
                          f"请把它接到上一行的末尾（文字中不要按回车换行），或者在行首再加两个空格")
    if previous.kind == "item" and line.indent <= previous.indent:
        return Diagnostic(display, line.number, line.indent + 1, "error",
                          f"这一行接着第 {previous.number} 行列表项的文字，但缩进不够；"
                          f"请把它接到上一行的末尾（文字中不要按回车换行），或者比“-”多缩进两个空格")
    if previous.kind == "text" and line.indent == previous.indent:
        return None  # the same continuation: reported at its first line
    return None
