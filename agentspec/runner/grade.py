"""Grading: the spec's pristine tests, run with pytest in a sandboxed copy of the final workspace.

Nothing the agent could touch is trusted. The copy gets every test file (visible and hidden)
restored from the spec, every pytest control file (conftest.py, pytest.ini, ...) removed unless
the starter had it, and pytest runs isolated (`python -s -P` in a fixed environment, no plugin
autoload) with its JUnit XML written outside the workspace, and a canary test that must fail
(agentspec/runner/canary.py). An attempt passes only when every collected test passed and pytest
exited cleanly: 0, or 1 when the canary's expected failure was the only one.
"""

from __future__ import annotations

import functools
import shutil
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from agentspec.runner import canary
from agentspec.runner.reasons import reason_line
from agentspec.runner.workspace import write_file
from agentspec.sandbox import Completed, Sandbox
from agentspec.spec.model import PYTEST_CONTROL_FILES, File, Grading, Spec

TestOutcome = Literal["passed", "failed", "error", "skipped"]
_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
_OUTPUT_KEEP = 200_000
DEFAULT_COMMAND = Grading().command
# pytest's JUnit report names an INTERNALERROR as this pseudo-test.
INTERNAL_ERROR_ID = "pytest::internal"
# `python -I` without -E: the environment is agentspec's own (grading_env), and PYTHONPATH in it must count.
_ISOLATED = ("-s", "-P")
_PLUGIN_SOURCE = Path(__file__).with_name("grading_plugin.py")
# Loaded into every pytest run of grading (see agentspec/runner/grading_plugin.py for the crash it
# prevents), from a copy under this top-level name in a folder of its own on the run's PYTHONPATH: the
# interpreter that runs the tests need not be able to import agentspec (a Ray worker given the source
# with py_modules, a checkout run without installing).
GRADING_PLUGIN = "agentspec_grading"


@dataclass(frozen=True)
class TestResult:
    """One test's verdict from pytest's JUnit XML."""

    __test__ = False
    id: str
    outcome: TestOutcome
    message: str = ""
    # Why, in one line (agentspec/runner/reasons.py): the assertion, the collection error, the skip reason.
    reason: str = ""


@dataclass(frozen=True)
class Grade:
    """The verdict on one workspace."""

    passed: bool
    tests: list[TestResult]
    returncode: int | None
    duration_s: float
    output: str
    failure_kind: str | None = None
    tampered: list[str] = field(default_factory=list)

    @property
    def tests_passed(self) -> int:
        """How many tests passed."""
        return sum(1 for t in self.tests if t.outcome == "passed")

    @property
    def tests_total(self) -> int:
        """How many tests were graded."""
        return len(self.tests)

    def failing(self) -> set[str]:
        """Ids of the tests that did not pass."""
        return {t.id for t in self.tests if t.outcome != "passed"}

    @property
    def internal_error(self) -> bool:
        """Whether pytest itself crashed (INTERNALERROR), leaving the per-test list incomplete."""
        return any(t.id == INTERNAL_ERROR_ID for t in self.tests)


def protected_files(spec: Spec) -> list[File]:
    """Files grading restores from the spec: every test, and the starter's own pytest control files."""
    controls = [f for f in spec.files if PurePosixPath(f.path).name in PYTEST_CONTROL_FILES]
    return [*controls, *spec.tests]


def tampered_paths(spec: Spec, final: Path) -> list[str]:
    """Protected paths the agent changed, deleted or planted (visible tests and pytest control files)."""
    expected = {f.path: f.text for f in protected_files(spec) if not getattr(f, "hidden", False)}
    changed = []
    for path, text in expected.items():
        target = final / path
        if target.is_symlink() or not target.is_file() or target.read_bytes() != text.encode("utf-8"):
            changed.append(path)
    for path in _control_files(final):
        if path not in expected:
            changed.append(path)
    return sorted(set(changed))


def _control_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.name in PYTEST_CONTROL_FILES and (p.is_file() or p.is_symlink())
    )


def prepare_grading_copy(spec: Spec, final: Path, copy: Path, extra: Iterable[File] = ()) -> None:
    """Copy `final` to `copy` (symlinks kept as links), then restore every protected file from the spec."""
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(final, copy, symlinks=True, ignore=_IGNORED)
    for path in _control_files(copy):
        (copy / path).unlink()
    for entry in [*extra, *protected_files(spec)]:
        write_file(copy, entry.path, entry.text)


