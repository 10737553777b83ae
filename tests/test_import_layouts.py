"""`agentspec import` on the layouts people keep: tests in their own folder, instructions in a file, and the
layout check that refuses a task whose tests cannot even be collected against its solution."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from agentspec.errors import UsageError
from agentspec.runner.collect import check_layouts_sync, exception_line
from agentspec.sandbox import Sandbox
from agentspec.spec.authoring import import_folder
from agentspec.spec.model import Spec, TestFile
from tests.conftest import RunCli

CALC_TEST = (
    "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_zero():\n    assert add(0, 0) == 0\n"
)
CALC_STUB = "def add(a, b):\n    return a - b\n"
CALC_FIXED = "def add(a, b):\n    return a + b\n"


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def split_task(root: Path, test: str = CALC_TEST, starter: str = CALC_STUB) -> Path:
    """A task kept in parts: starter/, tests/, solution/, and a README beside them."""
    return write_tree(
        root,
        {
            "README.md": "Make add() add.\n",
            "starter/calc.py": starter,
            "tests/test_calc.py": test,
            "solution/calc.py": CALC_FIXED,
        },
    )


def test_split_layout_without_tests_is_refused_with_the_command_to_run(cli: RunCli, tmp_path: Path) -> None:
    task = split_task(tmp_path / "task")
    out = tmp_path / "specs" / "calc.toml"
    done = cli("import", task, "--id", "calc", "-o", out)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    expected = f"agentspec import {task / 'starter'} --tests {task / 'tests'} --solution {task / 'solution'}"
    assert expected in done.stderr
    assert not out.exists()


def test_split_layout_with_tests_imports_a_healthy_task(cli: RunCli, tmp_path: Path) -> None:
    task = split_task(tmp_path / "task")
    out = tmp_path / "specs" / "calc.toml"
    done = cli(
        "import",
        task / "starter",
        "--id",
        "calc",
        "--tests",
        task / "tests",
        "--solution",
        task / "solution",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert f"instructions: from {task / 'README.md'}" in done.stderr
    assert "layout check: 2 tests collected against the reference, 2 against the starter" in done.stderr
    data = tomllib.loads(out.read_text())
    assert data["instructions"] == "Make add() add.\n"
    assert [t["path"] for t in data["tests"]] == ["tests/test_calc.py"]
    assert [(f["path"], f["content"]) for f in data["files"]] == [("calc.py", CALC_STUB)]
    assert [(f["path"], f["content"]) for f in data["solution"]] == [("calc.py", CALC_FIXED)]
    assert cli("validate", out).returncode == 0
    health = cli("check", out)
    assert health.returncode == 0, health.stdout + health.stderr


def test_instructions_file_in_the_folder_is_the_prompt_and_not_a_starter_file(tmp_path: Path) -> None:
    folder = write_tree(
        tmp_path / "task",
        {"instructions.md": "# Fix add\n\nIt subtracts.\n", "README.md": "not this", "calc.py": CALC_STUB},
    )
    write_tree(folder, {"test_calc.py": CALC_TEST})
    imported = import_folder(folder, "calc")
    data = tomllib.loads(imported.text)
    assert data["instructions"] == "# Fix add\n\nIt subtracts.\n"
    assert imported.instructions_file == folder / "instructions.md"
    assert {f["path"] for f in data["files"]} == {"calc.py", "README.md"}
    assert "# Instructions from instructions.md." in imported.text


def test_instructions_file_option_and_its_errors(tmp_path: Path) -> None:
    folder = write_tree(tmp_path / "task", {"calc.py": CALC_STUB, "test_calc.py": CALC_TEST})
    prompt = write_tree(tmp_path, {"prompt.md": "Add, do not subtract.\n"}) / "prompt.md"
    data = tomllib.loads(import_folder(folder, "calc", instructions_file=prompt).text)
    assert data["instructions"] == "Add, do not subtract.\n"
    with pytest.raises(UsageError, match="either as text"):
        import_folder(folder, "calc", instructions="x", instructions_file=prompt)
    with pytest.raises(UsageError, match="no such instructions file"):
        import_folder(folder, "calc", instructions_file=tmp_path / "missing.md")
    (tmp_path / "empty.md").write_text("  \n")
    with pytest.raises(UsageError, match="empty"):
        import_folder(folder, "calc", instructions_file=tmp_path / "empty.md")
    (folder / "README.md").write_text("\n")
    generic = tomllib.loads(import_folder(folder, "calc").text)
    assert "do not edit the tests" in generic["instructions"]  # an empty README is not a prompt


def test_a_solution_folder_inside_the_task_that_is_not_passed_is_refused(tmp_path: Path) -> None:
    folder = write_tree(tmp_path / "task", {"calc.py": CALC_STUB, "test_calc.py": CALC_TEST})
    write_tree(folder, {"solution/calc.py": CALC_FIXED})
    with pytest.raises(UsageError, match=r"--solution .*solution"):
        import_folder(folder, "calc")
    assert "[[solution]]" in import_folder(folder, "calc", solution=folder / "solution").text


def test_tests_folder_without_test_files_says_where_it_looked(tmp_path: Path) -> None:
    folder = write_tree(tmp_path / "starter", {"calc.py": CALC_STUB})
    (tmp_path / "tests").mkdir()
    with pytest.raises(UsageError, match="no test files found"):
        import_folder(folder, "calc", tests=tmp_path / "tests")


def test_tests_that_cannot_be_collected_against_the_solution_are_refused_with_the_reason(
    cli: RunCli, tmp_path: Path
) -> None:
    needs_helper = (
        "from test_utils import numbers\nfrom calc import add\n\n\ndef test_add():\n    assert add(*numbers()) == 5\n"
    )
    task = split_task(tmp_path / "task", test=needs_helper)
    out = tmp_path / "specs" / "calc.toml"
    args = ["import", task / "starter", "--id", "calc", "--tests", task / "tests", "--solution", task / "solution"]
    done = cli(*args, "-o", out)
    assert done.returncode == 2, done.stderr
    assert "ModuleNotFoundError: No module named 'test_utils'" in done.stderr
    assert "tests/test_calc.py" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    forced = cli(*args, "-o", out, "--no-layout-check")
    assert forced.returncode == 0 and out.exists()


def test_collection_errors_against_the_starter_are_normal(cli: RunCli, tmp_path: Path) -> None:
    """A TDD task: the tests import a name the starter does not define yet."""
    task = split_task(tmp_path / "task", starter="# add() goes here\n")
    out = tmp_path / "calc.toml"
    done = cli(
        "import",
        task / "starter",
        "--id",
        "calc",
        "--tests",
        task / "tests",
        "--solution",
        task / "solution",
        "-o",
        out,
    )
    assert done.returncode == 0, done.stderr
    assert "0 against the starter (1 test module(s) do not import on the starter yet" in done.stderr
    assert out.exists()


def make_spec(spec_id: str, module: str, test: str, solution: str) -> Spec:
    return Spec.model_validate(
        {
            "id": spec_id,
            "title": spec_id,
            "kind": "implement",
            "instructions": "x",
            "files": [{"path": f"{module}.py", "content": "# nothing yet\n"}],
            "tests": [{"path": f"test_{module}.py", "content": test}],
            "solution": [{"path": f"{module}.py", "content": solution}],
        }
    )


GOOD_TEST = "from {m} import value\n\n\ndef test_value():\n    assert value() == 1\n"


def test_layout_check_keeps_specs_apart_and_survives_a_test_module_that_kills_pytest(tmp_path: Path) -> None:
    """Specs sharing a module name are collected apart; one that ends pytest abruptly is named, others unharmed."""
    good = make_spec("good", "shared", GOOD_TEST.format(m="shared"), "def value():\n    return 1\n")
    # Same module name as `good`, broken on the solution: were they collected together, one would shadow the other.
    broken = make_spec("broken", "shared", GOOD_TEST.format(m="shared"), "import not_installed_anywhere\n")
    killer = make_spec("killer", "killer", "import os\n\nos._exit(3)\n", "def value():\n    return 1\n")
    other = make_spec("other", "other", GOOD_TEST.format(m="other"), "def value():\n    return 1\n")
    checks = check_layouts_sync([good, broken, killer, other], Sandbox("auto"), tmp_path)
    assert [c.spec.id for c in checks] == ["good", "broken", "killer", "other"]
    assert checks[0].problems == [] and checks[0].reference.tests == 1
    assert checks[1].problems == [
        "test_shared.py cannot be collected against the reference solution: "
        "ModuleNotFoundError: No module named 'not_installed_anywhere'"
    ]
    assert checks[2].problems and "exited with 3" in checks[2].problems[0]
    assert checks[3].problems == [] and checks[3].reference.tests == 1
    assert "cannot import name 'value'" in checks[3].starter.errors["test_other.py"]


def test_exception_line_picks_the_exception_from_a_pytest_report() -> None:
    report = (
        "ImportError while importing test module '/w/test_x.py'.\nTraceback:\n"
        "test_x.py:1: in <module>\n    from helpers import h\n"
        "E   ModuleNotFoundError: No module named 'helpers'\n"
    )
    assert exception_line(report) == "ModuleNotFoundError: No module named 'helpers'"
    assert exception_line("E   assert 1 == 2\nE   AssertionError: nope\n") == "AssertionError: nope"
    assert exception_line("") == "unknown error"


def test_a_spec_with_a_conftest_is_collected_apart_from_the_others(tmp_path: Path) -> None:
    """A conftest's hooks see every item of a pytest run: batched with other specs it would drop their tests."""
    picky = make_spec("picky", "picky", GOOD_TEST.format(m="picky"), "def value():\n    return 1\n")
    conftest = "def pytest_collection_modifyitems(items):\n    items[:] = [i for i in items if 'picky' in i.nodeid]\n"
    picky = picky.model_copy(update={"tests": [*picky.tests, TestFile(path="conftest.py", content=conftest)]})
    other = make_spec("other", "other", GOOD_TEST.format(m="other"), "def value():\n    return 1\n")
    checks = check_layouts_sync([picky, other], Sandbox("auto"), tmp_path)
    assert [(c.problems, c.reference.tests) for c in checks] == [([], 1), ([], 1)]
