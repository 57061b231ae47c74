"""Next period's forms, scaffolded from this period's: ``worksum new-term FROM TO``.

Each form of ``inputs/FROM/`` (as :func:`pipeline.workspace.discovery.forms_in` finds them) gives a
form at the same place under ``inputs/TO/``:

* identity (organization, campus, department, author) kept; ``term`` set to TO;
* ``date`` cleared, with a comment: validation says it is missing until filled;
* ``activities`` kept as a checklist, each item marked ``confirmed: 否`` (validation
  refuses the form until the person confirms or deletes each one): title, category
  and details stay, the period's own facts (date, times, participants, result) are
  emptied, each with a comment giving last period's value; an item whose name ties
  it to last period's half of the year (暑期…, 冬季…) is left out and named in a
  comment, and details speaking of that season wait, in a comment, to be rewritten;
* ``counts`` kept: last period's value moves to ``previous``, ``value`` is left
  to fill, ``note`` is emptied with a comment;
* last period's ``plans`` become this period's to-do items (named as work:
  下学期为厨房建立保养卡 → 为厨房建立保养卡), its ``shortcomings`` items to report on
  (整改：…), an incident left unresolved an item to follow up (跟进：…): each
  ``confirmed: 否`` with ``details`` to fill, never an achievement until confirmed;
* ``incidents``, ``shortcomings`` and ``plans`` are left empty, with comments;
* ``title``, ``intro``, ``closing`` and ``headings`` are kept, with last period's
  name replaced by the new one (in the spelling the form uses: 2024-2025学年度上学期,
  2024～2025学年第1学期 …, in comments too) and a comment asking to check them.

Only fields of the form contract appear, so the new form validates once the
person fills in what is marked. The YAML is edited with ruamel.yaml's
round-trip mode, so every comment of the old form survives (its period names
updated). A workbook form (pipeline.form.workbook) gives a workbook: the same
rules applied to its data (:func:`carry_over_data`), the comments written as
cell comments. An existing form, in either container, is never overwritten: it
is skipped and reported.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from pipeline.diagnostics import Diagnostic, FormError, UsageError, WorksumError, shown
from pipeline.form import container
from pipeline.form.identity import declared
from pipeline.form.model import MARKED_VALUE
from pipeline.form.periods import Term
from pipeline.workspace.discovery import forms_in
from pipeline.workspace.root import leads_out
from pipeline.workspace.write import LinkedOut

#: Where end-of-line comments start when this module adds one.
COMMENT_COLUMN = 24

#: ``confirmed`` of an activity carried over: the person confirms it was done this period.
UNCONFIRMED = "否"

#: How a comment calls the period carried over from, by the new period's kind.
_LAST = {"学期": "上学期", "学年": "上学年", "年": "上年度"}


@dataclass
class Outcome:
    """What ``new-term`` did: files written, forms skipped, problems found."""

    written: list[Path] = field(default_factory=list)
    existing: list[tuple[Path, Path]] = field(default_factory=list)  # (source form, the target's form)
    problems: list[Diagnostic] = field(default_factory=list)
    unread: list[Path] = field(default_factory=list)  # *.yml files of FROM, not read (pipeline.workspace.discovery)


def check_terms(inputs: Path, source: Term, target: Term) -> list[str]:
    """What ``new-term FROM TO`` must know before it writes: raises
    :class:`~pipeline.diagnostics.WorksumError` when there is nothing to carry over;
    returns notes (TO does not follow FROM)."""
    if source == target:
        raise UsageError(f"FROM 与 TO 是同一个学期（{source.id}）")
    if not (inputs / source.id).is_dir():
        raise WorksumError(f"没有找到 {shown(inputs / source.id)}（{source.name}的填报表应放在 "
                           f"inputs/{source.id}/<校区>/<部门>.yaml）")
    if target.previous() != source:
        return [f"注意: {target.name}的上一期是 {target.previous().id}，不是 {source.id}；"
                f"数据仍按 {source.id} 的数值写入 previous"]
    return []


def new_term(inputs: Path, source: Term, target: Term, check) -> Outcome:
    """Write ``inputs/<target>/…`` from every form of ``inputs/<source>/``.

    ``check(path)`` validates one form and returns its :class:`~pipeline.form.model.Form`,
    or raises :class:`FormError` (the caller owns config.yaml); a source form with
    errors is reported, not carried over. A campus and department that already
    has a form for ``target`` (at the same place, or anywhere under
    ``inputs/<target>/`` by what it says) is left alone.
    """
    outcome = Outcome()
    source_folder, target_folder = inputs / source.id, inputs / target.id
    taken = _forms_by_identity(target_folder)
    for path in forms_in(source_folder, outcome.unread):
        destination = target_folder / path.relative_to(source_folder)
        there = destination if destination.exists() else next(iter(container.twins(destination)), None)
        if there is not None:  # this department's form, in either container
            outcome.existing.append((path, there))
            continue
        try:
            form = check(path)
            if (form.campus, form.department) in taken:
                outcome.existing.append((path, taken[form.campus, form.department]))
                continue
            if container.is_workbook(path):
                data = carry_over_workbook(path, source, target, shown(path))
            else:
                data = carry_over(read_text(path), source, target, shown(path)).encode("utf-8")
        except FormError as exc:
            outcome.problems.extend(exc.diagnostics)
            continue
        if write_new(destination, data):
            outcome.written.append(destination)
        else:
            outcome.existing.append((path, destination))
    return outcome


def _forms_by_identity(folder: Path) -> dict[tuple[str, str], Path]:
    """(campus, department) → form, for the forms already in ``folder``."""
    from pipeline.form.container import load_form

    found: dict[tuple[str, str], Path] = {}
    for path in forms_in(folder):
        try:
            data = load_form(path).data
        except FormError:
            continue  # unreadable: it is still a file, and never overwritten
        said = declared(data)
        if said.campus and said.department:
            found.setdefault((said.campus, said.department), path)
    return found


def read_text(path: Path) -> str:
    """The form's text as the loader reads it: decoded the same way, line ends as LF, and
    without the control characters it drops (a NUL would stop ruamel). Raises FormError."""
    from pipeline.form.loader import load_file

    return load_file(path, shown(path)).text


def write_new(target: Path, data: bytes) -> bool:
    """Create ``target`` with ``data`` in one step; False (nothing written) if it exists. Raises
    OSError (:class:`~pipeline.workspace.write.LinkedOut` for a place a link takes out of the workspace)."""
    elsewhere = leads_out(target)
    if elsewhere:
        raise LinkedOut(target, elsewhere)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".worksum-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, target)  # fails if target exists: never replaces a form
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            try:
                with open(target, "xb") as handle:
                    handle.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        Path(temp).unlink(missing_ok=True)


# --- the carry-over of one form ------------------------------------------------

def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, key order and quoting survive
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a person's long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def carry_over(text: str, source: Term, target: Term, display: str = "") -> str:
    """The next period's form, as YAML text, from this period's form ``text``."""
    yaml = _yaml()
    try:
        form = yaml.load(text)
    except Exception as exc:  # noqa: BLE001 - the loader accepted it; ruamel may still refuse
        raise FormError([Diagnostic(display, 1, 1, "error", f"无法按原样改写这份填报表（{exc}）")]) from None
    if not isinstance(form, CommentedMap):
        raise FormError([Diagnostic(display, 1, 1, "error", "填报表应由“字段: 内容”组成")])
    _rename_period_in_comments(form, source, target)
    _header(form, source, target)
    _carry(form, source, target, _Comments())
    out = io.StringIO()
    yaml.dump(form, out)
    return out.getvalue()


def carry_over_data(data: dict, source: Term, target: Term) -> tuple[dict, dict[tuple, str]]:
    """The next period's form data from this period's, with the notes a YAML form gets as
    comments (path → note): :func:`carry_over`'s rules, the same code, on plain data."""
    form = copy.deepcopy(data)
    cells = _CellNotes()
    _carry(form, source, target, cells)
    return form, cells.notes


