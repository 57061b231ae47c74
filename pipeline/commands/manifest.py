"""The manifest: what was built from what, so unchanged work is skipped and edits are kept.

Each term has one manifest, ``outputs/<term>/.worksum-manifest.json``. For every
document written it records the output's path, the SHA-256 of every source it
was built from (its form first, then the previous period's form that
:mod:`pipeline.form.history` read figures from, or the place it looked when there
was none: ``absent``; a roll-up, the folders of forms it read), each file's size
and modification time, a fingerprint of what else shaped it (the templates and
layout profiles in use, config.yaml, the tool's version and code) and the SHA-256 of the bytes
written.

Two questions are answered from it without importing any heavy library:

* *Is this output up to date?* The sources' bytes, the fingerprint and the
  output's existence match the record: skip it (:meth:`Ledger.up_to_date`). A
  source whose size and modification time are those recorded is not read
  again (its time must be older than the record by :data:`RACY_NS`, since a
  file rewritten within one tick of the clock keeps its time); any other is
  hashed, and the hash decides.
* *Did someone edit this output?* Its bytes on disk no longer hash to what was
  written: keep the edited file as a backup before replacing it
  (:func:`land`).

The manifest is written atomically and updated as outputs land (each record
costs the same however many entries there are; the files are saved at
intervals and at the end), so an interruption leaves it describing files that
exist. If it ever lags behind
(killed between writing an output and saving), the next run compares the file
with the bytes it would write before calling it edited, so no false backups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.workspace.discovery import FORM_SUFFIXES
from pipeline.workspace.outputs import outputs_folder
from pipeline.workspace.write import write_atomic

MANIFEST_NAME = ".worksum-manifest.json"
#: A file's size and modification time stand for its bytes only when it was last modified
#: this long before it was recorded (nanoseconds).
RACY_NS = 2_000_000_000
#: What the manifest records for a source that does not exist (a previous period's form not yet there).
ABSENT = "absent"
FORMAT = 1
TEMPLATE_SUFFIXES = (".j2", ".yaml")  # templates, and layout profiles (templates/<name>.profile.yaml)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The file's hash, or None when it cannot be read (the build will say why)."""
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def file_state(path: Path) -> tuple[int, int] | None:
    """(size, modification time in ns) of the file at ``path``, or None when there is none."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


# --- fingerprint -----------------------------------------------------------

@dataclass(frozen=True)
class Fingerprint:
    """What shapes every document of a workspace besides its forms."""

    templates: str
    config: str
    tool: str


def template_folders(root: Path | None) -> list[Path]:
    """Every folder a template may come from: the workspace's templates/ and the built-in
    sets (all of them, whichever set a department uses; see :mod:`pipeline.workspace.templatesets`)."""
    from pipeline.workspace.templatesets import builtin_sets

    folders = [root / "templates"] if root else []
    folders.append(builtin_sets())
    return [f for f in folders if f.is_dir()]


def _tree_sha256(folders: list[Path], suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for number, folder in enumerate(folders):
        for path in sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file()):
            digest.update(f"{number}/{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(sha256(path.read_bytes()).encode())
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str:
    """A hash of every form in ``folder`` (names and bytes); "absent" when there is no folder."""
    return _tree_sha256([folder], FORM_SUFFIXES) if folder.is_dir() else "absent"


def tool_version() -> str:
    """The version plus a hash of the code, so a changed pipeline never reuses old outputs."""
    from pipeline import HOME, __version__

    return f"{__version__}+{_tree_sha256([HOME], ('.py', '.yaml'))[:12]}"  # code and built-in profiles


def fingerprint(root: Path | None) -> Fingerprint:
    config = (root / "config.yaml") if root else None
    config_hash = file_sha256(config) if config and config.is_file() else None
    return Fingerprint(templates=_tree_sha256(template_folders(root), TEMPLATE_SUFFIXES),
                       config=config_hash or "none", tool=tool_version())


# --- the manifest ----------------------------------------------------------

@dataclass
class Entry:
    """One output and what it was built from. Paths are relative to the workspace, with /."""

    output: str
    forms: dict[str, str]  # source → SHA-256: a form's bytes, or a folder's forms (key ends in /)
    templates: str
    config: str
    tool: str
    docx_sha256: str
    kind: str = "form"  # "form" or "rollup"
    built: str = ""  # when, local time, for people reading the file
    stats: dict[str, list[int]] = field(default_factory=dict)  # file source → [size, mtime ns] when hashed

    def made_by(self, forms: dict[str, str], print_: Fingerprint) -> bool:
        return (self.forms == forms and self.templates == print_.templates
                and self.config == print_.config and self.tool == print_.tool)


@dataclass
class Manifest:
    """One term's manifest file."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)  # by output
    dirty: bool = False

    @classmethod
    def load(cls, path: Path) -> tuple["Manifest", str | None]:
        """The manifest at ``path`` (empty if absent), and a warning if it was unreadable."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("unknown format")
            entries = {e["output"]: Entry(**e) for e in data["outputs"]}
        except FileNotFoundError:
            return cls(path), None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path), (f"{path}: 警告: 生成记录（manifest）无法读取，已忽略；"
                               f"本次将重新生成，修改过的文档会另存备份")
        return cls(path, entries), None

    def save(self) -> None:
        if not self.dirty:
            return
        # One entry a line, each by json's C encoder (indent= would use the pure-Python one, several
        # times slower): saving ten thousand entries at intervals must stay a small part of the run.
        head = json.dumps({"format": FORMAT, "about": "worksum 的生成记录，请勿手工修改"}, ensure_ascii=False)
        lines = [json.dumps(vars(self.entries[key]), ensure_ascii=False) for key in sorted(self.entries)]
        text = head[:-1] + ', "outputs": [\n' + ",\n".join(lines) + "\n]}\n"
        write_atomic(self.path, text.encode("utf-8"))
        self.dirty = False


class Ledger:
    """Every term's manifest of one workspace, loaded on first use.

    Entries are also held by form and by output, so recording a document and
    asking whether a form is up to date cost the same at ten forms or ten thousand.
    """

    def __init__(self, root: Path | None):
        self.root = Path(os.path.abspath(root or Path.cwd()))
        self._prefix = os.path.join(str(self.root), "")  # the root with a separator at its end
        self.outputs = outputs_folder(self.root)
        self.warnings: list[str] = []
        self._manifests: dict[str, Manifest] | None = None
        self._by_form: dict[str, Entry] = {}
        self._by_output: dict[str, str] = {}  # output → the term whose manifest has it
        self._fingerprint: Fingerprint | None = None
        self._workspace_root = root
        self._folder_hashes: dict[str, str] = {}  # computed once per run

    @property
    def fingerprint(self) -> Fingerprint:
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self._workspace_root)
        return self._fingerprint

    @property
    def manifests(self) -> dict[str, Manifest]:
        if self._manifests is None:
            self._manifests = {}
            for path in sorted(self.outputs.glob(f"*/{MANIFEST_NAME}")):
                manifest, warning = Manifest.load(path)
                if warning:
                    self.warnings.append(warning)
                term = path.parent.name
                self._manifests[term] = manifest
                for key, entry in manifest.entries.items():
                    self._by_output[key] = term
                    if entry.kind == "form":
                        self._by_form[_form_of(entry)] = entry
        return self._manifests

    def _index(self) -> dict[str, Entry]:
        """Entries by form path (loading the manifests first)."""
        return self._by_form if self.manifests is not None else {}

    def relative(self, path: Path) -> str:
        """``path`` as the manifest writes it: relative to the workspace when inside it.

        String operations, not pathlib: an unchanged rebuild asks this of every form."""
        absolute = os.path.abspath(path)
        inside = absolute.startswith(self._prefix)
        text = absolute[len(self._prefix):] if inside else absolute
        return text.replace(os.sep, "/") if os.sep != "/" else text

    def source_key(self, path: Path, folder: bool = False) -> str:
        return self.relative(path) + ("/" if folder else "")

    def _current(self, key: str, entry: Entry | None = None) -> str | None:
        """The hash of the source ``key`` now; the recorded one when its size and time are unchanged."""
        if key.endswith("/"):
            if key not in self._folder_hashes:
                self._folder_hashes[key] = folder_sha256(self.root / key)
            return self._folder_hashes[key]
        path = os.path.join(self._prefix, key)
        state = file_state(path)
        if state is None:
            return ABSENT
        if entry is not None and entry.stats.get(key) == list(state):
            return entry.forms[key]
        return file_sha256(Path(path)) or ABSENT

    def up_to_date(self, form: Path) -> Entry | None:
        """The entry that makes building ``form`` unnecessary, if there is one."""
        entry = self._index().get(self.relative(form))
        if entry is None:
            return None
        current = {source: self._current(source, entry) for source in entry.forms}
        if not entry.made_by(current, self.fingerprint):
            return None
        return entry if os.path.isfile(os.path.join(self._prefix, entry.output)) else None

    def folder_hash(self, folder: Path) -> str:
        return self._current(self.source_key(folder, folder=True)) or "absent"

    def recorded(self, output: Path) -> Entry | None:
        """The entry of ``output`` in any term's manifest."""
        key = self.relative(output)
        term = self._by_output.get(key) if self.manifests is not None else None
        return self.manifests[term].entries.get(key) if term is not None else None

    def record(self, term: str, output: Path, forms: dict[Path, str], docx: bytes, kind: str = "form",
               folders: tuple[Path, ...] = (), states: dict[Path, tuple[int, int] | None] | None = None) -> None:
        """Note that ``output`` now holds ``docx``, built from ``forms`` (path → hash; a form's own
        first) and whatever forms ``folders`` hold. ``states``: each file's (size, mtime ns) taken
        before it was hashed, so an unchanged rebuild need not hash it again."""
        key = self.relative(output)
        print_ = self.fingerprint
        sources = {self.relative(p): h for p, h in forms.items()}
        sources.update({self.source_key(f, folder=True): self.folder_hash(f) for f in folders})
        settled = time.time_ns() - RACY_NS
        stats = {self.relative(p): list(state) for p, state in (states or {}).items()
                 if state is not None and state[1] < settled}
        entry = Entry(output=key, forms=sources,
                      templates=print_.templates, config=print_.config, tool=print_.tool,
                      docx_sha256=sha256(docx), kind=kind,
                      built=dt.datetime.now().isoformat(timespec="seconds"), stats=stats)
        stale = [key]  # an output belongs to one term only
        if kind == "form":
            earlier = self._index().get(_form_of(entry))
            if earlier is not None and earlier.kind == "form":
                stale.append(earlier.output)  # the form's document moved (new title): the old file stays, unrecorded
        for old in stale:
            old_term = self._by_output.pop(old, None)
            if old_term is not None and old in self.manifests[old_term].entries:
                del self.manifests[old_term].entries[old]
                self.manifests[old_term].dirty = True
        manifest = self.manifests.get(term)
        if manifest is None:
            manifest = self.manifests[term] = Manifest(self.outputs / term / MANIFEST_NAME)
        manifest.entries[key] = entry
        manifest.dirty = True
        self._by_output[key] = term
        if kind == "form":
            self._by_form[_form_of(entry)] = entry

    def save(self) -> None:
        for manifest in (self._manifests or {}).values():
            manifest.save()


