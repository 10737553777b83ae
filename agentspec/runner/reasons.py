"""One-line reasons for a test's outcome, read from pytest's JUnit report: the line a person needs.

A failure's reason is its assertion line, a collection error's the exception that stopped the module
importing (``ModuleNotFoundError: No module named 'test_utils'``), a skip's the reason the test file gave.
"""

from __future__ import annotations

import re

# pytest's JUnit report gives a module that could not be imported this message.
COLLECTION_FAILURE = "collection failure"
# How a collection error's reason starts: what tells a module that could not be imported from a failing test.
COLLECTION_ERROR = "collection error"
_LIMIT = 300
_EXCEPTION = re.compile(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")


def reason_line(tag: str, message: str, text: str, skip_type: str = "") -> str:
    """The one-line reason for a JUnit `failure`, `error` or `skipped` element.

    Args:
        tag: The element's tag.
        message: Its `message` attribute.
        text: Its text (pytest's long report).
        skip_type: Its `type` attribute (``pytest.xfail`` marks an expected failure).
    """
    if tag == "skipped":
        why = _first_line(message) or _first_line(text.rsplit(": ", 1)[-1])
        label = "expected to fail (xfail)" if skip_type == "pytest.xfail" else "skipped"
        return f"{label}: {why}" if why else label
    exception = _exception_line(text)
    if tag == "error" and message == COLLECTION_FAILURE:
        return f"{COLLECTION_ERROR}: {exception or 'the module could not be imported'}"
    why = _first_line(message) or exception
    label = "failed" if tag == "failure" else "error"
    return f"{label}: {why}" if why else label


def _exception_line(text: str) -> str:
    """The last ``E   ...`` line of pytest's report that names an exception (else the last one)."""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    named = [line for line in lines if _EXCEPTION.match(line)]
    return _clip((named or lines or [""])[-1])


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _clip(line.strip())
    return ""


def _clip(line: str) -> str:
    return line if len(line) <= _LIMIT else line[: _LIMIT - 1] + "…"
