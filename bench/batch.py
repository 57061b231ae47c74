"""Benchmark: build N synthetic forms cold, then again with nothing changed.

    python3 bench/batch.py [--forms 1000] [--jobs 0] [--keep]

The forms are made from the sample workspace's forms (so they have a real
form's size and shape: 5–8 activities, counts, incidents, shortcomings),
spread over 2 terms × 10 departments × as many campuses as needed, with the
numbers varied and some categories removed so jieba has to place them. They
are written to a temporary workspace; each run is a real ``python -m pipeline
build`` process, timed from outside.

Printed: the cold build (forms/second, ms per form, peak memory of the
largest process), the no-change rebuild time, and as a baseline measured in the
same run, a single-process forced rebuild (``-j 1 --force``), to show what the
pool gains. Targets on a 2-core machine: cold ≤ 30 s for 1,000 forms, the
unchanged rebuild ≤ 1 s.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TERMS = ("2024-2025-1", "2023-2024-2")
DEPARTMENTS = ("后勤处", "教务处", "德育处", "安全办", "总务处", "教科室", "办公室", "工会", "团委", "信息中心")
DIGITS = "零一二三四五六七八九"


def campus_name(number: int) -> str:
    tens, ones = divmod(number, 10)
    text = (DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (DIGITS[ones] if ones or not tens else "")
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


def make_workspace(folder: Path, count: int, rng: random.Random) -> None:
    campuses = [campus_name(n) for n in range(1, math.ceil(count / (len(TERMS) * len(DEPARTMENTS))) + 1)]
    (folder / "config.yaml").write_text(yaml.safe_dump(
        {"organization": "明德实验学校", "campuses": campuses, "departments": list(DEPARTMENTS)},
        allow_unicode=True, sort_keys=False), encoding="utf-8")
    pool = seeds()
    made = 0
    for term in TERMS:
        for campus in campuses:
            for department in DEPARTMENTS:
                if made == count:
                    return
                form = synthetic(rng.choice(pool), term, campus, department, rng)
                path = folder / "inputs" / term / campus / f"{department}.yaml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
                made += 1


def _spin(_: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return time.perf_counter() - started


def parallel_capacity(workers: int) -> float:
    """How many cores' worth of Python work this machine really runs at once (≤ workers)."""
    import multiprocessing

    one = min(_spin(0) for _ in range(2))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        started = time.perf_counter()
        pool.map(_spin, range(workers * 2))
        elapsed = time.perf_counter() - started
    return one * workers * 2 / elapsed


def run(folder: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline", "build", *args], cwd=folder, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    summary = (done.stderr.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0: one per core)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="worksum-bench-"))
    try:
        make_workspace(folder, args.forms, random.Random(20250116))
        size = sum(p.stat().st_size for p in (folder / "inputs").rglob("*.yaml")) / args.forms
        cores = os.cpu_count() or 1
        print(f"{args.forms} forms (average {size / 1024:.1f} KB) in {folder}")
        print(f"machine: {cores} cores, measured parallel capacity {parallel_capacity(cores):.2f} cores "
              f"(the most any pool can gain here)")

        cold, cold_summary = run(folder, "-j", str(args.jobs))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        unchanged, unchanged_summary = run(folder, "-j", str(args.jobs))
        single, _ = run(folder, "-j", "1", "--force")

        print(f"cold build:        {cold:7.2f} s  {args.forms / cold:7.1f} forms/s  {cold / args.forms * 1000:6.2f} ms/form"
              f"   ({cold_summary})")
        print(f"peak memory:       {peak_mb:7.1f} MB (largest process)")
        print(f"unchanged rebuild: {unchanged:7.2f} s   ({unchanged_summary})")
        print(f"baseline, 1 process, forced: {single:.2f} s → the pool is {single / cold:.2f}× faster; "
              f"the unchanged rebuild takes {unchanged / cold:.1%} of the cold build")
        print(f"targets: cold ≤ 30 s {'met' if cold <= 30 else 'MISSED'}; "
              f"unchanged ≤ 1 s {'met' if unchanged <= 1 else 'MISSED'}")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