def _form_of(entry: Entry) -> str | None:
    """The form a form's entry was built from (its one source that is a file)."""
    return next((source for source in entry.forms if not source.endswith("/")), None)


# --- landing an output -----------------------------------------------------

@dataclass(frozen=True)
class Landed:
    """What happened when an output was written."""

    path: Path
    backup: Path | None = None  # where an edited earlier version was kept

    def notice(self, shown_path: str, noun: str = "文档") -> str:
        """The warning to print when an edited version was kept (``shown_path``: the target as
        shown; ``noun``: what it is, 文档 or 汇总)."""
        return (f"{shown_path}: 警告: 这份{noun}生成后被修改过，修改后的版本已另存为 "
                f"{self.backup.name}（同一文件夹），原位置写入了新生成的{noun}")


def land(target: Path, data: bytes, recorded: Entry | None) -> Landed:
    """Write ``data`` to ``target`` atomically, keeping an edited earlier version.

    The file on disk counts as edited when its bytes differ both from what the
    manifest says was written there and from ``data``. A file the manifest does
    not know counts as edited unless worksum made it and no office program has
    saved it since (:func:`made_by_worksum`): it may be someone's own work. An
    edited file is first copied to ``<name>.edited-<its mtime>.docx`` beside it.
    """
    backup = None
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        current = None
    if current is not None and current != data:
        from pipeline.layout.parts import made_by_worksum  # here: an unchanged rebuild never imports layout

        edited = sha256(current) != recorded.docx_sha256 if recorded else not made_by_worksum(current)
        if edited:
            backup = _backup_name(target)
            write_atomic(backup, current)
            mtime = target.stat().st_mtime
            os.utime(backup, (mtime, mtime))
    write_atomic(target, data)
    return Landed(target, backup)


def _backup_name(target: Path) -> Path:
    stamp = dt.datetime.fromtimestamp(target.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}.edited-{stamp}{target.suffix}")
    number = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}.edited-{stamp}-{number}{target.suffix}")
        number += 1
    return candidate
