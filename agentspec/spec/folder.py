"""Reading a folder of task files for import: every file as text, and what was left out and why."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agentspec.errors import UsageError
from agentspec.spec.model import check_relative_path

# Tool caches and version control: skipped without a word, nobody expects them in a task.
_NOISE_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_NOISE_SUFFIXES = (".pyc", ".pyo")
_NOISE_FILES = frozenset({".DS_Store"})


@dataclass(frozen=True)
class SkippedFile:
    """A file or folder `import_folder` left out, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def read_folder(folder: Path, leave_out: Iterable[Path] = ()) -> tuple[dict[str, str], list[SkippedFile]]:
    """Every importable file under `folder` as {posix path: text}, sorted, and what was left out.

    Files and folders in `leave_out` (a solution or tests folder kept inside the task folder, the
    instructions file) are left out without a word: they are imported as something else.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    excluded = {path.resolve() for path in leave_out}
    found: dict[str, str] = {}
    skipped: list[SkippedFile] = []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        kept = []
        for name in sorted(dirs):
            reason = "" if (here / name).resolve() in excluded else _skip_dir_reason(here / name)
            if reason is None:
                kept.append(name)
            elif reason:
                skipped.append(SkippedFile(here / name, reason))
        dirs[:] = kept
        for name in sorted(names):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            reason = "" if path.resolve() in excluded else _skip_file_reason(path, relative)
            if reason is None:
                try:
                    found[relative] = path.read_bytes().decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    reason = "not UTF-8 text (binary files are not supported)"
            if reason:
                skipped.append(SkippedFile(path, reason))
    return dict(sorted(found.items())), skipped


def _skip_dir_reason(path: Path) -> str | None:
    """Why a folder is left out ('' for silently), or None to descend into it."""
    if path.name in _NOISE_DIRS:
        return ""
    if path.is_symlink():
        return "symlinked folder (not followed)"
    if path.name.startswith("."):
        return "hidden folder"
    if (path / "pyvenv.cfg").exists():
        return "virtual environment"
    return None


def _skip_file_reason(path: Path, relative: str) -> str | None:
    """Why a file is left out ('' for silently), or None to import it."""
    if path.name in _NOISE_FILES or path.name.endswith(_NOISE_SUFFIXES):
        return ""
    if path.is_symlink():
        return "symlink (not followed)"
    if not stat.S_ISREG(path.lstat().st_mode):
        return "not a regular file"
    if path.name.startswith("."):
        return "hidden file"
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not UTF-8"
    try:
        check_relative_path(relative)
    except ValueError as exc:
        return f"its name cannot be a spec path: {exc}"
    return None
