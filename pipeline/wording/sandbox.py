"""A Jinja2 sandbox that also bounds time, size and memory.

Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` keeps templates
away from Python internals, but a template shared between schools can still
loop for hours (``range`` inside ``range``, a loop over a long string), build a
gigabyte string in one step (``"字" * 10**9``, ``center(10**9)``,
``"%100000000s" % x``) or in many small ones (a string doubled in a namespace
loop). :class:`LimitedSandbox` closes those doors:

* **Size, before a step runs.** Every operator and call that can make a long
  string, list or number is checked against its inputs first (``*``, ``**``,
  ``+``, ``%``, ``~``; the ``center``, ``indent``, ``format``, ``replace``,
  ``join``, ``wordwrap``, ``batch``, ``slice`` and ``sum`` filters; the string
  methods with a width or a replacement), so the step is refused instead of
  computed.
* **Size, after every step.** Every filter, method call, operator and ``~``
  gives a string or list of at most :data:`MAX_SIZE` items, so nothing grows
  past it by repetition either.
* **Time and memory, wherever the template runs.** :func:`render` arms a timer
  that interrupts the template (loops, filters, macros: any Python code it
  runs) once :data:`MAX_SECONDS` have passed or the process has grown by
  :data:`MAX_MEMORY` bytes. Where no timer can be armed (not the main thread,
  no SIGALRM), ``range`` loops check a clock instead.
* :func:`render` streams the output and stops past :data:`MAX_OUTPUT` characters.

Every refusal is a :class:`TemplateLimitError` with a Chinese message; the
traceback still points at the template line that ran (see
:mod:`pipeline.wording.template_errors`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import string
import threading
import time
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline.workspace.reading import read_capped, reason
from pipeline.workspace.templatesets import BUILTIN_PREFIX, TEMPLATE_BYTES, builtin_sets

#: Characters one template may produce for one document part.
MAX_OUTPUT = 200_000
#: The longest string or list (characters or items) any one step of a template may make.
MAX_SIZE = 200_000
MAX_REPEAT = MAX_SIZE  # the name older code and tests know
#: The largest whole number a template may compute, in bits (about 4000 decimal digits).
MAX_INT_BITS = 13_000
#: Seconds one template may run for one document part.
MAX_SECONDS = 2.0
#: Bytes the process may grow by while one template runs.
MAX_MEMORY = 512 * 1024 * 1024
#: How often the timer looks at the clock and the memory (seconds).
TICK = 0.02
#: Answers of "may a template read this attribute" an environment keeps (see LimitedSandbox.is_safe_attribute).
SAFE_ANSWERS = 4096


class TemplateLimitError(Exception):
    """A template went past a limit; the message is Chinese."""



class TemplateFileError(Exception):
    """A template file that cannot be read as a template: where, and why in Chinese."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


class TemplateFiles(jinja2.FileSystemLoader):
    """Template files read as UTF-8, with a size limit and a Chinese message naming the
    file (and the line of the first byte that is not UTF-8, as a GBK-saved file has).

    A name under ``内置/`` (``{% extends "内置/default/opening.j2" %}``) is the shipped file
    itself, whatever the workspace overrides: a set that extends the built-in base sentence
    gets that base, not a school's older copy of it that has no blocks to fill."""

    def find(self, environment, template) -> str:
        """The file ``template`` is read from (raises TemplateNotFound), without reading it."""
        return _found(self, environment, template)[1]

    def get_source(self, environment, template):
        _, filename, uptodate = _found(self, environment, template)
        try:
            raw = read_capped(filename, TEMPLATE_BYTES)
        except OSError as exc:
            raise TemplateFileError(filename, 1, f"无法读取模板：{reason(exc)}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise TemplateFileError(filename, line, "模板文件不是 UTF-8 编码（可能是 GBK）；"
                                    "请用记事本或 WPS“另存为”并选择 UTF-8 编码") from None
        return text, filename, uptodate


def _found(loader: jinja2.FileSystemLoader, environment, template):
    """Where FileSystemLoader finds ``template``, without reading it (it raises TemplateNotFound)."""
    pieces = jinja2.loaders.split_template_path(template)
    folders = loader.searchpath
    if len(pieces) > 1 and pieces[0] == BUILTIN_PREFIX:
        pieces, folders = pieces[1:], [str(builtin_sets())]
    for folder in folders:
        filename = os.path.normpath(os.path.join(folder, *pieces))
        if os.path.isfile(filename):
            mtime = os.path.getmtime(filename)
            return None, filename, lambda: _unchanged(filename, mtime)
    raise jinja2.TemplateNotFound(template)


def _unchanged(filename: str, mtime: float) -> bool:
    try:
        return os.path.getmtime(filename) == mtime
    except OSError:
        return False


