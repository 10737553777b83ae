"""Why an attempt did not pass: tampering is told apart from test failures, and reads from changes."""

from __future__ import annotations

from agentspec.store.sqlite import AttemptRecord
from agentspec.store.why import why_not_passed


def _record(tampered: list[str], outcome: str = "failed") -> AttemptRecord:
    return AttemptRecord(
        key="k",
        task="calc",
        spec_hash="h",
        agent="builtin",
        model="openai/m",
        trial=1,
        outcome=outcome,
        failure_kind="tampered" if outcome == "failed" else None,
        tests_passed=0,
        tests_total=1,
        duration_s=1.0,
        tampered=tampered,
        unmet=[{"id": "test_calc::test_add", "outcome": "failed", "reason": "failed: assert -1 == 5"}],
    )


def test_reads_of_sealed_tests_and_changed_files_are_separate_reasons() -> None:
    lines = why_not_passed(_record(["test_calc.py", "opened test_hidden.py while graded"]))
    assert lines == [
        "changed protected files (restored for grading): test_calc.py",
        "went for the tests while graded (found placeholders): opened test_hidden.py",
        "test_calc::test_add: failed: assert -1 == 5",
    ]


def test_a_pass_gives_no_reasons_even_with_a_recorded_read() -> None:
    assert why_not_passed(_record(["opened test_hidden.py while graded"], outcome="passed")) == []