def _header(form: CommentedMap, source: Term, target: Term) -> None:
    last = _LAST[target.unit]
    lines = [f"本表由 worksum new-term 根据 {source.id}（{source.name}）的填报表生成。",
             "生成文档前请逐项核对：填写成文日期（date）和各项数据的本期数值（value）；",
             f"{last}带来的每项工作都写着“confirmed: 否”，本期做了的改为“是”并修改，没有做的删去，",
             "全部确认后才能生成文档。"]
    old = form.ca.comment[1] if form.ca.comment and len(form.ca.comment) > 1 and form.ca.comment[1] else []
    form.ca.comment = [None, [CommentToken(f"# {line}\n", CommentMark(0), None) for line in lines] + list(old)]


# --- the rules, once for both containers ------------------------------------------

class _Medium:
    """Where a carried-over form's notes go: a YAML form's comments or a workbook's cell
    comments. The rules (:func:`_carry`) say what changes and why; a medium says it in its
    container, with its words for a record (整项, 整行) and for the unconfirmed mark."""

    record = "整项"  # what the person deletes when the work was not done

    def note(self, node, key, path: tuple, text: str) -> None:
        """A note about the value at ``node[key]`` (``path`` from the form's top)."""

    def remark(self, form, key: str, *lines: str) -> None:
        """A note about a whole field or list (``form[key]``)."""

    def put(self, node, key, value, after: str | None = None) -> None:
        """Set ``node[key]``; a new key goes right after ``after`` where the medium keeps order."""
        node[key] = value

    def take(self, node, key, path: tuple, text: str) -> None:
        """Last period's value at ``node[key]`` is not this period's: it goes, and ``text`` says what it was."""

    def empty(self, form, key: str, text: str) -> None:
        """A field (or list) emptied for the person to fill in this period."""

    def prepare(self, seq) -> None:
        """Before a list is changed: what the medium must do to keep its layout (block style, trailing lines)."""

    def block(self, seq) -> None:
        """A list whose items get notes (a comment cannot sit inside a YAML [flow, list])."""

    def fresh(self, record: CommentedMap):
        """A new record as the medium holds it."""
        return {key: value for key, value in record.items() if value is not None}

    def finish(self, form, seq, key: str) -> None:
        """After a list was changed."""

    def new_list(self, form, key: str, before: tuple[str, ...]):
        form[key] = []
        return form[key]

    def list_notes(self, form, last: str, checklist: bool, follow_ups: bool, left: list[str]) -> None:
        """What the activities list now holds (last period's checklist, follow-ups, seasonal work left out)."""

    def counts_note(self, form, last: str) -> None:
        """Where last period's values went."""


