"""Character classes every stage agrees on.

* Characters that are never text: C0 controls but tab, line feed and carriage
  return; DEL; U+FFFE/U+FFFF; lone surrogates. YAML refuses some, Word cannot
  store any; text pasted from Word or WeChat brings them. Forms lose them with
  a warning; the layout drops any that still arrive.
* Characters no file or folder name may hold, on Windows or elsewhere.
* Full-width digits (２０２４), written as ASCII digits.
"""

from __future__ import annotations

import re

NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")

#: Inside a character class: what a file or folder name may not contain.
NOT_IN_FILE_NAMES = r'\\/:*?"<>|\x00-\x1f'

FULL_WIDTH_DIGITS = "０１２３４５６７８９"
TO_ASCII_DIGITS = str.maketrans(FULL_WIDTH_DIGITS, "0123456789")
