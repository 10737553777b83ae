"""Test sets kept between results stores, so that a new results folder does not grade every spec's starter again.

A spec's test set (which tests the starter fails and the reference passes) costs two sandboxed pytest runs. The
results store keeps it for its own runs; this cache keeps it for every store of the user, in
``$AGENTSPEC_CACHE_DIR`` or ``$XDG_CACHE_HOME/agentspec`` (default ``~/.cache/agentspec``), one JSON file per key.
The key is what the grading depends on: the spec's content hash, agentspec's version, the Python that runs pytest
and the sandbox mode. Only complete test sets are written (the runner's rule); a file that cannot be read or
written is ignored, so the cache can only save time, never change a verdict or stop a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from agentspec.runner.testset import TestSet
from agentspec.version import __version__

CACHE_VARIABLE = "AGENTSPEC_CACHE_DIR"
NO_CACHE_VARIABLE = "AGENTSPEC_NO_CACHE"


def cache_folder() -> Path | None:
    """Where test sets are cached, or None when ``AGENTSPEC_NO_CACHE`` is set to a non-empty value."""
    if os.environ.get(NO_CACHE_VARIABLE):
        return None
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen) / "test-sets"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agentspec" / "test-sets"


def cache_key(spec_hash: str, sandbox_mode: str) -> str:
    """The file name for a spec version graded by this agentspec and Python in this sandbox mode."""
    python = ".".join(map(str, sys.version_info[:3]))
    parts = f"{spec_hash}\0{__version__}\0{python}\0{sys.executable}\0{sandbox_mode}"
    return hashlib.sha256(parts.encode()).hexdigest()[:32] + ".json"


def cached_test_set(spec_hash: str, sandbox_mode: str) -> TestSet | None:
    """The cached test set for this key, or None (no cache, no entry, or an entry that cannot be read)."""
    folder = cache_folder()
    if folder is None:
        return None
    try:
        entry = json.loads((folder / cache_key(spec_hash, sandbox_mode)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("spec_hash") != spec_hash:
        return None
    try:
        return TestSet.from_dict(entry["test_set"])
    except (KeyError, TypeError, ValueError):
        return None


def cache_test_set(spec_hash: str, sandbox_mode: str, test_set: dict[str, Any]) -> None:
    """Keep a complete test set for later stores; written whole (rename), so readers never see half a file."""
    folder = cache_folder()
    if folder is None:
        return
    entry = {"spec_hash": spec_hash, "agentspec": __version__, "sandbox": sandbox_mode, "test_set": test_set}
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out)
            os.replace(temporary, folder / cache_key(spec_hash, sandbox_mode))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
