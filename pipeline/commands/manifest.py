"""The manifest: what was built from what, so unchanged work is skipped and edits are kept.

Each term has one manifest, ``outputs/<term>/.worksum-manifest.json``. For every
document written it records the output's path, the SHA-256 of every source it
was built from (its form, and the previous period's folder of forms that
:mod:`pipeline.form.history` compares figures with), a fingerprint of what else
shaped it (the templates and layout profiles in use, config.yaml, the tool's version and code) and
the SHA-256 of the bytes written.

Two questions are answered from it without importing any heavy library:

* *Is this output up to date?* The form's bytes, the fingerprint and the
  output's existence match the record: skip it (:meth:`Ledger.up_to_date`).
* *Did someone edit this output?* Its bytes on disk no longer hash to what was
  written: keep the edited file as a backup before replacing it
  (:func:`land`).

The manifest is written atomically and updated as outputs land, so an
interruption leaves it describing files that exist. If it ever lags behind
(killed between writing an output and saving), the next run compares the file
with the bytes it would write before calling it edited, so no false backups.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.layout.parts import made_by_worksum
from pipeline.workspace.outputs import outputs_folder
from pipeline.workspace.write import write_atomic

MANIFEST_NAME = ".worksum-manifest.json"
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
    return _tree_sha256([folder], (".yaml",)) if folder.is_dir() else "absent"


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
        data = {"format": FORMAT, "about": "worksum 的生成记录，请勿手工修改",
                "outputs": [asdict(self.entries[key]) for key in sorted(self.entries)]}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        self.dirty = False


class Ledger:
    """Every term's manifest of one workspace, loaded on first use."""

    def __init__(self, root: Path | None):
        self.root = Path(os.path.abspath(root or Path.cwd()))
        self.outputs = outputs_folder(self.root)
        self.warnings: list[str] = []
        self._manifests: dict[str, Manifest] | None = None
        self._by_form: dict[str, Entry] = {}
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
                self._manifests[path.parent.name] = manifest
                for entry in manifest.entries.values():
                    if entry.kind == "form":
                        self._by_form[_form_of(entry)] = entry
        return self._manifests

    def _index(self) -> dict[str, Entry]:
        """Entries by form path (loading the manifests first)."""
        return self._by_form if self.manifests is not None else {}

    def relative(self, path: Path) -> str:
        """``path`` as the manifest writes it: relative to the workspace when inside it."""
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def source_key(self, path: Path, folder: bool = False) -> str:
        return self.relative(path) + ("/" if folder else "")

    def _current(self, key: str) -> str | None:
        if key.endswith("/"):
            if key not in self._folder_hashes:
                self._folder_hashes[key] = folder_sha256(self.root / key)
            return self._folder_hashes[key]
        return file_sha256(self.root / key)

    def up_to_date(self, form: Path, form_sha: str | None) -> Entry | None:
        """The entry that makes building ``form`` unnecessary, if there is one."""
        key = self.relative(form)
        entry = self._index().get(key)
        if entry is None or form_sha is None:
            return None
        current = {source: form_sha if source == key else self._current(source) for source in entry.forms}
        if not entry.made_by(current, self.fingerprint):
            return None
        return entry if (self.root / entry.output).is_file() else None

    def folder_hash(self, folder: Path) -> str:
        return self._current(self.source_key(folder, folder=True)) or "absent"

    def recorded(self, output: Path) -> Entry | None:
        """The entry of ``output`` in any term's manifest."""
        key = self.relative(output)
        for manifest in self.manifests.values():
            if key in manifest.entries:
                return manifest.entries[key]
        return None

    def record(self, term: str, output: Path, forms: dict[Path, str], docx: bytes, kind: str = "form",
               folders: tuple[Path, ...] = ()) -> None:
        """Note that ``output`` now holds ``docx``, built from ``forms`` (path → hash) and
        whatever forms ``folders`` hold."""
        key = self.relative(output)
        print_ = self.fingerprint
        sources = {self.relative(p): h for p, h in forms.items()}
        sources.update({self.source_key(f, folder=True): self.folder_hash(f) for f in folders})
        entry = Entry(output=key, forms=sources,
                      templates=print_.templates, config=print_.config, tool=print_.tool,
                      docx_sha256=sha256(docx), kind=kind,
                      built=dt.datetime.now().isoformat(timespec="seconds"))
        for other in self.manifests.values():
            for stale in [k for k, e in other.entries.items()
                          if k == key  # an output belongs to one term only
                          or (kind == "form" and e.kind == "form" and _form_of(e) == _form_of(entry))]:
                del other.entries[stale]  # a form's document moved (new title): the old file stays, unrecorded
                other.dirty = True
        manifest = self.manifests.get(term)
        if manifest is None:
            manifest = self.manifests[term] = Manifest(self.outputs / term / MANIFEST_NAME)
        manifest.entries[key] = entry
        manifest.dirty = True
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