def _too_long(what: str) -> TemplateLimitError:
    return TemplateLimitError(f"模板中的{what}会生成过长的内容（超过 {MAX_SIZE} 个字符或项），已拒绝计算")


def _timeout() -> TemplateLimitError:
    return TemplateLimitError(f"模板运行超过 {MAX_SECONDS:g} 秒，已停止（可能有过大的循环）")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


_SIZED = (str, list, tuple, dict, set, frozenset, bytes)


def _check_result(value: Any, what: str) -> Any:
    kind = type(value)
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError(f"模板中的{what}算出的数字过大，已拒绝计算")
    elif isinstance(value, _SIZED) and len(value) > MAX_SIZE:
        raise _too_long(what)
    return value


def _text_length(value: Any) -> int:
    """How long ``value`` is as text, without making huge text of a huge number."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2
    return len(str(value))


# --- format strings ------------------------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _percent_length(fmt: str, args: Any) -> int:
    """An upper bound of the length of ``fmt % args``."""
    values = list(args.values()) if isinstance(args, dict) else list(args) if isinstance(args, tuple) else [args]
    longest = max((_text_length(v) for v in values), default=0)
    total = len(fmt)
    for match in _PERCENT_SPEC.finditer(fmt):
        for number in match.group(1, 2):
            if number == "*":
                total += max((v for v in values if isinstance(v, int)), default=0)
            elif number:
                total += int(number) if len(number) < 12 else MAX_SIZE + 1
        total += longest
    return total


def _format_length(fmt: str, args: tuple, kwargs: dict) -> int:
    """An upper bound of the length of ``fmt.format(*args, **kwargs)``."""
    values = list(args) + list(kwargs.values())
    longest = max((_text_length(v) for v in values), default=0)
    total = len(fmt)
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return total  # str.format will say what is wrong
    for _literal, name, spec, _conversion in fields:
        if name is None:
            continue
        total += longest + sum(int(n) if len(n) < 12 else MAX_SIZE + 1 for n in re.findall(r"\d+", spec or ""))
    return total


def _width(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --- what a step would make, estimated from its inputs ---------------------------

def _binop_estimate(operator: str, left: Any, right: Any) -> None:
    """Refuse ``left <operator> right`` when it would make something too large."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if _size(seq) and isinstance(times, int) and _size(seq) * times > MAX_SIZE:
                raise TemplateLimitError("模板中的重复（*）会生成过长的内容，已拒绝计算")
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise TemplateLimitError("模板中的乘法算出的数字过大，已拒绝计算")
    elif operator == "**":
        if isinstance(right, (int, float)) and isinstance(left, (int, float)) and abs(left) > 1:
            bits = max(abs(left), 2).bit_length() if isinstance(left, int) else 64
            if right * bits > MAX_INT_BITS:
                raise TemplateLimitError(f"模板中的乘方过大（**{right}），已拒绝计算")
    elif operator == "+":
        if _size(left) and _size(right) and _size(left) + _size(right) > MAX_SIZE:
            raise _too_long("拼接（+）")
    elif operator == "%" and isinstance(left, str):
        if _percent_length(left, right) > MAX_SIZE:
            raise _too_long("格式化（%）")


