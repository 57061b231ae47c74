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

Beside each manifest, a *quick file* (``.worksum-manifest.quick``) holds what the first question
needs per form, in a form quick to load; it names the SHA-256 of the manifest's bytes and stands for the
manifest only while they match, so an unchanged rebuild of ten thousand forms need not parse and check
the manifests (:meth:`Ledger.up_to_date`). Whatever it cannot answer yes to, the manifest answers.

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
import marshal
import os
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath

from pipeline.workspace.discovery import FORM_SUFFIXES
from pipeline.workspace.outputs import OUTPUTS_FOLDER, outputs_folder
from pipeline.workspace.reading import file_state, read_capped
from pipeline.workspace.write import describe, write_atomic

MANIFEST_NAME = ".worksum-manifest.json"
#: Beside each manifest: what an unchanged rebuild asks of it, per form, in a form quick to load
#: (see :func:`write_quick`). It stands for the manifest only while it names the manifest's SHA-256.
QUICK_NAME = ".worksum-manifest.quick"
QUICK_FORMAT = 1
#: A quick file starts with this and the manifest's SHA-256 (hex), then a line break and the marshal data.
QUICK_HEAD = b"worksum-quick 1 "
#: A file's size and modification time stand for its bytes only when it was last modified
#: this long before it was recorded (nanoseconds).
RACY_NS = 2_000_000_000
#: What the manifest records for a source that does not exist (a previous period's form not yet there).
ABSENT = "absent"
FORMAT = 1
#: A manifest is a few hundred bytes per document; one past this is not ours.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: The largest output kept as an edited copy before it is replaced (a .docx or PDF is a few MB).
MAX_KEPT_BYTES = 1024 * 1024 * 1024
TEMPLATE_SUFFIXES = (".j2", ".yaml")  # templates, and layout profiles (templates/<name>.profile.yaml)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """The file's hash, or None when it cannot be read (the build will say why): never
    waits on a pipe or reads a device (:func:`pipeline.workspace.reading.read_capped`)."""
    return _hash(path)


def _hash(path: Path) -> str | None:
    try:
        return sha256(read_capped(path, MAX_SOURCE_BYTES))
    except OSError:
        return None


#: The largest source hashed: the loader refuses forms past 2 MB (pipeline.form.loader.MAX_BYTES).
MAX_SOURCE_BYTES = 4 * 1024 * 1024


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
            digest.update(f"{number}/{path.relative_to(folder).as_posix()}\0".encode("utf-8", "surrogateescape"))
            digest.update((_hash(path) or "unreadable").encode())  # never waits on a pipe
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str:
    """A hash of every form in ``folder`` (names and bytes); "absent" when there is no folder."""
    return _tree_sha256([folder], FORM_SUFFIXES) if folder.is_dir() else "absent"


def tool_version() -> str:
    """The version plus a hash of the code, so a changed pipeline never reuses old outputs."""
    from pipeline import HOME, __version__

    # code, built-in profiles and the classifier's learned model: each changes what a document says
    return f"{__version__}+{_tree_sha256([HOME], ('.py', '.yaml', '.json'))[:12]}"


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
    pdf_sha256: str = ""  # of the PDF written beside the output (build --pdf), if any

    def made_by(self, forms: dict[str, str], print_: Fingerprint) -> bool:
        return (self.forms == forms and self.templates == print_.templates
                and self.config == print_.config and self.tool == print_.tool)


@dataclass
class Manifest:
    """One term's manifest file."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)  # by output
    dirty: bool = False
    on_disk: set[str] = field(default_factory=set)  # the outputs the file held when read or written
    removed: set[str] = field(default_factory=set)  # outputs this run took out
    seen: tuple[int, int] | None = None  # the file's (size, mtime ns) when read or written
    #: Each entry's line in the file, by output, while the entry is the one read or written there:
    #: an Entry is never changed in place (it is replaced), so the line stands for it.
    lines: dict[str, tuple[Entry, str]] = field(default_factory=dict, repr=False)
    #: The SHA-256 of the file's bytes when read whole and every entry was kept, and no quick file stood
    #: for it (one is then written when the ledger saves): see :func:`write_quick`.
    quick_missing: str = ""

    @classmethod
    def load(cls, path: Path) -> tuple["Manifest", str | None]:
        """The manifest at ``path`` (empty if absent), and a warning if it was unreadable.

        Whatever the file holds, only well-formed entries naming a document
        inside ``outputs/`` are kept: the manifest decides what is read and
        overwritten, so one edited by hand or by another program must not
        point anywhere else.
        """
        seen = file_state(path)
        try:
            raw = read_capped(path, MAX_MANIFEST_BYTES)
        except FileNotFoundError:
            return cls(path), None
        except OSError:
            return cls(path), _unreadable(path)
        try:
            text = raw.decode("utf-8")
            lines = _entry_lines(text)
            if lines is not None:  # as save writes it: each entry's line is kept, to be written again as it is
                try:
                    outputs = [json.loads(line) for line in lines]
                except ValueError:  # two entries on one line, say: read as a whole
                    lines = None
            if lines is None:
                data = json.loads(text)
                if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("outputs"), list):
                    raise ValueError("unknown format")
                outputs = data["outputs"]
            entries = [_entry(e) for e in outputs]
        except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
            return cls(path), _unreadable(path)
        kept = {entry.output: entry for entry in entries if entry is not None}
        warning = _unreadable(path, partly=True) if len(kept) < len(entries) else None
        manifest = cls(path, kept, on_disk=set(kept), seen=seen)
        if warning is None and read_quick(path, raw, body=False) is None:
            manifest.quick_missing = sha256(raw)
        if lines is not None:
            for line, data, entry in zip(lines, outputs, entries):
                if entry is not None and kept[entry.output] is entry and _canonical(line, data):
                    manifest.lines[entry.output] = (entry, line)
        return manifest, warning

    def save(self) -> None:
        """Write the manifest, merged with what another run wrote since it was read.

        Runs in one workspace take turns (:mod:`pipeline.workspace.lock`), but a
        run that held no lock (an older worksum, an outputs/ folder that cannot
        hold a lock file) may have written it meanwhile: its entries are kept,
        unless this run replaced or removed them. Raises OSError when it cannot
        be written.
        """
        if not self.dirty:
            return
        if file_state(self.path) != self.seen:  # changed by someone else (rare): merge
            theirs, _warning = Manifest.load(self.path)
            for key, entry in theirs.entries.items():
                if key not in self.entries and key not in self.removed and key not in self.on_disk:
                    self.entries[key] = entry
        # One entry a line, each by json's C encoder (indent= would use the pure-Python one, several
        # times slower): saving ten thousand entries at intervals must stay a small part of the run.
        head = json.dumps({"format": FORMAT, "about": "worksum 的生成记录，请勿手工修改"}, ensure_ascii=False)
        # An entry read from the file and not replaced since is written as the line it was read from
        # (what json.dumps would give again): a run that rebuilt one form encodes one entry, not all.
        keys = sorted(self.entries)
        try:
            lines = [self._line(key, ensure_ascii=False) for key in keys]
            text = (head[:-1] + ', "outputs": [\n' + ",\n".join(lines) + "\n]}\n").encode("utf-8")
        except UnicodeEncodeError:  # a folder name that is not UTF-8 (unzipped from a GBK archive): escaped
            lines = [json.dumps(vars(self.entries[key])) for key in keys]
            text = (head[:-1] + ', "outputs": [\n' + ",\n".join(lines) + "\n]}\n").encode("utf-8")
        write_atomic(self.path, text)
        write_quick(self, sha256(text))
        self.lines = {key: (self.entries[key], line) for key, line in zip(keys, lines) if _CANONICAL_LINE not in line}
        self.seen = file_state(self.path)
        self.quick_missing = ""
        self.on_disk = set(self.entries)
        self.removed.clear()
        self.dirty = False

    def _line(self, key: str, ensure_ascii: bool) -> str:
        entry = self.entries[key]
        kept = self.lines.get(key)
        if kept is not None and kept[0] is entry:
            return kept[1]
        return json.dumps(vars(entry), ensure_ascii=ensure_ascii)

    def remove(self, key: str) -> None:
        del self.entries[key]
        self.removed.add(key)
        self.dirty = True


