"""The info findings that describe code rather than fault it, gathered per class and per file.

Two rules state a property of the code, so that results can be compared across models:

* ``thread-safety`` gives each class with mutable state or a lock one info finding whose ``data``
  says whether the class is ``thread_safe``;
* ``docstrings`` gives each reviewed module one info finding at line 1 whose ``data`` holds its
  coverage (``documented``, ``total``).

Both need ``ReviewConfig(properties=True)``, the default. The figures are read from ``data``, never
from the message (see `agentspec.review.facts`).
"""

from __future__ import annotations

from collections.abc import Iterable

from agentspec.review.facts import docstring_coverage_of, thread_safety_of
from agentspec.review.finding import Finding


def thread_safety(findings: Iterable[Finding]) -> dict[tuple[str, str], bool]:
    """Return, for each (path, class name) the review described, whether the class is thread-safe."""
    result: dict[tuple[str, str], bool] = {}
    for finding in findings:
        fact = thread_safety_of(finding.to_dict())
        if fact is not None and fact.statement and fact.class_name is not None:
            result[finding.path, fact.class_name] = fact.thread_safe
    return result


def docstring_coverage(findings: Iterable[Finding]) -> dict[str, tuple[int, int]]:
    """Return, for each reviewed path with public definitions, (documented, total)."""
    result: dict[str, tuple[int, int]] = {}
    for finding in findings:
        coverage = docstring_coverage_of(finding.to_dict())
        if coverage is not None:
            result[finding.path] = coverage
    return result
