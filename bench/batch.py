"""Benchmark: the cost of a real batch at 100, 1,000 and 10,000 forms, in one run.

    python3 bench/batch.py [--sizes 100,1000,10000] [--jobs 0] [--keep] [--no-check]

For each size it writes a workspace of synthetic forms (made from the sample
workspace's full-size forms: 5–8 activities, counts, incidents, shortcomings;
2 terms × 10 departments × as many campuses as needed; numbers varied and some
categories removed so jieba has to place them) and runs, each as a real
``python -m pipeline`` process timed from outside:

* the cold build (nothing built yet, no index): wall time, CPU per form (this
  process's children: the build and its workers), peak memory (the largest
  process, and the sum of every process's proportional share, sampled);
* the unchanged rebuild;
* the rebuild after one form changed (one figure edited);
* ``worksum check`` over every form (index already current, and cold).

Then, on documents of the same workspace (the first forms' manuscripts), the CPU
per document of docxtpl rendering them and of python-docx (worksum's reference
engine), so the batch's CPU per form, everything included, is compared with
rendering alone in the same run. Needs ``pip install '.[bench]'`` (docxtpl).

The issue-19 targets are printed with met / MISSED. The machine's other load
makes figures noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TERMS = ("2024-2025-1", "2023-2024-2")
DEPARTMENTS = ("后勤处", "教务处", "德育处", "安全办", "总务处", "教科室", "办公室", "工会", "团委", "信息中心")
DIGITS = "零一二三四五六七八九"
#: Documents rendered by docxtpl and python-docx for the comparison.
COMPARED = 40


def campus_name(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = (DIGITS[tens] if tens > 1 or (tens and hundreds) else "") + ("十" if tens else "") \
        + (DIGITS[ones] if ones or not (tens or hundreds) else "")
    if hundreds:
        text = DIGITS[hundreds] + "百" + ("零" if rest and tens == 0 else "") + text
    return f"第{text}校区"


def seeds() -> list[dict]:
    """The sample workspace's full-size forms (a term's end-of-term forms, 3–5 KB each)."""
    forms = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "inputs").rglob("*.yaml"))]
    return [form for form in forms if len(form.get("activities", [])) >= 6]


def synthetic(seed: dict, term: str, campus: str, department: str, rng: random.Random) -> dict:
    form = dict(seed, term=term, campus=campus, department=department)
    form.pop("author", None)
    activities = [dict(a) for a in seed.get("activities", [])]
    rng.shuffle(activities)
    for activity in activities:
        if rng.random() < 0.3:
            activity.pop("category", None)  # left to jieba
        for key in ("times", "participants"):
            if key in activity:
                activity[key] = max(1, int(activity[key] * rng.uniform(0.7, 1.3)))
    form["activities"] = activities
    counts = [dict(c) for c in seed.get("counts", [])]
    for count in counts:
        if count.get("unit") != "%":
            count["value"] = max(1, round(count["value"] * rng.uniform(0.6, 1.4)))
    form["counts"] = counts
    return form


def make_workspace(folder: Path, count: int, rng: random.Random) -> list[Path]:
    """Write config.yaml and ``count`` forms under ``folder``; returns the forms' paths."""
    campuses = [campus_name(n) for n in range(1, math.ceil(count / (len(TERMS) * len(DEPARTMENTS))) + 1)]
    (folder / "config.yaml").write_text(yaml.safe_dump(
        {"organization": "明德实验学校", "campuses": campuses, "departments": list(DEPARTMENTS)},
        allow_unicode=True, sort_keys=False), encoding="utf-8")
    pool = seeds()
    made = []
    for term in TERMS:
        for campus in campuses:
            for department in DEPARTMENTS:
                if len(made) == count:
                    return made
                form = synthetic(rng.choice(pool), term, campus, department, rng)
                path = folder / "inputs" / term / campus / f"{department}.yaml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
                made.append(path)
    return made


# --- running worksum ----------------------------------------------------------

def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros when it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in ("Rss", "Pss"):
                    values[name] = int(rest.split()[0])
    except OSError:
        pass
    return values.get("Rss", 0), values.get("Pss", 0)


class Run:
    """One ``python -m pipeline`` process: wall time, CPU of it and its workers, peak memory."""

    def __init__(self, folder: Path, *args: str):
        self.args = args
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=folder, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.peak_total_kb = self.peak_process_kb = 0
        sampling = threading.Event()

        def sample():
            while not sampling.wait(0.05):
                sizes = [_memory(pid) for pid in _children(process.pid)]
                self.peak_total_kb = max(self.peak_total_kb, sum(pss for _, pss in sizes))
                self.peak_process_kb = max([self.peak_process_kb, *(rss for rss, _ in sizes)])

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        self.stdout, self.stderr = process.communicate()
        self.wall = time.perf_counter() - started
        sampling.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.status = process.returncode
        self.summary = (self.stderr.strip().splitlines() or [""])[-1]
        if self.status not in (0, 1) or "内部错误" in self.stderr:
            sys.exit(f"worksum {' '.join(args)} failed ({self.status}):\n{self.stderr[-3000:]}")


def change_one(form: Path) -> None:
    """Edit one figure of ``form``, as a head correcting a number would."""
    text = form.read_text(encoding="utf-8")
    head, marker, rest = text.partition("value: ")
    number, _, tail = rest.partition("\n")
    form.write_text(f"{head}{marker}{int(float(number)) + 1}\n{tail}", encoding="utf-8")


# --- rendering alone, for the ratio --------------------------------------------

