"""Folders built from a spec: the agent's workspace, the reference solution, the grading copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from agentspec.spec.model import File, Spec


def write_file(root: Path, relative: str, text: str) -> Path:
    """Write `text` byte for byte at `root/relative`, replacing any symlink on the way (never following it)."""
    target = root
    parts = PurePosixPath(relative).parts
    for part in parts[:-1]:
        target = target / part
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            target.unlink()
        target.mkdir(exist_ok=True)
    target = target / parts[-1]
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    target.write_bytes(text.encode("utf-8"))
    return target


def write_files(root: Path, files: Iterable[File]) -> None:
    """Write each file's text under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in files:
        write_file(root, entry.path, entry.text)


def starter_files(spec: Spec) -> list[File]:
    """What the agent starts from: the starter files and the visible tests."""
    return [*spec.files, *(t for t in spec.tests if not t.hidden)]


def reference_files(spec: Spec) -> list[File]:
    """The starter with the reference solution laid over it (tests excluded)."""
    by_path = {f.path: f for f in spec.files}
    by_path.update({f.path: f for f in spec.solution})
    return list(by_path.values())


def make_workspace(spec: Spec, root: Path) -> Path:
    """Create the agent's workspace at `root`: starter files plus visible tests."""
    write_files(root, starter_files(spec))
    return root


def read_tree(root: Path) -> dict[str, str]:
    """Every regular file under `root` as {posix relative path: text}; undecodable bytes are replaced."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in {"__pycache__", ".pytest_cache", ".git"} for part in relative.parts):
            continue
        if path.is_file() and not path.is_symlink():
            found[relative.as_posix()] = path.read_bytes().decode("utf-8", errors="replace")
    return found
