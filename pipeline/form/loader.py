"""Load a YAML file into plain Python data, remembering where each value came from.

The loader is the only stage that sees YAML. It returns a :class:`Loaded`: the
data (dicts, lists, str, int, float, bool, date, None) and a :class:`Positions`
map from a path such as ``("activities", 2, "title")`` to its line and column,
so later stages can report problems at the right place without knowing YAML.

Safety: only the YAML core types are built (no Python tags); aliases, nesting
depth and file size are bounded so a hostile file is refused quickly; a key
given twice in one mapping is an error, not last-one-wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.diagnostics import Diagnostic, FormError
from pipeline.form import slips
from pipeline.text.characters import INVISIBLE_IN_KEYS, NOT_TEXT, named, without_invisible
from pipeline.workspace.reading import TooLarge, read_capped, reason

#: Refuse files larger than this many bytes (a form is a few KB).
MAX_BYTES = 2 * 1024 * 1024
#: Refuse documents with more than this many values (aliases count each time used).
MAX_NODES = 100_000
#: Refuse documents nested deeper than this.
MAX_DEPTH = 64
#: Refuse before parsing when brackets nest deeper than this: libyaml recurses in C
#: and a file of a million "[" crashes the process instead of raising.
MAX_FLOW_DEPTH = 1000

PathKey = tuple[Any, ...]

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_NUMBER = re.compile(r"^[-+]?(0|[1-9][0-9]*)(\.[0-9]+)?$|^[-+]?0?\.[0-9]+$")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_FOLDED_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")

_KNOWN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass
class Positions:
    """Line and column (1-based) of every key and value of a loaded document."""

    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def value(self, path: PathKey) -> tuple[int, int]:
        """Where the value at ``path`` starts, or its nearest enclosing value."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))

    def key(self, path: PathKey) -> tuple[int, int]:
        """Where the key of ``path`` is written; falls back to :meth:`value`."""
        path = tuple(path)
        return self.keys.get(path) or self.value(path)


@dataclass
class Loaded:
    """A loaded YAML document: its data, where each part came from, and any warnings."""

    path: str
    data: Any
    positions: Positions
    warnings: list[Diagnostic] = field(default_factory=list)
    text: str = ""  # the YAML text that was parsed, for locating characters inside values (pipeline.form.source)
    #: Values the container could not read (a workbook's formula without a result), reported with
    #: validation's problems; the YAML loader raises instead.
    errors: list[Diagnostic] = field(default_factory=list)

    def diagnostic(self, path: PathKey, message: str, *, severity="error", at_key=False) -> Diagnostic:
        line, col = self.positions.key(path) if at_key else self.positions.value(path)
        return self.at(line, col, severity, message)

    @property
    def content(self) -> str:
        """What the document says, to tell one version of it from another: its text; a
        workbook (which has none) says it otherwise."""
        return self.text

    def at(self, line: int, col: int, severity: str, message: str) -> Diagnostic:
        """A diagnostic at a position of this document."""
        return Diagnostic(self.path, line, col, severity, message, place=self.place(line, col))

    # How the container names places and fields in messages. A YAML form uses lines and keys;
    # a workbook (pipeline.form.workbook) overrides these with cells and Chinese headers.

    def place(self, line: int, col: int) -> str | None:
        """How a position is written in a diagnostic; None: as line:column."""
        return None

    def row_name(self, line: int) -> str:
        """A position's line in words, for a message that points at another value."""
        return f"第{line}行"

    def describe(self, loc: tuple) -> str:
        """Where a value is, in words, before a message about it: 字段 "activities" 第3项 "times"："""
        parts = [f"第{part + 1}项" if isinstance(part, int) else f"\"{part}\"" for part in loc]
        return ("字段 " + " ".join(parts) + "：") if parts else ""

    def missing(self, loc: tuple) -> str:
        """The message for the required field at ``loc`` left out."""
        from pipeline.form.model import FIELD_LABELS

        label = FIELD_LABELS.get(str(loc[-1]), "")
        return f"缺少必填字段 \"{loc[-1]}\"" + (f"（{label}）" if label else "")