def write_quick(manifest: Manifest, digest: str) -> None:
    """Write the quick file of ``manifest``, whose file's bytes hash to ``digest``: for each form's entry, in
    the manifest's order, (output, templates, config, tool, ((source, hash, size, mtime ns), ...)); size and
    mtime -1 where the manifest records none. A file that cannot be written is left out (the manifest
    is then read whole, as before)."""
    forms = {}
    for key in sorted(manifest.entries):
        entry = manifest.entries[key]
        if entry.kind == "form":
            sources = tuple((source, sha, *entry.stats.get(source, (-1, -1))) for source, sha in entry.forms.items())
            forms[_form_of(entry)] = (entry.output, entry.templates, entry.config, entry.tool, sources)
    try:
        write_atomic(manifest.path.with_name(QUICK_NAME),
                     QUICK_HEAD + digest.encode() + b"\n" + marshal.dumps((QUICK_FORMAT, digest, forms)))
    except (OSError, ValueError):  # the manifest is read whole next time: a stale quick file never stands for it
        try:
            manifest.path.with_name(QUICK_NAME).unlink(missing_ok=True)
        except OSError:
            pass


def read_quick(path: Path, raw: bytes | None = None, body: bool = True) -> dict | None:
    """The quick file beside the manifest at ``path`` (whose bytes are ``raw``, when read already), by form,
    when it stands for the manifest as it is now (it names the SHA-256 of the manifest's bytes); else
    None. Its contents are checked where used; without ``body``, only whether it stands for the manifest."""
    try:
        raw = read_capped(path, MAX_MANIFEST_BYTES) if raw is None else raw
        quick = read_capped(path.with_name(QUICK_NAME), MAX_MANIFEST_BYTES)
        digest = sha256(raw)
        head = QUICK_HEAD + digest.encode() + b"\n"
        if not quick.startswith(head):
            return None
        if not body:
            return {}  # stands for the manifest (its contents not read)
        data = marshal.loads(quick[len(head):])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (type(data) is not tuple or len(data) != 3 or data[0] != QUICK_FORMAT or type(data[2]) is not dict
            or data[1] != digest):
        return None
    return data[2]


