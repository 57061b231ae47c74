"""How fast worksum makes a document, against the zip floor and docxtpl, in one run.

    python3 bench/render.py            # from the checkout's root; about two minutes
    python3 bench/render.py --rounds 5 # quicker, noisier

Measured on the same realistic forms (the sample workspace's inputs/2024-2025-1
and the spec's example form), per document, median over every form and round:

  floor     the finished parts of worksum's document, written with zipfile
            (ZIP_DEFLATED), then to disk like worksum writes (write_atomic)
  layout    worksum's layout stage (fast engine) + the same write
  pipeline  worksum's whole pipeline for a form as issue 7 lists it: read and
            validate → last period's figures → group → word → lay out → write
  build     what ``worksum build`` does per form: the pipeline plus proofreading
            (added after the issue was written), and each stage on its own, to
            show where the time goes; its ratio to docxtpl is printed too
  docxtpl   docxtpl rendering a template that makes the same paragraphs and
            styles (built here from worksum's base package plus Jinja tags), then
            the same write; its output is checked against worksum's
  reference worksum's python-docx layout engine + write, for comparison

The documents are written to a RAM-backed folder (/dev/shm when there is one,
or ``--out DIR``): flushing a file to disk (write_atomic's fsync) costs the same
for every method and, on a busy disk, more than rendering, so it would blur what
is compared; it is measured on its own, on the temporary folder's disk, and
printed beside the rest.

Then start-up to first byte and exit of ``worksum --help`` and ``worksum validate
FORM`` (subprocesses of ``python -m pipeline``), import times, and memory over a
batch of 1,000 distinct forms (RSS and tracemalloc after 100 and 1,000 documents).

The four targets of issue 7 are printed as ratios with 达标/未达标 (met / not met);
the exit status is 0 when all are met. Needs ``pip install '.[bench]'`` (docxtpl).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Built from a copy outside any workspace, as the tests do (in place it would meet the sample
# workspace's config.yaml and its campus list).
EXAMPLE_FORM = Path(tempfile.mkdtemp(prefix="worksum-bench-")) / "example-form.yaml"
shutil.copy(ROOT / "tests" / "data" / "example-form.yaml", EXAMPLE_FORM)
SAMPLE_TERM = ROOT / "inputs" / "2024-2025-1"
BATCH = 1000
CHECKPOINT = 100

# The targets (issue 7)
LAYOUT_OVER_FLOOR_MAX = 2.0
DOCXTPL_OVER_PIPELINE_MIN = 2.0
STARTUP_MAX_SECONDS = 0.3
#: "Flat": what 900 more documents may add, in all (caches are full after the first 100).
GROWTH_MAX_TRACED_BYTES = 256 * 1024
GROWTH_MAX_RSS_BYTES = 2 * 1024 * 1024


def forms() -> list[Path]:
    return [*sorted(SAMPLE_TERM.rglob("*.yaml")), EXAMPLE_FORM]


def env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


# --- docxtpl: a template making the same document ----------------------------

def docxtpl_template(profile) -> bytes:
    """worksum's base package, its body replaced by a docxtpl template of the same paragraphs.

    One paragraph per role, as a docxtpl user would draw them in Word, chosen with
    ``{%p if %}``; the run-in title is its own run with the ItemTitle style; the
    signature lines carry their right indent; the title's lines are joined by
    newlines, which docxtpl turns into ``<w:br/>``.
    """
    from pipeline.layout.parts import RUNIN_STYLE, base_parts, section_xml, zip_parts

    def tag(text: str) -> str:
        return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"

    def para(style: str, runs: str = "", ind: str = "") -> str:
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ind}</w:pPr>{runs}</w:p>'

    text_run = "<w:r><w:t>{{ p.text }}</w:t></w:r>"
    runin_run = f'<w:r><w:rPr><w:rStyle w:val="{RUNIN_STYLE}"/></w:rPr><w:t>{{{{ p.runin }}}}</w:t></w:r>'
    branches = [
        ("title", para("Title", text_run)),
        ("blank", para("Normal")),
        ("body", para("Normal", text_run)),
        ("heading1", para("Heading1", text_run)),
        ("heading2", para("Heading2", text_run)),
        ("heading3", para("Heading3", text_run)),
        ("item", para("Normal", runin_run + text_run)),
        ("signature", para("Signature", text_run, '<w:ind w:right="{{ p.indent }}"/>')),
        ("date", para("Signature", text_run, '<w:ind w:right="{{ p.indent }}"/>')),
    ]
    body = [tag("{%p for p in paragraphs %}")]
    for i, (role, xml) in enumerate(branches):
        body += [tag(f"{{%p {'if' if i == 0 else 'elif'} p.role == '{role}' %}}"), xml]
    body += [tag("{%p endif %}"), tag("{%p endfor %}")]
    parts = base_parts(profile)
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        f"<w:body>{section_xml(profile)}", "<w:body>" + "".join(body) + section_xml(profile))
    parts["docProps/core.xml"] = (parts["docProps/core.xml"]
                                  .replace("<dc:title></dc:title>", "<dc:title>{{ title }}</dc:title>")
                                  .replace("<dc:creator></dc:creator>", "<dc:creator>{{ author }}</dc:creator>"))
    return zip_parts((name, text.encode("utf-8")) for name, text in parts.items())


def docxtpl_context(manuscript, profile) -> dict:
    """The manuscript as docxtpl's context: the same paragraphs, text cleaned, title lines split."""
    from pipeline.layout.measure import balanced_lines, clean, signature_indents

    signature = next((p.text for p in manuscript.paragraphs if p.role == "signature"), "")
    date = next((p.text for p in manuscript.paragraphs if p.role == "date"), "")
    indents = dict(zip(("signature", "date"), signature_indents(profile, clean(signature), clean(date))))
    paragraphs = []
    for p in manuscript.paragraphs:
        text = clean(p.text)
        if p.role == "title":
            text = "\n".join(balanced_lines(text, profile.title_chars_per_line))
        paragraphs.append({"role": p.role, "text": text, "runin": clean(p.runin), "indent": indents.get(p.role)})
    return {"paragraphs": paragraphs, "title": clean(manuscript.title), "author": clean(manuscript.author)}


