"""A Jinja2 sandbox that also bounds time and size.

Jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` keeps templates
away from Python internals, but a template shared between schools can still
loop for hours (``range`` inside ``range``) or build a gigabyte string
(``"字" * 10**9``). :class:`LimitedSandbox` closes those doors:

* ``*`` and ``**`` are checked before they run, so a huge repetition or power is
  refused instead of computed;
* ``range`` objects a template creates are iterated through a clock: when the
  template's time is up, the loop stops with an error;
* :func:`render` streams the output and stops past :data:`MAX_OUTPUT` characters
  or :data:`MAX_SECONDS`.

Every refusal is a :class:`TemplateLimitError` with a Chinese message.
"""

from __future__ import annotations

import time
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: Characters one template may produce for one document part.
MAX_OUTPUT = 200_000
#: Seconds one template may run for one document part.
MAX_SECONDS = 2.0
#: The longest string or list a ``*`` may build.
MAX_REPEAT = 100_000


class TemplateLimitError(Exception):
    """A template went past a limit; the message is Chinese."""


class _Clock:
    deadline = float("inf")

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"模板运行超过 {MAX_SECONDS:g} 秒，已停止（可能有过大的循环）")


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


class LimitedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with time and size limits (see the module docstring)."""

    intercepted_binops = frozenset(["*", "**"])

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.clock = _Clock()

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise TemplateLimitError(f"模板中的乘方过大（**{right}），已拒绝计算")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_REPEAT:
                        raise TemplateLimitError("模板中的重复（*）会生成过长的内容，已拒绝计算")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, range):
            return _TimedRange(result, __self.clock)
        return result


def render(template: jinja2.Template, context: dict) -> str:
    """Render ``template`` within the output and time limits of its environment."""
    env = template.environment
    clock = getattr(env, "clock", None) or _Clock()
    clock.deadline = time.monotonic() + MAX_SECONDS
    parts, size = [], 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimitError(f"模板输出超过 {MAX_OUTPUT} 个字符，已停止")
            clock.check()
            parts.append(chunk)
    finally:
        clock.deadline = float("inf")
    return "".join(parts)
