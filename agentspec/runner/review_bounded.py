"""Review under a budget: in a child process, with a time limit, a memory cap, and caps on file size and count.

The reviewer parses model-written code with libcst, whose cost grows fast with a file's size (a 2 MB
file took 86 s and 1.26 GB inside the agentspec process, stalling every attempt sharing its event
loop). `review_bounded` runs the reviewer in a separate Python process (one of the run's `ReviewWorkers`,
``python -m agentspec.runner.review_child``) with RLIMIT_AS at ``memory_mb`` and kills it at ``time_s``; files over
``max_file_bytes`` and past ``max_files`` are not reviewed. A reviewer that cannot be pickled (a closure)
runs in a thread instead, off the event loop, with the time limit only. What was cut or went wrong is recorded as
findings of its own, ``review-truncated`` and ``review-error`` (severity info: the limit is agentspec's,
not the model's), so the attempt is recorded and the run goes on.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agentspec.runner.review_workers import Findings, ReviewFailed, ReviewWorkers

REVIEW_ERROR = "review-error"
REVIEW_TRUNCATED = "review-truncated"


@dataclass(frozen=True)
class ReviewBudget:
    """What one attempt's review may spend.

    Attributes:
        time_s: Wall-clock seconds for the whole review.
        memory_mb: Address space of the reviewing process.
        max_file_bytes: Larger files are not reviewed.
        max_files: Files past this many (in path order) are not reviewed.
    """

    time_s: float = 120.0
    memory_mb: int = 2048
    max_file_bytes: int = 512 * 1024
    max_files: int = 200


def _note(rule: str, path: str, message: str) -> dict[str, Any]:
    return {"rule": rule, "severity": "info", "path": path, "line": 1, "column": 1, "message": message}


def within_caps(files: Mapping[str, str], budget: ReviewBudget) -> tuple[dict[str, str], Findings]:
    """The files the review takes, and a `review-truncated` finding for each one it leaves out."""
    kept: dict[str, str] = {}
    notes: Findings = []
    for path in sorted(files):
        size = len(files[path].encode("utf-8"))
        if size > budget.max_file_bytes:
            notes.append(_note(REVIEW_TRUNCATED, path, f"not reviewed: {size} bytes, over the {budget.max_file_bytes}"))
        elif len(kept) >= budget.max_files:
            notes.append(_note(REVIEW_TRUNCATED, path, f"not reviewed: past the first {budget.max_files} files"))
        else:
            kept[path] = files[path]
    return kept, notes


async def review_bounded(
    reviewer: Callable[[Any, Mapping[str, str]], Findings],
    attempt: Any,
    files: Mapping[str, str],
    budget: ReviewBudget | None = None,
    workers: ReviewWorkers | None = None,
) -> Findings:
    """`reviewer(attempt, files)` in a review process within `budget`; never raises for the review's own failures.

    Args:
        reviewer: The review step (a picklable function; a closure runs in a thread instead).
        attempt: What the reviewer is told about the attempt.
        files: The changed files, path -> text.
        budget: The review's bounds (default `ReviewBudget()`).
        workers: The run's review processes; without them, the review gets a process of its own.
    """
    budget = budget or ReviewBudget()
    kept, notes = within_caps(files, budget)
    if not kept:
        return notes
    try:
        payload = pickle.dumps((reviewer, attempt, kept))
    except (pickle.PicklingError, AttributeError, TypeError):
        return [*notes, *await _in_thread(reviewer, attempt, kept, budget)]
    try:
        if workers is not None:
            return [*notes, *await workers.review(payload, budget.memory_mb, budget.time_s)]
        async with ReviewWorkers(keep=0) as own:
            return [*notes, *await own.review(payload, budget.memory_mb, budget.time_s)]
    except ReviewFailed as exc:
        return [*notes, _note(REVIEW_ERROR, "", str(exc))]


async def _in_thread(
    reviewer: Callable[[Any, Mapping[str, str]], Findings], attempt: Any, files: dict[str, str], budget: ReviewBudget
) -> Findings:
    """A reviewer that cannot be pickled (a closure): in a thread, off the event loop, with the time limit only."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(reviewer, attempt, files), budget.time_s)
    except TimeoutError:
        return [_note(REVIEW_ERROR, "", f"the review took longer than {budget.time_s:g}s and was abandoned")]