class _Comments(_Medium):
    """A YAML form edited in round-trip mode: notes as comments, the form's order and blank lines kept."""

    def note(self, node, key, path, text):
        _comment(node, key, text)

    def remark(self, form, key, *lines):
        _note_before(form, key, *lines)

    def put(self, node, key, value, after=None):
        if key in node or after is None:
            node[key] = value
        else:
            node.insert(list(node).index(after) + 1 if after in node else 0, key, value)

    def take(self, node, key, path, text):
        node[key] = None
        _comment(node, key, text)

    def empty(self, form, key, text):
        tail = _take_tail(form[key])
        form[key] = None
        _comment(form, key, text)
        if tail:
            _append_to_comment(form, key, tail)

    def prepare(self, seq):
        _block_style(seq)
        self.tail = _take_tail(seq)

    def block(self, seq):
        _block_style(seq)

    def fresh(self, record):
        return record

    def finish(self, form, seq, key):
        if seq:
            _give_tail(seq, self.tail)
        else:  # every item was seasonal
            form[key] = None
            _comment(form, key, "开展的工作")
            if self.tail:
                _append_to_comment(form, key, self.tail)

    def list_notes(self, form, last, checklist, follow_ups, left):
        lines = [f"开展的工作：以下是{last}的工作清单，每项都写着“confirmed: 否”（未确认的填报表不会生成文档）。",
                 "本期做了的，改为“是”，修改做法并填写时间、次数和成效；没有做的整项删除；新的工作照格式添加。"] \
            if checklist else ["开展的工作：新的工作照格式添加。"]
        if follow_ups:
            lines.append(f"最后几项来自{last}的“打算”“不足”：落实了的改为“是”并写明做法和成效，没有落实的删去。")
        if left:
            lines.append(f"{last}的季节性工作没有带过来（本期如有同类工作请照格式添加）：{'；'.join(left)}。")
        _note_before(form, "activities", *lines)

    def counts_note(self, form, last):
        _note_before(form, "counts", f"数据：{last}的数值已移到 previous，请在 value 填写本期数值；不再统计的项目整项删除。")

    def new_list(self, form, key, before):
        seq = CommentedSeq()
        if key in form:
            form[key] = seq
        else:
            form.insert(_position_before(form, before), key, seq)
        return seq