def load_file(path: str | Path, display: str | None = None, *, keys: frozenset[str] = frozenset(),
              lists: frozenset[str] = frozenset(), words: dict[str, tuple[str, ...]] | None = None) -> Loaded:
    """Read and parse ``path``. Raises :class:`FormError` with Chinese diagnostics.

    ``keys``: the field names of the document's model, ``lists``: those whose value is a
    list, ``words``: Chinese names of them; typing slips are found with them
    (:mod:`pipeline.form.slips`).
    """
    display = display or str(path)
    try:
        raw = read_capped(path, MAX_BYTES)
    except FileNotFoundError:
        raise FormError([Diagnostic(display, 1, 1, "error", "文件不存在")]) from None
    except TooLarge:
        raise FormError([_too_large(display)]) from None
    except OSError as exc:
        raise FormError([Diagnostic(display, 1, 1, "error", reason(exc))]) from None
    return load_bytes(raw, display, keys=keys, lists=lists, words=words)


def _too_large(display: str) -> Diagnostic:
    return Diagnostic(display, 1, 1, "error", f"文件过大，一份填报表不应超过 {MAX_BYTES // 1024 // 1024} MB")


def load_bytes(raw: bytes, display: str, *, keys: frozenset[str] = frozenset(),
               lists: frozenset[str] = frozenset(), words: dict[str, tuple[str, ...]] | None = None) -> Loaded:
    """Parse YAML given as bytes; see :func:`load_text`."""
    if len(raw) > MAX_BYTES:
        raise FormError([_too_large(display)])
    text, warnings = decode(raw, display)
    loaded = load_text(text, display, keys=keys, lists=lists, words=words)
    loaded.warnings[:0] = warnings
    return loaded


def decode(raw: bytes, display: str) -> tuple[str, list[Diagnostic]]:
    """A form's text from its bytes: UTF-8 (with or without BOM), UTF-32 or UTF-16 with
    a BOM, else GB18030 (with a warning). Raises :class:`FormError` when none fits.
    Every command that reads a form's text (new-term too) decodes it here."""
    for bom, encoding in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), []
            except UnicodeDecodeError:
                raise FormError([Diagnostic(display, 1, 1, "error", f"文件以 {encoding.upper()} 标记开头，"
                                            f"但内容无法按 {encoding.upper()} 读取；请“另存为”UTF-8 编码")]) from None
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FormError([Diagnostic(display, bad_line, 1, "error",
                                    "文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）；"
                                    "请用记事本或 WPS“另存为”并选择 UTF-8 编码")]) from None
    return text, [Diagnostic(display, bad_line, 1, "warning",
                             "文件不是 UTF-8 编码，已按 GBK/GB18030 读取；建议“另存为”UTF-8 编码")]


def load_text(text: str, display: str, *, keys: frozenset[str] = frozenset(),
              lists: frozenset[str] = frozenset(), words: dict[str, tuple[str, ...]] | None = None) -> Loaded:
    """Parse YAML text into a :class:`Loaded`. Raises :class:`FormError`.

    With ``keys`` (and ``lists``), typing slips are reported at the lines to change:
    those never meant before parsing, the likely cause of a parse error instead of
    the parser's own account (:mod:`pipeline.form.slips`).
    """
    text = normalize_line_ends(text)
    text, warnings = _strip_control_characters(text, display)
    found = slips.typing_slips(text, display, keys, lists, words) if keys else []
    if found:
        # The parser would report them a line late, one at a time; the layout slips of the
        # other lines are said with them, so that one run names every line to change.
        said = {d.line for d in found}
        found += [d for d in slips.layout_slips(text, display, keys) if d.line not in said]
        raise FormError(sorted(found, key=lambda d: (d.line, d.col)))
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        raise FormError([Diagnostic(display, 1, 1, "error", "文件中的括号嵌套过深，已拒绝读取")])
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise FormError([Diagnostic(display, 1, 1, "error", "文件嵌套过深，已拒绝读取")]) from None
    except yaml.MarkedYAMLError as exc:
        found = slips.layout_slips(text, display, keys) if keys else []
        raise FormError(found or [_syntax_diagnostic(exc, display, text)]) from None
    except yaml.YAMLError as exc:  # reader errors carry no mark
        raise FormError([Diagnostic(display, 1, 1, "error", f"YAML 格式错误：{exc}")]) from None
    finally:
        loader.dispose()
    builder = _Builder(loader, display)
    try:
        data = builder.build(node, (), 0) if node is not None else None
    except _TooLarge:
        data = None
    if builder.errors:
        raise FormError(builder.errors)
    return Loaded(display, data, builder.positions, warnings + builder.warnings, text)


