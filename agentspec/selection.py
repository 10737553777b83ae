"""Choosing tasks by pattern: `--task`/`-k` on run, report, site and export.

A pattern is a glob on the task id (`sql-*`), `tag:NAME` (the spec's tags) or `kind:NAME` (its kind);
several patterns select what any of them selects.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence


def selects(patterns: Sequence[str], task: str, tags: Iterable[str] = (), kind: str | None = None) -> bool:
    """Whether a task with this id, tags and kind is selected (everything is, with no patterns)."""
    if not patterns:
        return True
    tag_set = set(tags)
    for pattern in patterns:
        if pattern.startswith("tag:"):
            if pattern[4:] in tag_set:
                return True
        elif pattern.startswith("kind:"):
            if kind is not None and pattern[5:] == kind:
                return True
        elif fnmatch.fnmatchcase(task, pattern):
            return True
    return False
