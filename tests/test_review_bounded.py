"""The review runs within a budget, in its own process: a huge or costly file is recorded, never a stalled run."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.reference import ReferenceAgent
from agentspec.runner.plan import Attempt, Cell, plan
from agentspec.runner.review_bounded import ReviewBudget, review_bounded
from agentspec.runner.review_step import review_changed_files
from agentspec.runner.review_workers import ReviewWorkers
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.spec import load_spec
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
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


def pid_reviewer(attempt: Any, files: Mapping[str, str]) -> list[dict[str, Any]]:
    print("a reviewer that prints")  # goes to standard error, never into the answer
    return [
        {"rule": "pid", "severity": "info", "path": path, "line": 1, "column": 1, "message": str(os.getpid())}
        for path in files
    ]


def failing_reviewer(attempt: Any, files: Mapping[str, str]) -> list[dict[str, Any]]:
    if "boom.py" in files:
        raise RuntimeError("the reviewer broke")
    return pid_reviewer(attempt, files)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_reviews_share_one_process_and_none_is_left_after(attempt: Attempt) -> None:
    async def main() -> list[int]:
        async with ReviewWorkers(keep=2) as workers:
            found = [
                await review_bounded(pid_reviewer, attempt, {f"m{i}.py": "x = 1\n"}, workers=workers) for i in range(6)
            ]
        return [int(f[0]["message"]) for f in found]

    pids = asyncio.run(main())
    assert len(set(pids)) == 1 and pids[0] != os.getpid()
    assert not alive(pids[0])


def test_a_failed_or_stopped_review_retires_its_process_and_the_next_gets_a_fresh_one(attempt: Attempt) -> None:
    async def main() -> list[list[dict[str, Any]]]:
        async with ReviewWorkers(keep=2) as workers:
            return [
                await review_bounded(failing_reviewer, attempt, {"a.py": "x = 1\n"}, workers=workers),
                await review_bounded(failing_reviewer, attempt, {"boom.py": "x = 1\n"}, workers=workers),
                await review_bounded(failing_reviewer, attempt, {"b.py": "x = 1\n"}, workers=workers),
                await review_bounded(slow_reviewer, attempt, {"c.py": "x = 1\n"}, ReviewBudget(time_s=2), workers),
                await review_bounded(failing_reviewer, attempt, {"d.py": "x = 1\n"}, workers=workers),
                await review_bounded(
                    hungry_reviewer, attempt, {"e.py": "x = 1\n"}, ReviewBudget(memory_mb=512), workers
                ),
                await review_bounded(failing_reviewer, attempt, {"f.py": "x = 1\n"}, workers=workers),
            ]

    first, broke, after_break, slow, after_slow, hungry, after_hungry = asyncio.run(main())
    assert [f["message"] for f in broke] == ["the review failed: RuntimeError: the reviewer broke"]
    assert "longer than 2s" in slow[0]["message"]
    assert "more than its 512 MB" in hungry[0]["message"]
    pids = [int(f[0]["message"]) for f in (first, after_break, after_slow)]
    assert len(set(pids)) == 3  # a process whose review failed or was stopped is never asked again
    assert not any(alive(pid) for pid in pids)
    assert after_hungry[0]["rule"] == "pid"


def test_a_process_is_retired_after_its_share_of_reviews(attempt: Attempt) -> None:
    async def main() -> list[int]:
        async with ReviewWorkers(keep=1, reviews_per_process=2) as workers:
            found = [
                await review_bounded(pid_reviewer, attempt, {"a.py": "x = 1\n"}, workers=workers) for _ in range(5)
            ]
        return [int(f[0]["message"]) for f in found]

    pids = asyncio.run(main())
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


def test_a_run_reviews_its_attempts_in_as_many_processes_as_run_at_once(tmp_path: Path) -> None:
    specs = load_specs([SPECS])
    with Store(tmp_path / "results") as store:
        runner = Runner(store, Sandbox(), {"reference": ReferenceAgent()}, concurrency=2, reviewer=pid_reviewer)
        ran = asyncio.run(runner.run(plan(specs[:4], [Cell("reference", None)]), "pytest", {}))
    pids = {int(f["message"]) for record in ran.ran for f in record.findings if f["rule"] == "pid"}
    assert len([r for r in ran.ran if r.findings]) == 4 and 1 <= len(pids) <= 2
    assert not any(alive(pid) for pid in pids)