def _flow_depth(text: str) -> int:
    """How deep ``[`` and ``{`` nest, counted without regard to quoting (an upper bound)."""
    if text.count("[") + text.count("{") <= MAX_FLOW_DEPTH:
        return 0
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def normalize_line_ends(text: str) -> str:
    """Lines ended by CR alone (old Mac editors) as LF: every stage counts lines by LF.
    CR LF is left as it is (YAML reads it; ``check --fix`` keeps it)."""
    return _LONE_CR.sub("\n", text) if "\r" in text else text


_LONE_CR = re.compile("\r(?!\n)")


def _strip_control_characters(text: str, display: str) -> tuple[str, list[Diagnostic]]:
    if not NOT_TEXT.search(text):
        return text, []
    warnings = []
    for number, line in enumerate(text.split("\n"), 1):
        match = NOT_TEXT.search(line)
        if match:
            warnings.append(Diagnostic(display, number, match.start() + 1, "warning",
                                       f"删除了不可见的控制字符 U+{ord(match.group()):04X}（多见于从 Word 或微信复制的文字）"))
    return NOT_TEXT.sub("", text), warnings


# Chinese wording for the YAML errors people actually make.
_TAB = "不能用 Tab 键缩进，请改用空格"
_SYNTAX_HINTS = [
    ("mapping values are not allowed", "此处不能出现冒号“:”；如果冒号是文字的一部分，请给整段文字加引号"),
    ("could not find expected ':'", "缺少冒号“:”；每个字段应写成“字段: 内容”"),
    ("found character '\\t'", _TAB),
    ("found a tab character", _TAB),
    ("expected <block end>, but found '<block sequence start>'", "列表项“- ”的缩进与上一项不一致"),
    ("expected <block end>", "缩进不一致，请检查这一行与上一行的空格数"),
    ("did not find expected key", "缩进不一致，或缺少“字段:”"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("expected a single document", "一个文件只能包含一份填报表（不要使用“---”分隔多份）"),
    ("found duplicate anchor", "锚点名称重复"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found unknown escape character", "双引号内的反斜杠“\\”后跟了无效字符；请改用单引号或去掉反斜杠"),
    ("invalid Unicode character escape", "双引号内的“\\u”转义不是有效的字符；请直接写出文字"),
]


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, display: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark and "end of stream" in (exc.problem or ""):
        mark = exc.context_mark  # an unclosed quote: point where it opened, not at the end of the file
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.split("\n")
    if line > len(lines) or (line == len(lines) and not lines[-1].strip()):
        # The parser noticed at the end of the file: point at the last line written.
        line = max((n for n, written in enumerate(lines, 1) if written.strip()), default=1)
        col = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
    problem = " ".join(filter(None, [exc.context, exc.problem]))
    hint = next((zh for en, zh in _SYNTAX_HINTS if en in problem), None)
    if hint is None and mark is not None and "cannot start any token" in problem and mark.line < len(lines) \
            and lines[mark.line][mark.column:mark.column + 1] == "\t":
        hint = _TAB  # libyaml does not name the character, as PyYAML does ("found character '\t'")
    message = f"YAML 格式错误：{hint or '这一行的写法无法识别，请检查缩进、冒号和引号'}"
    return Diagnostic(display, line, col, "error", message)


class _Builder:
    """Turns a composed node tree into plain data, recording positions and errors."""

    def __init__(self, loader, display: str):
        self.loader = loader
        self.display = display
        self.positions = Positions()
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.count = 0

    def _error(self, node, message: str) -> None:
        self.errors.append(Diagnostic(self.display, node.start_mark.line + 1,
                                      node.start_mark.column + 1, "error", message))

    def build(self, node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            if self.count == MAX_NODES + 1 or depth == MAX_DEPTH + 1:
                self._error(node, "文件内容过多或嵌套过深（可能含有大量别名引用），已拒绝读取")
            raise _TooLarge
        self.positions.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _KNOWN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._error(node, f"不支持的 YAML 标签 {tag}；填报表只能写文字、数字和日期")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node, path: PathKey, depth: int) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._error(key_node, "字段名必须是简单的文字")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge" or key_node.value == "<<":
                self._error(key_node, "不支持合并键“<<”，请直接写出各个字段")
                continue
            key = self._scalar(key_node, is_key=True)
            if not isinstance(key, str):
                key = key_node.value  # as written: yes: is "yes", ~: is "~", not True and None
            if INVISIBLE_IN_KEYS.search(key):
                found = INVISIBLE_IN_KEYS.search(key).group()
                self.warnings.append(Diagnostic(self.display, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                                "warning", f"字段名 \"{INVISIBLE_IN_KEYS.sub('', key)}\" 中有看不见的字符 "
                                                f"{named(found)}，已删除"))
                key = INVISIBLE_IN_KEYS.sub("", key)
            if key in result:
                first = self.positions.keys[path + (key,)]
                self._error(key_node, f"字段 \"{key}\" 重复出现（第一次在第 {first[0]} 行）")
                continue
            self.positions.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result

    def _scalar(self, node, is_key: bool = False) -> Any:
        if node.tag in _NUMBER_TAGS and not node.style and not _PLAIN_NUMBER.match(node.value):
            # YAML 1.1 reads 10:30 as 630, 0x1F as 31 and 1_000 as 1000; people mean the text.
            return node.value
        if node.tag not in _NUMBER_TAGS and node.tag != _STR_TAG \
                and node.tag != self.loader.resolve(yaml.ScalarNode, node.value, (True, False)):
            # "!!bool 是" or "!!timestamp 下周": a type forced on a value not written that way
            # (PyYAML's constructors fail on them with KeyError, AttributeError …).
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self._error(node, f"“{node.value}”不是类型标记 {tag} 要求的写法；请删去“{tag}”，直接写内容")
            return None
        try:
            # Text is the node's own value (what the constructor would return, less its bookkeeping).
            value = node.value if node.tag == _STR_TAG else self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            # A timestamp-looking value that is not a real date (2025-02-30): keep the
            # text, so validation can say precisely what is wrong with it.
            return node.value
        except yaml.YAMLError:
            self._error(node, f"无法识别的值 {node.value!r}")
            return None
        if isinstance(value, str) and not is_key:
            value, said = without_invisible(value)
            if said:
                self.warnings.append(Diagnostic(self.display, node.start_mark.line + 1, node.start_mark.column + 1,
                                                "warning", said))
        if isinstance(value, str) and NOT_TEXT.search(value):
            # Escapes in double quotes ("\\x07") bring characters Word cannot store.
            self.warnings.append(Diagnostic(self.display, node.start_mark.line + 1, node.start_mark.column + 1,
                                            "warning", "删除了文字中无法保存到 Word 的字符（控制字符或残缺的 Unicode 编码）"))
            value = NOT_TEXT.sub("", value)
        if isinstance(value, str) and node.style in (None, "", ">") and node.start_mark.line != node.end_mark.line:
            # Lines of a wrapped plain or folded text are joined with a space: wrong between Chinese characters.
            value = _FOLDED_CJK_SPACE.sub("", value)
        return value


class _TooLarge(Exception):
    """Unwinds the whole walk once a size limit is hit; reported once."""
