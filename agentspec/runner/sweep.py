"""Scratch folders of runs: made per process, and swept when the process that made them is gone.

A run killed with -9 leaves its scratch folder (workspaces an agent shaped: deep, locked, full of
links) and a harness's relay folder (its sockets) in the temp directory. The next run removes them, and
only them: a folder named `agentspec-run-<pid>-*` or `agentspec-relay-<pid>-*`, a real folder (not a
symlink), owned by this user, whose process is dead.
Removal never follows a symlink, never recurses on Python's stack, and what cannot be removed is a
warning, never a reason not to run.
"""

from __future__ import annotations

import os
import stat
import tempfile
import warnings
from pathlib import Path

from agentspec.runner.tree import remove_tree
from agentspec.sandbox.relay import RELAY_PREFIX

WORK_PREFIX = "agentspec-run-"
SWEPT_PREFIXES = (WORK_PREFIX, RELAY_PREFIX)


def sweep_stale_work_dirs(temp_dir: Path | None = None) -> list[Path]:
    """Remove the scratch folders of agentspec runs whose process is gone; return the ones removed."""
    removed: list[Path] = []
    try:
        folder = Path(temp_dir or tempfile.gettempdir())
        candidates = sorted(found for prefix in SWEPT_PREFIXES for found in folder.glob(f"{prefix}*-*"))
    except OSError as exc:
        warnings.warn(f"could not list the temp directory to sweep stale runs: {exc}", RuntimeWarning, stacklevel=2)
        return removed
    for folder in candidates:
        if not _stale(folder):
            continue
        problems = remove_tree(folder)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            warnings.warn(
                f"could not remove a dead run's scratch folder: {problems[0]}{more}", RuntimeWarning, stacklevel=2
            )
        else:
            removed.append(folder)
    return removed


def make_work_root() -> Path:
    """A fresh scratch folder for this process's attempts, named so `sweep_stale_work_dirs` finds it if we die."""
    return Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-"))


def _stale(folder: Path) -> bool:
    """Whether `folder` is agentspec's own scratch folder of a process that no longer runs."""
    prefix = next((p for p in SWEPT_PREFIXES if folder.name.startswith(p)), None)
    if prefix is None:
        return False
    pid = folder.name.removeprefix(prefix).split("-", 1)[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    return not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
