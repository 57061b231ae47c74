"""The ``worksum`` command: wires the pipeline's stages to the command line.

Messages for people are Chinese and go to standard error as
``file:line:col: 错误: …``; the files written go to standard output. Exit
status: 0 done, 1 a form or config.yaml had errors, 2 wrong usage (click),
3 an internal error (a bug: please report it), 128 + the signal's number when
stopped: 130 Ctrl-C (SIGINT), 143 ``kill`` (SIGTERM), 129 a closed terminal (SIGHUP).

Heavy libraries (python-docx, jieba, Jinja2) are imported inside the commands
that need them, so ``worksum --help`` and ``worksum validate`` start fast.
"""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from pipeline import __version__
from pipeline.diagnostics import (
    EXIT_BUG,
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    WorksumError,
    shown,
    signal_status,
)
from pipeline.progress import silence_stdout
from pipeline.workspace.write import describe


def _say(message: str) -> None:
    click.echo(message, err=True)


def _bug(exc: BaseException, what: str) -> None:
    """An unexpected exception is a bug; say so plainly (set WORKSUM_DEBUG=1 for the trace)."""
    if os.environ.get("WORKSUM_DEBUG"):
        raise exc
    _say(f"{what}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{type(exc).__name__}: {exc}")


@contextmanager
def _reporting(what: str, *, kept_note: bool = False):
    """Turn what a command meets into cli.md's messages and exit statuses.

    A :class:`~pipeline.diagnostics.WorksumError` (a form's diagnostics, a refused
    path, a missing program…): its lines, and its exit status. A failed write:
    its reason in Chinese, exit 1 (``kept_note``: say the earlier document is
    untouched). Anything else is a bug: one line, exit 3.
    """
    try:
        yield
    except WorksumError as exc:
        for line in exc.lines():
            _say(line)
        sys.exit(exc.exit_code)
    except OSError as exc:
        where = f" {shown(exc.filename)}" if exc.filename else ""
        _say(f"{what}: 错误: 无法写入{where}：{describe(exc)}" + ("；原有文档未被改动" if kept_note else ""))
        sys.exit(EXIT_ERRORS)
    except Exception as exc:  # noqa: BLE001 - a bug, reported as such
        _bug(exc, what)
        sys.exit(EXIT_BUG)


# --- usage errors, said in Chinese -----------------------------------------------------

#: click's words for a value its types refuse, and what they say in Chinese.
_VALUE_PROBLEMS = [
    (re.compile(r"'?(.*?)'? is not a valid integer"), "“{0}”不是整数"),
    (re.compile(r"'?(.*?)'? is not a valid float"), "“{0}”不是数字"),
    (re.compile(r"(.*) is not in the range (.*)\."), "{0} 超出了允许的范围（{1}）"),
    (re.compile(r"(?:File|Path|Directory) '(.*)' does not exist"), "“{0}”不存在"),
    (re.compile(r"(?:File|Path) '(.*)' is a directory"), "“{0}”是文件夹，这里要一个文件"),
    (re.compile(r"Directory '(.*)' is a file"), "“{0}”是文件，这里要一个文件夹"),
]


class _Usage(click.UsageError):
    """A usage error said in Chinese, from the data of click's own (which is worded in English)."""

    def __init__(self, original: click.UsageError, command: str | None = None):
        super().__init__(original.message, original.ctx)
        self.original = original
        self.command = command  # for an error click raised before the command's context existed

    def show(self, file=None) -> None:
        command = _command_name(self.ctx) if self.ctx is not None else self.command or "worksum"
        _say(f"{command}: 用法错误: {_usage_problem(self.original, command)}\n运行“{command} --help”查看用法")


def _command_name(ctx: click.Context | None) -> str:
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["worksum", *reversed(names)])


