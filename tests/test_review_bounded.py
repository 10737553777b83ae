"""The review runs within a budget, in its own process: a huge or costly file is recorded, never a stalled run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import pytest

from agentspec.runner.plan import Attempt
from agentspec.runner.review_bounded import ReviewBudget, review_bounded
from agentspec.runner.review_step import review_changed_files
from agentspec.spec import load_spec
from tests.conftest import SPECS


@pytest.fixture(scope="module")
def attempt() -> Attempt:
    return Attempt(load_spec(SPECS / "validators.toml"), "reference", None, 1)


def slow_reviewer(attempt: Any, files: Mapping[str, str]) -> list[dict[str, Any]]:
    time.sleep(30)
    return []


def hungry_reviewer(attempt: Any, files: Mapping[str, str]) -> list[dict[str, Any]]:
    hog = bytearray(3 * 1024 * 1024 * 1024)
    return [{"size": len(hog)}]


def rules(findings: list[dict[str, Any]]) -> list[str]:
    return [f["rule"] for f in findings]


def test_a_huge_file_is_left_out_and_the_rest_reviewed(attempt: Attempt) -> None:
    huge = "x = 1\n" * 350_000  # 2.1 MB: measured 86 s and 1.26 GB when reviewed whole, in-process
    small = "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n"
    started = time.monotonic()
    findings = asyncio.run(review_bounded(review_changed_files, attempt, {"huge.py": huge, "small.py": small}))
    assert time.monotonic() - started < 30
    truncated = [f for f in findings if f["rule"] == "review-truncated"]
    assert [(f["path"], f["severity"]) for f in truncated] == [("huge.py", "info")]
    assert "2100000 bytes" in truncated[0]["message"]
    assert {f["path"] for f in findings} == {"huge.py", "small.py"}  # small.py was reviewed (pickle.loads)


def test_files_past_the_count_cap_are_left_out(attempt: Attempt) -> None:
    files = {f"m{i}.py": "x = 1\n" for i in range(5)}
    findings = asyncio.run(review_bounded(review_changed_files, attempt, files, ReviewBudget(max_files=3)))
    truncated = [f["path"] for f in findings if f["rule"] == "review-truncated"]
    assert truncated == ["m3.py", "m4.py"]
    assert {f["path"] for f in findings if f["rule"] != "review-truncated"} <= {"m0.py", "m1.py", "m2.py"}


def test_a_review_over_its_time_is_stopped_and_recorded_without_blocking_the_loop(attempt: Attempt) -> None:
    async def main() -> tuple[list[dict[str, Any]], int, float]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        started = time.monotonic()
        findings = await review_bounded(slow_reviewer, attempt, {"a.py": "x = 1\n"}, ReviewBudget(time_s=2))
        ticker.cancel()
        return findings, ticks, time.monotonic() - started

    findings, ticks, took = asyncio.run(main())
    assert rules(findings) == ["review-error"]
    assert "longer than 2s" in findings[0]["message"]
    assert took < 20
    assert ticks >= 10  # the event loop went on meanwhile


def test_a_review_over_its_memory_is_recorded(attempt: Attempt) -> None:
    budget = ReviewBudget(memory_mb=512)
    findings = asyncio.run(review_bounded(hungry_reviewer, attempt, {"a.py": "x = 1\n"}, budget))
    assert rules(findings) == ["review-error"]
    assert "more than its 512 MB" in findings[0]["message"]


def test_a_reviewer_that_cannot_be_pickled_runs_in_a_thread(attempt: Attempt) -> None:
    seen: list[str] = []

    def closure(attempt: Any, files: Mapping[str, str]) -> list[dict[str, Any]]:
        seen.extend(files)
        return [{"rule": "r", "path": "a.py"}]

    findings = asyncio.run(review_bounded(closure, attempt, {"a.py": "x = 1\n"}))
    assert rules(findings) == ["r"] and seen == ["a.py"]
