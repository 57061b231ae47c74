"""The ``worksum`` command: wires the pipeline's stages to the command line.

Messages for people are Chinese and go to standard error as
``file:line:col: 错误: …``; the files written go to standard output. Exit
status: 0 done, 1 a form or config.yaml had errors, 2 wrong usage (click),
3 an internal error (a bug: please report it), 130 interrupted (Ctrl-C).

Heavy libraries (python-docx, jieba, Jinja2) are imported inside the commands
that need them, so ``worksum --help`` and ``worksum validate`` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import __version__
from pipeline.diagnostics import shown

EXIT_ERRORS = 1
EXIT_BUG = 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


def _say(message: str) -> None:
    click.echo(message, err=True)


def _bug(exc: BaseException, what: str) -> None:
    """An unexpected exception is a bug; say so plainly (set WORKSUM_DEBUG=1 for the trace)."""
    if os.environ.get("WORKSUM_DEBUG"):
        raise exc
    _say(f"{what}: 内部错误（这是 worksum 的缺陷，请把这一行报告给维护者）：{type(exc).__name__}: {exc}")


def _collect(paths: tuple[str, ...], default: Path) -> list[Path]:
    """The forms named by ``paths`` (files, or every .yaml under folders)."""
    if not paths:
        paths = (str(default),)
    forms: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            forms.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file() and p.name != "config.yaml"))
        else:
            forms.append(path)
    return list(dict.fromkeys(forms))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="worksum")
@click.option("-C", "--directory", type=click.Path(file_okay=False, exists=True),
              help="工作区文件夹（默认当前文件夹）/ workspace folder.")
def main(directory: str | None) -> None:
    """worksum：用填报表（YAML）生成规范的工作总结（Word）。

    Turns YAML forms into 工作总结 Word documents in the GB/T 9704 layout.
    """
    if directory:
        os.chdir(directory)


def _term_ids(_ctx, _param, values: tuple[str, ...]) -> tuple[str, ...]:
    from pipeline.periods import Term, TermError

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
def build(paths: tuple[str, ...], output: str | None, terms: tuple[str, ...], campuses: tuple[str, ...],
          departments: tuple[str, ...], force: bool, jobs: int) -> None:
    """生成工作总结：默认处理 inputs/ 下的全部填报表，写入 outputs/，跳过未变化的。

    Build documents for the forms in PATHS (default: every form under inputs/),
    in parallel, skipping those whose form, templates and config are unchanged.
    """
    from pipeline.batch import Selection, discover, run_build
    from pipeline.progress import ConsoleReporter

    selection = Selection(paths, terms, campuses, departments)
    if output:
        forms = discover(selection)
        if len(forms) != 1:
            raise click.UsageError("-o/--output 只能用于一份填报表")
        _build_to_file(forms[0], Path(output))
        return
    tally = run_build(selection, ConsoleReporter(), force=force, workers=jobs)
    if not tally.found:
        wanted = "、".join(terms + campuses + departments)
        _say("没有找到填报表（inputs/ 下应有 <学期>/<校区>/<部门>.yaml）" + (f"：没有符合 {wanted} 的" if wanted else ""))
        sys.exit(EXIT_ERRORS)
    _say(tally.line())
    if tally.interrupted:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_BUG if tally.bugs else EXIT_ERRORS if tally.failed else 0)


def _build_to_file(form_path: Path, target: Path) -> None:
    """One form to a file the person named: written atomically, no manifest."""
    from pipeline.build import find_workspace
    from pipeline.diagnostics import FormError
    from pipeline.write import write_atomic

    try:
        result = _build_one(form_path, find_workspace(form_path.resolve().parent))
        write_atomic(target, result.docx)
    except FormError as exc:
        for diagnostic in exc.diagnostics:
            _say(str(diagnostic))
        _say("完成：生成 0 份，失败 1 份")
        sys.exit(EXIT_ERRORS)
    except OSError as exc:
        _say(f"{shown(form_path)}: 错误: 无法写入 {exc.filename or target}（{exc.strerror or exc}）")
        sys.exit(EXIT_ERRORS)
    except Exception as exc:  # noqa: BLE001
        _bug(exc, str(form_path))
        sys.exit(EXIT_BUG)
    for warning in result.warnings:
        _say(str(warning))
    click.echo(shown(target))
    _say("完成：生成 1 份")


def _build_one(form_path: Path, workspace):
    from pipeline.build import build_form

    return build_form(form_path, workspace, shown(form_path))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """检查填报表和 config.yaml，不生成任何文件。

    Check forms (and config.yaml) without writing anything.
    """
    from pipeline.build import find_workspace
    from pipeline.diagnostics import FormError
    from pipeline.validate import read_form

    forms = _collect(paths, Path("inputs"))
    failed = 0
    for form_path in forms:
        try:
            workspace = find_workspace(form_path.resolve().parent)
            _form, loaded = read_form(form_path, workspace.config, shown(form_path))
        except FormError as exc:
            for diagnostic in exc.diagnostics:
                _say(str(diagnostic))
            failed += 1
            continue
        except Exception as exc:  # noqa: BLE001
            _bug(exc, str(form_path))
            sys.exit(EXIT_BUG)
        for warning in loaded.warnings:
            _say(str(warning))
    if not forms:
        _say("没有找到填报表")
        sys.exit(EXIT_ERRORS)
    _say(f"检查了 {len(forms)} 份填报表：" + (f"{failed} 份有错误" if failed else "没有发现错误"))
    sys.exit(EXIT_ERRORS if failed else 0)


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
    from pipeline.batch import run_rollup
    from pipeline.progress import ConsoleReporter

    failed = found = 0
    for term in terms:
        tally = run_rollup(term, departments, ConsoleReporter(bar=False), force=force)
        if not tally.found and not tally.failed:
            wanted = f"（部门：{'、'.join(departments)}）" if departments else ""
            _say(f"没有找到 {term} 的填报表{wanted}（应在 inputs/{term}/<校区>/<部门>.yaml）")
            failed += 1
            continue
        found += tally.found
        failed += tally.failed + tally.bugs
        _say(f"{term}：" + tally.line().replace("完成：", "", 1))
    sys.exit(EXIT_ERRORS if failed or not found else 0)
