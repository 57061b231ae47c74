"""Punctuation rules for Chinese official prose, on one piece of text.

:func:`check` returns :class:`Finding` s with character offsets into the text;
it knows nothing of forms or YAML. A finding whose repair cannot change the
wording carries :class:`Edit` s (half-width mark → full-width, a doubled mark →
one, full-width digits → ASCII, ``1、`` → ``1.``); findings that need a person's
judgement (which mark of ``，。`` was meant, where a missing quote goes) carry
none.

The rules:

* half-width ``, ; : ? ! ( )`` inside Chinese text, i.e. next to a Chinese
  character or mark (``3:12``, ``23,500`` and English text are left alone);
* the same mark twice (``、、`` ``，，`` ``。。``) and two different marks in a row (``，。``);
* quotes and brackets without their partner: “” ‘’ （） 《》 【】, and half-width ``"`` in Chinese text;
* full-width digits (２０２４);
* ``1、`` numbering: the genre numbers with 一、 （一） 1. （1）, so an Arabic
  numeral takes a full stop, not 、;
* a bullet pasted before the text (``• 保育员…``, from a list in Word): removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text.characters import FULL_WIDTH_DIGITS, TO_ASCII_DIGITS

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_NAMES = {",": "逗号", ";": "分号", ":": "冒号", "?": "问号", "!": "叹号", "(": "括号", ")": "括号",
          "、": "顿号", "，": "逗号", "。": "句号", "；": "分号", "：": "冒号", "？": "问号", "！": "叹号"}
#: Marks that a run may be made of; a run of two or more is a finding.
_RUN_MARKS = "、，。；：？！,;:?!"
#: Marks that are simply doubled by mistake and safely made single.
_DOUBLED_SAFE = "、，。；："
_PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "【": "】", "(": ")"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
_SAME_BRACKET = {"(": "（", ")": "）"}
_CHINESE_MARKS = set("，。、；：？！“”‘’（）《》【】…—·")
_FULL_DIGITS = re.compile(f"[{FULL_WIDTH_DIGITS}]+")
_DIGITS = "0123456789" + FULL_WIDTH_DIGITS
#: Marks that Word, WPS and chat programs put before list items, pasted with the text.
LIST_MARKS = "•·●○◦▪■□◆◇★☆►▶➢✓✔※－–"
_LIST_MARK = re.compile(f"[{LIST_MARKS}][ \\t\u3000]*(?=[^\\s\\d{LIST_MARKS}])")
#: How many more times a text is checked with the safe repairs made (see :func:`check`).
ROUNDS = 4
#: Where an item may start: the text's start or after a sentence or clause ends.
_ITEM_START = set("。；：！？\n")
CONTEXT = 8  # characters of context quoted on each side


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Finding:
    """One punctuation problem at ``text[start:end]``; ``edits`` repair it when safe."""

    start: int
    end: int
    message: str
    edits: tuple[Edit, ...] = ()


def is_chinese(char: str) -> bool:
    """A Chinese character or Chinese punctuation mark."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char in _CHINESE_MARKS


def quote(text: str, start: int, end: int, width: int = CONTEXT) -> str:
    """The offending characters with a little context, one line, ellipsis where cut."""
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    snippet = ("…" if start > width else "") + before + text[start:end] + after + ("…" if end + width < len(text) else "")
    return "“" + " ".join(snippet.split()) + "”"


def apply(text: str, edits) -> str:
    """``text`` with non-overlapping ``edits`` applied."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
    return text


def check(text: str) -> list[Finding]:
    """Every punctuation finding in ``text``, in text order.

    A repair can bring its neighbour into Chinese text: in ``(共30米);3、`` the ``;``
    counts as Chinese only once ``)`` is ``）``, and ``3、`` as an item number only
    once ``;`` is ``；``. So the text is checked again with its safe repairs made,
    and what that finds is reported at its place in ``text``: one check names,
    and one ``check --fix`` repairs, all of them.
    """
    findings = _findings(text)
    seen = {(f.start, f.end) for f in findings}
    current, origin = text, list(range(len(text)))
    latest = findings
    for _ in range(ROUNDS):
        edits = _compatible([edit for finding in latest for edit in finding.edits])
        if not edits:
            break
        current, origin = _repaired(current, origin, edits)
        latest = []
        for finding in _findings(current):
            placed = _placed(finding, origin, current, text)
            if placed and (placed.start, placed.end) not in seen:
                seen.add((placed.start, placed.end))
                findings.append(placed)
                latest.append(finding)
    return sorted(findings, key=lambda f: (f.start, f.end))


def _findings(text: str) -> list[Finding]:
    return _list_mark(text) + _runs(text) + _pairs(text) + _straight_quotes(text) + _full_width_digits(text)


def _compatible(edits: list[Edit]) -> list[Edit]:
    """``edits`` without those overlapping an earlier one."""
    kept: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if not kept or edit.start >= kept[-1].end:
            kept.append(edit)
    return kept


def _repaired(text: str, origin: list, edits: list[Edit]) -> tuple[str, list]:
    """``text`` with ``edits`` made, and for each of its characters the index it had in the
    original text (None for a character an edit wrote)."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.replacement + text[edit.end:]
        origin = origin[:edit.start] + [None] * len(edit.replacement) + origin[edit.end:]
    return text, origin


