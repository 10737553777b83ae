"""Reference-defined grading through the real CLI: TDD starters, skips in the test file, tests that cannot import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentspec.pytest_run.channel import _fold
from agentspec.runner.grade import Grade, TestResult
from agentspec.runner.testset import TestSet
from tests.conftest import RunCli, report_json

# The tests import names the starter does not have yet: on the starter the module cannot even be collected.
TDD = '''\
id = "tdd-stack"
title = "Write a stack"
kind = "tdd"
instructions = "Write Stack in stack.py so the tests pass."

[[files]]
path = "stack.py"
content = "# write Stack here\\n"

[[files]]
path = "util.py"
content = "def double(x):\\n    return 2 * x\\n"

[[tests]]
path = "test_stack.py"
content = """
from stack import Stack


def test_push_pop():
    s = Stack()
    s.push(1)
    assert s.pop() == 1


def test_empty():
    assert Stack().empty()
"""

[[tests]]
path = "test_util.py"
content = """
from util import double


def test_double():
    assert double(2) == 4
"""

[[solution]]
path = "stack.py"
content = """
class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        return self.items.pop()

    def empty(self):
        return not self.items
"""
'''

SKIPS = '''\
id = "skips"
title = "Fix add, one test skipped by its file"
kind = "bug-fix"
instructions = "add() subtracts; make it add."

[[files]]
path = "calc.py"
content = "def add(a, b):\\n    return a - b\\n"

[[tests]]
path = "test_calc.py"
content = """
import unittest

import pytest

from calc import add


class AddTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)

    @unittest.skip("extra-credit")
    def test_bonus(self):
        self.assertEqual(add.bonus(), 1)


@pytest.mark.skip(reason="not this week")
def test_later():
    assert False
"""

[[solution]]
path = "calc.py"
content = "def add(a, b):\\n    return a + b\\n"
'''

MISSING_HELPER = '''\
id = "missing-helper"
title = "Tests need a helper module nobody shipped"
kind = "bug-fix"
instructions = "Fix it."

[[files]]
path = "calc.py"
content = "def add(a, b):\\n    return a - b\\n"

[[tests]]
path = "error_handling_test.py"
content = """
from test_utils import check
from calc import add


def test_add():
    check(add(2, 3) == 5)
