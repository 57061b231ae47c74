"""Add real records to ``tests/data/real_records.yaml`` from a plain staging file, by the file's rules.

Staging format (one published summary after another; ``//`` starts a comment line)::

    == SOURCE-ADDRESS | department | institution [| group]
    # heading as printed => key
    title as printed || details that follow
    title with no details

The group defaults to ``<site>-<page id>``; give it when the page shares text with another
document (then it joins that document's group and part). The part is computed from the group
by the split rule in the file's header, never chosen. Before anything is written the new
items and their headings are compared with every record already in the file and with the
other new documents (character 8-grams; a run of 16 characters printed alike, or ten 8-grams
in common, is shared text): a new document that shares text with another group must name
that group, or the script refuses.

    python3 bench/real_records_add.py STAGING [--write]

Without ``--write`` it only checks and prints what it would add. The records already in the
file are kept byte for byte; the new ones are appended after them.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "real_records.yaml"
KEYS = ("study", "duties", "safety", "finance", "health", "home")
FIELDS = ("title", "details", "heading", "expected", "department", "institution", "source", "group", "part")
INSTITUTIONS = ("幼儿园", "小学", "中学", "学校")
GRAM = 8
# Shared text, not a common phrase (以校长为组长,副校长为副组长 is written everywhere): a run of this
# many characters printed alike, or this many 8-grams in common.
SHARED_RUN = 16
SHARED_GRAMS = 10
PUNCTUATION = re.compile(r"[\s,，。、;；:：!！?？“”\"'‘’()（）《》【】\[\]—…·.0-9０-９]")


def part_of(group: str) -> str:
    """The split rule of the file's header: a group is held out when sha1's first byte is below 86."""
    return "held-out" if hashlib.sha1(f"worksum-real-split:{group}".encode()).digest()[0] < 86 else "tuning"


def default_group(source: str) -> str:
    host = urlparse(source).hostname or ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "com", "cn", "net", "org")]
    site = labels[-1] if labels else host
    tokens = re.findall(r"[0-9A-Za-z]+", urlparse(source).path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    numbers = [t for t in tokens if t.isdigit()]
    page = max(numbers or tokens or ["page"], key=len)  # 41329_2.htm is page 41329, not 2
    return f"{site}-{page}"


def grams(text: str) -> set[str]:
    text = PUNCTUATION.sub("", text)
    return {text[i:i + GRAM] for i in range(len(text) - GRAM + 1)}


def longest_run(texts: list[str], theirs: set[str]) -> int:
    """The longest stretch of ``texts`` (in characters) whose 8-grams all occur in ``theirs``."""
    best = 0
    for text in texts:
        run = 0
        for i in range(len(text) - GRAM + 1):
            run = run + 1 if text[i:i + GRAM] in theirs else 0
            best = max(best, run + GRAM - 1 if run else 0)
    return best


def parse(path: Path) -> list[dict]:
    """The staging file's records, each with its computed group and part."""
    records, document, heading, key = [], None, None, None
    derived: dict[str, str] = {}  # group made from an address → that address
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith("//"):
            continue
        if line.startswith("=="):
            parts = [p.strip() for p in line[2:].split("|")]
            if len(parts) not in (3, 4) or not parts[0].startswith("http") or parts[2] not in INSTITUTIONS:
                sys.exit(f"{where}: expected '== address | department | institution [| group]'")
            document = {"source": parts[0], "department": parts[1], "institution": parts[2],
                        "group": parts[3] if len(parts) == 4 else default_group(parts[0])}
            if len(parts) == 3 and derived.setdefault(document["group"], parts[0]) != parts[0]:
                sys.exit(f"{where}: {parts[0]} and {derived[document['group']]} would share the group "
                         f"{document['group']} by name only: give one of them a group")
            heading = key = None
        elif line.startswith("#"):
            heading, _, key = line[1:].rpartition("=>")
            heading, key = heading.strip(), key.strip()
            if key not in KEYS or not heading:
                sys.exit(f"{where}: expected '# heading => key' with key one of {', '.join(KEYS)}")
        else:
            if document is None or heading is None:
                sys.exit(f"{where}: a record before its document and heading")
            title, _, details = (s.strip() for s in line.partition("||"))
            record = {"title": title}
            if details:
                record["details"] = details
            record.update(heading=heading, expected=key, department=document["department"],
                          institution=document["institution"], source=document["source"],
                          group=document["group"], part=part_of(document["group"]))
            records.append(record)
    return records