def _method_estimate(method: Any, args: tuple, kwargs: dict) -> None:
    """Refuse a string method call that would make something too large."""
    method = getattr(method, "__wrapped__", method)  # str.format comes wrapped by the sandbox
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("center", "ljust", "rjust", "zfill") and args and _width(args[0]) > MAX_SIZE:
        raise _too_long(f"方法 {name}() 的宽度")
    elif name == "expandtabs":
        tab = _width(args[0] if args else kwargs.get("tabsize", 8))
        if tab * owner.count("\t") + len(owner) > MAX_SIZE:
            raise _too_long("方法 expandtabs()")
    elif name == "replace" and len(args) >= 2:
        _replace_estimate(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and args:
        _join_estimate(owner, args[0])
    elif name in ("format", "format_map"):
        values = args[0] if name == "format_map" and args else kwargs
        if _format_length(owner, args if name == "format" else (), dict(values) if isinstance(values, dict) else {}) > MAX_SIZE:
            raise _too_long("格式化（format）")


def _replace_estimate(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * max(len(new) - len(old), 0) > MAX_SIZE:
        raise _too_long("替换（replace）")


def _join_estimate(separator: Any, items: Any) -> None:
    if not isinstance(items, (list, tuple, str, dict, set, frozenset, range)):
        return  # a generator: its items are checked as they are made, the result afterwards
    total = sum(_text_length(item) for item in items) + _text_length(separator) * max(len(items) - 1, 0)
    if total > MAX_SIZE:
        raise _too_long("连接（join）")


def _filter_estimate(name: str, args: tuple, kwargs: dict) -> None:
    """Refuse a filter call (``args[0]`` is the value filtered) that would make something too large."""
    value = args[0] if args else None
    rest = args[1:]

    def arg(position: int, keyword: str, default: Any = None) -> Any:
        return rest[position] if len(rest) > position else kwargs.get(keyword, default)

    if name == "center":
        if _width(arg(0, "width", 80)) > MAX_SIZE:
            raise _too_long("过滤器 center 的宽度")
    elif name == "indent":
        width = arg(0, "width", 4)
        step = _width(width) if not isinstance(width, str) else len(width)
        if step * (str(value).count("\n") + 1) + _text_length(value) > MAX_SIZE:
            raise _too_long("过滤器 indent 的缩进")
    elif name == "format" and isinstance(value, str):
        if _percent_length(value, dict(kwargs) if kwargs else tuple(rest)) > MAX_SIZE:
            raise _too_long("格式化（format）")
    elif name == "replace":
        _replace_estimate(str(value), arg(0, "old"), arg(1, "new"), arg(2, "count", -1) or -1)
    elif name == "join":
        _join_estimate(arg(0, "d", ""), value)
    elif name == "wordwrap":
        width = max(_width(arg(0, "width", 79)), 1)
        wrap = arg(3, "wrapstring") or "\n"
        if (_text_length(value) // width + 1) * _text_length(wrap) + _text_length(value) > MAX_SIZE:
            raise _too_long("过滤器 wordwrap 的换行")
    elif name == "batch":
        if _width(arg(0, "linecount", 1)) > MAX_SIZE:
            raise _too_long("过滤器 batch 的分组")
    elif name == "slice":
        if _width(arg(0, "slices", 1)) > MAX_SIZE:
            raise _too_long("过滤器 slice 的分组")
    elif name == "tojson":
        indent = arg(0, "indent")
        if _width(indent) > 100 or (isinstance(indent, str) and len(indent) > 100):
            raise _too_long("过滤器 tojson 的缩进")
    elif name == "sum" and isinstance(value, (list, tuple)):
        start = arg(1, "start", 0)
        if _size(start) or any(_size(v) for v in value):
            if _size(start) + sum(_size(v) for v in value) > MAX_SIZE:
                raise _too_long("求和（sum）")


#: The filters whose result can be much larger than their input: estimated before they run.
_ESTIMATED = frozenset(["center", "indent", "format", "replace", "join", "wordwrap", "batch", "slice", "sum",
                        "tojson"])


def _limited_filter(name: str, function: Any) -> Any:
    """``function`` with its result checked, and estimated first when it can grow much (every
    other filter makes at most a few times its input: checking the result stops repetition)."""
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0  # the context or environment
    what = f"过滤器 {name} 的结果"
    if name in _ESTIMATED:
        @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
        def limited(*args: Any, **kwargs: Any) -> Any:
            _filter_estimate(name, args[skip:], kwargs)
            return _check_result(function(*args, **kwargs), what)
    else:
        @functools.wraps(function)
        def limited(*args: Any, **kwargs: Any) -> Any:
            return _check_result(function(*args, **kwargs), what)
    return limited


# --- time and memory ---------------------------------------------------------------

class _Clock:
    """The deadline of the template running now, checked by ``range`` loops (see :class:`_TimedRange`)."""

    deadline = float("inf")

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise _timeout()


class _TimedRange:
    """A range iterated under the template's clock."""

    def __init__(self, values: range, clock: _Clock):
        self.values, self.clock = values, clock

    def __iter__(self):
        for count, value in enumerate(self.values):
            if count % 1024 == 0:
                self.clock.check()
            yield value

    def __len__(self) -> int:
        return len(self.values)


_statm: tuple[int, int] | None = None  # (process id, open /proc/self/statm): read twice per render


def _resident_bytes() -> int | None:
    """The process's resident memory now, where the system says (Linux); else None."""
    global _statm
    try:
        if _statm is None or _statm[0] != os.getpid():  # a forked worker opens its own
            _statm = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY))
        return int(os.pread(_statm[1], 128, 0).split()[1]) * _PAGE
    except (OSError, ValueError, IndexError, AttributeError):
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Watch:
    """Interrupts the running template when its time is up or the process has grown too much.

    A timer signal (SIGALRM) runs :meth:`tick` between any two steps of Python
    code, so a loop the template writes cannot outrun it, whatever it loops
    over. Only possible in the main thread of a process that has the signal.
    """

    def __init__(self, clock: _Clock):
        self.clock = clock
        self.armed = False
        self.baseline: int | None = None
        self.previous: Any = None

    def __enter__(self) -> "_Watch":
        if (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
                and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)):
            self.baseline = _resident_bytes()
            self.previous = signal.signal(signal.SIGALRM, self._tick)
            self.armed = True
            signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
        return self

    def _tick(self, _number: int, _frame: Any) -> None:
        if not self.armed:
            return
        if time.monotonic() > self.clock.deadline:
            self._stop()
            raise _timeout()
        if self.baseline is not None:
            now = _resident_bytes()
            if now is not None and now - self.baseline > MAX_MEMORY:
                self._stop()
                raise TemplateLimitError(f"模板占用的内存超过 {MAX_MEMORY // 1024 // 1024} MB，已停止")

    def _stop(self) -> None:
        if self.armed:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, self.previous if self.previous is not None else signal.SIG_DFL)

    def __exit__(self, *exc: Any) -> None:
        self._stop()


