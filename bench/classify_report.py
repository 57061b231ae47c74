"""How well category inference places records: accuracy per heading, overall, held out.

Runs :class:`pipeline.document.classify.Classifier` with the default headings (or a
workspace's config.yaml, ``--config``) over the labelled set
``tests/data/labelled_records.yaml`` and prints, per heading and overall:

* accuracy on the records the classifier is *sure* of (the target: ≥ 90%);
* accuracy counting every unsure record as wrong (a strict lower bound);
* how many records it was unsure of (reported to the user, not guessed).

Every 4th record (index 3, 7, 11, …) is held out: keyword lists must be tuned
on the other three quarters only, and the held-out figures show whether the
tuning generalises. ``-v`` lists the wrong and unsure records.

    python3 bench/classify_report.py [-v] [--config config.yaml]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from pipeline.document.classify import Classifier  # noqa: E402
from pipeline.form.config import Config  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled_records.yaml"
HEADINGS = ("study", "duties", "safety", "finance")
HOLD_OUT_EVERY = 4


def held_out(index: int) -> bool:
    return index % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1


@dataclass
class Tally:
    total: int = 0
    sure: int = 0
    right: int = 0  # right and sure
    unsure_right: int = 0  # the unsure guess happened to be right (not counted as right)
    mistakes: list = field(default_factory=list)
    unsure: list = field(default_factory=list)

    def add(self, record: dict, inference) -> None:
        self.total += 1
        expected = record["expected"]
        if inference.sure:
            self.sure += 1
            if inference.key == expected:
                self.right += 1
            else:
                self.mistakes.append((record, inference))
        else:
            self.unsure_right += inference.key == expected
            self.unsure.append((record, inference))

    @property
    def accuracy_sure(self) -> float:
        return self.right / self.sure if self.sure else 0.0

    @property
    def accuracy_strict(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def unsure_rate(self) -> float:
        return len(self.unsure) / self.total if self.total else 0.0


@dataclass
class Report:
    overall: Tally
    tuned: Tally  # the three quarters keyword lists may be tuned on
    held: Tally  # every 4th record
    per_heading: dict[str, Tally]
    per_department: dict[str, Tally]
    hard: Tally


def load_records(path: Path = LABELLED) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["records"]


def evaluate(records: list[dict], classifier: Classifier) -> Report:
    report = Report(Tally(), Tally(), Tally(), {k: Tally() for k in HEADINGS}, {}, Tally())
    for index, record in enumerate(records):
        inference = classifier.infer(record["title"], record.get("details"), record.get("result"))
        report.overall.add(record, inference)
        (report.held if held_out(index) else report.tuned).add(record, inference)
        report.per_heading[record["expected"]].add(record, inference)
        report.per_department.setdefault(record["department"], Tally()).add(record, inference)
        if record.get("hard"):
            report.hard.add(record, inference)
    return report


def _row(name: str, tally: Tally) -> str:
    return (f"{name:<14}{tally.total:>5}{tally.sure:>6}{tally.right:>6}{len(tally.unsure):>7}"
            f"{tally.accuracy_sure:>10.1%}{tally.accuracy_strict:>10.1%}{tally.unsure_rate:>9.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list wrong and unsure records of the tuning set (never the held-out quarter)")
    parser.add_argument("--config", type=Path, help="a workspace's config.yaml (default: built-in headings)")
    args = parser.parse_args()

    config = Config()
    if args.config:
        from pipeline.form.validate import read_config

        config = read_config(args.config.resolve().parent)
    classifier = Classifier(config.heading_list, config.words)
    records = load_records()
    report = evaluate(records, classifier)

    print(f"labelled records: {len(records)} ({LABELLED.relative_to(ROOT)})")
    print(f"{'':<14}{'n':>5}{'sure':>6}{'right':>6}{'unsure':>7}{'acc/sure':>10}{'acc/all':>10}{'unsure%':>9}")
    for key, tally in report.per_heading.items():
        print(_row(key, tally))
    for name, tally in sorted(report.per_department.items()):
        print(_row(f"dept {name}", tally))
    print(_row("hard", report.hard))
    print(_row("tuned (3/4)", report.tuned))
    print(_row("held out 1/4", report.held))
    print(_row("OVERALL", report.overall))
    print(f"unsure guesses that would have been right: {report.overall.unsure_right} of {len(report.overall.unsure)}")
    if args.verbose:
        for label, items in (("WRONG", report.tuned.mistakes), ("UNSURE", report.tuned.unsure)):
            for record, inference in items:
                mark = "H" if record.get("hard") else " "
                print(f"{label:<7}{mark} {record['expected']:>8} → {inference.key:<8}"
                      f"(runner-up {inference.runner_up}, {inference.score:.1f}) {record['title']}")
    target_met = report.overall.accuracy_sure >= 0.90 and report.overall.unsure_rate <= 0.15
    print("target (≥90% on sure, ≤15% unsure):", "met" if target_met else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