def _placed(finding: Finding, origin: list, current: str, text: str) -> Finding | None:
    """``finding`` (in the repaired ``current``) moved to its place in the original ``text``;
    None when it touches characters a repair wrote (the next check sees what remains)."""
    def span(start: int, end: int) -> tuple[int, int] | None:
        mapped = origin[start:end]
        if not mapped or None in mapped or mapped[-1] - mapped[0] != end - start - 1:
            return None
        return mapped[0], mapped[-1] + 1

    where = span(finding.start, finding.end)
    edits = [span(edit.start, edit.end) for edit in finding.edits]
    if where is None or None in edits:
        return None
    message = finding.message
    shown = quote(current, finding.start, finding.end)
    if message.endswith(shown):
        message = message[: -len(shown)] + quote(text, *where)
    return Finding(*where, message, tuple(Edit(*s, e.replacement) for s, e in zip(edits, finding.edits)))


# --- a pasted list mark -----------------------------------------------------

def _list_mark(text: str) -> list[Finding]:
    """A bullet pasted before the text (``- • 保育员…``): it would be printed, so it goes."""
    match = _LIST_MARK.match(text)
    if not match:
        return []
    return [Finding(0, match.end(), f"开头的“{text[0]}”是从 Word 等处复制来的项目符号，会照样印进文档；"
                                    f"请删去：{quote(text, 0, match.end())}", (Edit(0, match.end(), ""),))]


# --- neighbours -----------------------------------------------------------

def _left(text: str, index: int) -> str:
    index -= 1
    while index >= 0 and text[index] in " \t":
        index -= 1
    return text[index] if index >= 0 else ""


def _right(text: str, index: int) -> str:
    while index < len(text) and text[index] in " \t":
        index += 1
    return text[index] if index < len(text) else ""


def _in_chinese(text: str, start: int, end: int) -> bool:
    """Whether the mark(s) at ``start:end`` stand in Chinese text (not 3:12 or English)."""
    left, right = _left(text, start), _right(text, end)
    if left.isascii() and left.isdigit() and right.isascii() and right.isdigit():
        return False
    return is_chinese(left) or is_chinese(right)


def _trailing_spaces(text: str, end: int) -> int:
    """Spaces after a half-width mark are part of it: 'a, b' → 'a，b'."""
    while end < len(text) and text[end] in " \t" and end + 1 < len(text) and text[end + 1] not in "\r\n":
        end += 1
    return end


# --- runs of marks: half-width, doubled, mixed, 1、 ----------------------

def _runs(text: str) -> list[Finding]:
    findings = []
    for match in _RUN.finditer(text):  # each longest run of marks
        finding = _run(text, match.start(), match.end())
        if finding:
            findings.append(finding)
    return findings


_RUN = re.compile(f"[{re.escape(_RUN_MARKS)}]+")


def _run(text: str, start: int, end: int) -> Finding | None:
    run = text[start:end]
    chinese = _in_chinese(text, start, end)
    full = "".join(FULL_WIDTH.get(c, c) if chinese else c for c in run)
    half = [c for c in run if c in FULL_WIDTH]
    cut = _trailing_spaces(text, end) if half and chinese else end
    numbering = _numbering(text, start) if full[0] == "、" else None

    if numbering is not None:
        number = text[numbering:start]
        what = f"标点重复“{run}”，且编号" if len(run) > 1 else "编号"
        return Finding(numbering, end, f"{what}“{number}、”应写作“{number}.”：{quote(text, numbering, end)}",
                       (Edit(start, cut, "."),))
    if len(run) == 1:
        if half and chinese:
            mark = run
            return Finding(start, end, f"中文里用了半角{_NAMES[mark]}“{mark}”，应为“{FULL_WIDTH[mark]}”：{quote(text, start, end)}",
                           (Edit(start, cut, FULL_WIDTH[mark]),))
        return None
    if len(set(full)) == 1 and full[0] in _DOUBLED_SAFE:
        mark = full[0]
        return Finding(start, end, f"标点重复“{run}”，应为一个“{mark}”：{quote(text, start, end)}",
                       (Edit(start, cut, mark),))
    if not chinese and len(half) == len(run):
        return None  # '?!' or '!!' in English text
    what = "重复" if len(set(full)) == 1 else "连用"
    note = "（其中有半角标点）" if half and chinese else ""
    return Finding(start, end, f"标点{what}“{run}”{note}，请只保留一个：{quote(text, start, end)}")


