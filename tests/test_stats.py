"""pass^k and the exact paired test, on numbers worked by hand."""

from __future__ import annotations

import math

import pytest

from agentspec.failures import Category, FailureKind, category_of, is_retryable
from agentspec.store.sqlite import AttemptRecord
from agentspec.store.stats import compare, pass_hat_k, sign_test


def test_pass_hat_k() -> None:
    assert pass_hat_k(3, 3, 3) == 1.0
    assert pass_hat_k(3, 2, 3) == 0.0
    assert pass_hat_k(3, 2, 1) == pytest.approx(2 / 3)
    assert pass_hat_k(4, 3, 2) == pytest.approx(3 / 6)
    assert pass_hat_k(2, 2, 5) == 0.0


def test_sign_test_matches_the_binomial() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)
    assert sign_test(8, 2) == pytest.approx(2 * sum(math.comb(10, i) for i in range(3)) / 1024)
    assert sign_test(3, 3) == 1.0


def _record(agent: str, task: str, trial: int, passed: bool) -> AttemptRecord:
    return AttemptRecord(
        key=f"{agent}{task}{trial}", task=task, spec_hash="h", agent=agent, model="-", trial=trial,
        outcome="passed" if passed else "failed", failure_kind=None if passed else "tests_failed",
        tests_passed=1, tests_total=1, duration_s=1.0,
    )  # fmt: skip


def test_compare_pairs_tasks_and_counts_disagreements() -> None:
    records = [
        _record("a", "t1", 1, True), _record("b", "t1", 1, False),
        _record("a", "t2", 1, True), _record("a", "t2", 2, False), _record("b", "t2", 1, True),
        _record("a", "t3", 1, True), _record("b", "t3", 1, True),
        _record("a", "only-a", 1, True),
    ]  # fmt: skip
    result = compare(records, "a", "b")
    assert [p.task for p in result.pairs] == ["t1", "t2", "t3"]
    assert (result.a_better, result.b_better) == (1, 1)
    assert [p.task for p in result.disagreements] == ["t1", "t2"]
    assert result.only_a == ["only-a"] and result.only_b == []
    assert result.p_value == 1.0
    with pytest.raises(KeyError, match="entries recorded: a, b"):
        compare(records, "a", "c")


def test_failure_categories() -> None:
    assert FailureKind.TESTS_FAILED.category is Category.MODEL
    assert FailureKind.BACKEND_ERROR.category is Category.INFRASTRUCTURE
    assert category_of("forged_report") is Category.GRADING
    assert category_of("something_new", "error") is Category.INFRASTRUCTURE
    assert category_of("something_new", "failed") is Category.MODEL
    assert is_retryable("error", "backend_error") and is_retryable("error", "harness_error")
    assert not is_retryable("failed", "tests_failed") and not is_retryable("error", "grading_error")
    assert all(kind in FailureKind.__members__.values() for kind in FailureKind)


def test_leaderboard_shows_pass_hat_k_with_several_trials() -> None:
    from agentspec.store.report import leaderboard, render_markdown

    records = [
        _record("a", "t1", 1, True), _record("a", "t1", 2, True), _record("a", "t1", 3, True),
        _record("a", "t2", 1, True), _record("a", "t2", 2, False), _record("a", "t2", 3, True),
        _record("b", "t1", 1, True),
    ]  # fmt: skip
    rows = {row.agent: row for row in leaderboard(records)}
    assert rows["a"].k == 3 and rows["a"].pass_all == pytest.approx(0.5)
    assert rows["a"].pass_at_1 == pytest.approx((1 + 2 / 3) / 2)
    assert rows["b"].pass_all is None and rows["b"].pass_all_text == "-"
    assert "| pass^3 50% |" in render_markdown(records)


def test_the_sites_pass_hat_k_averages_over_tasks() -> None:
    from agentspec.publish.figures import entry_pass_hat_k

    records = [_record("a", "t1", n, True) for n in (1, 2)] + [
        _record("a", "t2", 1, True),
        _record("a", "t2", 2, False),
    ]
    assert entry_pass_hat_k(records, 2) == pytest.approx(0.5)
    assert entry_pass_hat_k(records, 1) == pytest.approx(0.75)
