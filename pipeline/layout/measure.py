"""Measuring text on the page: widths in characters, balanced title lines, signature
indents, table column widths. Pure functions of text and the profile (and, where a
large title must break inside the wording's parts, of jieba's own dictionary)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate, combinations

from pipeline.document.manuscript import Manuscript, Paragraph, Table
from pipeline.layout.profile import Profile
from pipeline.text.characters import NOT_TEXT

#: Characters Word cannot store (python-docx raises on them); pasted text brings them.


#: Where a line may not wrap: inside a run of Latin letters, digits, signs and dashes
#: (2024—2025, -3.5, 22.9%).
_NO_BREAK = re.compile(r"[0-9A-Za-z\u2014\-—.%]")

#: Punctuation Unicode shares between Latin and Chinese text. Word draws it with the
#: Latin font unless told otherwise (w:hint); LibreOffice gives it the script of the
#: character before it, so the Latin font after a digit, a Latin letter or a line break
#: and at a paragraph's start, and always for · (a Latin character to it). A Chinese
#: document means the full-width Chinese marks, so the layout gives these their own runs
#: (:func:`pieces`).
EAST_ASIAN_PUNCTUATION = "‘’“”—―…·"
_EAST_ASIAN_MARK = re.compile(f"[{EAST_ASIAN_PUNCTUATION}]")
_EAST_ASIAN_PIECES = re.compile(f"[{EAST_ASIAN_PUNCTUATION}]+|[^{EAST_ASIAN_PUNCTUATION}]+")
#: What LibreOffice counts as Chinese script before a mark (spaces take the script before them).
_CHINESE_SCRIPT = re.compile("[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_LATIN_TO_LIBREOFFICE = "·"

#: How a piece of :func:`pieces` is set. TEXT: in its style's fonts. MARK: Chinese
#: punctuation after Chinese text; Word needs only the east-Asian hint to take the style's
#: Chinese font, and LibreOffice does so unasked (told the font by name, it set ”， wider
#: than the character grid and broke a full line one character early). LATIN_MARK: Chinese
#: punctuation LibreOffice would draw in the Latin font (see above): the Chinese font is
#: written into the Latin slots as well.
TEXT, MARK, LATIN_MARK = 0, 1, 2


#: Where Chinese meets a digit or Latin letter (either way round); lookahead so neighbours overlap.
_SCRIPT_CHANGE = re.compile(r"(?=[0-9A-Za-z][\u2e80-\u9fff]|[\u2e80-\u9fff][0-9A-Za-z])")


def clean(text: str) -> str:
    """``text`` without the characters Word cannot store."""
    return NOT_TEXT.sub("", text)


def char_width(ch: str) -> float:
    """One character's width in body characters: CJK, full-width and the Chinese
    punctuation drawn in the Chinese font count 1, Latin letters and digits ½."""
    return 0.5 if ord(ch) < 0x2000 and ch not in EAST_ASIAN_PUNCTUATION else 1.0


def width(text: str, autospace: float = 0.0) -> float:
    """Width in body characters (:func:`char_width`).

    ``autospace`` is added wherever Chinese meets a digit or Latin letter, the
    gap word processors put there (see ``Profile.autospace_chars``).
    """
    letters = sum(map(char_width, text))
    return letters + autospace * len(_SCRIPT_CHANGE.findall(text))


def pieces(text: str, before: str = "") -> list[tuple[str, int]]:
    """``text`` cut where :data:`EAST_ASIAN_PUNCTUATION` starts and ends: (piece, how it is
    set: :data:`TEXT`, :data:`MARK` or :data:`LATIN_MARK`). ``before``: the paragraph's text
    before ``text`` on the same line (a run-in title's)."""
    if not _EAST_ASIAN_MARK.search(text):  # the common case, fast
        return [(text, TEXT)] if text else []
    found = []
    for match in _EAST_ASIAN_PIECES.finditer(text):
        piece = match.group()
        if piece[0] not in EAST_ASIAN_PUNCTUATION:
            found.append((piece, TEXT))
            continue
        at = match.start() - 1
        while at >= 0 and text[at] == " ":  # a space takes the script before it
            at -= 1
        preceding = text[at] if at >= 0 else before.rstrip(" ")[-1:]
        chinese = preceding and _CHINESE_SCRIPT.match(preceding) and _LATIN_TO_LIBREOFFICE not in piece
        found.append((piece, MARK if chinese else LATIN_MARK))
    return found


#: A line break inside a run (``<w:br/>``), among the text of :func:`line_runs`.
BREAK = None


def line_runs(lines: list[str]) -> list[tuple[int, list[str | None]]]:
    """Lines set as one paragraph (a title, a long signature): the runs, each (how it is
    set, as :func:`pieces` says, its content: text pieces and :data:`BREAK`). A break
    opens the run of the text after it, so text without such punctuation is one run."""
    runs: list[tuple[int, list[str | None]]] = []
    for number, line in enumerate(lines):
        content: list[str | None] = [BREAK] if number else []
        for piece, kind in pieces(line) or [("", TEXT)]:
            if runs and runs[-1][0] == kind:
                runs[-1][1].extend([*content, piece] if piece else content)
            else:
                runs.append((kind, [*content, piece] if piece else content))
            content = []
    return runs


#: A title is broken between words (:func:`title_lines`) when it is at most this long; a longer
#: one (hostile: no title is) breaks as any text does, without looking words up.
TITLE_WORDS_UP_TO = 200
#: The longest dictionary word looked for across a break (jieba's words are mostly 2–4 characters).
_LONGEST_WORD = 4
_ORDINAL = re.compile("第[0-9一二三四五六七八九十百千零〇两]+(?=[\u3400-\u9fff])")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
#: The genre's title words, which jieba's dictionary cuts in two (秋季|学期, 工作|总结) or which a
#: title that cannot keep its words whole would break (学|年): the period (with its year where that
#: is short: 2024年秋季学期, 2024年度) and the subject. A title never breaks inside one, as it never
#: breaks inside a number; none is wider than a line at 初号.
TITLE_UNITS = re.compile("(?:[0-9]{4}年)?(?:(?:[春夏秋冬]季|[上下]|第[一二三四])?学期|[上下]半年|度)|学年度?|年度"
                         "|工作(?:总结|汇总|小结|计划|要点|报告)|述职报告|总结报告")


def title_lines(text: str, profile: Profile, breaks: tuple[int, ...] = (), names: tuple[str, ...] = ()) -> list[str]:
    """The title's lines: ending where the wording put its parts (``breaks``) when those lines fit
    the text block at the title's size; else balanced lines that end between words, and outside the
    unit's ``names`` (its organization, campus, department) where they can. A large title (初号)
    cannot keep 明德实验学校东湖校区后勤处 on one line: it breaks after 校区, not after 东湖校."""
    text = clean(text)

    def avoided() -> list[frozenset[int]]:
        words = inside_words(text)
        within_names = {i for name in names if len(name) > 1
                        for found in re.finditer(re.escape(name), text) for i in range(found.start() + 1, found.end())}
        return [words | within_names, words]

    never = frozenset(i for unit in TITLE_UNITS.finditer(text) for i in range(unit.start() + 1, unit.end()))
    return balanced_lines(text, profile.title_chars_per_line, breaks, avoided, never)


def unit_names(manuscript: Manuscript) -> tuple[str, ...]:
    """The names of the unit a manuscript is of, as its title prints them."""
    return tuple(name for name in (manuscript.organization, manuscript.campus, manuscript.department) if name)


#: Marks a line may not start with, and marks it may not end with (the rules of Chinese line breaking).
_CLOSING = set("、，。；：！？）》」』】〕’”…—·%")
_OPENING = set("（《「『【〔‘“")


def inside_words(text: str) -> frozenset[int]:
    """The offsets in ``text`` a line should not end at: inside a word of the dictionary (东湖校|区,
    学|年), between a number or an ordinal and the word after it (2025|学年, 第一|学期), before a
    closing mark or after an opening one. Only the marks for a text longer than :data:`TITLE_WORDS_UP_TO`."""
    inside = {i for i in range(1, len(text)) if text[i] in _CLOSING or text[i - 1] in _OPENING}
    if len(text) > TITLE_WORDS_UP_TO:
        return frozenset(inside)
    from pipeline.text.segment import is_dictionary_word

    inside.update(i for i in range(1, len(text)) if _NO_BREAK.match(text[i - 1]) and _HAN.match(text[i]))
    for ordinal in _ORDINAL.finditer(text):  # 第一学期, 第二附属中学: the ordinal stays with what it counts
        inside.update(range(ordinal.start() + 1, ordinal.end() + 1))
    for start in range(len(text) - 1):
        if not _HAN.match(text[start]):
            continue
        for end in range(start + 2, min(start + _LONGEST_WORD, len(text)) + 1):
            word = text[start:end]
            if not _HAN.match(word[-1]):
                break
            if not inside.issuperset(range(start + 1, end)) and is_dictionary_word(word):
                inside.update(range(start + 1, end))
    return frozenset(inside)


def balanced_lines(text: str, capacity: float, preferred: tuple[int, ...] = (),
                   avoided: Callable[[], Sequence[Collection[int]]] | None = None,
                   never: Collection[int] = ()) -> list[str]:
    """Split a title into the fewest lines that fit ``capacity``, as even as possible.

    ``preferred`` breaks (where the wording put the parts of a title: unit,
    period and subject) win whenever lines ending only there fit: the most even
    such split is taken. Otherwise, or when ``text`` was cleaned and the offsets
    no longer apply, the general rule below decides. ``avoided`` gives sets of
    offsets not to break at (inside words, :func:`title_lines`; asked only then),
    the most avoided first: the first whose lines all fit is taken, else none.

    Breaks never fall inside a run of digits, Latin letters or dashes, nor at an offset of
    ``never`` (inside a title's period or subject, :data:`TITLE_UNITS`). Each line
    ends at the allowed break whose width from the start is nearest to its share
    of the total (the earlier one on a tie). With ⌈width / capacity⌉ lines that
    nearest break can lie past the capacity, since the runs cannot be broken;
    then the count is the larger of that and the fewest lines any set of breaks
    allows, and each line ends at the nearest break among those that keep it
    within the capacity and leave few enough lines' worth of text for the lines
    still to come. Only a run wider than the capacity on its own (a long number
    in a narrow cell) overflows, alone on its line.

    Widths only grow along the text, so every search is a bisection, and a
    hostile 10,000-character title costs milliseconds, not minutes.
    """
    total = width(text)
    if total <= capacity:
        return [text]
    preferred = tuple(b for b in preferred if 0 < b < len(text) and b not in never)
    if preferred and len(preferred) <= 8:
        chosen = _preferred_split(text, capacity, preferred)
        if chosen:
            return chosen
    # stops: where a line may start (0 and every allowed break)
    stops = [0, *(i for i in range(1, len(text))
                  if not (_NO_BREAK.match(text[i - 1]) and _NO_BREAK.match(text[i])) and i not in never)]
    for avoid in avoided() if avoided is not None else ():
        between = [stop for stop in stops if stop not in avoid or stop in preferred]
        if len(between) < len(stops):
            lines = _spread(text, capacity, total, between)
            if max(map(width, lines)) <= capacity:
                return lines
    return _spread(text, capacity, total, stops)


def _spread(text: str, capacity: float, total: float, stops: list[int]) -> list[str]:
    """:func:`balanced_lines`' general rule: ``text`` in lines starting at ``stops`` (0 first)."""
    upto = list(accumulate(map(char_width, text), initial=0.0))
    at = [upto[s] for s in stops]
    last = len(stops) - 1
    count = int(-(-total // capacity))
    starts = _nearest_shares(at, total, count, lambda start, n: (start + 1, last))
    ends = [*(at[s] for s in starts[1:]), total]
    if any(end > at[start] + capacity for start, end in zip(starts, ends)):  # a line runs past the capacity

        def furthest(k: int) -> int:
            """The last stop a line starting at stop ``k`` can reach within the capacity,
            or the next stop when even that is too far (a run that cannot be broken)."""
            return min(max(bisect_right(at, at[k] + capacity) - 1, k + 1), last)

        # fewest[k]: the fewest lines for the text from stop k on (filling each line as far
        # as it goes is optimal); it never grows along the text, so its negation is sorted.
        fewest, reach = [1] * len(stops), last
        for k in range(last - 1, -1, -1):
            limit = at[k] + capacity
            if limit < total:  # the rest does not fit on one line
                while at[reach] > limit:  # furthest(k), found walking back: it only falls with k
                    reach -= 1
                fewest[k] = 1 + fewest[reach if reach > k else k + 1]
        not_fewer = [-n for n in fewest]
        count = max(count, fewest[0])
        starts = _nearest_shares(at, total, count, lambda start, n: (
            max(bisect_left(not_fewer, n - count), start + 1),  # the lines left can hold the rest
            furthest(start)))  # this line fits
    return [text[stops[a]:stops[b]] for a, b in zip(starts, starts[1:])] + [text[stops[starts[-1]]:]]


def _preferred_split(text: str, capacity: float, breaks: tuple[int, ...]) -> list[str] | None:
    """The fewest, then most even, lines ending only at ``breaks`` that fit ``capacity``."""
    best = None
    for count in range(1, len(breaks) + 1):
        for chosen in combinations(breaks, count):
            edges = (0, *chosen, len(text))
            lines = [text[a:b] for a, b in zip(edges, edges[1:])]
            widest = max(width(line) for line in lines)
            if widest <= capacity and (best is None or widest < best[0]):
                best = (widest, lines)
        if best:
            return best[1]
    return None


def _nearest_shares(at: list[float], total: float, count: int, bounds) -> list[int]:
    """The stop each of ``count`` lines starts at: the one nearest the line's share of
    ``total`` within ``bounds(start, n)`` (the lowest and highest stop allowed for the
    end of line n, which starts at ``start``); fewer lines when the stops run out."""
    starts = [0]
    for n in range(1, count):
        start = starts[-1]
        if start == len(at) - 1:
            break
        target = total * n / count
        low, high = bounds(start, n)
        after = bisect_left(at, target, low, high + 1)  # the first stop at or past the target
        if after > low and (after > high or target - at[after - 1] <= at[after] - target):
            after -= 1  # the one before is nearer, or as near and earlier
        starts.append(after)
    return starts


def signature_lines(profile: Profile, name: str) -> list[str]:
    """The unit's name as the signature prints it: one line, or balanced lines when it is
    wider than the text block less the signature's right space (a long 落款 wraps
    instead of running past the left margin)."""
    # room for the gaps around a number in the name (balanced_lines counts letters only)
    capacity = profile.chars_per_line - profile.signature_right_chars - profile.autospace_chars * 2
    return balanced_lines(name, capacity)


def signature_indents(profile: Profile, name: str, date: str) -> tuple[int, int]:
    """Right indents (twips) of the signature's name and date lines, per layout.md.

    The name keeps ``signature_right_chars`` of space at the right and the date
    starts ``date_offset_chars`` right of the name's start (of its widest line, when
    it wraps: :func:`signature_lines`); when that would push the date into the right
    space, the date keeps the space and the name moves left, never past the left margin.
    """
    name_w = max(width(line, profile.autospace_chars) for line in signature_lines(profile, name))
    date_w = width(date, profile.autospace_chars)
    right, offset = profile.signature_right_chars, profile.date_offset_chars
    date_right = right + name_w - offset - date_w
    name_right = right
    if date_right < right:
        date_right = right
        name_right = right + date_w + offset - name_w
    # Neither line may start left of the text block (a date no real document has).
    name_right = max(0.0, min(name_right, profile.chars_per_line - name_w))
    date_right = max(0.0, min(date_right, profile.chars_per_line - date_w))
    return round(name_right * profile.char_twips), round(date_right * profile.char_twips)


def unbreakable_width(text: str) -> float:
    """The width of the widest piece of ``text`` no line may break inside (a number such
    as 41300 or -3.5%, a Latin word): the least a table column holding it may have."""
    widest, start = 0.0, 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not (_NO_BREAK.match(text[i - 1]) and _NO_BREAK.match(text[i])):
            widest = max(widest, width(text[start:i]))
            start = i
    return widest


def _column_twips(chars: float, profile: Profile) -> float:
    """A column's width for ``chars`` table characters of text, with its slack and padding."""
    chars = max(profile.table_min_column_chars, chars) + profile.table_slack_chars
    return chars * profile.table_size_pt * 20 + 2 * profile.table_cell_margin_twips


def least_widths(table: Table, profile: Profile) -> list[float]:
    """Each column's least width (twips): its widest number or word, unbroken."""
    return [_column_twips(max(unbreakable_width(clean(cell)) for cell in column), profile)
            for column in zip(table.header, *table.rows)]


def column_needs(table: Table, profile: Profile) -> tuple[list[float], list[float]]:
    """Each column's width (twips) for its longest cell, and for its longest body cell."""

    def need(cells) -> float:
        return _column_twips(max((width(clean(cell)) for cell in cells), default=0), profile)

    wanted = [need(column) for column in zip(table.header, *table.rows)]
    floors = [need(column) for column in zip(*table.rows)] if table.rows else wanted
    return wanted, floors


def column_widths(table: Table, profile: Profile, available: int | None = None) -> list[int]:
    """Column widths in twips, filling the text width (or ``available``: a landscape page's).

    Each column wants the width of its longest cell. When all fit, the spare
    width is shared in proportion. When not, body cells (numbers, item names)
    keep their width and the header labels wrap; only when even the body cells
    cannot fit do the widest columns share what is left and wrap too, never
    narrower than their widest number or word (:func:`least_widths`), so numbers
    never break (:func:`arranged` makes tables where that fits).
    """
    available = available or profile.text_width_twips
    wanted, floors = column_needs(table, profile)
    if sum(wanted) <= available:
        widths = [w * available / sum(wanted) for w in wanted]
    elif sum(floors) <= available:
        spare = (available - sum(floors)) / (sum(wanted) - sum(floors))
        widths = [f + (w - f) * spare for w, f in zip(wanted, floors)]
    else:
        widths = _water_fill(floors, available, least_widths(table, profile))
    rounded = [round(w) for w in widths]
    rounded[-1] += available - sum(rounded)
    return rounded


def _water_fill(wanted: list[float], available: float, least: list[float]) -> list[float]:
    """Columns that fit in a fair share keep their width; the wide ones share the rest,
    each keeping at least its ``least`` width (held there while the others share)."""
    held: dict[int, float] = {}
    while True:
        free = [i for i in range(len(wanted)) if i not in held]
        if not free:
            return [held[i] for i in range(len(wanted))]
        shares = _shares([wanted[i] for i in free], available - sum(held.values()))
        short = {i for i, w in zip(free, shares) if w < least[i]}
        if not short:
            widths = dict(held)
            widths.update(zip(free, shares))
            return [widths[i] for i in range(len(wanted))]
        held.update((i, least[i]) for i in short)


def _shares(wanted: list[float], available: float) -> list[float]:
    """Columns that fit in a fair share of ``available`` keep their width; the wide ones
    share the rest in proportion to what they want."""
    widths = list(wanted)
    wide = set(range(len(wanted)))
    remaining = available
    while True:
        share = remaining / len(wide)
        narrow = {i for i in wide if wanted[i] <= share}
        if not narrow or narrow == wide:
            break
        wide -= narrow
        remaining -= sum(wanted[i] for i in narrow)
    total = sum(wanted[i] for i in wide)
    for i in wide:
        widths[i] = remaining * wanted[i] / total
    return widths


def arranged(table: Table, profile: Profile) -> list[Table]:
    """``table`` as the page can show it: as it is when it has at most
    ``table_max_columns`` columns and every number fits its column unbroken; else
    turned (its header becomes the first column: a roll-up's campuses as rows, its
    items as columns), and when that is still too wide, the turned table's columns
    cut into several tables, each repeating the first column."""
    available = profile.text_width_twips

    def fits(candidate: Table) -> bool:
        return (len(candidate.header) <= profile.table_max_columns
                and sum(least_widths(candidate, profile)) <= available)

    if fits(table) or not table.rows:
        return [table]
    columns = list(zip(table.header, *table.rows))  # the turned table's rows, header first
    labels, items = [cells[0] for cells in columns], [[cells[i] for cells in columns]
                                                      for i in range(1, len(columns[0]))]

    def part(chosen: list[list[str]]) -> Table:
        rows = [tuple([label, *(item[k] for item in chosen)]) for k, label in enumerate(labels)]
        return Table(rows[0], tuple(rows[1:]))

    parts: list[list[list[str]]] = [[]]
    for item in items:
        if parts[-1] and not fits(part([*parts[-1], item])):
            parts.append([])
        parts[-1].append(item)
    return [part(chosen) for chosen in parts]


def signature_texts(blocks) -> tuple[str, str]:
    """The 落款's widest line and its date, as :func:`signature_indents` measures them."""
    lines = [clean(p.text) for p in blocks if p.role == "signature"]
    date = next((clean(p.text) for p in blocks if p.role == "date"), "")
    return max(lines, key=width, default=""), date


def signature_block(paragraphs: list[Paragraph]) -> set[int]:
    """Paragraphs that must stay on the page of the one after them: the signature's
    lines with its date, and the body's last paragraph and the blank line with the
    signature, so that no page holds a signature without text (GB/T 9704)."""
    start = next((i for i, p in enumerate(paragraphs) if p.role == "signature"), None)
    if start is None:
        return set()
    end = start
    while end + 1 < len(paragraphs) and paragraphs[end + 1].role == "signature":
        end += 1
    keep = set(range(start, end))
    if end + 1 < len(paragraphs) and paragraphs[end + 1].role == "date":
        keep.add(end)
    before = start - 1
    while before >= 0 and paragraphs[before].role == "blank":
        keep.add(before)
        before -= 1
    if before >= 0 and paragraphs[before].role in ("body", "item"):
        keep.add(before)
    return keep