"""

[[solution]]
path = "calc.py"
content = "def add(a, b):\\n    return a + b\\n"
'''


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verdict-suite")
    for name, text in (("tdd-stack", TDD), ("skips", SKIPS), ("missing-helper", MISSING_HELPER)):
        (folder / f"{name}.toml").write_text(text)
    return folder


def test_check_explains_each_spec(cli: RunCli, suite: Path) -> None:
    done = cli("check", suite, "--format", "json")
    assert done.returncode == 1, done.stderr
    health = {s["id"]: s for s in json.loads(done.stdout)["specs"]}

    tdd = health["tdd-stack"]
    assert tdd["healthy"], tdd["problems"]
    assert tdd["fail_to_pass"] == ["test_stack::test_empty", "test_stack::test_push_pop"]
    assert tdd["pass_to_pass"] == ["test_util::test_double"]

    skips = health["skips"]
    assert skips["healthy"], skips["problems"]
    assert skips["required"] == ["test_calc.AddTest::test_add"]
    assert skips["excluded"] == {
        "test_calc.AddTest::test_bonus": "skipped: extra-credit",
        "test_calc::test_later": "skipped: not this week",
    }

    helper = health["missing-helper"]
    assert not helper["healthy"]
    assert helper["problems"][0] == (
        "the reference solution does not pass error_handling_test: "
        "collection error: ModuleNotFoundError: No module named 'test_utils'"
    )

    text = cli("check", suite)
    assert text.returncode == 1
    assert "skips: excluded test_calc.AddTest::test_bonus: skipped by the test file (extra-credit)" in text.stdout
    assert "ModuleNotFoundError: No module named 'test_utils'" in text.stdout
    assert "2 healthy, 1 unhealthy" in text.stdout


def test_reference_passes_and_none_fails_naming_the_tests(cli: RunCli, suite: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    specs = [suite / "tdd-stack.toml", suite / "skips.toml"]
    reference = cli("run", *specs, "--results", results, "--agent", "reference")
    assert reference.returncode == 0, reference.stderr
    none = cli("run", *specs, "--results", results, "--agent", "none")
    assert none.returncode == 0, none.stderr
    attempts = {(a["task"], a["agent"]): a for a in report_json(cli, results)}

    for task in ("tdd-stack", "skips"):
        passed = attempts[(task, "reference")]
        assert (passed["outcome"], passed["failure_kind"], passed["unmet"]) == ("passed", None, []), passed
    assert attempts[("tdd-stack", "reference")]["tests_passed"] == attempts[("tdd-stack", "reference")]["tests_total"]
    assert attempts[("skips", "reference")]["excluded"] == {
        "test_calc.AddTest::test_bonus": "skipped: extra-credit",
        "test_calc::test_later": "skipped: not this week",
    }

    tdd = attempts[("tdd-stack", "none")]
    assert (tdd["outcome"], tdd["failure_kind"]) == ("failed", "tests_failed")
    why = "missing: its module test_stack could not be collected (ImportError: cannot import name 'Stack' from 'stack'"
    assert [u["id"] for u in tdd["unmet"]] == ["test_stack::test_push_pop", "test_stack::test_empty"]
    assert all(u["outcome"] == "missing" and u["reason"].startswith(why) for u in tdd["unmet"]), tdd["unmet"]
    assert tdd["pass_to_pass"] == {"test_util::test_double": "passed"}
    assert (tdd["tests_passed"], tdd["tests_total"]) == (1, 3)
    # The run names the tests and the reason, one line each.
    assert f"test_stack::test_push_pop: {why}" in none.stderr
    skips = attempts[("skips", "none")]
    assert skips["unmet"] == [
        {"id": "test_calc.AddTest::test_add", "outcome": "failed", "reason": "failed: AssertionError: -1 != 5"}
    ]
    shown = cli("report", "--results", results)
    assert "test_calc.AddTest::test_add: failed: AssertionError: -1 != 5" in shown.stdout


def _grade(*tests: TestResult) -> Grade:
    return Grade(False, list(tests), 1, 0.1, "")


def test_a_required_test_hidden_from_pytest_is_named_missing() -> None:
    reference = _grade(TestResult("m::a", "passed"), TestResult("m::b", "passed"), TestResult("m::s", "skipped"))
    starter = _grade(TestResult("m::a", "failed"), TestResult("m::b", "passed"))
    test_set = TestSet.from_grades(starter, reference)
    assert TestSet.from_dict(json.loads(json.dumps(test_set.as_dict()))) == test_set
    assert (test_set.fail_to_pass, test_set.pass_to_pass) == (("m::a",), ("m::b",))
    unmet = test_set.unmet(_grade(TestResult("m::a", "passed")))
    assert [u.line() for u in unmet] == ["m::b: missing: not collected (renamed, deleted or deselected?)"]


def test_reasons_are_one_line() -> None:
    collection = "Traceback:\nx.py:1: in <module>\n    import y\nE   ModuleNotFoundError: No module named 'y'"
    folded = _fold("x.py", {"collect": {"outcome": "failed", "message": collection}})
    assert folded is not None and folded.reason == "collection error: ModuleNotFoundError: No module named 'y'"
    failed = _fold(
        "x.py::t",
        {"setup": {"outcome": "passed"}, "call": {"outcome": "failed", "message": "assert 2 == 1\n +  where"}},
    )
    assert failed is not None and failed.reason == "failed: assert 2 == 1"
    xfail = {"setup": {"outcome": "passed"}, "call": {"outcome": "skipped", "xfail": True, "message": "known"}}
    folded_xfail = _fold("x.py::t", xfail)
    assert folded_xfail is not None and folded_xfail.reason == "expected to fail (xfail): known"
    setup = _fold("x.py::t", {"setup": {"outcome": "failed", "message": "ValueError: x"}})
    assert setup is not None and (setup.outcome, setup.reason) == ("error", "error: ValueError: x")