def _unreadable(path: Path, partly: bool = False) -> str:
    what = "有些记录无法读取，已忽略这些记录" if partly else "无法读取，已忽略"
    return f"{path}: 警告: 生成记录（manifest）{what}；本次将重新生成，修改过的文档会另存备份"


_ENTRY_FIELDS = frozenset(f.name for f in fields(Entry))
_FIELD_ORDER = [f.name for f in fields(Entry)]
#: json.dumps writes a control character so (and, when told to, any non-ASCII one): such a line is
#: encoded again rather than kept, so the file stays what save would write.
_CANONICAL_LINE = "\\u"


def _head() -> str:
    head = json.dumps({"format": FORMAT, "about": "worksum 的生成记录，请勿手工修改"}, ensure_ascii=False)
    return head[:-1] + ', "outputs": ['


def _entry_lines(text: str) -> list[str] | None:
    """The entries' lines of a manifest as :meth:`Manifest.save` writes it (its head, one entry a line,
    ``]}``), or None for a file laid out otherwise (read as a whole)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[0] != _head() or lines[-2] != "]}" or lines[-1] != "":
        return None
    body = lines[1:-2]
    if body == [""]:
        return []
    for number, line in enumerate(body):
        if number < len(body) - 1:
            if not line.endswith("},"):
                return None
            body[number] = line[:-1]
        elif not line.endswith("}"):
            return None
        if not line.startswith("{"):
            return None
    return body


def _canonical(line: str, data: dict) -> bool:
    """Whether ``line`` is what json.dumps(ensure_ascii=False) writes for the entry read from it."""
    return _CANONICAL_LINE not in line and list(data) == _FIELD_ORDER


def _entry(data: object) -> Entry | None:
    """``data`` as an :class:`Entry` if it has the shape of one and names a document in outputs/.

    Written for speed as much as for strictness: every entry is checked on every run."""
    if type(data) is not dict or not data.keys() <= _ENTRY_FIELDS:
        return None
    for name, value in data.items():
        if type(value) is not str and name != "forms" and name != "stats":
            return None
    forms, stats = data.get("forms"), data.get("stats", {})
    if type(forms) is not dict:
        return None
    for source, sha in forms.items():
        if type(source) is not str or type(sha) is not str:
            return None
    if type(stats) is not dict:
        return None
    for state in stats.values():
        if type(state) is not list or len(state) != 2 or type(state[0]) is not int or type(state[1]) is not int:
            return None
    try:
        entry = Entry(**data)
    except TypeError:  # a field missing
        return None
    if not _inside_outputs(entry.output) or not all(map(_safe_source, entry.forms)):
        return None
    return entry


def _inside_outputs(output: str) -> bool:
    if output.startswith("/"):
        return False  # absolute
    parts = [part for part in output.split("/") if part and part != "."]  # as PurePosixPath(output).parts
    return (len(parts) >= 2 and parts[0] == OUTPUTS_FOLDER and ".." not in parts and "\\" not in output
            and output.endswith(".docx"))


def _safe_source(source: str) -> bool:
    """A form may lie anywhere (it is only hashed, through read_capped); a folder of forms,
    which is walked, only inside the workspace (a folder "/" would walk the whole disk)."""
    if not source.endswith("/"):
        return bool(source)
    parts = PurePosixPath(source).parts
    return bool(parts) and not PurePosixPath(source).is_absolute() and ".." not in parts and ":" not in parts[0]


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
        self._missing_folders: dict[str, bool] = {}  # folder → whether it is missing, asked once per run
        self._quick: dict | None | bool = False  # by form, from the quick files (False: not read yet)
        self._states: dict[str, os.stat_result | None] = {}  # sources' states, each taken once per run

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

    def up_to_date(self, form: Path) -> str | None:
        """The output (relative to the workspace) that makes building ``form`` unnecessary, if there is one.

        Asked first of the quick files (:func:`read_quick`), which stand for the manifests as they are: a
        form whose sources all have the size and time recorded, and whose output exists, is up to date
        without the manifests being read. Any other answer is the manifests' own."""
        key = self.relative(form)
        if self._quick is not None:  # None: unusable, or a document was recorded since
            if self._quick is False:
                self._quick = self._read_quick()
            if self._quick is not None:
                try:
                    output = self._quick_up_to_date(self._quick.get(key))
                except (TypeError, ValueError, IndexError):  # not as write_quick writes it
                    output = None
                if output is not None:
                    return output
        entry = self._full_up_to_date(key)
        return entry.output if entry is not None else None

    def _read_quick(self) -> dict | None:
        quick: dict = {}
        for path in sorted(self.outputs.glob(f"*/{MANIFEST_NAME}")):
            forms = read_quick(path)
            if forms is None:
                return None
            quick.update(forms)
        return quick

    def _quick_up_to_date(self, item) -> str | None:
        """The output of the quick file's ``item`` when every source is as recorded and the output exists."""
        if item is None:
            return None
        output, templates, config, tool, sources = item
        print_ = self.fingerprint
        if templates != print_.templates or config != print_.config or tool != print_.tool:
            return None
        for source, recorded, size, mtime in sources:
            if type(source) is not str or source.endswith("/"):
                return None  # a folder: the manifest decides
            path = os.path.join(self._prefix, source)
            found = self._state(path)
            if found is None:
                if recorded != ABSENT:
                    return None
            elif (size != found.st_size or mtime != found.st_mtime_ns) and file_sha256(Path(path)) != recorded:
                return None  # as the manifest judges it: a source whose size or time is new is hashed
        if type(output) is not str or not _inside_outputs(output) or not os.path.isfile(self._prefix + output):
            return None
        return output

    @property
    def states(self) -> dict[str, os.stat_result | None]:
        """The sources' ``os.stat`` taken this run while planning (None: no file), by absolute path."""
        return self._states

    def _state(self, path: str) -> os.stat_result | None:
        """``os.stat(path)``, None when there is none; each path once per run (last period's form is
        also a form of the workspace)."""
        if path in self._states:
            return self._states[path]
        try:
            found = None if self._missing_folder(path) else os.stat(path)
        except OSError:
            found = None
        self._states[path] = found
        return found

    def _full_up_to_date(self, form: str) -> Entry | None:
        """The manifests' answer to :meth:`up_to_date`: the entry of ``form`` (as :meth:`relative` gives it),
        if it makes building it unnecessary."""
        entry = self._index().get(form)
        if entry is None:
            return None
        print_ = self.fingerprint
        if entry.templates != print_.templates or entry.config != print_.config or entry.tool != print_.tool:
            return None
        # Each source as made_by would compare it, stopping at the first that differs: an unchanged
        # rebuild asks this of every form, so a source's size and time are read once, and nothing else.
        stats = entry.stats
        for key, recorded in entry.forms.items():
            if not key.endswith("/"):
                path = os.path.join(self._prefix, key)  # a key may be absolute (outside the workspace)
                try:
                    if self._missing_folder(path):
                        raise FileNotFoundError(path)
                    found = os.stat(path)
                except OSError:
                    if recorded != ABSENT:
                        return None
                    continue
                state = stats.get(key)
                if state is not None and state[0] == found.st_size and state[1] == found.st_mtime_ns:
                    continue
            if self._current(key, entry) != recorded:
                return None
        return entry if os.path.isfile(self._prefix + entry.output) else None

    def _missing_folder(self, path: str) -> bool:
        """Whether the folder of ``path`` is known, in this run, not to exist: last period's forms are
        looked for in a folder that is often not there, once for every form of the period after."""
        folder = path.rpartition(os.sep)[0] or os.sep  # os.path.dirname, for a path without a trailing separator
        missing = self._missing_folders.get(folder)
        if missing is None:
            missing = self._missing_folders[folder] = not os.path.isdir(folder)
        return missing

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
        self._quick = None  # the manifests now differ from their files
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
                self.manifests[old_term].remove(old)
        manifest = self.manifests.get(term)
        if manifest is None:
            manifest = self.manifests[term] = Manifest(self.outputs / term / MANIFEST_NAME)
        manifest.entries[key] = entry
        manifest.dirty = True
        self._by_output[key] = term
        if kind == "form":
            self._by_form[_form_of(entry)] = entry

    def save(self) -> list[str]:
        """Save every changed manifest; returns what could not be saved, as messages."""
        problems = []
        for manifest in (self._manifests or {}).values():
            if manifest.quick_missing and not manifest.dirty:  # read whole, unchanged: next time, quickly
                if file_state(manifest.path) == manifest.seen:
                    write_quick(manifest, manifest.quick_missing)
                manifest.quick_missing = ""
            try:
                manifest.save()
            except OSError as exc:
                manifest.dirty = False  # said once; the next run rebuilds what is not recorded
                problems.append(f"{manifest.path}: 错误: 无法保存生成记录（manifest）：{describe(exc)}；"
                                f"已生成的文档不受影响，下次运行会重新生成它们")
        return problems

    def record_pdf(self, output: Path, pdf: bytes) -> None:
        """Note the PDF written beside ``output`` (an output the manifest knows)."""
        self._quick = None  # the manifests now differ from their files
        key = self.relative(output)
        entry = self.recorded(output)
        if entry is not None:
            manifest = self.manifests[self._by_output[key]]
            manifest.entries[key] = replace(entry, pdf_sha256=sha256(pdf))  # replaced, never changed in place
            if self._by_form.get(_form_of(entry)) is entry:
                self._by_form[_form_of(entry)] = manifest.entries[key]
            manifest.dirty = True


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
    not know counts as edited unless worksum made it and nothing has changed it
    since (:func:`~pipeline.layout.parts.made_by_worksum`): it may be someone's
    own work. An edited file is first copied to ``<name>.edited-<its mtime>.docx`` beside it.
    """
    def ours(current: bytes) -> bool:
        from pipeline.layout.parts import made_by_worksum  # here: an unchanged rebuild never imports layout

        return made_by_worksum(current)

    return _land(target, data, recorded.docx_sha256 if recorded else None, ours)


def land_pdf(target: Path, data: bytes, recorded: Entry | None) -> Landed:
    """:func:`land` for the PDF beside a document: a PDF someone signed, stamped or
    replaced since worksum wrote it is kept as ``<name>.edited-<its mtime>.pdf``.

    Without a record, a PDF counts as worksum's when LibreOffice made it and no
    other program has added to it (signing and stamping append to a PDF).
    """
    return _land(target, data, recorded.pdf_sha256 if recorded and recorded.pdf_sha256 else None,
                 made_by_libreoffice)


def _land(target: Path, data: bytes, recorded_sha: str | None, ours) -> Landed:
    backup = None
    try:
        current = read_capped(target, MAX_KEPT_BYTES)
    except FileNotFoundError:
        current = None
    if current is not None and current != data:
        edited = sha256(current) != recorded_sha if recorded_sha else not ours(current)
        if edited:
            backup = _backup_name(target)
            write_atomic(backup, current)
            mtime = target.stat().st_mtime
            os.utime(backup, (mtime, mtime))
    write_atomic(target, data)
    return Landed(target, backup)


def made_by_libreoffice(pdf: bytes) -> bool:
    """Whether ``pdf`` is as LibreOffice exports it: its producer, and saved once (signing
    or stamping a PDF appends an update to it, with a second end-of-file mark)."""
    return any(producer in pdf for producer in _LIBREOFFICE) and pdf.count(b"%%EOF") == 1


# The producer LibreOffice writes, as a UTF-16 hex string or as plain text.
_LIBREOFFICE = (b"/Producer<FEFF004C0069006200720065004F0066006600690063006500", b"/Producer(LibreOffice")


def _backup_name(target: Path) -> Path:
    stamp = dt.datetime.fromtimestamp(target.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}.edited-{stamp}{target.suffix}")
    number = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}.edited-{stamp}-{number}{target.suffix}")
        number += 1
    return candidate
