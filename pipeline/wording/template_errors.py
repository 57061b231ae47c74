"""Errors in a template, said in Chinese at the template's file and line.

A template is written by a school's staff, not by us: when one is wrong, the
message must name the template file and the line to fix, say what is wrong in
words its author knows, and suggest the nearest valid name for a misspelt
variable, field or filter. Three kinds of error exist:

* syntax errors (an unclosed ``{% if %}``, an unknown filter), found when the
  template is compiled; Jinja2 knows the file and line;
* undefined names (``{{ departmnet }}``, ``{{ activity.titel }}``), found when
  it runs (the environment uses ``StrictUndefined``);
* anything else that fails while it runs (a division by zero, a filter given
  the wrong kind of value, something the sandbox forbids, a limit of
  :mod:`pipeline.wording.sandbox`); Jinja2 rewrites the traceback so its frames point at
  template lines, and the deepest one is the line that failed.
"""

from __future__ import annotations

import dataclasses
import re
import traceback
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from pipeline.diagnostics import Diagnostic, shown
from pipeline.text.suggest import did_you_mean

#: How the objects a template sees are called in the templates (docs/模板编写指南.md).
_OBJECT_NAMES = {"Summary": "summary", "Section": "section", "Activity": "activity", "Figure": "figure",
                 "Incident": "incident", "Term": "period", "DateSpan": "date（日期范围）", "date": "date（日期）"}


def diagnostic(exc: BaseException, name: str, context: dict[str, Any] | None = None) -> Diagnostic:
    """A Chinese diagnostic for ``exc``, raised while rendering the template ``name``."""
    from pipeline.wording.sandbox import TemplateFileError

    if isinstance(exc, TemplateFileError):
        return Diagnostic(shown(exc.path), exc.line, 1, "error", exc.message)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = exc.filename or name
        return Diagnostic(shown(path), exc.lineno or 1, 1, "error", "模板语法错误：" + syntax_message(exc.message or ""))
    path, line = _failing_line(exc, name)
    return Diagnostic(shown(path), line, 1, "error", runtime_message(exc, context or {}))


def _failing_line(exc: BaseException, name: str) -> tuple[str, int]:
    """The deepest template frame of the traceback: the file and line that failed."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return frames[-1].filename, frames[-1].lineno or 1
    return name, 1


# --- syntax ----------------------------------------------------------------

def _tags(text: str) -> list[str]:
    return re.findall(r"'(\w+)'", text)


def syntax_message(message: str) -> str:
    """Jinja2's compile-time message, in Chinese; the original kept when not recognised."""
    from pipeline.wording.filters import FILTERS

    match = re.match(r"No filter named '([^']+)'", message)
    if match:
        wanted = match.group(1)
        known = sorted(set(FILTERS) | set(jinja2.defaults.DEFAULT_FILTERS))
        return _with_choices(f"没有名为“{wanted}”的过滤器", _suggest(wanted, known), "worksum 的过滤器", list(FILTERS))
    match = re.match(r"No test named '([^']+)'", message)
    if match:
        return f"没有名为“{match.group(1)}”的判断（is 后面的名称）"
    match = re.match(r"Unexpected end of template\. Jinja was looking for the following tags: (.*?)\."
                     r"(?: The innermost block that needs to be closed is '(\w+)'\.)?$", message)
    if match:
        wanted = _tags(match.group(1))
        block = match.group(2)
        end = next((t for t in wanted if t.startswith("end")), wanted[-1] if wanted else "")
        return (f"模板已经结束，但 {{% {block} %}} 块还没有结束，缺少 {{% {end} %}}" if block
                else f"模板已经结束，缺少 {{% {end} %}}")
    match = re.match(r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.*?)\."
                     r"(?: The innermost block that needs to be closed is '(\w+)'\.)?$", message)
    if match:
        found, wanted, block = match.group(1), _tags(match.group(2)), match.group(3)
        end = next((t for t in wanted if t.startswith("end")), wanted[0] if wanted else "")
        return (f"这里的 {{% {found} %}} 不对：正在结束的是 {{% {block} %}} 块，应写 {{% {end} %}}" if block
                else f"这里的 {{% {found} %}} 不对，应为 {'、'.join('{% ' + t + ' %}' for t in wanted)}")
    match = re.match(r"Encountered unknown tag '(\w+)'\.$", message)
    if match:
        tag = match.group(1)
        if tag.startswith("end"):
            return f"多余的 {{% {tag} %}}：前面没有与它对应的 {{% {tag[3:]} %}}"
        return f"未知的标签 {{% {tag} %}}；常用的标签有 if、elif、else、for、set"
    if message.startswith("unexpected end of template"):
        return "模板意外结束：有 {{ 或 {% 没有闭合"
    match = re.match(r"unexpected '(.+?)'(?:, expected '(.+?)')?$", message)
    if match:
        found, expected = match.group(1), match.group(2)
        if found == "}":
            return "多余或不成对的“}”；变量写作 {{ 名称 }}，标签写作 {% 标签 %}"
        if found.startswith("end of"):
            return "{{ }} 或 {% %} 中的表达式没有写完"
        return f"这里不应出现“{found}”" + (f"，应为“{expected}”" if expected else "")
    match = re.match(r"expected token '(.+?)', got '(.+?)'", message)
    if match:
        return f"这里应为“{match.group(1)}”，却是“{match.group(2)}”"
    if message.startswith("Expected an expression"):
        return "标签中缺少表达式（如 {% if %} 后面没有写条件）"
    return f"{message}"


