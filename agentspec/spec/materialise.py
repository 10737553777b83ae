"""Writing a spec's files into a folder, byte for byte, never following a link an agent left on the way."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from agentspec.spec.model import File


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
