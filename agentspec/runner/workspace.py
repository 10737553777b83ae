"""Folders built from a spec: the agent's workspace, the reference solution, the grading copy."""

from __future__ import annotations

from pathlib import Path

from agentspec.spec.materialise import write_files
from agentspec.spec.model import File, Spec


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
