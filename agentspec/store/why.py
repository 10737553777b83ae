"""Why an attempt did not pass, in one line per reason: the error, the required tests that did not pass, tampering."""

from __future__ import annotations

from agentspec.failures import FailureKind
from agentspec.store.sqlite import AttemptRecord


def why_not_passed(record: AttemptRecord, limit: int = 5) -> list[str]:
    """One line per reason `record` did not pass (empty when it passed), at most `limit` test lines."""
    if record.outcome == "passed":
        return []
    lines = []
    if record.error:
        lines.append(_clip(" ".join(record.error.split())))
    lines += tampering(record.tampered, limit)
    tests = [(u["id"], u["reason"]) for u in record.unmet]
    if (
        not tests
        and not record.fail_to_pass
        and record.failure_kind in (FailureKind.TESTS_FAILED, FailureKind.TESTS_MISSING)
    ):
        # A record from before test sets: its failing tests, from the per-test list.
        tests = [(t["id"], t.get("reason") or _first_line(t)) for t in record.tests if t["outcome"] != "passed"]
    lines += [f"{test_id}: {reason}" for test_id, reason in tests[:limit]]
    if len(tests) > limit:
        lines.append(f"... and {len(tests) - limit} more tests")
    return lines


def tampering(entries: list[str], limit: int = 5) -> list[str]:
    """What an attempt did to the tests, in at most two lines: protected files it changed, test files it read.

    Grading records a read of a sealed test module as ``"<how> <path> while graded"`` (see
    agentspec/runner/grade.py); every other entry is the path of a protected file the agent changed.
    """
    reads = [entry.removesuffix(" while graded") for entry in entries if entry.endswith(" while graded")]
    changed = [entry for entry in entries if not entry.endswith(" while graded")]
    lines = []
    if changed:
        lines.append("changed protected files (restored for grading): " + ", ".join(changed[:limit]))
    if reads:
        lines.append("went for the tests while graded (found placeholders): " + ", ".join(reads[:limit]))
    return lines


def _first_line(test: dict[str, str]) -> str:
    message = next((line.strip() for line in test.get("message", "").splitlines() if line.strip()), "")
    return f"{test['outcome']}: {message}" if message else test["outcome"]


def _clip(line: str) -> str:
    return line if len(line) <= 300 else line[:299] + "…"
