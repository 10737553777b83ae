"""Read back the info findings that describe code rather than fault it.

Two rules state a property of the code, so that results can be compared across models
without changing the finding's JSON shape ``{rule, severity, path, line, column, message}``:

* ``thread-safety`` gives each class with mutable state or a lock one info finding whose
  message starts ``class <Name> is thread-safe:`` or ``class <Name> is not thread-safe:``;
* ``docstrings`` gives each reviewed module one info finding at line 1,
  ``docstring coverage <documented>/<total> (<percent>%)``.

Both need ``ReviewConfig(properties=True)``, the default.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agentspec.review.finding import Finding

_THREAD_SAFETY = re.compile(r"^class (\w+) is (not )?thread-safe: ")
_COVERAGE = re.compile(r"^docstring coverage (\d+)/(\d+) ")


def thread_safety(findings: Iterable[Finding]) -> dict[tuple[str, str], bool]:
    """Return, for each (path, class name) the review described, whether the class is thread-safe."""
    result: dict[tuple[str, str], bool] = {}
    for finding in findings:
        match = _THREAD_SAFETY.match(finding.message) if finding.rule == "thread-safety" else None
        if match is not None and finding.severity == "info":
            result[finding.path, match.group(1)] = match.group(2) is None
    return result


def docstring_coverage(findings: Iterable[Finding]) -> dict[str, tuple[int, int]]:
    """Return, for each reviewed path with public definitions, (documented, total)."""
    result: dict[str, tuple[int, int]] = {}
    for finding in findings:
        match = _COVERAGE.match(finding.message) if finding.rule == "docstrings" else None
        if match is not None:
            result[finding.path] = (int(match.group(1)), int(match.group(2)))
    return result
