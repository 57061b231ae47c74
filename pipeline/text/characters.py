"""Character classes every stage agrees on.

* Characters that are never text: C0 controls but tab, line feed and carriage
  return; DEL; U+FFFE/U+FFFF; lone surrogates. YAML refuses some, Word cannot
  store any; text pasted from Word or WeChat brings them. Forms lose them with
  a warning; the layout drops any that still arrive.
* Characters no file or folder name may hold, on Windows or elsewhere.
* Full-width digits (２０２４), written as ASCII digits.
* Characters that show as nothing (zero-width spaces, a BOM inside the text,
  soft hyphens, marks of the text's direction): two names that look alike differ
  by them, and a right-to-left mark turns a line around. Forms lose them
  with a warning; in a key, where only plain English belongs, no-break and
  full-width spaces are as invisible. Odd spaces (no-break and the like) in a
  campus or department name are refused.
"""

from __future__ import annotations

import re

NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")

#: Inside a character class: what a file or folder name may not contain.
NOT_IN_FILE_NAMES = r'\\/:*?"<>|\x00-\x1f'

FULL_WIDTH_DIGITS = "０１２３４５６７８９"
TO_ASCII_DIGITS = str.maketrans(FULL_WIDTH_DIGITS, "0123456789")

#: Marks that set the direction of the text after them (right-to-left override …): invisible, yet
#: pasted from a web page they turn the rest of a Chinese line around in Word.
_DIRECTION = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
INVISIBLE = re.compile(f"[\u200b\u200c\u200d\u2060\ufeff\u00ad{_DIRECTION}]")
INVISIBLE_IN_KEYS = re.compile(f"[\u200b\u200c\u200d\u2060\ufeff\u00ad{_DIRECTION}\u00a0\u3000\u2002-\u200a\u202f\u205f]")
ODD_SPACES = re.compile("[\u00a0\u2002-\u200a\u202f\u205f]")

_NAMES = {"\u200b": "零宽空格", "\u200c": "零宽非连接符", "\u200d": "零宽连接符", "\u2060": "零宽不换行符",
          "\ufeff": "字节顺序标记 BOM", "\u00ad": "软连字符", "\u00a0": "不间断空格", "\u3000": "全角空格"}


def named(char: str) -> str:
    """``U+200B（零宽空格）``: an invisible character as a message shows it."""
    default = "文字方向控制符" if re.match(f"[{_DIRECTION}]", char) else "特殊空格"
    return f"U+{ord(char):04X}（{_NAMES.get(char, default)}）"


def without_invisible(text: str) -> tuple[str, str | None]:
    """``text`` without the characters that show as nothing, and the warning naming the first
    (None when there was none): one rule for a YAML form's values and a workbook's cells."""
    found = INVISIBLE.search(text)
    if found is None:
        return text, None
    return INVISIBLE.sub("", text), f"删除了文字中看不见的字符 {named(found.group())}（多见于从网页、Word 或微信复制的文字）"