# --- runtime ---------------------------------------------------------------

def runtime_message(exc: BaseException, context: dict[str, Any]) -> str:
    from pipeline.wording.sandbox import TemplateLimitError

    if isinstance(exc, TemplateLimitError):
        return str(exc)  # already Chinese
    if isinstance(exc, jinja2.UndefinedError):
        return "模板中使用了不存在的变量或字段：" + _undefined(exc.message or "", context)
    if isinstance(exc, SecurityError):
        return f"模板试图访问不允许的内容（{exc}）；模板只能读取变量和字段，不能调用修改数据的方法或访问内部属性"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"找不到模板 {exc.name}（include、import 或 extends 中的名称要与模板文件名一致）"
    if isinstance(exc, jinja2.TemplateRuntimeError) and "No filter named" in str(exc):
        return "模板语法错误：" + syntax_message(str(exc))
    if isinstance(exc, RecursionError):
        return "模板运行出错：模板直接或间接地包含了自己，陷入了无限循环"
    if isinstance(exc, OverflowError) and "range" in str(exc).lower():
        return "模板运行出错：range() 的范围过大（沙箱最多允许 100000）"
    if isinstance(exc, ZeroDivisionError):
        return "模板运行出错：除数为零"
    if isinstance(exc, (TypeError, AttributeError)):
        return f"模板运行出错：值的类型不匹配，例如把文字和数字相加，或把过滤器用在了不合适的值上（{exc}）"
    return f"模板运行出错（{type(exc).__name__}: {exc}）"


def _undefined(message: str, context: dict[str, Any]) -> str:
    match = re.match(r"'(.+)' is undefined$", message)
    if match:
        wanted = match.group(1)
        names = sorted(context)
        return _with_choices(f"没有变量“{wanted}”", _suggest(wanted, names), "本模板可用的变量", names)
    match = re.match(r"'(.+?) object' has no attribute '(.+)'$", message)
    if match:
        type_name, wanted = match.group(1).rsplit(".", 1)[-1], match.group(2)
        if type_name == "dict":
            return f"没有“{wanted}”这一项"
        fields = _attributes(type_name)
        shown_name = _OBJECT_NAMES.get(type_name, type_name)
        return _with_choices(f"{shown_name} 没有字段“{wanted}”", _suggest(wanted, fields), "它的字段", fields)
    return message


def _attributes(type_name: str) -> list[str]:
    """The public fields and properties of the object type a template was given."""
    from pipeline.document.assemble import Section, Summary
    from pipeline.form.fields import DateSpan
    from pipeline.form.model import Activity, Figure, Incident
    from pipeline.form.periods import Term

    known = {cls.__name__: cls for cls in (Summary, Section, Activity, Figure, Incident, Term, DateSpan)}
    cls = known.get(type_name)
    if cls is None:
        return []
    if hasattr(cls, "model_fields"):
        names = list(cls.model_fields)
    elif dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
    else:
        names = []
    names += [n for n, v in vars(cls).items() if not n.startswith("_") and isinstance(v, property)]
    names += [n for n, v in vars(cls).items()
              if not n.startswith("_") and callable(v) and not isinstance(v, (classmethod, staticmethod))]
    return list(dict.fromkeys(names))


def _with_choices(problem: str, suggestion: str, label: str, choices: list[str]) -> str:
    """'没有变量“x”，是否应为“y”？本模板可用的变量：…' (no '；' after a question mark)."""
    if not choices:
        return problem + suggestion
    return problem + (suggestion or "；") + f"{label}：{'、'.join(choices)}"


def _suggest(word: str, choices: list[str]) -> str:
    return did_you_mean(word, choices, quotes="“”", cutoff=0.6)  # prose, as template authors read it