def _numbering(text: str, mark: int) -> int | None:
    """Where ``1`` starts when ``text[mark]`` is the 、 of an item number such as ``1、``."""
    start = mark
    while start > 0 and text[start - 1] in _DIGITS:
        start -= 1
    if start == mark or mark - start > 2:
        return None
    before = start - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    if before >= 0 and text[before] not in _ITEM_START:
        return None  # 2、3号楼: numbers listed inside a sentence
    after = text[mark + 1:mark + 2]
    if after and after in _DIGITS:
        return None
    return start


# --- quotes and brackets --------------------------------------------------

def _pairs(text: str) -> list[Finding]:
    # One stack per kind of mark (linear time even for hostile text); a closer pairs with the
    # nearest open mark of its kind. Full- and half-width brackets are one kind: （…) is a pair.
    findings: list[Finding] = []
    unpaired: list[int] = []
    stacks: dict[str, list[int]] = {}
    for match in _PAIR_MARK.finditer(text):  # the marks only: most characters are none
        index, char = match.start(), match.group()
        if char in _PAIRS:
            stacks.setdefault(_SAME_BRACKET.get(char, char), []).append(index)
        elif char in _CLOSERS:
            stack = stacks.get(_SAME_BRACKET.get(_CLOSERS[char], _CLOSERS[char]))
            if not stack:
                if char != ")" or _in_chinese(text, index, index + 1):
                    unpaired.append(index)
                continue
            finding = _half_width_brackets(text, stack.pop(), index)
            if finding:
                findings.append(finding)
    for stack in stacks.values():
        unpaired.extend(i for i in stack if text[i] != "(" or _in_chinese(text, i, i + 1))
    # One stray mark is usually one mistake (“六T“ has two unmatched “): report its first place.
    first: dict[str, int] = {}
    for index in sorted(unpaired):
        first.setdefault(text[index], index)
    return findings + [_unpaired(text, index) for index in first.values()]


_PAIR_MARK = re.compile(f"[{re.escape(''.join(_PAIRS) + ''.join(_CLOSERS))}]")
_MARK_NAMES = {"“": "左双引号", "”": "右双引号", "‘": "左单引号", "’": "右单引号", "（": "左括号", "）": "右括号",
               "(": "左括号", ")": "右括号", "《": "左书名号", "》": "右书名号", "【": "左方括号", "】": "右方括号"}


def _unpaired(text: str, index: int) -> Finding:
    char = text[index]
    if char in _PAIRS:
        partner = _PAIRS[char] if char != "(" else "）"
        what = f"有{_show_mark(char)}而没有{_show_mark(partner)}"
    else:
        partner = _CLOSERS[char] if char != ")" else "（"
        what = f"有{_show_mark(char)}而前面没有{_show_mark(partner)}"
    return Finding(index, index + 1, f"引号或括号不配对：{what}：{quote(text, index, index + 1)}")


def _show_mark(char: str) -> str:
    """左双引号（“）, 右括号“）”: a mark named and shown without clashing with its wrapper."""
    return f"{_MARK_NAMES[char]}（{char}）" if char in "“”‘’" else f"{_MARK_NAMES[char]}“{char}”"


def _half_width_brackets(text: str, open_index: int, close_index: int) -> Finding | None:
    opener, closer = text[open_index], text[close_index]
    if opener != "(" and closer != ")":
        return None
    inside = text[open_index + 1:close_index]
    if not (any(is_chinese(c) for c in inside) or _in_chinese(text, open_index, close_index + 1)):
        return None  # (A) in English or a formula
    edits = tuple(Edit(i, i + 1, FULL_WIDTH[text[i]]) for i in (open_index, close_index) if text[i] in "()")
    return Finding(open_index, close_index + 1,
                   f"中文里用了半角括号，应为“（）”：{quote(text, open_index, close_index + 1)}", edits)


def _straight_quotes(text: str) -> list[Finding]:
    """Half-width double quotes around Chinese text; fixed when they pair up."""
    if '"' not in text:
        return []
    marks = [i for i, c in enumerate(text) if c == '"']
    chinese = [i for i in marks if _in_chinese(text, i, i + 1)]
    if not chinese:
        return []
    edits = ()
    if len(marks) % 2 == 0:
        edits = tuple(Edit(i, i + 1, "“" if n % 2 == 0 else "”") for n, i in enumerate(marks))
    first, last = marks[0], marks[-1]
    return [Finding(first, last + 1, f"中文里用了半角引号“\"”，应为“”“”：{quote(text, first, last + 1)}", edits)]


# --- digits ---------------------------------------------------------------

def _full_width_digits(text: str) -> list[Finding]:
    findings = []
    for match in _FULL_DIGITS.finditer(text):
        digits = match.group()
        ascii_digits = digits.translate(TO_ASCII_DIGITS)
        findings.append(Finding(match.start(), match.end(),
                                f"全角数字“{digits}”应写作“{ascii_digits}”：{quote(text, match.start(), match.end())}",
                                (Edit(match.start(), match.end(), ascii_digits),)))
    return findings
