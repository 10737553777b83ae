"""The review step of an attempt: the spec's reviewer rules on the Python files the agent changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentspec.runner.plan import Attempt


def review_changed_files(attempt: Attempt, files: Mapping[str, str]) -> list[dict[str, Any]]:
    """Findings on each changed Python file, test files excluded (grading restores those anyway).

    It runs in a review process (`review_workers`): libcst and the rules load there, not in the run's process.
    """
    from agentspec.review import ReviewConfig, review_source

    spec = attempt.spec
    config = ReviewConfig(rules=spec.review.rules, thread_safety_required=spec.review.thread_safety == "required")
    tests = {t.path for t in spec.tests}
    findings: list[dict[str, Any]] = []
    for path, text in sorted(files.items()):
        if path.endswith(".py") and path not in tests:
            findings.extend(finding.to_dict() for finding in review_source(text, path, config))
    return findings