def same_document(ours: bytes, theirs: bytes) -> str | None:
    """None when both have the same paragraphs (style, text, right indent); else the first difference."""
    import docx

    def described(data: bytes):
        document = docx.Document(io.BytesIO(data))
        return [(p.style.name, p.text, p.paragraph_format.right_indent) for p in document.paragraphs]

    a, b = described(ours), described(theirs)
    if len(a) != len(b):
        return f"{len(a)} paragraphs against {len(b)}"
    return next((f"paragraph {i + 1}: {x} against {y}" for i, (x, y) in enumerate(zip(a, b)) if x != y), None)


# --- per-document timings -----------------------------------------------------

def stages(path: Path, workspace, target: Path, proofread: bool = True):
    """pipeline.commands.build.build_form's stages one by one, timed, then the write: (times, manuscript).

    It mirrors build_form step for step (render_timings checks that both make the
    same bytes); without ``proofread`` it is the pipeline as issue 7 lists it.
    """
    from pipeline.commands.build import FormClassifier
    from pipeline.document.assemble import assemble
    from pipeline.form.history import previous_figures
    from pipeline.form.validate import read_form
    from pipeline.layout import profile as profiles
    from pipeline.layout.engines import lay_out
    from pipeline.proofread.proofreader import Checked
    from pipeline.wording.summary import word
    from pipeline.workspace.write import write_atomic

    times, start = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[name], start = now - start, now

    form, loaded = read_form(path, workspace.config)
    lap("read")
    classifier = FormClassifier(workspace)
    if proofread:
        workspace.proofreader.check([Checked(path.resolve(), loaded.path, form, loaded, classifier)])
        lap("proofread")
    earlier = previous_figures(form, workspace.root)
    lap("history")
    summary, _ = assemble(form, workspace.config, classifier, loaded.diagnostic, earlier.values)
    lap("group")
    manuscript = word(summary, workspace.templates_for(form.department))
    lap("word")
    data = lay_out(manuscript, profiles.get(workspace.config.format))
    lap("lay out")
    write_atomic(target, data)
    lap("write")
    return times, manuscript