class _CellNotes(_Medium):
    """A workbook form's data: notes as cell comments (path → note), an emptied field left out."""

    record = "整行"

    def __init__(self):
        self.notes: dict[tuple, str] = {}

    def note(self, node, key, path, text):
        self.notes[path] = text

    def remark(self, form, key, *lines):
        self.notes[(key,)] = "".join(lines).rstrip("。")

    def take(self, node, key, path, text):
        node.pop(key)
        self.notes[path] = text

    def empty(self, form, key, text):
        form.pop(key, None)

    def finish(self, form, seq, key):
        if not seq:
            form.pop(key, None)

    def list_notes(self, form, last, checklist, follow_ups, left):
        if form.get("activities"):
            self.notes[("activities",)] = "".join([
                f"以下是{last}的工作清单，“是否已确认”都是“否”（未确认的填报表不会生成文档）：本期做了的改为“是”，"
                "修改做法并填写时间、次数和成效；没有做的整行删除",
                f"。最后几项来自{last}的“打算”“不足”：落实了的改为“是”并写明做法和成效，没有落实的删去" if follow_ups else "",
                f"。{last}的季节性工作没有带过来：{'；'.join(left)}" if left else ""])

    def counts_note(self, form, last):
        self.notes[("counts",)] = f"{last}的数值已移到“上期”列，请在“数值”列填写本期数值；不再统计的项目整行删除"


def _carry(form, source: Term, target: Term, medium: _Medium) -> None:
    """Make ``form`` (this period's, a mapping) next period's, saying each change through ``medium``."""
    last = _LAST[target.unit]
    _identity(form, source, target, last, medium)
    follow_ups = _follow_ups(form, last)
    _activities(form, follow_ups, source, target, last, medium)
    _counts(form, source, last, medium)
    for key, note in (("incidents", f"{target.this}的安全事件、事故、投诉逐条填写；没有发生写 []，不填则文中不提"),
                      ("shortcomings", f"{target.this}存在的不足，期末填写，每条一行，以“- ”开头"),
                      ("plans", "今后的打算，期末填写，每条一行，以“- ”开头")):
        if key in form:
            medium.empty(form, key, note)


def _identity(form, source: Term, target: Term, last: str, medium: _Medium) -> None:
    form["term"] = int(target.id) if isinstance(form.get("term"), int) and target.end is None else target.id
    medium.note(form, "term", ("term",), target.name)
    medium.put(form, "date", None, after="term")
    medium.note(form, "date", ("date",), "成文日期，填写后再生成")
    for key, what in (("title", "标题"), ("intro", "导语"), ("closing", "结束语")):
        if isinstance(form.get(key), str) and form[key].strip():
            form[key] = _renamed(form[key], source, target)
            medium.remark(form, key, f"{last}的{what}（其中的时期名称已改为{target.name}），请核对或改写；删去则由模板生成")
    if isinstance(form.get("headings"), dict) and form["headings"]:
        for override in form["headings"].values():
            if isinstance(override, dict):
                for key in ("title", "intro"):
                    if isinstance(override.get(key), str):
                        override[key] = _renamed(override[key], source, target)
        medium.remark(form, "headings", f"{last}对标题的改写，请核对")


def _follow_ups(form, last: str) -> list[tuple[CommentedMap, str]]:
    """New work items from last period's plans, shortcomings and unresolved incidents, each
    still to be confirmed: a plan is a piece of work only once the person says it was done."""
    items: list[tuple[CommentedMap, str]] = []
    for plan in _texts(form.get("plans")):
        work = as_work(_bare(plan))
        said = "" if work == _bare(plan) else f"“{_bare(_flat(plan))}”"
        items.append((_unconfirmed(work), f"{last}的打算{said}。落实了，改为“是”并写明做法和成效；没有落实，删去整项"))
    for shortcoming in _texts(form.get("shortcomings")):
        items.append((_unconfirmed(f"整改：{_bare(shortcoming)}"),
                      f"{last}的不足。整改了，改为“是”并写明做了什么、效果如何；没有整改，删去整项"))
    for incident in form.get("incidents") or []:
        if isinstance(incident, dict) and incident.get("resolved") in (False, "否", "不", "未解决", "未处理", "false", "no"):
            record = _unconfirmed(f"跟进：{_bare(str(incident.get('description', '')))}")
            record["category"] = incident.get("category") or "safety"
            items.append((record, f"{last}未解决的事件。改为“是”并写明后来的处理结果"))
    return items


