"""Grading survives failures pytest cannot render: they are recorded as failed tests, not grading errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentspec.pytest_run.channel import _plugin_source
from agentspec.pytest_run.invoke import run_pytest
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
    """Without the plugin's traceback repair, this pytest and CPython crash with INTERNALERROR on the same tests."""
    (tmp_path / "lineless.toml").write_text(SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "lineless.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    source = _plugin_source().replace("def pytest_runtest_makereport(", "def _repair_off(")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("agentspec.pytest_run.channel._plugin_source", lambda: source)
        bare = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert bare.failure_kind == "grading_error"


ISOLATION_SPEC = '''\
id = "isolation"
title = "What the graded interpreter can see"
kind = "debug"
instructions = "Nothing to do."

[[files]]
path = "probe.py"
content = "import sys\\n"

[[tests]]
path = "test_probe.py"
content = """
import sys


def test_the_grading_plugin_is_in_no_module_or_file():
    assert not [name for name in sys.modules if "agentspec" in name]


def test_agentspec_itself_is_not_needed():
    assert "agentspec" not in sys.modules
"""
'''


def test_grading_does_not_need_agentspec_importable_in_the_tested_interpreter(tmp_path: Path) -> None:
    # A Ray worker given agentspec with py_modules, or a checkout run without installing, has
    # agentspec on no path the isolated test interpreter sees; the plugin comes as a file of its own.
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert [(t.id.rsplit("::", 1)[-1], t.outcome) for t in grade.tests] == [
        ("test_the_grading_plugin_is_in_no_module_or_file", "passed"),
        ("test_agentspec_itself_is_not_needed", "passed"),
    ]


def test_a_canary_deselected_by_the_specs_own_command_says_nothing(tmp_path: Path) -> None:
    # The canary is a test that always fails; a custom command's -k can leave it out of the run.
    text = ISOLATION_SPEC + '\n[grading]\ncommand = ["python", "-m", "pytest", "test_probe.py", "-k", "itself"]\n'
    (tmp_path / "isolation.toml").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert grade.passed and grade.returncode in (0, 1)  # a canary named from "itself" may match -k too
    assert [t.id.rsplit("::", 1)[-1] for t in grade.tests] == ["test_agentspec_itself_is_not_needed"]


def test_an_honest_green_run_passes_and_its_record_shows_no_canary(tmp_path: Path) -> None:
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert grade.passed and grade.returncode == 1  # the must-fail canaries' expected failures
    assert [t.id for t in grade.tests] == [
        "test_probe::test_the_grading_plugin_is_in_no_module_or_file",
        "test_probe::test_agentspec_itself_is_not_needed",
    ]
    assert grade.output.splitlines()[-1] == "2 passed"
    assert (tmp_path / "scratch" / "grading" / "test_probe.py").read_text() == spec.tests[0].text


def test_canaries_skipped_by_the_specs_own_conftest_are_no_forgery(tmp_path: Path) -> None:
    # Skipping gains an agent nothing (a skipped test is not a passed one), and a starter's conftest may skip broadly.
    conftest = '''
[[files]]
path = "conftest.py"
content = """
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.skip(reason="needs a database"))
"""
'''
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC + conftest, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert (grade.passed, grade.failure_kind, grade.returncode) == (False, "tests_failed", 0)
    assert [t.outcome for t in grade.tests] == ["skipped", "skipped"]


def test_a_module_that_cannot_import_is_a_collection_error_not_a_forgery(tmp_path: Path) -> None:
    # A TDD starter: one test module imports what does not exist yet; the other module's tests still run.
    extra = '''
[[tests]]
path = "test_later.py"
content = """
from not_written_yet import feature  # secret-source-line


def test_feature():
    assert feature() == 1
"""
'''
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC + extra, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert grade.failure_kind == "tests_failed", grade.output
    outcomes = {t.id: (t.outcome, t.reason) for t in grade.tests}
    assert outcomes["test_later"] == (
        "error",
        "collection error: ModuleNotFoundError: No module named 'not_written_yet'",
    )
    assert outcomes["test_probe::test_agentspec_itself_is_not_needed"] == ("passed", "")
    assert "secret-source-line" not in grade.output


def test_fixtures_named_like_tests_keep_their_names(tmp_path: Path) -> None:
    # Grading renames the spec's tests; a fixture called test_* is asked for by name and must not be renamed.
    extra = '''
[[tests]]
path = "test_fixture.py"
content = """
import pytest


@pytest.fixture
def test_data():
    return [1, 2, 3]


class TestSums:
    def test_sum(self, test_data):
        assert sum(test_data) == 6
"""
'''
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC + extra, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    grade = asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    assert grade.passed, grade.output
    assert "test_fixture.TestSums::test_sum" in {t.id for t in grade.tests}


def test_collect_only_reports_collection_errors_through_the_channel(tmp_path: Path) -> None:
    extra = """
[[tests]]
path = "test_later.py"
content = "from not_written_yet import feature\\n\\n\\ndef test_feature():\\n    assert feature() == 1\\n"
"""
    (tmp_path / "isolation.toml").write_text(ISOLATION_SPEC + extra, encoding="utf-8")
    spec = load_spec(tmp_path / "isolation.toml")
    workspace = make_workspace(spec, tmp_path / "workspace")
    _, stream = asyncio.run(run_pytest(spec, workspace, Sandbox(), 60, extra_args=["--collect-only"]))
    errors = {t.id: t.reason for t in stream.tests if t.outcome == "error"}
    assert errors == {"test_later": "collection error: ModuleNotFoundError: No module named 'not_written_yet'"}
    assert stream.ended and not stream.forgery
