"""Layout profiles as data: the files, their keys, and what a workspace makes of them.

A profile file is YAML (``pipeline/profiles/<name>.yaml`` built in, or
``templates/<name>.profile.yaml`` in a workspace) whose keys say how a page
looks, in the units a school's written rules use: ``37mm``, ``3.7cm``, ``28pt``,
``三号``. config.yaml's ``format`` names a profile, or is a mapping of keys that
override one (``based_on`` names it; the built-in ``gbt9704`` by default); a
workspace file may itself be ``based_on`` another. docs/版式指南.md is the
users' guide to every key.

Every layer is checked like a form (unknown keys suggested, wrong values named
at their file and line, in Chinese); the layers are then merged, later keys
winning, and resolved into the flat values of
:class:`pipeline.layout.profile.Profile` (:func:`resolve`). Numbers that only
go wrong together (a line pitch smaller than the type, more characters than a
line holds) are reported at the key that made them so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from pipeline.diagnostics import Diagnostic, FormError, shown
from pipeline.form.loader import Loaded, load_file
from pipeline.text.suggest import did_you_mean

#: The built-in profiles, shipped inside the package.
BUILTIN_DIR = Path(__file__).resolve().parents[1] / "profiles"
#: A workspace's own profile ``name`` lives at ``templates/<name>.profile.yaml``.
WORKSPACE_SUFFIX = ".profile.yaml"
DEFAULT = "gbt9704"

# --- values, in the units written rules use ----------------------------------

#: Chinese type sizes (字号) in points.
SIZES = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
         "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5, "小六": 6.5, "七号": 5.5, "八号": 5}
_SIZE_DIGITS = "初一二三四五六七八"
#: Paper sizes, width × height in mm (portrait).
PAPERS = {"A4": (210, 297), "A3": (297, 420), "A5": (148, 210), "B5": (176, 250), "16开": (184, 260)}
#: Page-number positions: 外侧 is GB/T 9704's (odd pages right, even pages left).
POSITIONS = {"外侧": "outside", "居中": "center", "居右": "right", "居左": "left"}
DATE_STYLES = {"阿拉伯数字": "arabic", "汉字": "chinese"}
_DATE_ALIASES = {"中文": "汉字", "汉字数字": "汉字", "中文数字": "汉字", "大写": "汉字", "数字": "阿拉伯数字"}
#: What a 落款 line may hold besides its own text, as in config.yaml's ``output`` patterns.
SIGNATURE_FIELDS = {"author": "署名（填报表的 author）", "organization": "单位全称", "campus": "校区",
                    "department": "部门"}
_LENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|毫米|cm|厘米|pt|磅)", re.IGNORECASE)
_MM_PER = {"mm": 1, "毫米": 1, "cm": 10, "厘米": 10, "pt": 25.4 / 72, "磅": 25.4 / 72}
_PLACEHOLDER = re.compile(r"<([^<>]*)>")
#: Characters a font name may not hold: it goes into the document's XML as it is.
_UNSAFE_FONT = re.compile(r"[<>&\"'\x00-\x1f]")


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("worksum", message)


def _size_name(points: float) -> str:
    return next((name for name, pt in SIZES.items() if pt == points), f"{points:g}pt")


def _size(value: Any) -> float:
    """A type size in points: 三号, 小四, 3号, 小4号, 16pt, 16磅, or a bare number of points."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail(f"字号应写成“三号”“小四”或“16pt”，现在是 {value!r}")
    if isinstance(value, (int, float)):
        if isinstance(value, int) and 0 <= value <= 8:
            name = "初号" if value == 0 else _SIZE_DIGITS[value] + "号"
            raise _fail(f"字号 {value} 不明确：是指“{name}”（{SIZES[name]:g} 磅）吗？请写成“{name}”，或写明磅数，如 16pt")
        points = float(value)
    else:
        text = value.strip().removesuffix("字").replace(" ", "")
        digits = re.fullmatch(r"(小)?([0-8初一二三四五六七八])号?", text)
        length = _LENGTH.fullmatch(text)
        if digits:
            small, mark = digits.groups()
            base = "初" if mark in "0初" else (_SIZE_DIGITS[int(mark)] if mark.isdigit() else mark)
            text = ("小" + base if small else base + "号") if base != "初" or small else "初号"
        if text in SIZES:
            points = SIZES[text]
        elif length and length.group(2).lower() in ("pt", "磅"):
            points = float(length.group(1))
        else:
            raise _fail(f"字号“{value.strip()}”看不懂；应写成 {'、'.join(SIZES)} 之一，或写磅数，如 16pt")
    if not 5 <= points <= 100:
        raise _fail(f"字号 {points:g} 磅不合常理（应在 5 到 100 磅之间）")
    return points