def _usage_problem(exc: click.UsageError, command: str) -> str:
    from click import exceptions

    if isinstance(exc, exceptions.NoSuchCommand):
        close = f"，是否应为“{exc.possibilities[0]}”？" if exc.possibilities else ""
        return f"没有“{exc.command_name}”这个命令{close}"
    if isinstance(exc, exceptions.NoSuchOption):
        close = f"，是否应为“{exc.possibilities[0]}”？" if exc.possibilities else ""
        return f"{command} 没有“{exc.option_name}”这个选项{close}"
    if isinstance(exc, exceptions.BadOptionUsage):
        if "does not take a value" in exc.message:
            return f"选项“{exc.option_name}”后面不用写值"
        return f"选项“{exc.option_name}”后面要写上它的值（用空格隔开）"
    if isinstance(exc, exceptions.MissingParameter):
        param = exc.param
        if isinstance(param, click.Option):
            return f"缺少选项“{param.opts[-1]}”（这个选项必须写）"
        return f"缺少参数 {param.human_readable_name if param else exc.param_hint}"
    if isinstance(exc, exceptions.BadParameter):
        param = exc.param
        if param is None:
            return exc.message  # raised by worksum itself, in Chinese
        what = f"选项“{'/'.join(param.opts)}”的值" if isinstance(param, click.Option) else \
            f"参数 {param.human_readable_name} "
        return f"{what}不对：{_value_problem(exc.message)}"
    extra = re.match(r"Got unexpected extra arguments? \((.*)\)", exc.message)
    if extra:
        return f"多写了参数“{extra.group(1)}”；如果文件名中有空格，请给它加上引号"
    return exc.message  # worksum's own usage errors are written in Chinese


def _value_problem(message: str) -> str:
    for pattern, chinese in _VALUE_PROBLEMS:
        match = pattern.search(message)
        if match:
            return chinese.format(*match.groups())
    return message


def _in_chinese(call, command: str | None = None):
    """Run ``call``; a usage error (but not a request for help) comes out said in Chinese."""
    try:
        return call()
    except click.exceptions.NoArgsIsHelpError:
        raise
    except _Usage:
        raise
    except click.UsageError as exc:
        raise _Usage(exc, command) from None