#: The watch :func:`watching` armed for a whole document: each render under it only sets its
#: clock and memory baseline, instead of arming and disarming a timer (five system calls) itself.
_armed: _Watch | None = None


@contextlib.contextmanager
def watching(env: jinja2.Environment):
    """Arm the timer once for every template rendered with ``env`` inside the block (one document's
    parts): the limits of each render stay its own; between renders nothing is watched."""
    global _armed
    if _armed is not None and _armed.armed:
        yield  # already watched (a roll-up wording its campuses' parts)
        return
    watch = _Watch(getattr(env, "clock", None) or _Clock())
    with watch:
        watch.baseline = None  # no render running yet: nothing to measure growth from
        _armed = watch if watch.armed else None
        try:
            yield
        finally:
            _armed = None


@contextlib.contextmanager
def _watched(clock: _Clock):
    """The timer for one render: the document's (see :func:`watching`) when armed, else its own."""
    watch = _armed
    if watch is not None and watch.armed and threading.current_thread() is threading.main_thread():
        watch.clock, watch.baseline = clock, _resident_bytes()
        try:
            yield
        finally:
            watch.baseline = None
    else:
        with _Watch(clock):
            yield


# --- the environment ------------------------------------------------------------------

class _LimitedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a call the environment checks, like the other operators."""

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            super().visit_Concat(node, frame)
            return
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with time, size and memory limits (see the module docstring)."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.clock = _Clock()
        self.found: dict[str, bool] = {}  # template name → whether a file has it (summary.Writer.exists)
        self.filters = _LimitedFilters(self.filters)
        self.globals.pop("lipsum", None)  # placeholder text, as long as asked for: no use in a summary
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, kept per type and attribute name.

        A template reads a few dozen attributes (``activity.title``) for every document; Jinja's
        checks (underscores, internal attributes of functions, methods, frames, generators; methods
        that modify lists, dicts, sets) depend on nothing but the object's type and the name, so each
        pair is asked once. An object whose ``__class__`` is not its type is asked every time.
        """
        kind = type(obj)
        known = self._safe.get((kind, attr))
        if known is None:
            known = super().is_safe_attribute(obj, attr, value)
            if len(self._safe) < SAFE_ANSWERS and getattr(obj, "__class__", None) is kind:
                self._safe[(kind, attr)] = known
        return known

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _binop_estimate(operator, left, right)
        return _check_result(super().call_binop(context, operator, left, right), f"运算（{operator}）")

    def concat(self, parts: tuple) -> str:
        texts = [str(part) for part in parts]
        if sum(map(len, texts)) > MAX_SIZE:
            raise _too_long("拼接（~）")
        return "".join(texts)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        _method_estimate(__obj, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, range):
            return _TimedRange(result, __self.clock)
        return _check_result(result, f"调用 {getattr(__obj, '__name__', '函数')}() 的结果")


class _LimitedFilters(dict):
    """The environment's filters, each wrapped in the size checks as it is added."""

    def __init__(self, filters: dict):
        super().__init__()
        self.update(filters)

    def __setitem__(self, name: str, function: Any) -> None:
        super().__setitem__(name, _limited_filter(name, function))

    def update(self, *others: Any, **more: Any) -> None:
        for name, function in dict(*others, **more).items():
            self[name] = function


def render(template: jinja2.Template, context: dict) -> str:
    """Render ``template`` within the output, size, time and memory limits of its environment."""
    env = template.environment
    clock = getattr(env, "clock", None) or _Clock()
    clock.deadline = time.monotonic() + MAX_SECONDS
    parts, size = [], 0
    try:
        with _watched(clock):
            for chunk in template.generate(context):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise TemplateLimitError(f"模板输出超过 {MAX_OUTPUT} 个字符，已停止")
                clock.check()
                parts.append(chunk)
    except MemoryError as exc:
        limit = TemplateLimitError("模板占用的内存过多，已停止")
        raise limit.with_traceback(exc.__traceback__) from None
    finally:
        clock.deadline = float("inf")
    return "".join(parts)