def _unconfirmed(title: str) -> CommentedMap:
    return CommentedMap([("title", title), ("confirmed", UNCONFIRMED), ("details", None)])


#: How a plan says it is still to come (下学期将…, 今后要…): not part of the work's name.
_PLAN_OPENING = re.compile(r"^(?:(?:下|新|下一)(?:学期|学年)|明年|来年|今后|下阶段|下一步|下一阶段)?[，,]?\s*"
                           r"(?:将|要|准备|计划|拟|打算)?\s*")


def as_work(plan: str) -> str:
    """A plan as the name of a piece of work: 下学期为厨房建立保养卡 → 为厨房建立保养卡."""
    return _PLAN_OPENING.sub("", plan, count=1).strip() or plan


#: Words that tie a piece of work to one half of the school year: summer-holiday work is
#: reported in the autumn term (第一学期), winter-holiday work in the spring term (第二学期).
SEASON_WORDS = {
    1: ("暑期", "暑假", "秋季", "秋游", "秋冬", "冬季", "冬令", "入冬", "防寒", "防冻", "供暖", "取暖", "采暖",
        "国庆", "中秋", "元旦", "重阳"),
    2: ("寒假", "春季", "春游", "春节", "元宵", "开春", "清明", "植树", "劳动节", "五一", "端午", "六一", "儿童节",
        "夏季", "入夏", "防暑", "降温", "防汛", "汛期", "防溺水", "梅雨", "毕业", "中考", "高考"),
}


def seasonal_words(text: str, source: Term, target: Term) -> list[str]:
    """The words of ``text`` that tie it to ``source``'s half of the year when ``target`` is the
    other half; none between a term and a school year or a year, or two terms of one half."""
    if not (source.semester and target.semester) or source.semester == target.semester:
        return []
    return [word for word in SEASON_WORDS[source.semester] if word in text]


def _activities(form, follow_ups: list[tuple[CommentedMap, str]], source: Term, target: Term,
                last: str, medium: _Medium) -> None:
    activities = form.get("activities")
    checklist = isinstance(activities, list) and len(activities) > 0
    if not checklist and not follow_ups:
        return
    if not isinstance(activities, list):
        activities = medium.new_list(form, "activities", ("counts", "incidents", "shortcomings", "plans"))
    medium.prepare(activities)
    left = _seasonal_left(activities, source, target)
    for index, activity in enumerate(activities):
        if not isinstance(activity, dict):
            continue
        medium.put(activity, "confirmed", UNCONFIRMED, after="title")
        medium.note(activity, "confirmed", ("activities", index, "confirmed"),
                    f"{last}的工作：本期也做了，改为“是”并按本期情况修改；没有做，删去{medium.record}")
        for key in ("date", "times", "participants", "result"):
            if activity.get(key) is not None:
                medium.take(activity, key, ("activities", index, key), f"{last}：{_flat(activity[key])}")
        seasonal = seasonal_words(str(activity.get("details") or ""), source, target)
        if seasonal:
            medium.take(activity, "details", ("activities", index, "details"),
                        f"{last}的做法，其中“{'、'.join(seasonal)}”是{last}的季节性内容，"
                        f"请按本期情况重写：{_flat(activity['details'])}")
    for record, note in follow_ups:
        index = len(activities)
        activities.append(medium.fresh(record))
        medium.note(record, "confirmed", ("activities", index, "confirmed"), note)
        medium.note(record, "details", ("activities", index, "details"), "写明本期的做法和成效")
    medium.finish(form, activities, "activities")
    checklist = checklist and bool(len(activities) - len(follow_ups))
    medium.list_notes(form, last, checklist=checklist or bool(follow_ups), follow_ups=bool(follow_ups), left=left)