def rendering_cpu(forms: list[Path]) -> dict[str, float]:
    """CPU seconds per document to render the manuscripts of ``forms``: worksum's layout, docxtpl,
    python-docx (worksum's reference engine). Manuscripts are made first, outside the timing."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from render import docxtpl_context, docxtpl_template
    from pipeline.commands.build import summarise
    from pipeline.commands.context import find_workspace
    from pipeline.form.validate import read_form
    from pipeline.layout import engines, profile as profiles
    from pipeline.wording.summary import word

    cases = []
    for path in forms:
        workspace = find_workspace(path)
        form, loaded = read_form(path, workspace.config)
        summary, _ = summarise(form, loaded, workspace)
        manuscript = word(summary, workspace.templates_for(form.department))
        cases.append((manuscript, profiles.get(workspace.config.format)))
    template = DocxTemplate(io.BytesIO(docxtpl_template(cases[0][1])))
    jinja = Environment(autoescape=True)

    def with_docxtpl(manuscript, profile):
        template.render(docxtpl_context(manuscript, profile), jinja_env=jinja, autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)

    methods = {"worksum layout": lambda m, p: engines.lay_out(m, p),
               "docxtpl": with_docxtpl,
               "python-docx": lambda m, p: engines.lay_out(m, p, engine="python-docx")}
    results = {}
    for name, method in methods.items():
        method(*cases[0])  # warm: imports, templates, base package
        best = math.inf
        for _ in range(3):  # the least disturbed of three passes
            started = time.process_time()
            for case in cases:
                method(*case)
            best = min(best, (time.process_time() - started) / len(cases))
        results[name] = best
    return results


# --- the run --------------------------------------------------------------------

def measure(size: int, jobs: str, keep: bool, check: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"worksum-bench-{size}-"))
    try:
        forms = make_workspace(folder, size, random.Random(20250116))
        cold = Run(folder, "build", "-j", jobs)
        unchanged = Run(folder, "build", "-j", jobs)
        change_one(forms[len(forms) // 2])
        one = Run(folder, "build", "-j", jobs)
        result = {"size": size, "cold": cold, "unchanged": unchanged, "one": one, "forms": forms[:COMPARED]}
        if check:
            result["check"] = Run(folder, "check")
        if keep:
            print(f"kept {folder}")
        else:
            result["forms"] = []
        return result
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="numbers of forms, comma-separated")
    parser.add_argument("--jobs", default="0", help="worker processes (0: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    parser.add_argument("--no-check", action="store_true", help="do not time `worksum check`")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"machine: {os.cpu_count()} cores; sizes {sizes}")
    results = []
    for size in sizes:
        result = measure(size, args.jobs, args.keep or size == sizes[0], not args.no_check)
        results.append(result)
        cold = result["cold"]
        print(f"{size:>6} forms: cold {cold.wall:7.2f} s wall, {cold.cpu / size * 1000:6.2f} ms CPU/form, "
              f"peak {cold.peak_process_kb / 1024:5.0f} MB largest process, "
              f"{cold.peak_total_kb / 1024:5.0f} MB all processes (PSS)   ({cold.summary})", flush=True)
        print(f"{'':>13} unchanged {result['unchanged'].wall:5.2f} s wall, {result['unchanged'].cpu:5.2f} s CPU "
              f"({result['unchanged'].summary}); one changed {result['one'].wall:5.2f} s wall, "
              f"{result['one'].cpu:5.2f} s CPU ({result['one'].summary})", flush=True)
        if "check" in result:
            print(f"{'':>13} check {result['check'].wall:6.2f} s wall, {result['check'].cpu / size * 1000:6.2f} ms "
                  f"CPU/form   ({result['check'].summary})", flush=True)

    compared = next(r["forms"] for r in results if r["forms"])
    rendering = rendering_cpu(compared)
    print(f"rendering alone, CPU per document ({len(compared)} documents of the first workspace):")
    for name, seconds in rendering.items():
        print(f"  {name:<15} {seconds * 1000:6.2f} ms")
    shutil.rmtree(compared[0].parents[3], ignore_errors=True)
    docxtpl = rendering["docxtpl"]
    print("batch CPU per form, everything included, against docxtpl rendering alone:")
    for result in results:
        per_form = result["cold"].cpu / result["size"]
        print(f"  {result['size']:>6} forms: {per_form / docxtpl:5.2f}× docxtpl, "
              f"{per_form / rendering['python-docx']:5.2f}× python-docx")

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    by_size = {r["size"]: r for r in results}
    print("targets (issue 19):")
    if 1000 in by_size and 10000 in by_size:
        ratio = (by_size[10000]["cold"].cpu / 10000) / (by_size[1000]["cold"].cpu / 1000)
        print(f"  CPU/form at 10,000 within 1.2× of 1,000: {ratio:.2f}× {verdict(ratio <= 1.2)}")
    largest = by_size[max(by_size)]
    size = largest["size"]
    print(f"  cold {size} forms under 150 s: {largest['cold'].wall:.1f} s {verdict(largest['cold'].wall < 150)}")
    print(f"  one changed in {size} under 1 s: {largest['one'].wall:.2f} s {verdict(largest['one'].wall < 1)}")
    print(f"  unchanged {size} under 0.5 s: {largest['unchanged'].wall:.2f} s "
          f"{verdict(largest['unchanged'].wall < 0.5)}")
    peak = max(r["cold"].peak_total_kb for r in results) / 1024
    print(f"  peak memory (all processes) under 300 MB: {peak:.0f} MB {verdict(peak < 300)}")
    per_form = largest["cold"].cpu / size
    print(f"  CPU/form at most docxtpl's: {per_form * 1000:.2f} ms against {docxtpl * 1000:.2f} ms "
          f"{verdict(per_form <= docxtpl)}")
    if "check" in largest:
        print(f"  check over {size} under 60 s: {largest['check'].wall:.1f} s {verdict(largest['check'].wall < 60)}")


if __name__ == "__main__":
    main()
