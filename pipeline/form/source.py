"""Where each character of a loaded text value stands in the YAML source.

:class:`pipeline.form.loader.Positions` knows where a value *starts*. A proofreading
warning about a comma in the middle of a long paragraph should point at the
comma, and ``worksum check --fix`` must replace exactly that comma in the file.
:class:`Source` maps a character of a value back to its index in the text the
loader parsed, and from there to a line and column.

The mapping walks the source from the value's start, matching the value's
characters in order and skipping only what YAML drops from a scalar: the
opening quote or block header, indentation and line breaks (folding), a doubled
quote in single quotes, an escaped line break in double quotes. Every other
character must match exactly, so a character is either mapped to itself in the
source or the value is not mapped at all (double-quoted escapes such as
``\\u4e00``, aliases elsewhere …); callers then fall back to the value's start
and leave that value alone when fixing.
"""

from __future__ import annotations

import bisect

from pipeline.form.loader import Loaded, PathKey

_SKIPPED = " \t\r\n"


class Source:
    """The parsed text of one loaded document, with value characters located in it."""

    def __init__(self, loaded: Loaded):
        self.loaded = loaded
        self.text = loaded.text
        self._line_starts = [0]
        index = self.text.find("\n")
        while index >= 0:
            self._line_starts.append(index + 1)
            index = self.text.find("\n", index + 1)
        self._maps: dict[PathKey, list[int] | None] = {}

    # --- line/column <-> index ------------------------------------------

    def index(self, line: int, col: int) -> int:
        """The text index of a 1-based line and column."""
        return self._line_starts[line - 1] + col - 1

    def position(self, index: int) -> tuple[int, int]:
        """The 1-based line and column of a text index."""
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    # --- values -----------------------------------------------------------

    def value(self, path: PathKey) -> str | None:
        """The raw text value at ``path`` as loaded (before any stripping), or None."""
        node = self.loaded.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node if isinstance(node, str) else None

    def map(self, path: PathKey) -> list[int] | None:
        """The source index of every character of the value at ``path``, or None."""
        path = tuple(path)
        if path not in self._maps:
            self._maps[path] = self._align(path)
        return self._maps[path]

    def locate(self, path: PathKey, offset: int) -> tuple[int, int]:
        """Line and column of character ``offset`` of the value at ``path``.

        Falls back to where the value starts when it cannot be mapped.
        """
        mapping = self.map(path)
        if mapping and 0 <= offset < len(mapping):
            return self.position(mapping[offset])
        return self.loaded.positions.value(path)

    def span(self, path: PathKey, start: int, end: int) -> tuple[int, int] | None:
        """The source range of value characters ``start:end`` when they lie side by side."""
        mapping = self.map(path)
        if not mapping or not 0 <= start < end <= len(mapping):
            return None
        indices = mapping[start:end]
        if indices != list(range(indices[0], indices[0] + len(indices))):
            return None  # a line break or escape lies between them
        return indices[0], indices[-1] + 1

    def _align(self, path: PathKey) -> list[int] | None:
        value = self.value(path)
        if value is None or path not in self.loaded.positions.values or not self.text:
            return None
        text = self.text
        j = self.index(*self.loaded.positions.values[path])
        j = _skip_properties(text, j)
        if j >= len(text):
            return None
        style = text[j] if text[j] in "\"'|>" else ""
        if style in ("|", ">"):
            j = text.find("\n", j)
            if j < 0:
                return None
            j += 1
        elif style:
            j += 1
        mapping: list[int] = []
        # Without quotes or backslashes in the value, a stretch of the source line equal to the value's
        # next characters maps one to one, as matching them one by one below would (no rule before
        # "the same character" applies to them): compared a line at a time, not a character at a time.
        runs = not ("'" in value or '"' in value or "\\" in value)
        resume = 0  # past a stretch that differs, one by one to its line's end
        i, size = 0, len(value)
        while i < size:
            if runs and j >= resume:
                stop = text.find("\n", j)
                stop = len(text) if stop < 0 else stop
                length = min(stop - j, size - i)
                if length > 0 and text.startswith(value[i:i + length], j):
                    mapping.extend(range(j, j + length))
                    i += length
                    j += length
                    continue
                resume = stop
            char = value[i]
            i += 1
            while True:
                if j >= len(text):
                    return None
                here = text[j]
                if style == "'" and here == "'":
                    if text.startswith("''", j) and char == "'":
                        mapping.append(j)
                        j += 2
                        break
                    return None  # the closing quote: the value cannot continue
                if style == '"' and here == "\\":
                    if text[j + 1:j + 2] in ("\n", "\r"):
                        j += 2  # an escaped line break joins the lines
                        continue
                    return None  # an escape sequence: not the character itself
                if style == '"' and here == '"':
                    return None
                if here == char:
                    mapping.append(j)
                    j += 1
                    break
                if here in _SKIPPED:
                    j += 1
                    continue
                return None
        return mapping


def _skip_properties(text: str, j: int) -> int:
    """Step over an anchor (&a) or tag (!!str) written before a value."""
    while j < len(text) and text[j] in "&!":
        while j < len(text) and text[j] not in _SKIPPED:
            j += 1
        while j < len(text) and text[j] in _SKIPPED:
            j += 1
    return j