def _length(value: Any) -> float:
    """A length in millimetres, from 37mm, 3.7cm, 3.7厘米 or 28pt (a unit is required)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail("长度应写成 37mm、3.7cm 或 28pt 这样的形式")
    text = str(value).strip().replace(" ", "")
    match = _LENGTH.fullmatch(text)
    if not match:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            raise _fail(f"“{text}”没有单位：请写成 {text}mm、{text}cm 或 {text}pt")
        raise _fail(f"长度“{text}”看不懂；应写成 37mm、3.7cm 或 28pt 这样的形式")
    mm = round(float(match.group(1)) * _MM_PER[match.group(2).lower()], 4)
    if mm > 1000:
        raise _fail(f"长度 {text} 太大")
    return mm


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail("应为整数")
    text = str(value).strip().removesuffix("行").removesuffix("字")
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= 200:
        raise _fail(f"应为 1 到 200 之间的整数，现在是 {value!r}")
    return int(text)


def _chars_per_line(value: Any) -> int | None:
    if isinstance(value, str) and value.strip() == "自动":
        return None
    return _count(value)


def _chars(value: Any) -> float:
    """A distance in body characters (indents, the 落款's right space): 0 to 20, halves allowed."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _fail("应为字数，如 2")
    text = str(value).strip().removesuffix("字").removesuffix("个")
    try:
        number = float(text)
    except ValueError:
        raise _fail(f"应为字数，如 2，现在是 “{value}”") from None
    if not 0 <= number <= 20:
        raise _fail(f"应在 0 到 20 字之间，现在是 {number:g}")
    return int(number) if number.is_integer() else number


def _font(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("应为字体名称，如 仿宋_GB2312、黑体")
    if _UNSAFE_FONT.search(value):
        raise _fail(f"字体名称“{value.strip()}”含有不能用于字体名的字符（< > & 引号）")
    return value.strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail("应为一段文字")
    return str(value).strip()


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip() in ("是", "否"):
        return value.strip() == "是"
    raise _fail(f"应为 true 或 false（是/否），现在是 “{value}”")


def _numbering(value: Any) -> str:
    """A heading's numbering, written as it reads for number 1: 一、 （一） 1. （1） 第一部分."""
    if isinstance(value, float):
        raise _fail(f"编号样式要加引号，如 \"{value:g}.\"（不加引号时 YAML 把它当成数字 {value:g}）")
    if not isinstance(value, str) or not value.strip():
        raise _fail("编号样式应写成第一个标题的编号，如 一、 （一） 1. （1）")
    text = value.lstrip()  # a space after it (第一部分 ) is part of the style
    marks = [mark for mark in ("一", "1", "①") if mark in text]
    if len(marks) != 1 or text.count(marks[0]) != 1 or len(text) > 8:
        raise _fail(f"编号样式“{text}”看不懂：应写成第一个标题的编号，只含一个“一”“1”或“①”，如 一、 （一） 1. （1）")
    return text


def _page_style(value: Any) -> str:
    text = _text(value)
    if text.count("N") != 1 or text.count("M") > 1 or len(text) > 20:
        raise _fail(f"页码样式“{text}”应含一个 N（页码），可含一个 M（总页数），如 — N —、- N -、第N页、第N页 共M页")
    return text


def _choice(choices: dict[str, str], what: str, aliases: dict[str, str] | None = None):
    def check(value: Any) -> str:
        text = _text(value)
        text = (aliases or {}).get(text, text)
        if text in choices:
            return choices[text]
        if text in choices.values():  # the English word, as the resolved profile names it
            return text
        raise _fail(f"{what}“{text}”不可用；可选：{'、'.join(choices)}")
    return check


def _color(value: Any) -> str:
    text = _text(value).removeprefix("#").upper()
    if text in ("红", "红色"):
        return "FF0000"
    if not re.fullmatch(r"[0-9A-F]{6}", text):
        raise _fail(f"颜色“{_text(value)}”应写成“红色”或六位十六进制颜色值，如 FF0000")
    return text


def _paper(value: Any) -> tuple[float, float]:
    text = _text(value).upper()
    if text in PAPERS:
        return PAPERS[text]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*MM\s*[×X*]\s*(\d+(?:\.\d+)?)\s*MM", text)
    if match:
        width, height = float(match.group(1)), float(match.group(2))
        if not (80 <= width <= 558 and 80 <= height <= 558):  # Word's pages are at most 22 inches
            raise _fail(f"纸张 {width:g}mm×{height:g}mm 不合常理（每边应在 80mm 到 558mm 之间）")
        return width, height
    raise _fail(f"纸张“{_text(value)}”不可用；可写 {'、'.join(PAPERS)}，或宽×高，如 210mm×297mm")


def _signature_line(value: Any) -> str:
    text = _text(value)
    if not text:
        raise _fail("落款的一行不能为空")
    for name in _PLACEHOLDER.findall(text):
        if name not in SIGNATURE_FIELDS:
            choices = "、".join(f"<{key}>（{label}）" for key, label in SIGNATURE_FIELDS.items())
            hint = did_you_mean(name, SIGNATURE_FIELDS, quotes="<>")
            raise _fail(f"落款中的 <{name}> 不可用{hint or '；'}可用：{choices}")
    return text


def _value(check, schema: dict):
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


Size = _value(_size, {"type": ["string", "number"]})
Length = _value(_length, {"type": "string"})
Count = _value(_count, {"type": "integer"})
CharsPerLine = _value(_chars_per_line, {"type": ["integer", "string"]})
Chars = _value(_chars, {"type": "number"})
Font = _value(_font, {"type": "string"})
Text = _value(_text, {"type": "string"})
Flag = _value(_bool, {"type": "boolean"})
Numbering = _value(_numbering, {"type": "string"})
PageStyle = _value(_page_style, {"type": "string"})
Position = _value(_choice(POSITIONS, "页码位置"), {"enum": list(POSITIONS)})
DateStyle = _value(_choice(DATE_STYLES, "日期写法", _DATE_ALIASES), {"enum": list(DATE_STYLES)})
Color = _value(_color, {"type": "string"})
Paper = _value(_paper, {"type": "string"})
SignatureLine = _value(_signature_line, {"type": "string"})


# --- the keys ------------------------------------------------------------------

class _Keys(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Margins(_Keys):
    top: Length = None
    bottom: Length = None
    left: Length = None
    right: Length = None


class Body(_Keys):
    font: Font = None
    size: Size = None
    indent: Chars = None


class Title(_Keys):
    font: Font = None
    size: Size = None
    bold: Flag = None


class HeadingKeys(_Keys):
    numbering: Numbering = None
    font: Font = None
    size: Size = None  # not written: the body's size (headings are set in the body's size by custom)
    bold: Flag = None


class PageNumber(_Keys):
    style: PageStyle = None
    position: Position = None
    font: Font = None
    size: Size = None
    gap: Length = None
    indent: Chars = None


class Signature(_Keys):
    lines: list[SignatureLine] | None = None
    right: Chars = None
    date_offset: Chars = None
    date: DateStyle = None


class TableKeys(_Keys):
    font: Font = None
    header_font: Font = None
    size: Size = None
    line_spacing: Length = None


class RedHeader(_Keys):
    enabled: Flag = None
    unit: Text = None
    font: Font = None
    size: Size = None
    color: Color = None
    top: Length = None
    number: Text = None
    number_font: Font = None
    rule_gap: Length = None
    rule_width: Length = None


class Attachments(_Keys):
    enabled: Flag = None
    label_font: Font = None
    landscape: Flag = None


class ProfileKeys(_Keys):
    """One layer of a profile: a file, or config.yaml's ``format`` mapping. Every key optional."""

    based_on: Text = None
    description: Text = None
    paper: Paper = None
    margins: Margins | None = None
    header_distance: Length = None
    lines_per_page: Count = None
    line_spacing: Length = None
    chars_per_line: CharsPerLine = None
    latin_font: Font = None
    body: Body | None = None
    title: Title | None = None
    heading1: HeadingKeys | None = None
    heading2: HeadingKeys | None = None
    heading3: HeadingKeys | None = None
    heading4: HeadingKeys | None = None
    page_number: PageNumber | None = None
    signature: Signature | None = None
    table: TableKeys | None = None
    red_header: RedHeader | None = None
    attachments: Attachments | None = None


#: The model of each mapping of a profile layer, by its path (for unknown-key suggestions).
SHAPES: dict[tuple, type[BaseModel]] = {
    (): ProfileKeys, ("margins",): Margins, ("body",): Body, ("title",): Title,
    **{(f"heading{level}",): HeadingKeys for level in range(1, 5)},
    ("page_number",): PageNumber, ("signature",): Signature, ("table",): TableKeys,
    ("red_header",): RedHeader, ("attachments",): Attachments,
}

#: Chinese words people may write as keys, with the key each means (for the hint).
CHINESE_KEYS = {
    "基于": "based_on", "说明": "description", "纸张": "paper", "页边距": "margins", "边距": "margins",
    "上": "top", "上边距": "top", "下": "bottom", "下边距": "bottom", "左": "left", "左边距": "left",
    "右": "right", "右边距": "right", "行数": "lines_per_page", "每页行数": "lines_per_page",
    "每面行数": "lines_per_page", "行距": "line_spacing", "行间距": "line_spacing", "字数": "chars_per_line",
    "每行字数": "chars_per_line", "正文": "body", "标题": "title", "一级标题": "heading1",
    "二级标题": "heading2", "三级标题": "heading3", "四级标题": "heading4", "页码": "page_number",
    "落款": "signature", "表格": "table", "红头": "red_header", "版头": "red_header", "附件": "attachments",
    "字体": "font", "字号": "size", "加粗": "bold", "缩进": "indent", "首行缩进": "indent",
    "编号": "numbering", "样式": "style", "位置": "position", "日期": "date", "颜色": "color",
    "文号": "number", "发文字号": "number", "横排": "landscape", "启用": "enabled", "西文字体": "latin_font",
}


# --- one layer ----------------------------------------------------------------

@dataclass(frozen=True)
class Layer:
    """One profile layer's checked keys, and where they were written."""

    loaded: Loaded
    prefix: tuple  # () for a profile file; ("format",) for config.yaml's mapping
    keys: dict


def check_layer(loaded: Loaded, data: Any, prefix: tuple = ()) -> dict:
    """The keys of one layer (only those written), or FormError naming every mistake."""
    if not isinstance(data, dict):
        raise FormError([loaded.diagnostic(prefix, "版式应由“键: 值”组成，如 body: {size: 四号}")])
    try:
        keys = ProfileKeys.model_validate(data)
    except ValidationError as exc:
        found = [_diagnostic(loaded, error, prefix) for error in exc.errors()]
        raise FormError(sorted(dict.fromkeys(found), key=lambda d: (d.line, d.col))) from None
    return keys.model_dump(exclude_unset=True)


def _diagnostic(loaded: Loaded, error: dict, prefix: tuple) -> Diagnostic:
    inner = tuple(error["loc"])
    where = prefix + inner
    if error["type"] == "extra_forbidden":
        key = str(inner[-1])
        model = SHAPES.get(inner[:-1])
        known = list(model.model_fields) if model else []
        meant = CHINESE_KEYS.get(key)
        hint = (f"，键名要用英文，应写成 \"{meant}\"" if meant in known else
                did_you_mean(key, known) or f"；可用的键：{'、'.join(known)}")
        return loaded.diagnostic(where, f"版式中未知的键 \"{key}\"{hint}", at_key=True)
    message = {"worksum": error["msg"], "model_type": "应写成“键: 值”的形式，如 {size: 四号}",
               "model_attributes_type": "应写成“键: 值”的形式，如 {size: 四号}",
               "list_type": "应为列表（每一项另起一行，以“- ”开头）"}.get(error["type"], f"内容无效（{error['msg']}）")
    named = " ".join(f"第{part + 1}项" if isinstance(part, int) else f"\"{part}\"" for part in inner)
    return loaded.diagnostic(where, f"版式 {named}：{message}" if named else message)


# --- the chain of layers -------------------------------------------------------

_NAME = re.compile(r"[\w\-\u4e00-\u9fff]+")


def builtin_names() -> dict[str, str]:
    """The built-in profiles: name → description (first line of the file's ``description``)."""
    names = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        data = load_file(path).data or {}
        names[path.stem] = str(data.get("description", ""))
    return names


def _profile_path(name: str, root: Path | None, seen: tuple[Path, ...]) -> Path | None:
    """A workspace's ``templates/<name>.profile.yaml``, else the built-in ``<name>``; a file
    already in the chain is skipped, so a workspace ``gbt9704`` may be based on the built-in one."""
    candidates = [root / "templates" / f"{name}{WORKSPACE_SUFFIX}"] if root else []
    candidates.append(BUILTIN_DIR / f"{name}.yaml")
    return next((path for path in candidates if path.is_file() and path.resolve() not in seen), None)


def _unknown(name: str, root: Path | None) -> str:
    builtin = builtin_names()
    own = sorted(p.name.removesuffix(WORKSPACE_SUFFIX) for p in (root / "templates").glob(f"*{WORKSPACE_SUFFIX}")) \
        if root and (root / "templates").is_dir() else []
    listed = "、".join([f"{key}（{label}）" for key, label in builtin.items()] + own)
    hint = did_you_mean(name, [*builtin, *own])
    return (f"未知的版式 \"{name}\"{hint or '；'}可用的版式：{listed}；"
            f"也可以把自己的版式写在 templates/{name}{WORKSPACE_SUFFIX}")


def chain(name: str, root: Path | None, named_at: tuple[Loaded | None, tuple], seen: tuple[Path, ...] = ()) -> list[Layer]:
    """The layers of profile ``name``, the root profile (gbt9704) first. ``named_at``: where
    the name was written, for the message when there is no such profile."""
    loaded_at, path_at = named_at

    def refuse(message: str):
        if loaded_at is None:
            raise FormError([Diagnostic("config.yaml", 1, 1, "error", message)])
        where = " ".join(f'"{part}"' for part in path_at)
        raise FormError([loaded_at.diagnostic(path_at, f"字段 {where}：{message}")])

    if not _NAME.fullmatch(name):
        refuse(f"版式名称 \"{name}\" 只能由汉字、字母、数字、“-”和“_”组成")
    path = _profile_path(name, root, seen)
    if path is None:
        if any(p.stem.removesuffix(".profile") == name for p in seen):
            refuse(f"版式 \"{name}\" 的 based_on 绕回了自己")
        refuse(_unknown(name, root))
    loaded = load_file(path, shown(path), keys=KEY_NAMES)
    keys = check_layer(loaded, loaded.data if loaded.data is not None else {}, ())
    layer = Layer(loaded, (), keys)
    base = keys.get("based_on") or (None if path == BUILTIN_DIR / f"{DEFAULT}.yaml" else DEFAULT)
    if base is None:
        return [layer]
    return chain(base, root, (loaded, ("based_on",)), seen + (path.resolve(),)) + [layer]


def layers_of_format(value: Any, root: Path | None, loaded: Loaded | None) -> list[Layer]:
    """The layers config.yaml's ``format`` stands for: a profile's name, or keys over one."""
    if value is None:
        return chain(DEFAULT, root, (loaded, ("format",)))
    if isinstance(value, dict):
        keys = check_layer(loaded, value, ("format",))
        base = keys.get("based_on") or DEFAULT
        return chain(base, root, (loaded, ("format", "based_on"))) + [Layer(loaded, ("format",), keys)]
    if isinstance(value, str) and value.strip():
        return chain(value.strip(), root, (loaded, ("format",)))
    raise FormError([loaded.diagnostic(("format",), "format 应为版式名称（如 gbt9704），或写成“键: 值”修改版式中的几项")])


# --- merging and resolving -----------------------------------------------------

KEY_NAMES = frozenset(name for model in SHAPES.values() for name in model.model_fields)
_LINES = ("lines_per_page", "line_spacing")  # two ways to say one thing: a layer's choice replaces the other


def merge(layers: list[Layer]) -> tuple[dict, dict]:
    """The layers' keys merged, later ones winning key by key; and, for each key path, the
    layer (and path in it) that set it, to say where a problem comes from."""
    values: dict = {}
    origin: dict[tuple, tuple[Layer, tuple]] = {}
    for layer in layers:
        keys = layer.keys
        if any(key in keys for key in _LINES):
            for key in _LINES:
                values.pop(key, None)
        # A layer that changes the width of a line or the body size without saying how many
        # characters a line holds gets as many as the body size fills (written rules rarely say);
        # restating a value is no change.
        widened = ("paper",) if keys.get("paper", values.get("paper")) != values.get("paper") else next(
            ((section, key) for section, key in (("margins", "left"), ("margins", "right"), ("body", "size"))
             if keys.get(section, {}).get(key, values.get(section, {}).get(key)) != values.get(section, {}).get(key)),
            None)
        if widened and "chars_per_line" not in keys:
            values["chars_per_line"] = None
            origin[("chars_per_line",)] = (layer, widened)
        for key, value in keys.items():
            if isinstance(value, dict):
                for sub, item in value.items():
                    values.setdefault(key, {})[sub] = item
                    origin[(key, sub)] = (layer, (key, sub))
            else:
                values[key] = value
                origin[(key,)] = (layer, (key,))
    return values, origin


def mm_to_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


class _Problems:
    """Problems found while resolving. Numbers go wrong together (a line pitch and a type
    size): each problem is named at the one of its keys written last, in the latest layer,
    which is the change that made it (the built-in profiles are fine on their own)."""

    def __init__(self, origin: dict, layers: list[Layer]):
        self.origin = origin
        self.order = {id(layer): index for index, layer in enumerate(layers)}
        self.found: list[Diagnostic] = []

    def __call__(self, paths: list[tuple], message: str) -> None:
        written = [self.origin[path] for path in paths if path in self.origin]
        layer, where = max(written, key=lambda origin: self.order[id(origin[0])])
        self.found.append(layer.loaded.diagnostic(layer.prefix + where, message))

    def raise_any(self) -> None:
        if self.found:
            raise FormError(sorted(dict.fromkeys(self.found), key=lambda d: (d.path, d.line, d.col)))


#: How tall renderers set a line of type, in ems of its size: the ascent and descent of the CJK
#: fonts (and of their stand-ins), 28.6 pt for a 22 pt 二号 title. Exact line spacing below it
#: draws the type above its line (LibreOffice) or clips its top (Word).
TYPE_HEIGHT_EM = 1.3


def type_line_twips(pitch: int, size_pt: float, type_height_em: float = TYPE_HEIGHT_EM) -> int:
    """The exact height of a line of ``size_pt`` type on a grid of ``pitch`` twips: the pitch, or
    what the type needs when that is more (a 二号 title under 23.3 pt spacing gets 28.6 pt lines)."""
    return max(pitch, round(size_pt * 20 * type_height_em))


#: A summary's title as wide as the sample's (明德实验学校东湖校区后勤处2024—2025学年第一学期工作总结),
#: in characters: what the first page is checked to hold under a 红头.
TITLE_CHARS = 28


@dataclass(frozen=True)
class RedHeaderLines:
    """How the 红头's paragraphs are set: the mark's space before and line height (twips), the
    rule's border: its distance below the last line (points, as w:space) and width (eighths of a point)."""

    before: int
    mark_line: int
    rule_space_pt: int
    rule_eighths: int


def red_header_lines(top_mm: float, size_half_points: int, number: bool, pitch: int, body_pt: float,
                     rule_gap_mm: float, rule_pt: float) -> RedHeaderLines:
    """The 红头's paragraphs, as the layout writes them and the profile check measures them."""
    line = round(size_half_points * 10 * 1.2)
    # The line box is 1.2 times the type, and the glyphs' top edge stands 0.44 of the type
    # below the box's top (measured on LibreOffice's pages): the space before makes up for it.
    before = max(mm_to_twips(top_mm) - round(size_half_points * 10 * 0.44), 0)
    # A border stands w:space points below the line box, whose bottom is below the glyphs'
    # by half the leading and an eighth of the type (measured on LibreOffice's pages).
    type_pt = body_pt if number else size_half_points / 2
    box_pt = pitch / 20 if number else line / 20
    gap = rule_gap_mm * 72 / 25.4 - ((box_pt - type_pt) / 2 + type_pt / 8)
    return RedHeaderLines(before, line, max(round(gap), 0), round(rule_pt * 8))


def red_header_page_twips(red: dict[str, Any], pitch: int, title_pt: float, body_pt: float, text_width: int) -> int:
    """How far down the first page the 红头 and what must follow it on that page reach, as
    LibreOffice sets them: the mark's space before and its line, which the line grid makes a
    whole number of grid lines; the document number two lines below it (when there is one); the
    rule's distance and width; two empty lines; the title, at the height of its own type, in the
    lines a title of :data:`TITLE_CHARS` takes at its size across ``text_width`` twips (two at
    least: the wording writes a title in two parts), then the empty line and the body's first line
    it keeps with."""
    lines = red_header_lines(red["top"], round(red["size"] * 2), bool(red["number"]), pitch, body_pt,
                             red["rule_gap"], red_rule_pt(red["rule_width"]))
    title_lines = max(2, math.ceil(TITLE_CHARS * title_pt * 20 / text_width))
    mark = -(-lines.mark_line // pitch) * pitch
    number = 3 * pitch if red["number"] else 0
    rule = lines.rule_space_pt * 20 + lines.rule_eighths * 20 / 8
    return math.ceil(lines.before + mark + number + rule + 2 * pitch
                     + title_lines * type_line_twips(pitch, title_pt) + 2 * pitch)


def red_rule_pt(rule_width_mm: float) -> float:
    """The 红头's rule width in points, as the profile gives it to the layout."""
    return round(rule_width_mm * 72 / 25.4, 2)


def grid_height(text_height: int, pitch: int) -> int:
    """The height of the text block LibreOffice fills under a line grid: whole grid lines only
    (225 mm holds 22 lines of 579 twips, 12738 of its 12756 twips)."""
    return text_height // pitch * pitch


def resolve(layers: list[Layer], name: str) -> dict[str, Any]:
    """The flat values of :class:`pipeline.layout.profile.Profile` the layers make."""
    values, origin = merge(layers)
    problem = _Problems(origin, layers)
    page_w, page_h = values["paper"]
    margins = values["margins"]
    text_w_mm = round(page_w - margins["left"] - margins["right"], 4)
    text_h_mm = round(page_h - margins["top"] - margins["bottom"], 4)
    if text_w_mm < 60:
        problem([("margins", "left"), ("margins", "right"), ("paper",)], f"左右边距太大：{page_w:g}mm 宽的纸只剩 {text_w_mm:g}mm 排文字（至少要 60mm）")
    if text_h_mm < 60:
        problem([("margins", "top"), ("margins", "bottom"), ("paper",)], f"上下边距太大：{page_h:g}mm 高的纸只剩 {text_h_mm:g}mm 排文字（至少要 60mm）")
    problem.raise_any()
    text_w, text_h = mm_to_twips(text_w_mm), mm_to_twips(text_h_mm)
    body, title = values["body"], values["title"]
    size = round(body["size"] * 20)
    size_name = _size_name(body["size"])
    if "lines_per_page" in values:
        lines = values["lines_per_page"]
        pitch = text_h // lines
        if pitch < size:
            problem([("lines_per_page",), ("body", "size"), ("margins", "top"), ("margins", "bottom")], f"每面 {lines} 行排不下{size_name}字：版心高 {text_h_mm:g}mm，"
                                         f"最多排 {text_h // size} 行")
    else:
        pitch = mm_to_twips(values["line_spacing"])
        lines = text_h // max(pitch, 1)  # (0pt: refused just below)
        if pitch < size:
            problem([("line_spacing",), ("body", "size")], f"行距 {pitch / 20:g} 磅小于正文字号{size_name}（{body['size']:g} 磅），文字会重叠")
    chars = values.get("chars_per_line") or max(1, text_w // size)
    char = text_w // chars
    spacing = char - size
    if spacing < -(size // 10):
        problem([("chars_per_line",), ("body", "size"), ("margins", "left"), ("margins", "right")], f"每行 {chars} 字太多：版心宽 {text_w_mm:g}mm，{size_name}字每行最多排 "
                                     f"{text_w // (size - size // 10)} 字")
    elif spacing > size:
        problem([("chars_per_line",), ("body", "size"), ("margins", "left"), ("margins", "right")], f"每行 {chars} 字太少：字与字之间会空出一个字以上")
    # A title larger than the line spacing is not checked: its lines take the height its type
    # needs (type_line_twips). Headings keep the body's spacing: below.
    if body["indent"] >= chars:
        problem([("body", "indent"), ("chars_per_line",)], f"首行缩进 {body['indent']:g} 字，一行只有 {chars} 字")
    signature = values["signature"]
    if signature["right"] + signature["date_offset"] + 4 > chars:
        problem([("signature", "right"), ("signature", "date_offset"), ("chars_per_line",)], f"落款右空 {signature['right']:g} 字、日期右移 {signature['date_offset']:g} 字，"
                                        f"一行 {chars} 字放不下")
    table = values["table"]
    table_line = mm_to_twips(table["line_spacing"])
    if table_line < round(table["size"] * 20):
        problem([("table", "line_spacing"), ("table", "size")], f"表格行距 {table_line / 20:g} 磅小于表格字号 {table['size']:g} 磅")
    number = values["page_number"]
    number_line = round(number["size"] * 20 * 1.2)
    if mm_to_twips(margins["bottom"] - number["gap"]) - number_line < 0:
        problem([("page_number", "gap"), ("page_number", "size"), ("margins", "bottom")], f"页码离版心 {number['gap']:g}mm，连同页码本身超出了下边距 {margins['bottom']:g}mm")
    red = values["red_header"]
    if red["enabled"] and red_header_page_twips(red, pitch, title["size"], body["size"], text_w) > grid_height(text_h, pitch):
        problem([("red_header", "top"), ("red_header", "size"), ("red_header", "enabled")], f"红头离版心上边缘 {red['top']:g}mm，首页排不下红头、标题和正文")
    headings = [{**values[f"heading{level}"], "size": values[f"heading{level}"].get("size", body["size"])}
                for level in range(1, 5)]
    for level, heading in enumerate(headings, 1):
        if round(heading["size"] * 20) > pitch >= size:  # (below the body's size: said once, above)
            problem([(f"heading{level}", "size"), ("line_spacing",), ("lines_per_page",)],
                    f"{level}级标题字号{_size_name(heading['size'])}大于行距 {pitch / 20:g} 磅，标题会被截去一截")
    problem.raise_any()
    return {
        "name": name,
        "description": values.get("description", ""),
        "page_width_mm": page_w, "page_height_mm": page_h,
        "margin_top_mm": margins["top"], "margin_bottom_mm": margins["bottom"],
        "margin_left_mm": margins["left"], "margin_right_mm": margins["right"],
        "header_mm": values["header_distance"],
        "lines_per_page": lines, "chars_per_line": chars, "line_pitch_twips": pitch,
        "body_font": body["font"], "body_size_pt": body["size"], "body_char_spacing": spacing,
        "latin_font": values["latin_font"], "indent_chars": body["indent"],
        "title_font": title["font"], "title_size_pt": title["size"], "title_bold": title["bold"],
        **{f"heading{level}_{key}": heading[key] for level, heading in enumerate(headings, 1)
           for key in ("font", "bold", "numbering")},
        **{f"heading{level}_size_pt": heading["size"] for level, heading in enumerate(headings, 1)},
        "signature_lines": tuple(signature["lines"]), "signature_right_chars": signature["right"],
        "date_offset_chars": signature["date_offset"], "date_style": signature["date"],
        "page_number_style": number["style"], "page_number_position": number["position"],
        "page_number_font": number["font"], "page_number_size_pt": number["size"],
        "page_number_gap_mm": number["gap"], "page_number_indent_chars": number["indent"],
        "table_font": table["font"], "table_header_font": table["header_font"], "table_size_pt": table["size"],
        "table_line_twips": table_line,
        "red_header": red["enabled"], "red_header_unit": red["unit"], "red_header_font": red["font"],
        "red_header_size_pt": red["size"], "red_header_color": red["color"], "red_header_top_mm": red["top"],
        "red_header_number": red["number"], "red_header_number_font": red["number_font"],
        "red_header_rule_gap_mm": red["rule_gap"], "red_header_rule_pt": red_rule_pt(red["rule_width"]),
        "attachments": values["attachments"]["enabled"], "attachment_label_font": values["attachments"]["label_font"],
        "attachment_landscape": values["attachments"]["landscape"],
    }