def pytest_argv(spec: Spec, junit: Path, extra_tests: Sequence[str] = ()) -> list[str]:
    """The grading command with agentspec's own flags appended (and `extra_tests` after the spec's).

    With the default command, only the spec's test files are collected, so tests the agent
    added of its own can neither help nor hurt it.
    """
    command = list(spec.grading.command)
    if command == DEFAULT_COMMAND:
        command += [t.path for t in spec.tests if _is_test_module(t.path)]
    command += extra_tests
    if command[0] in ("python", "python3"):
        command[:1] = [sys.executable, *_ISOLATED]
    elif command[0] == "pytest":
        command[:1] = [sys.executable, *_ISOLATED, "-m", "pytest"]
    return [
        *command,
        f"--junitxml={junit}",
        "-o",
        "junit_family=xunit1",
        "-o",
        "pythonpath=.",
        "--rootdir=.",
        # One module that cannot import (normal on a TDD starter) must not hide the other modules' tests.
        "--continue-on-collection-errors",
        "-p",
        "no:cacheprovider",
        "-p",
        GRADING_PLUGIN,
        "-q",
    ]


def _is_test_module(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


@functools.cache
def _plugin_source() -> bytes:
    return _PLUGIN_SOURCE.read_bytes()


def grading_env(plugin_dir: Path) -> dict[str, str]:
    """A small, fixed environment: no plugin autoload, no bytecode, UTF-8, the grading plugin importable."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(plugin_dir),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


async def run_pytest(
    spec: Spec, workdir: Path, report_dir: Path, sandbox: Sandbox, timeout_s: float, extra_tests: Sequence[str] = ()
) -> tuple[Completed, list[TestResult]]:
    """Run the spec's test command in `workdir` under the sandbox; return how it ended and the JUnit verdicts.

    `report_dir` (outside `workdir`; the only other writable folder) is made afresh, with the grading
    plugin in it, so nothing left there earlier (by a harness that could write to the attempt's scratch
    folder, say) can stand in for the plugin or the report.
    """
    if report_dir.is_symlink() or report_dir.is_file():
        report_dir.unlink()
    elif report_dir.exists():
        shutil.rmtree(report_dir)
    plugin_dir = report_dir / "plugin"
    plugin_dir.mkdir(parents=True)
    (plugin_dir / f"{GRADING_PLUGIN}.py").write_bytes(_plugin_source())
    junit = report_dir / "junit.xml"
    done = await sandbox.run(
        pytest_argv(spec, junit, extra_tests),
        cwd=workdir,
        timeout_s=timeout_s,
        env=grading_env(plugin_dir),
        writable=[report_dir],
    )
    return done, parse_junit(junit) if junit.is_file() else []


async def run_tests(spec: Spec, workdir: Path, report_dir: Path, sandbox: Sandbox) -> Grade:
    """Run the spec's test command in `workdir` (already prepared), with the canary, and read the verdict."""
    canary_module = canary.write_canary(workdir)
    done, reported = await run_pytest(spec, workdir, report_dir, sandbox, spec.grading.timeout_s, [canary_module])
    output = (done.stdout + done.stderr)[-_OUTPUT_KEEP:]
    tests = [t for t in reported if not canary.is_canary(t.id)]
    canary_seen = next((t.outcome for t in reported if canary.is_canary(t.id)), None)
    if canary.forged(canary_seen):
        return Grade(False, tests, done.returncode, done.duration_s, output, canary.FAILURE_KIND)
    if done.timed_out:
        return Grade(False, tests, done.returncode, done.duration_s, output, "test_timeout")
    if not tests:
        return Grade(False, tests, done.returncode, done.duration_s, output, "no_tests")
    if any(t.id == INTERNAL_ERROR_ID for t in tests):
        return Grade(False, tests, done.returncode, done.duration_s, output, "grading_error")
    # The canary's own failure makes an honest, otherwise green run exit 1.
    clean_exit = 1 if canary_seen == "failed" else 0
    passed = done.returncode == clean_exit and all(t.outcome == "passed" for t in tests)
    return Grade(passed, tests, done.returncode, done.duration_s, output, None if passed else "tests_failed")


async def grade_workspace(spec: Spec, final: Path, scratch: Path, sandbox: Sandbox) -> Grade:
    """Grade the agent's final workspace with the pristine tests; record tampering."""
    tampered = tampered_paths(spec, final)
    copy = scratch / "grading"
    prepare_grading_copy(spec, final, copy)
    grade = await run_tests(spec, copy, scratch / "report", sandbox)
    return Grade(
        grade.passed,
        grade.tests,
        grade.returncode,
        grade.duration_s,
        grade.output,
        grade.failure_kind,
        tampered,
    )


def parse_junit(path: Path) -> list[TestResult]:
    """Per-test outcomes from a JUnit XML report (pytest's xunit1 family)."""
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return []
    results = []
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        test_id = f"{classname}::{name}" if classname else name
        if not test_id:
            continue
        outcome: TestOutcome = "passed"
        message = reason = ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = "failed" if child.tag == "failure" else "error" if child.tag == "error" else "skipped"
                message = (child.get("message") or child.text or "")[:2000]
                reason = reason_line(child.tag, child.get("message") or "", child.text or "", child.get("type") or "")
                break
        results.append(TestResult(test_id, outcome, message, reason))
    return results
