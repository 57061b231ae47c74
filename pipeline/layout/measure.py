"""Measuring text on the page: widths in characters, balanced title lines, signature
indents, table column widths. Pure functions of text and the profile."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate, combinations

from pipeline.document.manuscript import Paragraph, Table
from pipeline.layout.profile import Profile
from pipeline.text.characters import NOT_TEXT

#: Characters Word cannot store (python-docx raises on them); pasted text brings them.


#: Where a title may not wrap: inside a run of Latin letters, digits and dashes (2024—2025).
_NO_BREAK = re.compile(r"[0-9A-Za-z\u2014\-—.]")


#: Where Chinese meets a digit or Latin letter (either way round); lookahead so neighbours overlap.
_SCRIPT_CHANGE = re.compile(r"(?=[0-9A-Za-z][\u2e80-\u9fff]|[\u2e80-\u9fff][0-9A-Za-z])")


def clean(text: str) -> str:
    """``text`` without the characters Word cannot store."""
    return NOT_TEXT.sub("", text)


def width(text: str, autospace: float = 0.0) -> float:
    """Width in body characters: CJK and full-width count 1, Latin and digits ½.

    ``autospace`` is added wherever Chinese meets a digit or Latin letter, the
    gap word processors put there (see ``Profile.autospace_chars``).
    """
    letters = sum(0.5 if ord(ch) < 0x2000 else 1.0 for ch in text)
    return letters + autospace * len(_SCRIPT_CHANGE.findall(text))


def balanced_lines(text: str, capacity: float, preferred: tuple[int, ...] = ()) -> list[str]:
    """Split a title into the fewest lines that fit ``capacity``, as even as possible.

    ``preferred`` breaks (where the wording put the parts of a title: unit,
    period and subject) win whenever lines ending only there fit: the most even
    such split is taken. Otherwise, or when ``text`` was cleaned and the offsets
    no longer apply, the general rule below decides.

    Breaks never fall inside a run of digits, Latin letters or dashes. Each line
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
    preferred = tuple(b for b in preferred if 0 < b < len(text))
    if preferred and len(preferred) <= 8:
        chosen = _preferred_split(text, capacity, preferred)
        if chosen:
            return chosen
    # stops: where a line may start (0 and every allowed break), with the width before each
    stops = [0, *(i for i in range(1, len(text))
                  if not (_NO_BREAK.match(text[i - 1]) and _NO_BREAK.match(text[i])))]
    upto = list(accumulate((0.5 if ord(ch) < 0x2000 else 1.0 for ch in text), initial=0.0))
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


def signature_indents(profile: Profile, name: str, date: str) -> tuple[int, int]:
    """Right indents (twips) of the signature's name and date lines, per layout.md.

    The name keeps ``signature_right_chars`` of space at the right and the date
    starts ``date_offset_chars`` right of the name's start; when that would push
    the date into the right space, the date keeps the space and the name moves left.
    """
    name_w, date_w = width(name, profile.autospace_chars), width(date, profile.autospace_chars)
    right, offset = profile.signature_right_chars, profile.date_offset_chars
    date_right = right + name_w - offset - date_w
    name_right = right
    if date_right < right:
        date_right = right
        name_right = right + date_w + offset - name_w
    return round(name_right * profile.char_twips), round(date_right * profile.char_twips)


def column_widths(table: Table, profile: Profile) -> list[int]:
    """Column widths in twips, filling the text width.

    Each column wants the width of its longest cell. When all fit, the spare
    width is shared in proportion. When not, body cells (numbers, item names)
    keep their width and the header labels wrap; only when even the body cells
    cannot fit do the widest columns share what is left and wrap too.
    """
    available = profile.text_width_twips
    char = profile.table_size_pt * 20
    padding = 2 * profile.table_cell_margin_twips

    def need(cells) -> float:
        longest = max((width(clean(cell)) for cell in cells), default=0)
        return (max(profile.table_min_column_chars, longest) + profile.table_slack_chars) * char + padding

    wanted = [need(column) for column in zip(table.header, *table.rows)]
    floors = [need(column) for column in zip(*table.rows)] if table.rows else wanted
    if sum(wanted) <= available:
        widths = [w * available / sum(wanted) for w in wanted]
    elif sum(floors) <= available:
        spare = (available - sum(floors)) / (sum(wanted) - sum(floors))
        widths = [f + (w - f) * spare for w, f in zip(wanted, floors)]
    else:
        widths = _water_fill(floors, available)
    rounded = [round(w) for w in widths]
    rounded[-1] += available - sum(rounded)
    return rounded


def _water_fill(wanted: list[float], available: float) -> list[float]:
    """Columns that fit in a fair share keep their width; the wide ones share the rest."""
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


def signature_block(paragraphs: list[Paragraph]) -> set[int]:
    """Paragraphs that must stay on the page of the one after them: the signature
    with its date, and the body's last paragraph and the blank line with the
    signature, so that no page holds a signature without text (GB/T 9704)."""
    start = next((i for i, p in enumerate(paragraphs) if p.role == "signature"), None)
    if start is None:
        return set()
    keep = {start} if start + 1 < len(paragraphs) and paragraphs[start + 1].role == "date" else set()
    before = start - 1
    while before >= 0 and paragraphs[before].role == "blank":
        keep.add(before)
        before -= 1
    if before >= 0 and paragraphs[before].role in ("body", "item"):
        keep.add(before)
    return keep
