"""Grading survives failures pytest cannot render: they are recorded as failed tests, not grading errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentspec.runner.grade import Grade, grade_workspace
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.spec import load_spec

# A traceback entry whose instruction has no line (tb_lineno None) is what CPython hands over
# when a signal handler raises at an unlucky moment, e.g. a CPU-time budget built on setitimer.
SPEC = '''\
id = "lineless"
title = "Failures whose traceback has an entry without a line"
kind = "debug"
instructions = "Nothing to do."

[[files]]
path = "budget.py"
content = """
import sys
import types


def fail_without_a_line():
    entry = types.TracebackType(None, sys._getframe(), 1 << 20, -1)
    raise TimeoutError("budget spent").with_traceback(entry)
"""

[[tests]]
path = "test_code.py"
content = """
import pytest

from budget import fail_without_a_line


def test_before():
    assert True


def test_raises_directly():
    fail_without_a_line()


def test_fails_while_handling():
    try:
        fail_without_a_line()
    except TimeoutError:
        pytest.fail("over budget")


def test_after():
    assert True
"""

[grading]
timeout_s = 60
'''


@pytest.fixture(scope="module")
def grade(tmp_path_factory: pytest.TempPathFactory) -> Grade:
    """The grade of the untouched starter."""
    root = tmp_path_factory.mktemp("lineless")
    (root / "lineless.toml").write_text(SPEC, encoding="utf-8")
    spec = load_spec(root / "lineless.toml")
    workspace = make_workspace(spec, root / "workspace")
    return asyncio.run(grade_workspace(spec, workspace, root / "scratch", Sandbox()))


def test_a_lineless_traceback_is_a_failed_test_not_a_grading_error(grade: Grade) -> None:
    assert grade.failure_kind == "tests_failed"
    assert not grade.internal_error
    outcomes = {t.id.rsplit("::", 1)[-1]: t.outcome for t in grade.tests}
    assert outcomes == {
        "test_before": "passed",
        "test_raises_directly": "failed",
        "test_fails_while_handling": "failed",
        "test_after": "passed",
    }


def test_the_failure_message_still_reaches_the_record(grade: Grade) -> None:
    messages = {t.id.rsplit("::", 1)[-1]: t.message for t in grade.tests}
    assert "budget spent" in messages["test_raises_directly"]
    assert "over budget" in messages["test_fails_while_handling"]


def test_the_plugin_is_what_keeps_pytest_alive(tmp_path: Path) -> None:
    """Without the grading plugin, this pytest and CPython crash with INTERNALERROR on the same tests."""
    (tmp_path / "lineless.toml").write_text(SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "lineless.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("agentspec.runner.grade.GRADING_PLUGIN", "no:doctest")
        bare = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert bare.failure_kind == "grading_error"
