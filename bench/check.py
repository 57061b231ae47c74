"""How long proofreading takes: `worksum check` on 100 forms, against `worksum validate` on the same forms.

Makes a workspace of 100 forms (25 campuses × 2 departments × 2 terms) from the
bundled sample forms. Every campus's form is derived from one of three
originals, so most sentences have near-copies on two dozen other campuses: the
worst case for the cross-form comparison, with thousands of warnings. Then it
measures, each as a fresh process in the same run:

* ``worksum validate`` on the 100 forms (the baseline: read + validate);
* ``worksum check`` on the 100 forms (jieba's dictionary load included);
* a process that only loads jieba's dictionary (the fixed cost);

and, in one process, the extra time proofreading adds to ``worksum build`` of the
bundled 12-form workspace (the build with proofreading against the build with it
switched off).

    python3 bench/check.py [--forms-only]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPUSES = 25


def make_workspace(target: Path) -> int:
    """Write config.yaml and 100 forms under ``target``; returns the number of forms."""
    campuses = [f"第{n + 1}校区" for n in range(CAMPUSES)]
    originals = ["本部校区", "东湖校区", "滨江校区"]
    (target / "config.yaml").write_text(
        "organization: 明德实验学校\n"
        f"campuses: [{', '.join(campuses)}]\n"
        "departments: [后勤处, 教务处]\n", encoding="utf-8")
    count = 0
    for term_folder in sorted((ROOT / "inputs").iterdir()):
        for n, campus in enumerate(campuses):
            original = originals[n % len(originals)]
            for source in sorted((term_folder / original).glob("*.yaml")):
                text = source.read_text(encoding="utf-8").replace(original, campus)
                # A little of each campus's own: figures and one sentence differ.
                text = re.sub(r"value: (\d+)", lambda m: f"value: {int(m.group(1)) + n}", text)
                text = text.replace("details: ", f"details: {campus}第{n + 1}项做法：", 1)
                form = target / "inputs" / term_folder.name / campus / source.name
                form.parent.mkdir(parents=True, exist_ok=True)
                form.write_text(text, encoding="utf-8")
                count += 1
    return count


def timed_process(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done


def build_overhead() -> tuple[float, float]:
    """Seconds to build the bundled workspace in one process, with and without proofreading."""
    sys.path.insert(0, str(ROOT))
    from pipeline.commands import build as builds
    from pipeline.commands.context import workspace_at
    from pipeline.proofread.proofreader import Proofreader

    def build_all(proofread: bool) -> float:
        workspace_at.cache_clear()
        original = Proofreader.check
        if not proofread:
            Proofreader.check = lambda self, targets: {t.path: [] for t in targets}
        try:
            start = time.perf_counter()
            for path in sorted((ROOT / "inputs").rglob("*.yaml")):
                workspace = builds.find_workspace(path.parent)
                builds.build_form(path, workspace)
            return time.perf_counter() - start
        finally:
            Proofreader.check = original

    build_all(True)  # warm up: imports, jieba's dictionary, templates
    without = min(build_all(False) for _ in range(3))
    with_checks = min(build_all(True) for _ in range(3))
    return without, with_checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms-only", action="store_true", help="skip the build overhead measurement")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="worksum-bench-check-"))
    try:
        forms = make_workspace(folder)
        validate_seconds, validated = timed_process(["-m", "pipeline", "validate"], folder)
        check_seconds, checked = timed_process(["-m", "pipeline", "check"], folder)
        jieba_seconds, _ = timed_process(["-c", "from pipeline.text import segment; segment.tokenizer()"], folder)
        python_seconds, _ = timed_process(["-c", "pass"], folder)
        warnings = checked.stderr.count(": 警告: ")
        lines = checked.stderr.splitlines()
        kinds = {name: sum(marker in line for line in lines) for name, marker in [
            ("copied from another campus", "其他校区同期"), ("reused from last term", "本校区上学期"),
            ("repeated within a form", "句子"), ("punctuation", "半角")]}

        print(f"forms: {forms} ({CAMPUSES} campuses × 2 departments × 2 terms)")
        print(f"worksum validate (baseline):   {validate_seconds:6.2f} s   exit {validated.returncode}")
        print(f"worksum check:                 {check_seconds:6.2f} s   exit {checked.returncode}, "
              f"{warnings} warnings")
        print("  of which: " + ", ".join(f"{name} {n}" for name, n in kinds.items()))
        print(f"  ratio check / validate:      {check_seconds / validate_seconds:6.2f}")
        print(f"  per form:                    {check_seconds / forms * 1000:6.1f} ms")
        print(f"python start-up alone:         {python_seconds:6.2f} s")
        print(f"jieba dictionary load alone:   {jieba_seconds - python_seconds:6.2f} s (process minus start-up)")
        print(f"check minus validate:          {check_seconds - validate_seconds:6.2f} s "
              f"(jieba load + cutting + comparing)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    if not args.forms_only:
        without, with_checks = build_overhead()
        print("build of the bundled 12 forms, one process, warm:")
        print(f"  without proofreading:        {without:6.2f} s")
        print(f"  with proofreading:           {with_checks:6.2f} s   ratio {with_checks / without:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
