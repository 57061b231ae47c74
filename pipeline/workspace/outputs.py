"""Where a document goes: config.yaml's ``output`` pattern, filled in safely.

The pattern (default ``outputs/<term>/<campus>/<title>.docx``) names a file
inside the workspace's ``outputs/`` folder, with placeholders for values taken
from the form. Two guards keep every document inside ``outputs/``:

* :func:`check_pattern` refuses a pattern that could leave it (absolute, ``..``,
  not starting with ``outputs/``) or names an unknown placeholder; config.yaml's
  model calls it, so a bad pattern is a config error with its line and column.
* :func:`output_path` turns every value into one safe path component (no
  separators, no ``..``) and checks the result still lies inside ``outputs/``.
  A campus called ``../../x`` can only ever be an error, never a path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pipeline.diagnostics import WorksumError
from pipeline.text.characters import NOT_IN_FILE_NAMES
from pipeline.text.suggest import did_you_mean

OUTPUTS_FOLDER = "outputs"
PLACEHOLDERS = ("term", "campus", "department", "organization", "title")
SUFFIX = ".docx"

_PLACEHOLDER = re.compile(r"<([^<>]*)>")
#: Characters a file name may not hold on Windows or Linux.
_UNSAFE_FILE_CHARS = re.compile(f"[{NOT_IN_FILE_NAMES}]")


class UnsafeOutput(WorksumError):
    """An output path that would land outside ``outputs/``; the message is Chinese."""


def check_pattern(pattern: str) -> str:
    """``pattern`` if it always stays inside ``outputs/``; else ValueError in Chinese."""
    example = "outputs/<term>/<campus>/<title>.docx"
    for name in _PLACEHOLDER.findall(pattern):
        if name not in PLACEHOLDERS:
            hint = did_you_mean(name, PLACEHOLDERS, quotes="<>") or "；"
            raise ValueError(f"输出路径中有未知的占位符 <{name}>{hint}可用的占位符："
                             + " ".join(f"<{p}>" for p in PLACEHOLDERS))
    control = re.search(r"[\x00-\x1f\x7f]", pattern)
    if control:
        shown_char = {"\n": "换行", "\t": "制表符（Tab）", "\r": "回车"}.get(control.group(), f"控制字符 U+{ord(control.group()):04X}")
        raise ValueError(f"输出路径中有{shown_char}，文件名不能含有它；请把输出路径写在一行内，如 {example}")
    if "\\" in pattern:
        raise ValueError(f"输出路径请用“/”分隔文件夹，不要用“\\”，如 {example}")
    shape = _PLACEHOLDER.sub("x", pattern)
    parts = shape.split("/")
    if shape.startswith("/") or re.match(r"^[A-Za-z]:", shape) or parts[0] != OUTPUTS_FOLDER or len(parts) < 2:
        raise ValueError(f"输出路径必须在工作区的 {OUTPUTS_FOLDER}/ 文件夹内，如 {example}")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"输出路径不能含有空的文件夹名、“.”或“..”，如 {example}")
    if not pattern.endswith(SUFFIX) or pattern.endswith("/" + SUFFIX):
        raise ValueError(f"输出路径应以文件名和 {SUFFIX} 结尾，如 {example}")
    return pattern


def file_name(text: str, fallback: str = "_") -> str:
    """``text`` as one path component: unsafe characters replaced, no leading/trailing dots."""
    return _UNSAFE_FILE_CHARS.sub("_", text).strip(" .") or fallback


def output_path(root: Path, pattern: str, values: dict[str, str]) -> Path:
    """The file ``pattern`` names for ``values``, under ``root``; raises :class:`UnsafeOutput`."""
    relative = pattern
    for key in PLACEHOLDERS:
        fallback = "工作总结" if key == "title" else "_"
        relative = relative.replace(f"<{key}>", file_name(values.get(key) or "", fallback))
    outputs = os.path.normpath(os.path.join(os.path.abspath(root), OUTPUTS_FOLDER))
    target = os.path.normpath(os.path.join(os.path.abspath(root), relative))
    if not target.startswith(outputs + os.sep) or not target.endswith(SUFFIX):
        raise UnsafeOutput(f"输出路径 {relative} 不在工作区的 {OUTPUTS_FOLDER}/ 文件夹内，已拒绝写入")
    return Path(target)


def outputs_folder(root: Path) -> Path:
    return Path(os.path.abspath(root)) / OUTPUTS_FOLDER
