"""Sealed test modules: pytest runs the spec's tests from memory with everything a test suite uses.

Grading leaves only placeholders of the spec's Python test files in the grading folder
(agentspec/runner/grade.py, agentspec/pytest_run/plugin.py). These tests show that a suite with a
package, a conftest fixture, a class, parametrisation, a data file read through `__file__`, helper
modules and a custom `python_files` pattern grades exactly as before: the reference passes, the
starter fails with assertion messages intact, and nothing marks an honest run as tampering.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentspec.runner.grade import SEALED_PLACEHOLDER, Grade, grade_workspace
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.spec import load_spec
from agentspec.spec.materialise import write_files
from agentspec.spec.model import Spec

SPEC = '''\
id = "temperatures"
title = "Convert temperatures"
kind = "bug-fix"
instructions = "to_fahrenheit() is wrong; fix it."

[[files]]
path = "temps.py"
content = "def to_fahrenheit(c):\\n    return c * 2 + 30\\n"

[[files]]
path = "pytest.ini"
content = "[pytest]\\npython_files = check_*.py test_*.py\\n"

[[tests]]
path = "tests/__init__.py"
content = ""

[[tests]]
path = "tests/conftest.py"
hidden = true
content = """
import pytest


@pytest.fixture
def boiling():
    return 100
"""

[[tests]]
path = "tests/helpers.py"
hidden = true
content = """
def close(a, b):
    return abs(a - b) < 1e-9
"""

[[tests]]
path = "tests/points.json"
hidden = true
content = "[[0, 32], [-40, -40], [37, 98.6]]"

[[tests]]
path = "tests/test_temps.py"
content = """
from temps import to_fahrenheit


def test_freezing():
    assert to_fahrenheit(0) == 32
"""

[[tests]]
path = "tests/check_hidden.py"
hidden = true
content = """
import json
from pathlib import Path

import pytest

from temps import to_fahrenheit
from tests.helpers import close

POINTS = json.loads((Path(__file__).parent / "points.json").read_text())


class TestConversions:
    def test_boiling(self, boiling):
        assert to_fahrenheit(boiling) == 212

    @pytest.mark.parametrize("celsius, fahrenheit", POINTS)
    def test_points(self, celsius, fahrenheit):
        assert close(to_fahrenheit(celsius), fahrenheit)
"""

[[solution]]
path = "temps.py"
content = "def to_fahrenheit(c):\\n    return c * 9 / 5 + 32\\n"

[grading]
command = ["python", "-m", "pytest", "tests"]
timeout_s = 60
'''


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("spec") / "temperatures.toml"
    path.write_text(SPEC, encoding="utf-8")
    return load_spec(path)


@pytest.fixture(scope="module")
def grades(spec: Spec, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Grade]:
    root = tmp_path_factory.mktemp("grades")

    async def grade(name: str, solution: bool) -> Grade:
        workspace = make_workspace(spec, root / name / "workspace")
        if solution:
            write_files(workspace, spec.solution)
        return await grade_workspace(spec, workspace, root / name / "scratch", Sandbox())

    async def both() -> dict[str, Grade]:
        return {"reference": await grade("reference", True), "starter": await grade("starter", False)}

    return asyncio.run(both())


def test_the_reference_passes_every_sealed_test(grades: dict[str, Grade]) -> None:
    grade = grades["reference"]
    assert (grade.passed, grade.failure_kind, grade.tampered) == (True, None, []), grade.output[-2000:]
    assert sorted(t.id for t in grade.tests) == [
        "tests.check_hidden.TestConversions::test_boiling",
        "tests.check_hidden.TestConversions::test_points[-40--40]",
        "tests.check_hidden.TestConversions::test_points[0-32]",
        "tests.check_hidden.TestConversions::test_points[37-98.6]",
        "tests.test_temps::test_freezing",
    ]


def test_the_starter_fails_with_its_assertion_messages(grades: dict[str, Grade]) -> None:
    grade = grades["starter"]
    assert (grade.passed, grade.failure_kind, grade.tampered) == (False, "tests_failed", []), grade.output[-2000:]
    messages = {t.id: t.message for t in grade.tests}
    assert "assert 230 == 212" in messages["tests.check_hidden.TestConversions::test_boiling"]
    assert "assert 30 == 32" in messages["tests.test_temps::test_freezing"]
    assert "to_fahrenheit" not in grade.output.replace("to_fahrenheit(", "")  # no test source, only messages


def test_the_grading_folder_is_restored_after_the_run(spec: Spec, tmp_path: Path) -> None:
    workspace = make_workspace(spec, tmp_path / "workspace")
    asyncio.run(grade_workspace(spec, workspace, tmp_path / "scratch", Sandbox()))
    copy = tmp_path / "scratch" / "grading"
    for test in spec.tests:
        assert (copy / test.path).read_text(encoding="utf-8") == test.text
    assert SEALED_PLACEHOLDER not in "".join((copy / t.path).read_text(encoding="utf-8") for t in spec.tests)