def text_of(record: dict) -> str:
    return record["title"] + record.get("details", "")


def shared_text_of(record: dict) -> str:
    """What a copied template shares: the item and its heading (a long heading printed alike is a copy)."""
    return record["heading"] + "\n" + text_of(record)


def problems(existing: list[dict], new: list[dict]) -> list[str]:
    found = []
    old_sources = {r["source"] for r in existing}
    old_groups = {r["group"] for r in existing}
    for record in existing:
        if record["part"] != part_of(record["group"]):
            found.append(f"existing record breaks the split rule: {record['title']}")
    by_group: dict[str, set[str]] = collections.defaultdict(set)
    for record in existing + new:
        by_group[record["group"]] |= grams(shared_text_of(record))
    new_grams: dict[str, set[str]] = collections.defaultdict(set)
    for record in new:
        new_grams[record["group"]] |= grams(shared_text_of(record))
        if record["source"] in old_sources:
            found.append(f"{record['source']} is already in the file")
    texts: dict[str, list[str]] = collections.defaultdict(list)
    for record in new:
        texts[record["group"]].append(PUNCTUATION.sub("", shared_text_of(record)))
    for group, mine in new_grams.items():
        for other, theirs in by_group.items():
            if other == group or not mine & theirs:
                continue
            run = longest_run(texts[group], theirs)
            if run >= SHARED_RUN or len(mine & theirs) >= SHARED_GRAMS:
                found.append(f"{group} shares {len(mine & theirs)} 8-grams with {other} (a run of {run} "
                             f"characters): join that group")
    seen = collections.Counter((r["group"], PUNCTUATION.sub("", text_of(r))) for r in existing + new)
    found += [f"record twice in {group}: {text}" for (group, text), n in seen.items() if n > 1]
    for source, group in sorted({(r["source"], r["group"]) for r in new if r["group"] in old_groups}):
        print(f"note: {source} joins existing group {group}")
    return found


def render(records: list[dict]) -> str:
    ordered = [{field: r[field] for field in FIELDS if field in r} for r in records]
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("staging", type=Path)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--base", default="HEAD",
                        help="the commit whose records are kept as they are (the staging file holds the rest)")
    args = parser.parse_args(argv)
    import subprocess
    base_text = subprocess.run(["git", "show", f"{args.base}:tests/data/real_records.yaml"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout
    existing = yaml.safe_load(base_text)["records"]
    new = parse(args.staging)
    found = problems(existing, new)
    for line in found:
        print("problem:", line)
    everything = existing + new
    parts = collections.Counter(r["part"] for r in everything)
    print(f"{len(existing)} kept + {len(new)} new = {len(everything)} records; "
          f"{len({r['group'] for r in everything})} groups, {len({r['source'] for r in everything})} sources; "
          f"new documents {len({r['source'] for r in new})}, new groups "
          f"{len({r['group'] for r in new} - {r['group'] for r in existing})}; {dict(parts)}")
    if found:
        return 1
    if args.write:
        # The header comment is taken from the file as it stands (a sentence may be added to it);
        # the records kept are the base commit's, byte for byte.
        header = REAL.read_text(encoding="utf-8").split("\nrecords:\n", 1)[0]
        body = base_text.split("\nrecords:\n", 1)[1]
        text = f"{header}\nrecords:\n{body}" + ("" if body.endswith("\n") else "\n")
        REAL.write_text(text + render(new) if new else text, encoding="utf-8")
        assert yaml.safe_load(REAL.read_text(encoding="utf-8"))["records"] == existing + new
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