class _ChineseFormatter(click.HelpFormatter):
    """click's help with its own words (Usage, Options, Commands, [required]) in Chinese."""

    SECTIONS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
    MARKS = (("[required]", "[必填]"), ("[default: ", "[默认："))

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self.SECTIONS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        """A command's help, its paragraphs wrapped by how wide they show (:func:`_wrapped`)."""
        self.write(_wrap_paragraphs(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, its columns lined up and its descriptions wrapped by how
        wide the text shows: a Chinese character takes two columns of a terminal (--term 学期
        is 11 columns, not 9)."""
        rows = [(term, self._chinese(text)) for term, text in rows]
        first_col = min(max((_shown_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if _shown_width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - _shown_width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap_paragraphs(text, max(self.width - first_col - 2, 10)).splitlines()
            self.write(f"{lines[0]}\n" if lines else "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")

    def _chinese(self, text: str) -> str:
        for english, words in self.MARKS:
            text = text.replace(english, words)
        return text


def _shown_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: two for a wide (Chinese) character."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: Marks a line may not start with, and marks it may not end with (Chinese line-breaking rules).
_NO_LINE_START = "，。、；：！？）》」』”’"
_NO_LINE_END = "（《「『“‘"


def _wrap_units(word: str) -> list[str]:
    """Where a word (no white space in it) may break: between two Chinese characters and after
    a closing mark, not before a closing mark or after an opening one; a Latin word and a path
    (with a /, such as inputs/<学期>/) are never broken."""
    pieces = re.findall(f".+?(?:[{_NO_LINE_START}]+|$)", word) if "/" in word else [word]
    if len(pieces) > 1:
        return [unit for piece in pieces for unit in _wrap_units(piece)]
    if "/" in word:
        return [word]
    units: list[str] = []
    for char in word:
        if units and (char in _NO_LINE_START or units[-1][-1] in _NO_LINE_END
                      or _shown_width(char + units[-1][-1]) < 4):  # not between two wide characters
            units[-1] += char
        else:
            units.append(char)
    return units


def _wrapped(text: str, width: int) -> list[str]:
    """One paragraph in lines of at most ``width`` terminal columns (:func:`_shown_width`), as
    click wraps help but by display width: line ends read as spaces, breaks at spaces and where
    :func:`_wrap_units` allows. A word wider than ``width`` stands alone on its line."""
    lines: list[str] = []
    line = ""
    for space, word in re.findall(r"(\s*)(\S+)", text):
        for number, unit in enumerate(_wrap_units(word)):
            joined = line + (re.sub(r"\s", " ", space) if number == 0 else "") + unit if line else unit
            if line and _shown_width(joined) > width:
                lines.append(line)
                line = unit
            else:
                line = joined
    return [*lines, line] if line else lines


def _wrap_paragraphs(text: str, width: int, indent: str = "") -> str:
    """``text`` rewrapped paragraph by paragraph (:func:`_wrapped`), as click's ``wrap_text``
    with ``preserve_paragraphs``: paragraphs apart by a blank line, each keeping its own indent;
    one whose first line is ``\\b`` is kept as written."""
    shown = []
    for paragraph in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = paragraph.splitlines()
        if lines and lines[0].strip() == "\b":
            shown.append("\n".join(indent + line for line in lines[1:]))
            continue
        own = indent + " " * (len(lines[0]) - len(lines[0].lstrip())) if lines else indent
        shown.append("\n".join(own + line for line in _wrapped(" ".join(lines), max(width - len(own), 1))))
    return "\n\n".join(shown)


class _Context(click.Context):
    formatter_class = _ChineseFormatter


class _ChineseHelp:
    """What every worksum command shares: its help, ``--help`` and ``worksum`` alone, in Chinese."""

    context_class = _Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The help's first sentence (to its first 。), whole, for the list of commands; a long
        one wraps there (write_dl) rather than being cut to ``limit`` characters, which click
        counts as columns though a Chinese character shows two wide."""
        text = super().get_short_help_str(limit=10_000)
        return text[:text.index("。") + 1] if "。" in text else text

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助后退出 / show this message and exit."
        return option


class _Command(_ChineseHelp, click.Command):
    """A command whose usage errors are said in Chinese, naming the command."""

    def make_context(self, info_name, args, parent=None, **extra):
        return _in_chinese(lambda: super(_Command, self).make_context(info_name, args, parent, **extra),
                           f"worksum {info_name}")


class _Commands(_ChineseHelp, click.Group):
    """The command group; Ctrl-C, SIGTERM or SIGHUP in any command ends it with 已中断 and
    status 128 + the signal's number (130, 143, 129), output that cannot be written is a message, never a traceback, and usage
    errors (``worksum buld``, ``build -q``, ``--term`` without a value) are said in Chinese,
    with status 2. ``worksum`` alone is called wrongly too: it prints the same Chinese help
    as ``worksum --help``, on standard error, with status 2.

    click's own handling prints "Aborted!" and exits 1, the status of a form error.
    """

    command_class = _Command

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def make_context(self, info_name, args, parent=None, **extra):
        return _in_chinese(lambda: super(_Commands, self).make_context(info_name, args, parent, **extra))

    def invoke(self, ctx: click.Context):
        from pipeline.commands.runner import Terminated

        try:
            return _in_chinese(lambda: super(_Commands, self).invoke(ctx))
        except Terminated as stop:
            _say("已中断（收到停止信号）")
            raise click.exceptions.Exit(signal_status(stop.signal_number)) from None
        except KeyboardInterrupt:
            _say("已中断")
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:  # worksum templates | head -1: the reader has what it wanted
            silence_stdout()
            raise click.exceptions.Exit(0) from None
        except OSError as exc:  # writing to the console or a redirected file failed (a full disk)
            where = f" {shown(exc.filename)}" if exc.filename else "（屏幕或重定向的文件）"
            _say(f"错误: 无法写入{where}：{describe(exc)}")
            raise click.exceptions.Exit(EXIT_ERRORS) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="worksum", message="%(prog)s %(version)s", help="显示版本号后退出 / show the version and exit.")
@click.option("-C", "--directory", type=click.Path(file_okay=False, exists=True),
              help="工作区文件夹（默认当前文件夹）/ workspace folder.")
def main(directory: str | None) -> None:
    """worksum：用填报表（YAML）生成规范的工作总结（Word）。

    Turns YAML forms into 工作总结 Word documents in the GB/T 9704 layout.
    """
    from pipeline.commands.runner import stop_on_signals

    _tolerant_streams()
    click.get_current_context().call_on_close(stop_on_signals())
    if directory:
        os.chdir(directory)


def _tolerant_streams() -> None:
    """Text the console's encoding cannot show (𠀀 or 😀 on a GBK console, output redirected
    on Chinese Windows) is written as \\U escapes instead of stopping the command."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text stream of its own (tests), or closed
            pass


def _term_ids(_ctx, _param, values: tuple[str, ...]) -> tuple[str, ...]:
    from pipeline.form.periods import Term, TermError

    try:
        return tuple(Term.parse(value).id for value in values)
    except TermError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="只生成一份时，写到这个 .docx 文件 / output file for a single form.")
@click.option("--term", "terms", multiple=True, callback=_term_ids, metavar="学期",
              help="只生成这个学期的（可写多次）/ only this term, e.g. 2024-2025-1.")
@click.option("--campus", "campuses", multiple=True, metavar="校区",
              help="只生成这个校区的（可写多次）/ only this campus.")
@click.option("--department", "departments", multiple=True, metavar="部门",
              help="只生成这个部门的（可写多次）/ only this department.")
@click.option("-f", "--force", is_flag=True,
              help="未变化的也重新生成 / rebuild outputs even when nothing changed.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=False,
              help="同时生成的进程数，默认等于 CPU 核数 / worker processes (default: one per core).")
@click.option("--pdf", "with_pdf", is_flag=True,
              help="同时在每份 .docx 旁生成 PDF（需要 LibreOffice）/ also write a PDF beside each .docx.")
@click.option("--strict", is_flag=True,
              help="校对发现的问题（worksum check）按错误处理，不生成有问题的文档；不跳过未变化的 / "
                   "proofreading warnings are errors (nothing is skipped).")
def build(paths: tuple[str, ...], output: str | None, terms: tuple[str, ...], campuses: tuple[str, ...],
          departments: tuple[str, ...], force: bool, jobs: int, with_pdf: bool, strict: bool) -> None:
    """生成工作总结：默认处理 inputs/ 下的全部填报表，写入 outputs/，跳过未变化的。

    Build documents for the forms in PATHS (default: every form under inputs/),
    in parallel, skipping those whose form, templates and config are unchanged.
    """
    from pipeline.commands.batch import run_build, write_pdfs
    from pipeline.commands.select import Selection, discover
    from pipeline.progress import ConsoleReporter

    selection = Selection(paths, terms, campuses, departments)
    if output:
        forms = discover(selection)
        if len(forms) != 1:
            raise click.UsageError("-o/--output 只能用于一份填报表")
        _build_to_file(forms[0], Path(output), strict, with_pdf)
        return
    # --strict re-checks every form: proofreading compares a form with the others, so a form
    # that did not change can still have a new problem.
    reporter = ConsoleReporter()
    with _reporting("worksum build"):  # the workspace busy, or a bug: one line, not a traceback
        tally = run_build(selection, reporter, force=force or strict, workers=jobs, strict=strict)
    if not tally.found:
        wanted = "、".join(terms + campuses + departments)
        _say("没有找到填报表（inputs/ 下应有 <学期>/<校区>/<部门>.yaml）" + (f"：没有符合 {wanted} 的" if wanted else ""))
        sys.exit(EXIT_ERRORS)
    _say(tally.line() + (reporter.end_note() or ""))
    failed = tally.failed + tally.unsaved
    if with_pdf and not tally.interrupted:
        from pipeline.export.pdf import stale

        wanted_pdfs = tally.written + stale([Path(document) for document in tally.kept])
        with _reporting("worksum build --pdf"):
            if wanted_pdfs and not write_pdfs(wanted_pdfs, reporter):
                failed += 1
    if tally.interrupted:
        from pipeline.commands.runner import interrupted_status

        sys.exit(interrupted_status())
    sys.exit(EXIT_BUG if tally.bugs else EXIT_ERRORS if failed else 0)


def _build_to_file(form_path: Path, target: Path, strict: bool, with_pdf: bool) -> None:
    """One form to a file the person named: written atomically, no manifest."""
    from pipeline.commands.build import build_to_file

    if target.suffix.lower() != ".docx":
        raise click.UsageError(f"-o 应指定一个 .docx 文件，现在是 {target.name}")
    if target.exists() and target.resolve() == form_path.resolve():
        raise click.UsageError("-o 指定的文件就是填报表本身")
    with _reporting(shown(form_path), kept_note=True):
        built, landed = build_to_file(form_path, target, strict)
    for warning in built.warnings:
        _say(str(warning))
    if landed.backup:
        _say(landed.notice(shown(target)))
    click.echo(shown(target))
    _say("完成：生成 1 份")
    if with_pdf:
        from pipeline.commands.batch import write_pdfs
        from pipeline.progress import ConsoleReporter

        if not write_pdfs([target], ConsoleReporter(bar=False), lock=False):
            sys.exit(EXIT_ERRORS)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """检查填报表和 config.yaml，不生成任何文件。

    Check forms (and config.yaml) without writing anything.
    """
    from pipeline.commands import checking
    from pipeline.commands.select import Selection, discover

    with _reporting("worksum validate"):
        forms = discover(Selection(paths), _say)
        if not forms:
            _say("没有找到填报表")
            sys.exit(EXIT_ERRORS)
        reading = checking.validate(forms, _say)
    failed = reading.failed
    _say(f"检查了 {reading.count} 份填报表：" + (f"{failed} 份有错误" if failed else "没有发现错误"))
    sys.exit(EXIT_ERRORS if failed else 0)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.argument("outdir", required=False, type=click.Path(file_okay=False))
@click.option("--dpi", type=click.IntRange(30, 600), default=80, show_default=True,
              help="图片分辨率 / image resolution.")
def preview(source: str, outdir: str | None, dpi: int) -> None:
    """生成页面预览图片（PNG），不用打开 Word 就能看版面。

    SOURCE 是填报表（.yaml，先生成临时文档）或 .docx。图片写入 OUTDIR，默认写在
    .docx 旁边（填报表则写在 build 生成文档的文件夹）。需要 LibreOffice 和 pdftoppm。

    Page images (PNG) of a form or a .docx (LibreOffice + pdftoppm).
    """
    from pipeline.commands.build import preview_pages

    with _reporting(shown(source)):
        images = preview_pages(Path(source), Path(outdir) if outdir else None, dpi, _say)
    for image in images:
        click.echo(shown(image))
    _say(f"预览：共 {len(images)} 页")


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="写到这个文件（默认输出到屏幕）/ write to FILE instead of standard output.")
def schema(output: str | None) -> None:
    """输出填报表的 JSON Schema，供编辑器自动补全和即时检查（见 README）。

    Write the JSON Schema of the form, for editors (VS Code YAML extension).
    """
    from pipeline.commands.context import current_workspace
    from pipeline.form.schema import form_schema_json
    from pipeline.workspace.write import write_atomic

    with _reporting("worksum schema"):
        text = form_schema_json(current_workspace().config)  # the categories config.yaml names
    if output and Path(output).suffix.lower() != ".json":
        raise click.UsageError(f"-o 应指定一个 .json 文件，现在是 {Path(output).name}")
    if not output:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(Path(output), text.encode("utf-8"))
    except OSError as exc:
        _say(f"错误: 无法写入 {output}：{describe(exc)}")
        sys.exit(EXIT_ERRORS)
    click.echo(shown(output))



@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True,
              help="直接在填报表中改正可以安全改正的标点（保留注释和格式，不改动文字），并列出改了什么 / "
                   "repair safe punctuation in the form files.")
@click.option("--strict", is_flag=True, help="发现问题时退出码为 1 / exit 1 when anything is found.")
def check(paths: tuple[str, ...], fix: bool, strict: bool) -> None:
    """校对填报表：重复的句子、标点、与其他校区或上学期雷同的文字。不修改文件（--fix 除外）。

    Proofread forms (default: every form under inputs/): repeated sentences,
    punctuation, text shared with other campuses or with last period.
    """
    from pipeline.commands import checking
    from pipeline.commands.select import Selection, discover

    with _reporting("worksum check"):
        forms = discover(Selection(paths), _say)
        if not forms:
            _say("没有找到填报表")
            sys.exit(EXIT_ERRORS)
        done = checking.check(forms, _say, fix=fix)

    failed = done.reading.failed
    parts = [f"发现 {done.found} 处问题"] if done.found else ([] if failed else ["没有发现问题"])
    if fix:
        parts.append(f"已改正 {done.changed} 处标点")
    if failed:
        parts.append(f"{failed} 份有错误")
    _say(f"检查了 {done.reading.count} 份填报表：" + "，".join(parts))
    sys.exit(EXIT_ERRORS if failed or (strict and done.found) else 0)


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=True))
def init(directory: str) -> None:
    """新建工作区：config.yaml、templates/、inputs/ 和带说明的空白填报表（YAML 和 Excel 各一份）。

    Create a workspace in DIRECTORY (default: the current folder); never overwrites.
    """
    from pipeline.form.schema import form_schema_json
    from pipeline.form.workbook_write import write_workbook
    from pipeline.workspace.scaffold import BLANK_FORM, BLANK_WORKBOOK, EDITOR_SETTINGS, SCHEMA_FILE, create_workspace

    root = Path(directory)
    try:
        with _reporting("worksum init"):
            created = create_workspace(root, form_schema_json().encode("utf-8"),
                                       {Path(BLANK_WORKBOOK): write_workbook(None)})
    except FileExistsError as exc:
        _say(f"错误: {shown(exc.filename or root)} 已存在，没有覆盖")
        sys.exit(EXIT_ERRORS)
    except OSError as exc:
        _say(f"错误: 无法创建 {exc.filename or root}：{describe(exc)}")
        sys.exit(EXIT_ERRORS)
    for path in created.files:
        click.echo(shown(path))
    if created.settings_kept:
        _say(f"注意: 已有 {EDITOR_SETTINGS.as_posix()}，没有改动；要在 VS Code 中即时检查填报表，请在其中加上 "
             f"\"yaml.schemas\": {{\"./{SCHEMA_FILE}\": [\"inputs/**/*.yaml\"]}}")
    here = shown(root) if shown(root) != "." else "当前文件夹"
    _say(f"已在{here}新建工作区。接下来：\n"
         f"  1. 在 config.yaml 中填写单位全称、校区和部门名单；\n"
         f"  2. 把 {BLANK_FORM} 复制为 inputs/<学期>/<校区>/<部门>.yaml（如 inputs/2024-2025-1/本部校区/后勤处.yaml），逐项填写；\n"
         f"     习惯用 Excel/WPS 的，改用 {BLANK_WORKBOOK}，复制为 inputs/<学期>/<校区>/<部门>.xlsx；\n"
         f"  3. 运行 worksum build 生成工作总结。\n"
         f"用 VS Code（装上 Red Hat 的 YAML 扩展）打开这个文件夹，填写时会自动提示字段、当场标出写错的地方。")


@main.command()
@click.option("-d", "--department", help="查看这个部门的模板来自哪里 / show where this department's templates come from.")
def templates(department: str | None) -> None:
    """列出模板组，以及每个模板实际使用的文件。

    List the template sets, and the file each template name resolves to.
    """
    from pipeline.commands.context import current_workspace
    from pipeline.workspace.templatesets import listing

    workspace = current_workspace()
    with _reporting("worksum templates"):
        config = workspace.config
    if department and config.departments is not None and department not in config.departments:
        _say(f"注意: 部门“{department}”不在 config.yaml 的 departments 名单中")
    chosen = workspace.template_set(department) if department else (None, False)
    for line in listing(workspace.root, config.templates, config.departments, department, chosen):
        click.echo(line)


@main.command()
@click.option("--term", required=True, metavar="学期", help="学期，如 2024-2025-1 / the term.")
@click.option("--campus", required=True, metavar="校区", help="校区 / the campus.")
@click.option("--department", required=True, metavar="部门", help="部门 / the department.")
def blank(term: str, campus: str, department: str) -> None:
    """为一个校区、一个部门生成空白的 Excel 填报表：inputs/<学期>/<校区>/<部门>.xlsx。

    单位、校区、部门、学期已经填好；已有填报表（.yaml 或 .xlsx）时不会覆盖。
    Write a blank workbook form for TERM, CAMPUS and DEPARTMENT into inputs/.
    """
    from pipeline.commands.blank import write_blank

    with _reporting("worksum blank"):
        target = write_blank(term, campus, department)
    click.echo(shown(target))
    _say("已生成空白填报表。用 Excel 或 WPS 打开，按“填写说明”逐项填写，保存后运行 worksum build")


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="写到这个文件（默认写在原文件旁边）/ write to this file.")
def convert(source: str, output: str | None) -> None:
    """把 YAML 填报表转换为 Excel 工作簿（.xlsx），或把工作簿转换为 YAML。

    不指定 -o 时写在原文件旁边；在 inputs/ 中时，原文件改名为“名称.bak.yaml”（或 .bak.xlsx）保留，
    不再被读取，因为一个部门只能有一份填报表。转换不丢失任何内容（YAML 中的注释除外）。
    Convert a YAML form into a workbook form, or back.
    """
    from pipeline.form.convert import convert_form

    with _reporting(shown(source)):
        written, kept = convert_form(Path(source), Path(output) if output else None)
    click.echo(shown(written))
    _say(f"已转换为 {shown(written)}" + (f"；原来的 {Path(source).name} 改名为 {kept.name} 保留（不再读取）" if kept else ""))


@main.command("new-term")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
def new_term(source: str, target: str) -> None:
    """用本学期的填报表生成下学期的填报表（不会覆盖已有的填报表）。

    Write TO's forms (inputs/TO/…) from FROM's, e.g. new-term 2024-2025-1 2024-2025-2.
    """
    from pipeline.commands.context import current_workspace
    from pipeline.form.newterm import check_terms
    from pipeline.form.newterm import new_term as carry
    from pipeline.form.periods import Term, TermError
    from pipeline.form.validate import read_form
    from pipeline.workspace.discovery import unread_warning

    try:
        old, new = Term.parse(source), Term.parse(target)
    except TermError as exc:
        raise click.BadParameter(str(exc)) from None
    workspace = current_workspace()
    inputs = workspace.inputs
    with _reporting(f"worksum new-term {old.id} {new.id}"):
        for note in check_terms(inputs, old, new):
            _say(note)
        config = workspace.config
        outcome = carry(inputs, old, new, lambda path: read_form(path, config, shown(path))[0])
    for path in outcome.unread:
        _say(unread_warning(path))
    for diagnostic in outcome.problems:
        _say(str(diagnostic))
    for path, existing in outcome.existing:
        _say(f"{shown(existing)}: 已存在，没有改动" if existing.relative_to(inputs / new.id) == path.relative_to(inputs / old.id)
             else f"{shown(path)}: 这个校区和部门在 {new.id} 已有填报表 {shown(existing)}，没有另外生成")
    for path in outcome.written:
        click.echo(shown(path))
    summary = f"完成：生成 {len(outcome.written)} 份 {new.id} 填报表"
    if outcome.existing:
        summary += f"，{len(outcome.existing)} 份已存在未改动"
    if outcome.problems:
        summary += f"；{old.id} 中有填报表存在错误，未能生成对应的新表，请先改正"
    _say(summary)
    if outcome.written:
        _say("请打开新填报表，填写成文日期（date）和各项数据的本期数值（value），逐项确认从上一期带来的工作"
             "（confirmed: 否），再运行 worksum build；worksum validate 会指出还没有确认和填写的地方")
    sys.exit(EXIT_ERRORS if outcome.problems else 0)


@main.command()
@click.option("--term", "terms", required=True, multiple=True, callback=_term_ids, metavar="学期",
              help="汇总哪个学期（可写多次）/ the term to roll up, e.g. 2024-2025-1.")
@click.option("--department", "departments", multiple=True, metavar="部门",
              help="只汇总这个部门（可写多次，默认全部部门）/ only this department.")
@click.option("-f", "--force", is_flag=True, help="未变化的也重新写入 / rewrite even when unchanged.")
def rollup(terms: tuple[str, ...], departments: tuple[str, ...], force: bool) -> None:
    """汇总：每个部门把各校区的填报表合成一份文档，写入 outputs/<学期>/汇总/。

    One combined document per department across all campuses, with the
    figures as a campus × item table (totals, change against last period).
    """
    from pipeline.commands.rollup_run import run_rollup
    from pipeline.progress import ConsoleReporter

    failed = found = bugs = 0
    for term in terms:
        with _reporting("worksum rollup"):  # the workspace busy: one line
            tally = run_rollup(term, departments, ConsoleReporter(bar=False), force=force)
        if not tally.found and not tally.failed:
            wanted = f"（部门：{'、'.join(departments)}）" if departments else ""
            _say(f"没有找到 {term} 的填报表{wanted}（应在 inputs/{term}/<校区>/<部门>.yaml）")
            failed += 1
            continue
        found += tally.found
        failed += tally.failed + tally.unsaved
        bugs += tally.bugs
        _say(f"{term}：" + tally.line().replace("完成：", "", 1))
    sys.exit(EXIT_BUG if bugs else EXIT_ERRORS if failed or not found else 0)