def ram_folder() -> Path | None:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def render_timings(rounds: int, folder: Path | None) -> dict:
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from pipeline.commands.build import build_form
    from pipeline.commands.context import find_workspace
    from pipeline.layout import engines
    from pipeline.layout import profile as profiles
    from pipeline.workspace.write import write_atomic

    out = Path(tempfile.mkdtemp(prefix="worksum-bench-", dir=folder))
    cases = []
    for path in forms():
        workspace = find_workspace(path.resolve().parent)
        _, manuscript = stages(path, workspace, out / "first.docx")
        profile = profiles.get(workspace.config.format)
        docx_bytes = engines.lay_out(manuscript, profile)
        if docx_bytes != build_form(path, workspace).docx:
            sys.exit(f"bench/render.py no longer builds {path} as pipeline.commands.build.build_form does; update stages()")
        with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
            parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
        cases.append((path, workspace, manuscript, profile, docx_bytes, parts))

    profile = cases[0][3]
    template = DocxTemplate(io.BytesIO(docxtpl_template(profile)))  # reloaded by docxtpl for every render
    jinja = Environment(autoescape=True)

    def floor(case, target, write=True):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in case[5]:
                archive.writestr(name, data)
        if write:
            write_atomic(target, buffer.getvalue())

    def fast(case, target, write=True):
        data = engines.lay_out(case[2], case[3])
        if write:
            write_atomic(target, data)

    def reference(case, target):
        write_atomic(target, engines.lay_out(case[2], case[3], engine="python-docx"))

    def pipeline(case, target):
        stages(case[0], case[1], target, proofread=False)

    def build(case, target):
        write_atomic(target, build_form(case[0], case[1]).docx)

    def with_docxtpl(case, target):
        template.render(docxtpl_context(case[2], case[3]), jinja_env=jinja, autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
        write_atomic(target, buffer.getvalue())

    # the documents must be the same before their times mean anything
    for case in cases:
        with_docxtpl(case, out / "check.docx")
        difference = same_document(case[4], (out / "check.docx").read_bytes())
        if difference:
            sys.exit(f"docxtpl's document differs from worksum's for {case[0]}: {difference}")
        if engines.lay_out(case[2], case[3], engine="python-docx") != case[4]:
            sys.exit(f"the fast engine's bytes differ from the reference engine's for {case[0]}")

    measures = {"floor": floor, "layout": fast, "floor (in memory)": lambda c, t: floor(c, t, write=False),
                "layout (in memory)": lambda c, t: fast(c, t, write=False), "pipeline": pipeline, "build": build,
                "docxtpl": with_docxtpl, "reference": reference}
    samples = {name: [] for name in measures}
    for name, measure in measures.items():  # warm every path: caches, jieba, templates
        for case in cases:
            measure(case, out / "warm.docx")
    gc.collect()
    # Round after round, each method makes every form's document in turn: within a
    # round it runs as in a batch of its own, and a drift in the machine's load
    # (other processes) spreads over all methods alike.
    for _ in range(rounds):
        for name, measure in measures.items():
            for i, case in enumerate(cases):
                target = out / f"{name.split()[0]}-{i}.docx"
                start = time.perf_counter()
                measure(case, target)
                samples[name].append(time.perf_counter() - start)
    stage_samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for i, case in enumerate(cases):
            for name, seconds in stages(case[0], case[1], out / f"stages-{i}.docx")[0].items():
                stage_samples.setdefault(name, []).append(seconds)
    shutil.rmtree(out)
    disk = Path(tempfile.mkdtemp(prefix="worksum-bench-"))  # the temporary folder, on its disk
    disk_writes = []
    for _ in range(rounds):
        for i, case in enumerate(cases):
            start = time.perf_counter()
            write_atomic(disk / f"{i}.docx", case[4])
            disk_writes.append(time.perf_counter() - start)
    shutil.rmtree(disk)
    paragraphs = statistics.median(len(case[2].paragraphs) for case in cases)
    sizes = statistics.median(len(case[4]) for case in cases)
    return {"medians_ms": {name: median_ms(values) for name, values in samples.items()},
            "stages_ms": {name: median_ms(values) for name, values in stage_samples.items()},
            "documents": len(cases), "samples": len(samples["floor"]), "paragraphs": paragraphs, "bytes": sizes,
            "folder": str(out.parent), "disk_write_ms": median_ms(disk_writes), "disk": str(disk.parent)}


# --- start-up and imports -----------------------------------------------------

def first_byte_and_exit(args: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds from spawning ``python -m pipeline ARGS`` to its first output byte, and to its exit."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        selector.register(process.stderr, selectors.EVENT_READ)
        open_streams = 2
        while open_streams:
            for key, _ in selector.select():
                chunk = os.read(key.fileobj.fileno(), 65536)
                if chunk and first is None:
                    first = time.perf_counter() - start
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
    process.wait()
    if process.returncode != 0:
        sys.exit(f"python -m pipeline {' '.join(args)} failed with status {process.returncode}")
    return first if first is not None else float("nan"), time.perf_counter() - start


def startup(runs: int) -> dict:
    form = SAMPLE_TERM / "东湖校区" / "后勤处.yaml"
    commands = {"worksum --help": ["--help"], "worksum validate FORM": ["validate", str(form)]}
    results = {}
    for label, args in commands.items():
        first_byte_and_exit(args, ROOT)  # warm the file cache
        timings = [first_byte_and_exit(args, ROOT) for _ in range(runs)]
        results[label] = {"first_byte": statistics.median(t[0] for t in timings),
                          "exit": statistics.median(t[1] for t in timings),
                          "exit_max": max(t[1] for t in timings)}
    return results


IMPORTS = ["click", "yaml", "pydantic", "pipeline.cli", "pipeline.form.validate", "pipeline.commands.build", "pipeline.layout.fast",
           "jinja2", "pipeline.wording", "jieba", "lxml.etree", "docx", "docxtpl"]


def import_times(runs: int) -> dict:
    """Seconds to import each module in a fresh interpreter (its own dependencies included)."""
    code = "import time, importlib, sys; t = time.perf_counter(); importlib.import_module(sys.argv[1]); " \
           "print(time.perf_counter() - t)"
    results = {}
    for module in ["(python itself)"] + IMPORTS:
        if module == "(python itself)":
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-c", "pass"], env=env(), check=True)
                timings.append(time.perf_counter() - start)
        else:
            timings = [float(subprocess.run([sys.executable, "-c", code, module], env=env(), cwd=ROOT,
                                            capture_output=True, text=True, check=True).stdout)
                       for _ in range(runs)]
        results[module] = statistics.median(timings)
    return results


# --- memory over a batch ------------------------------------------------------

def batch_forms(folder: Path, count: int) -> list[Path]:
    """``count`` distinct forms in a copy of the sample workspace: each sample form with
    its details numbered, so no two documents are the same."""
    shutil.copy(ROOT / "config.yaml", folder / "config.yaml")
    samples = sorted(SAMPLE_TERM.rglob("*.yaml"))
    made = []
    for i in range(count):
        sample = samples[i % len(samples)]
        target = folder / "inputs" / "2024-2025-1" / sample.parent.name / f"{sample.stem}-{i:04}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sample.read_text(encoding="utf-8").replace("details: ", f"details: 第{i + 1}批，"),
                          encoding="utf-8")
        made.append(target)
    return made


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_batch(count: int, traced: bool, folder: Path | None) -> dict:
    """Build ``count`` distinct forms in this process; memory after CHECKPOINT and after all."""
    import tracemalloc

    from pipeline.commands.build import build_form
    from pipeline.commands.context import find_workspace
    from pipeline.workspace.write import write_atomic

    folder = Path(tempfile.mkdtemp(prefix="worksum-batch-", dir=folder))
    paths = batch_forms(folder, count)
    out = folder / "outputs"
    if traced:
        tracemalloc.start()
    marks, clock = {}, {}
    start = time.perf_counter()
    for i, path in enumerate(paths, 1):
        write_atomic(out / f"{i:04}.docx", build_form(path, find_workspace(path.parent)).docx)
        if i in (1, CHECKPOINT, count):
            clock[i] = time.perf_counter()
            gc.collect()
            marks[i] = tracemalloc.get_traced_memory()[0] if traced else rss_bytes()
    shutil.rmtree(folder)
    return {"marks": marks, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "first": clock[1] - start, "per_document": (clock[count] - clock[CHECKPOINT]) / (count - CHECKPOINT)}


def memory(count: int, folder: Path | None) -> dict:
    results = {}
    for traced in (False, True):
        done = subprocess.run([sys.executable, __file__, "--memory-batch", str(count)]
                              + (["--traced"] if traced else []) + (["--out", str(folder)] if folder else []),
                              env=env(), cwd=ROOT, capture_output=True, text=True, check=True)
        results["traced" if traced else "rss"] = json.loads(done.stdout)
    return results


# --- the report ---------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "达标" if ok else "未达标"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds over the forms (default 30)")
    parser.add_argument("--batch", type=int, default=BATCH, help="forms in the memory batch (default 1000)")
    parser.add_argument("--out", type=Path, help="folder for the documents (default: /dev/shm if any)")
    parser.add_argument("--memory-batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.out or ram_folder()
    if args.memory_batch:
        result = memory_batch(args.memory_batch, args.traced, folder)
        print(json.dumps({**result, "marks": {str(k): v for k, v in result["marks"].items()}}))
        return 0

    import docx
    import docxtpl

    print(f"worksum 渲染基准：Python {sys.version.split()[0]}，{os.cpu_count()} 核，"
          f"docxtpl {docxtpl.__version__}，python-docx {docx.__version__}")
    render = render_timings(args.rounds, folder)
    m = render["medians_ms"]
    print(f"\n每份文档耗时（中位数，{render['documents']} 份填报表 × {args.rounds} 轮 = {render['samples']} 个样本；"
          f"每份约 {render['paragraphs']:.0f} 段、{render['bytes'] / 1024:.1f} KB；写入 {render['folder']}）")
    rows = [("floor", "下限：zipfile 写出成品各部件 + 写盘"), ("layout", "worksum 排版 + 写盘（快速引擎）"),
            ("pipeline", "worksum 全流程（issue 7 所列）：读取校验→上一期数据→分组→成文→排版→写盘"),
            ("build", "worksum build 每份：全流程再加校对（proofread）"), ("docxtpl", "docxtpl 渲染同一文档 + 写盘"),
            ("reference", "worksum 排版 + 写盘（python-docx 参考引擎）"),
            ("floor (in memory)", "下限，仅内存（不写盘）"), ("layout (in memory)", "worksum 排版，仅内存（不写盘）")]
    for key, label in rows:
        print(f"  {m[key]:8.3f} ms  {label}")
    print(f"  {render['disk_write_ms']:8.3f} ms  另计：写到磁盘 {render['disk']}（write_atomic，含 fsync），各方法相同")
    labels = {"read": "读取并校验", "proofread": "校对", "history": "读上一期数据", "group": "分组（含推断分类）",
              "word": "成文", "lay out": "排版", "write": "写盘"}
    print("  全流程各阶段：" + "，".join(f"{labels[k]} {v:.2f}" for k, v in render["stages_ms"].items()) + "（ms）")

    print("\n启动到第一个字节 / 退出（python -m pipeline，中位数）")
    starts = startup(runs=15)
    for label, timing in starts.items():
        print(f"  {timing['first_byte']:.3f} s / {timing['exit']:.3f} s（最慢 {timing['exit_max']:.3f} s）  {label}")

    print("\n导入耗时（新进程中单独导入，含其依赖，中位数）")
    for module, seconds in import_times(runs=5).items():
        print(f"  {seconds * 1000:7.1f} ms  {module}")

    print(f"\n内存：连续生成 {args.batch} 份不同的填报表（同一进程）")
    mem = memory(args.batch, folder)
    rss, traced = mem["rss"]["marks"], mem["traced"]["marks"]
    first, last = str(CHECKPOINT), str(args.batch)
    rss_growth = rss[last] - rss[first]
    traced_growth = traced[last] - traced[first]
    print(f"  RSS：第 {first} 份后 {rss[first] / 2**20:.1f} MB，第 {last} 份后 {rss[last] / 2**20:.1f} MB"
          f"（增长 {rss_growth / 1024:+.0f} KB）；峰值 {mem['rss']['peak_rss'] / 2**20:.1f} MB")
    print(f"  时间：第 1 份 {mem['rss']['first']:.1f} s（载入 jieba 词典、读入工作区全部 {args.batch} 份填报表供校对），"
          f"此后每份 {mem['rss']['per_document'] * 1000:.2f} ms（这些表是示例表的近似副本，"
          f"校对时每句都与数百句相近，是跨表比对的最坏情况）")
    print(f"  tracemalloc：第 {first} 份后 {traced[first] / 1024:.0f} KB，第 {last} 份后 {traced[last] / 1024:.0f} KB"
          f"（增长 {traced_growth / 1024:+.1f} KB，每份 {traced_growth / (args.batch - CHECKPOINT):+.1f} B）")

    layout_ratio = m["layout"] / m["floor"]
    memory_ratio = m["layout (in memory)"] / m["floor (in memory)"]
    docxtpl_ratio = m["docxtpl"] / m["pipeline"]
    docxtpl_build_ratio = m["docxtpl"] / m["build"]
    slowest_start = max(t["exit"] for t in starts.values())
    flat = traced_growth <= GROWTH_MAX_TRACED_BYTES and rss_growth <= GROWTH_MAX_RSS_BYTES
    targets = [
        (layout_ratio <= LAYOUT_OVER_FLOOR_MAX and memory_ratio <= LAYOUT_OVER_FLOOR_MAX,
         f"worksum 排版+写盘 / 下限 = {layout_ratio:.2f}×（仅内存 {memory_ratio:.2f}×），目标 ≤ {LAYOUT_OVER_FLOOR_MAX:g}×"),
        (docxtpl_ratio >= DOCXTPL_OVER_PIPELINE_MIN,
         f"docxtpl / worksum 全流程 = {docxtpl_ratio:.2f}×，目标 ≥ {DOCXTPL_OVER_PIPELINE_MIN:g}×"),
        (slowest_start < STARTUP_MAX_SECONDS,
         f"worksum --help 与 validate 的墙钟时间 = {slowest_start:.3f} s（中位数中较慢者），目标 < {STARTUP_MAX_SECONDS:g} s"),
        (flat, f"内存随批量平稳：第 {first}→{last} 份 tracemalloc 增长 {traced_growth / 1024:+.1f} KB"
               f"（上限 {GROWTH_MAX_TRACED_BYTES // 1024} KB），RSS 增长 {rss_growth / 1024:+.0f} KB"
               f"（上限 {GROWTH_MAX_RSS_BYTES // 1024} KB）"),
    ]
    print(f"\n比值：worksum/下限 = {layout_ratio:.2f}×，docxtpl/worksum = {docxtpl_ratio:.2f}×"
          f"（含校对的 worksum build：{docxtpl_build_ratio:.2f}×），"
          f"python-docx 参考引擎/快速引擎 = {m['reference'] / m['layout']:.1f}×（均含写盘）")
    print("\n目标")
    for ok, text in targets:
        print(f"  [{verdict(ok)}] {text}")
    print(f"  [参考] docxtpl / worksum build（全流程再加校对，每份多 {m['build'] - m['pipeline']:.2f} ms）"
          f" = {docxtpl_build_ratio:.2f}×")
    met = all(ok for ok, _ in targets)
    print(f"\n{'四项目标全部达标' if met else '有目标未达标'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
