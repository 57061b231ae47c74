"""How fast the roll-up's documents are laid out, tables included, against the zip floor, in one run.

    python3 bench/rollup_layout.py              # from the checkout's root; a few seconds
    python3 bench/rollup_layout.py --rounds 50

The sample workspace's roll-ups for 2024-2025-1 (one per department, each with
figure tables) are worded once; then, round after round, each method makes each
document in memory, and the medians are printed:

  floor      the finished parts of the document, written with zipfile (ZIP_DEFLATED)
  fast       worksum's layout stage, fast engine (pipeline.layout.fast), as ``worksum rollup`` uses it
  reference  worksum's python-docx engine, which roll-ups used before the fast engine drew tables

Before timing, both engines must give the same bytes. Last, the title's line
breaks on hostile titles (10,000 characters, long runs of digits), against one
pass measuring the same text's width.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TERM = "2024-2025-1"


def rollup_manuscripts(term: str) -> list:
    """The sample workspace's roll-ups, worded as ``worksum rollup`` words them."""
    from pipeline.commands.build import summarise
    from pipeline.commands.context import find_workspace
    from pipeline.document.rollup import roll_up
    from pipeline.form.validate import read_form
    from pipeline.wording.rollup import word_rollup
    from pipeline.workspace.discovery import forms_in

    workspace = find_workspace(ROOT)
    summaries: dict[str, list] = {}
    for path in forms_in(ROOT / "inputs" / term):
        form, loaded = read_form(path, workspace.config)
        summary, _ = summarise(form, loaded, workspace)  # the stages worksum rollup runs for each campus
        summaries.setdefault(form.department, []).append(summary)
    return [word_rollup(roll_up(found, workspace.config), workspace.templates_for(department))
            for department, found in summaries.items()]


def median_ms(measure, argument, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        measure(argument)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds over the documents (default 30)")
    args = parser.parse_args()

    from pipeline.layout import engines, measure, parts
    from pipeline.layout import fast as wordml
    from pipeline.layout.profile import GBT9704

    cases = []
    for manuscript in rollup_manuscripts(TERM):
        fast = engines.lay_out(manuscript, GBT9704)
        if not wordml.can_render(manuscript) or fast != engines.lay_out(manuscript, GBT9704, engine="python-docx"):
            sys.exit(f"the engines disagree on {manuscript.title}, or the fast one cannot draw it")
        with zipfile.ZipFile(io.BytesIO(fast)) as archive:
            parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
        cases.append((manuscript, parts, fast))

    def floor(case):
        with zipfile.ZipFile(io.BytesIO(), "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in case[1]:
                archive.writestr(name, data)

    measures = {"floor": floor, "fast": lambda case: engines.lay_out(case[0], GBT9704),
                "reference": lambda case: engines.lay_out(case[0], GBT9704, engine="python-docx")}
    for timed in measures.values():  # warm the caches (the base package, python-docx's import)
        for case in cases:
            timed(case)
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(args.rounds):  # round after round, so a drift in the machine's load hits every method alike
        for name, timed in measures.items():
            for case in cases:
                start = time.perf_counter()
                timed(case)
                samples[name].append(time.perf_counter() - start)
    ms = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    tables = sum(block.role == "table" for case in cases for block in case[0].paragraphs)
    blocks = statistics.median(len(case[0].paragraphs) for case in cases)
    size = statistics.median(len(case[2]) for case in cases)
    print(f"汇总文档排版耗时（中位数，{len(cases)} 份汇总 × {args.rounds} 轮；每份约 {blocks:.0f} 段，"
          f"共 {tables} 个表格，约 {size / 1024:.1f} KB；仅内存）")
    print(f"  {ms['floor']:8.3f} ms  下限：zipfile 写出成品各部件")
    print(f"  {ms['fast']:8.3f} ms  快速引擎（worksum rollup 现在用的）")
    print(f"  {ms['reference']:8.3f} ms  python-docx 参考引擎（此前汇总用的）")
    print(f"  比值：快速引擎/下限 = {ms['fast'] / ms['floor']:.2f}×，参考引擎/快速引擎 = "
          f"{ms['reference'] / ms['fast']:.1f}×")

    print("\n标题分行（中位数；基准：同一文本量一次宽度）")
    capacity = GBT9704.title_chars_per_line
    for label, title in [("10,000 个汉字", "长" * 10_000),
                         ("汉字与长数字交替，10,000 字符", ("2024" * 9 + "年") * 270),
                         ("示例标题", "阳光实验幼儿园东园区后勤部2024—2025学年第一学期工作总结")]:
        lines = median_ms(lambda text: measure.balanced_lines(text, capacity), title, args.rounds)
        base = median_ms(measure.width, title, args.rounds)
        print(f"  {lines:8.3f} ms  {label}（量宽 {base:.3f} ms，{lines / base:.1f}×）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
