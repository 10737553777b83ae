"""The review summed up in words: "thread-safe in 1 of 1", "leaked reasoning in 1 of 8"."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from agentspec.cli.display import print_summary
from agentspec.store.findings import docstring_coverage, summary, thread_safety
from agentspec.store.report import render_markdown
from agentspec.store.sqlite import AttemptRecord


def record(findings: list[dict[str, Any]], key: str = "k") -> AttemptRecord:
    return AttemptRecord(key, "t", "h", "a", "m", 1, "passed", None, 1, 1, 1.0, findings=findings)


def finding(rule: str, severity: str, message: str) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "path": "x.py", "line": 1, "column": 1, "message": message}


SAFE = finding("thread-safety", "info", "class Cache is thread-safe: every mutation holds self._lock")
UNSAFE = finding("thread-safety", "info", "class Cache is not thread-safe: it owns no lock")
LEAK = finding("leaked-reasoning", "warning", "the model's reasoning was left in a comment")


def test_the_articles_phrases() -> None:
    assert summary([record([SAFE])]) == ["thread-safe in 1 of 1"]
    records = [record([LEAK, LEAK])] + [record([]) for _ in range(7)]
    assert summary(records) == ["leaked reasoning in 1 of 8"]


def test_thread_safety_counts_only_attempts_with_classes_that_hold_state() -> None:
    records = [record([SAFE]), record([UNSAFE]), record([SAFE, UNSAFE]), record([])]
    assert thread_safety(records) == (1, 3)
    warned = finding("thread-safety", "warning", "shared state mutated outside the lock")
    assert thread_safety([record([SAFE, warned])]) == (0, 1)


def test_docstring_coverage_adds_up_files() -> None:
    records = [
        record([finding("docstrings", "info", "docstring coverage 2/4 (50%)")]),
        record([finding("docstrings", "info", "docstring coverage 3/3 (100%)")]),
    ]
    assert docstring_coverage(records) == (5, 7)
    assert summary(records) == ["docstrings on 5 of 7 public definitions"]


def test_info_findings_are_not_problems() -> None:
    assert summary([record([finding("quadratic", "info", "fine")])]) == []


def test_reports_say_what_the_review_saw_per_model() -> None:
    records = [record([LEAK], key="k1"), record([], key="k2")]
    markdown = render_markdown(records)
    assert "| a | m | leaked reasoning in 1 of 2 |" in markdown
    console = Console(record=True, width=200)
    print_summary(console, records)
    assert "leaked reasoning in 1 of 2" in console.export_text()


def test_reports_leave_the_review_out_when_it_saw_nothing() -> None:
    records = [record([]), record([finding("quadratic", "info", "fine")], key="k2")]
    assert "Review" not in render_markdown(records)
    console = Console(record=True, width=200)
    print_summary(console, records)
    assert "Review" not in console.export_text()