def _seasonal_left(activities: list, source: Term, target: Term) -> list[str]:
    """Remove the activities whose names tie them to last period's season; their names."""
    left = []
    for index in reversed(range(len(activities))):
        activity = activities[index]
        if isinstance(activity, dict) and seasonal_words(str(activity.get("title") or ""), source, target):
            left.insert(0, _flat(activity["title"]))
            del activities[index]
    return left


def _counts(form, source: Term, last: str, medium: _Medium) -> None:
    counts = form.get("counts")
    if not isinstance(counts, list) or not counts:
        return
    medium.block(counts)
    for index, count in enumerate(counts):
        if not isinstance(count, dict) or "value" not in count:
            continue
        value = count["value"]
        marked = MARKED_VALUE.match(value) if isinstance(value, str) else None
        if marked:  # 100多: last period's number moves to previous; its marker was about that number
            value = float(marked.group(2)) if "." in marked.group(2) else int(marked.group(2))
        marker = count.get("approx") or (marked and (marked.group(1) or marked.group(3)))
        count["value"] = None
        medium.note(count, "value", ("counts", index, "value"), "本期数值，请填写")
        if "approx" in count:
            count["approx"] = None
            if marker:
                medium.note(count, "approx", ("counts", index, "approx"), f"{last}：{marker}；本期数值是约数时再填写")
        medium.put(count, "previous", value, after="value")
        medium.note(count, "previous", ("counts", index, "previous"),
                    f"{last}（{source.name}）的数值" + (f"，约数（{marker}）" if marker else ""))
        if count.get("note") is not None:
            medium.take(count, "note", ("counts", index, "note"), f"{last}：{_flat(count['note'])}")
    medium.counts_note(form, last)


def _block_style(node) -> None:
    """Write ``node`` in block style: a comment cannot sit inside a [flow, list]."""
    if isinstance(node, (CommentedMap, CommentedSeq)):
        node.fa.set_block_style()
        for child in (node.values() if isinstance(node, CommentedMap) else node):
            _block_style(child)


# --- the carry-over of one workbook form -----------------------------------------

def carry_over_workbook(path: Path, source: Term, target: Term, display: str = "") -> bytes:
    """The next period's workbook form from this period's workbook at ``path``.

    The rules are :func:`carry_over`'s; what the YAML form says in comments
    (last period's values, what to fill) the workbook says in cell comments.
    """
    from pipeline.form.workbook import load_workbook
    from pipeline.form.workbook_write import write_workbook

    loaded = load_workbook(path, display)
    if loaded.errors:
        raise FormError(loaded.errors)
    data, notes = carry_over_data(loaded.data, source, target)
    return write_workbook(data, notes=notes)


# --- comments --------------------------------------------------------------------

def _comment(node: CommentedMap, key: str, text: str) -> None:
    """Set the end-of-line comment of ``key``, keeping the lines that followed the old one."""
    old = node.ca.items[key][2] if key in node.ca.items else None
    following = old.value.partition("\n")[2] if old is not None else ""
    node.yaml_add_eol_comment(f"# {text}", key, column=COMMENT_COLUMN)
    token = node.ca.items[key][2]
    token.value = token.value.rstrip("\n") + "\n" + following


def _append_to_comment(node: CommentedMap, key: str, lines: str) -> None:
    token = node.ca.items[key][2]
    token.value = token.value.rstrip("\n") + "\n" + lines


def _note_before(form: CommentedMap, key: str, *lines: str) -> None:
    """Comment lines above ``key``, after any the form already has there."""
    ours = [CommentToken(f"# {line}\n", CommentMark(0), None) for line in lines]
    slot = form.ca.items.setdefault(key, [None, None, None, None])
    slot[1] = (slot[1] or []) + ours


def _last_slot(node) -> tuple[list, int] | None:
    """The comment slot after the last scalar of ``node``: where trailing lines are kept."""
    if isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        if isinstance(node[key], (CommentedMap, CommentedSeq)) and node[key]:
            return _last_slot(node[key])
        return node.ca.items.setdefault(key, [None, None, None, None]), 2
    if isinstance(node, CommentedSeq) and node:
        index = len(node) - 1
        if isinstance(node[index], (CommentedMap, CommentedSeq)) and node[index]:
            return _last_slot(node[index])
        return node.ca.items.setdefault(index, [None, None, None, None]), 0
    return None


def _take_tail(node) -> str:
    """Remove and return the lines after ``node``'s last line (blank lines, comments)."""
    slot = _last_slot(node)
    if slot is None or slot[0][slot[1]] is None:
        return ""
    token = slot[0][slot[1]]
    first, _, rest = token.value.partition("\n")
    token.value = first + "\n"
    return rest


def _give_tail(node, tail: str) -> None:
    if not tail:
        return
    slot = _last_slot(node)
    if slot is None:
        return
    items, index = slot
    if items[index] is None:
        items[index] = CommentToken("\n" + tail, CommentMark(0), None)
    else:
        items[index].value = items[index].value.rstrip("\n") + "\n" + tail


def _rename_period_in_comments(node, source: Term, target: Term) -> None:
    """Comments that name the old period (``# 2024—2025学年第一学期``) name the new one."""
    for token in _comment_tokens(node):
        token.value = _renamed(token.value, source, target, ids=True)


def _comment_tokens(node):
    if isinstance(node, (CommentedMap, CommentedSeq)):
        yield from _tokens_in(node.ca.comment)
        for slot in node.ca.items.values():
            yield from _tokens_in(slot)
        yield from _tokens_in(node.ca.end)
        for child in (node.values() if isinstance(node, CommentedMap) else node):
            yield from _comment_tokens(child)


def _tokens_in(value):
    if isinstance(value, CommentToken):
        yield value
    elif isinstance(value, list):
        for part in value:
            yield from _tokens_in(part)


# --- text ---------------------------------------------------------------------

_DASHES = "-—–－~～至到"
_SCHOOL_YEAR = re.compile(rf"(?P<y1>\d{{4}})(?P<sep>\s*年?\s*[{_DASHES}]\s*)(?P<y2>\d{{4}})(?P<mid>\s*年?\s*学年度?\s*)"
                          r"(?P<sem>第\s*[一二12１２]\s*学期|[上下]学期|[秋春]季学期)?")
_SEMESTER = {"一": 1, "1": 1, "１": 1, "上": 1, "秋": 1, "二": 2, "2": 2, "２": 2, "下": 2, "春": 2}
_SEMESTER_SPELLINGS = {"一": "一二", "二": "一二", "1": "12", "2": "12", "１": "１２", "２": "１２", "上": "上下",
                       "下": "上下", "秋": "秋春", "春": "秋春"}


def _renamed(text: str, source: Term, target: Term, ids: bool = False) -> str:
    """``text`` naming ``target`` where it named ``source``, in the text's own spelling
    (2024—2025学年第一学期, 2024-2025学年度上学期, 2024～2025学年秋季学期 …); the id
    (2024-2025-1) only if asked, and never a bare year, which a text uses for dates too."""
    def rename(match: re.Match) -> str:
        sem = match.group("sem") or ""
        mark = next((c for c in sem if c in _SEMESTER), None)
        if (int(match.group("y1")), int(match.group("y2"))) != (source.start, source.end) \
                or (_SEMESTER[mark] if mark else None) != source.semester or (sem and not target.semester):
            return match.group()  # another period, or a term named in a school year's form: left alone
        if mark:
            sem = sem.replace(mark, _SEMESTER_SPELLINGS[mark][target.semester - 1])
        return f"{target.start}{match.group('sep')}{target.end}{match.group('mid')}{sem}"

    if source.end is not None and target.end is not None:
        text = _SCHOOL_YEAR.sub(rename, text)
    text = text.replace(source.name, target.name)
    return text.replace(source.id, target.id) if ids and source.end is not None else text


def _bare(text: str) -> str:
    from pipeline.text.chinese import bare

    return bare(str(text).strip())


def _flat(value) -> str:
    """A value as one line of a comment."""
    return " ".join(str(value).split())


def _texts(value) -> list[str]:
    return [str(v) for v in value if v is not None and str(v).strip()] if isinstance(value, list) else []


def _position_before(form: CommentedMap, keys: tuple[str, ...]) -> int:
    order = list(form)
    return min((order.index(k) for k in keys if k in form), default=len(order))
