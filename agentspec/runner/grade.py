"""Grading: the spec's pristine tests, run with pytest in a sandboxed copy of the final workspace.

Nothing the agent could touch is trusted. The copy gets every test file (visible and hidden)
restored from the spec, with canaries planted among its tests (agentspec/runner/canary.py); its
Python test files are then sealed: placeholders on disk, the source served from memory (`seal`); every
pytest control file (conftest.py, pytest.ini, ...) removed unless the starter had it, and pytest
runs isolated (`python -s -P` in a fixed environment, no plugin autoload). The verdicts do not go
through any file: the grading plugin streams them over an inherited socket that the grader reads
as they come and checks (agentspec/pytest_run/channel.py); docs/grading.md has the threat model. An
attempt passes only when every collected test passed, the run ended normally with pytest's exit
status 0 or 1 (1 when only must-fail canaries failed), and no canary or channel rule was broken.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from agentspec.failures import FailureKind
from agentspec.pytest_run.channel import INTERNAL_ERROR_ID, Stream, TestOutcome, TestResult
from agentspec.pytest_run.invoke import DEFAULT_COMMAND, GradingCommandError, is_test_module, run_pytest
from agentspec.runner import canary
from agentspec.sandbox import Sandbox
from agentspec.spec.materialise import write_file
from agentspec.spec.model import PYTEST_CONTROL_FILES, File, Spec

__all__ = ["INTERNAL_ERROR_ID", "Grade", "TestOutcome", "TestResult", "grade_workspace", "run_pytest", "run_tests"]

SEALED_PLACEHOLDER = '"""agentspec: while graded, this test module is served to pytest from memory."""\n'
_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc")
_OUTPUT_KEEP = 200_000
# Canaries per test module: enough that sparing them by chance is unlikely, few enough to stay cheap.
_CANARIES_PER_MODULE = (2, 4)


@dataclass(frozen=True)
class Grade:
    """The verdict on one workspace."""

    passed: bool
    tests: list[TestResult]
    returncode: int | None
    duration_s: float
    output: str
    failure_kind: FailureKind | None = None
    tampered: list[str] = field(default_factory=list)

    @property
    def tests_passed(self) -> int:
        """How many tests passed."""
        return sum(1 for t in self.tests if t.outcome == "passed")

    @property
    def tests_total(self) -> int:
        """How many tests were graded."""
        return len(self.tests)

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


@dataclass(frozen=True)
class Planting:
    """The canaries of one run, and the fresh names the spec's tests got."""

    canaries: list[canary.Canary]
    renamed: dict[str, str]
    gone: set[str]
    sources: dict[str, str] = field(default_factory=dict)


def plant_canaries(spec: Spec, workdir: Path) -> Planting:
    """Rewrite every spec test module in `workdir` from the spec, with canaries among its tests.

    With the default command the spec's tests are renamed too (a custom one may select them by name).
    """
    rng = canary.new_rng()
    modules = [t for t in spec.tests if is_test_module(t.path)]
    counts = [rng.randint(*_CANARIES_PER_MODULE) for _ in modules]
    expected = canary.outcomes(sum(counts), rng)
    rename = spec.grading.command == DEFAULT_COMMAND
    taken: set[str] = set()
    planted: list[canary.Canary] = []
    renamed: dict[str, str] = {}
    gone: set[str] = set()
    sources: dict[str, str] = {}
    for module, count in zip(modules, counts, strict=True):
        mine, expected = expected[:count], expected[count:]
        result = canary.plant(module.path, module.text, rng, mine, rename=rename, taken=taken)
        write_file(workdir, module.path, result.source)
        sources[module.path] = result.source
        planted += result.canaries
        renamed |= result.renamed
        gone |= result.gone
    return Planting(planted, renamed, gone, sources)


def seal(spec: Spec, workdir: Path, planted: dict[str, str]) -> dict[str, str]:
    """Replace every Python test module and conftest in `workdir` by a placeholder; return their sources.

    pytest gets the sources from memory (agentspec/pytest_run/plugin.py), so code under test, and any
    process it starts, finds no test source on disk. Test data files (not Python) stay as they are.
    """
    sealed = {f.path: planted.get(f.path, f.text) for f in protected_files(spec) if f.path.endswith(".py")}
    for path, source in sealed.items():
        # As many lines as the source, each a statement: pytest's error reports look lines up in the file.
        write_file(workdir, path, SEALED_PLACEHOLDER + "pass\n" * max(0, source.count("\n") - 1))
    return sealed


async def run_tests(spec: Spec, workdir: Path, scratch: Path | None, sandbox: Sandbox) -> Grade:
    """Run the spec's tests in `workdir` (already prepared), with canaries, and judge the verdict.

    `scratch` is not used: nothing of a grading run goes through a file (kept for callers' sake).
    """
    del scratch
    planting = plant_canaries(spec, workdir)
    planted = planting.canaries
    sealed = seal(spec, workdir, planting.sources)
    try:
        done, stream = await run_pytest(spec, workdir, sandbox, spec.grading.timeout_s, tracebacks=False, sealed=sealed)
    except GradingCommandError as exc:
        return Grade(False, [], None, 0.0, f"agentspec: {exc}\n", FailureKind.GRADING_ERROR)
    finally:
        for module in protected_files(spec):
            write_file(workdir, module.path, module.text)
    expected = {c.test_id: c.expected for c in planted}
    tests = [
        TestResult(canary.original_id(t.id, planting.renamed), t.outcome, t.message, t.reason)
        for t in stream.tests
        if t.id not in expected
    ]
    reported = {t.id: t.outcome for t in stream.tests}
    excused = {t.id for t in stream.tests if "::" not in t.id}  # a module's collection error or skip
    # Canaries may be missing when the spec's own command selects tests, or pytest crashed or was cut short.
    crashed = any(t.id == INTERNAL_ERROR_ID for t in tests)
    strict = spec.grading.command == DEFAULT_COMMAND and stream.ended and stream.status in (0, 1, 5) and not crashed
    forgery = stream.forgery or canary.contradiction(planted, reported, excused, strict) or _unknown(stream, planting)
    # pytest's own stdout counts the canaries and, with tracebacks, would quote the tests: rendered instead.
    output = _redacted(_without(_render(tests) + done.stderr[-_OUTPUT_KEEP:], expected), spec)
    if not forgery and not done.timed_out and done.returncode == 0 and stream.status != 0:
        # Only pytest's own end says "all passed"; an exit status 0 without it (os._exit at import or atexit) is forged.
        forgery = "the test process exited with status 0 without pytest saying so"
    reads = [f"{read} while graded" for read in stream.sealed_reads]
    if reads:
        output += "".join(f"agentspec: the code under test {read} (it found a placeholder)\n" for read in reads)
    if forgery:
        output += f"\nagentspec: the report was forged: {forgery}\n"
        return Grade(False, tests, done.returncode, done.duration_s, output, canary.FAILURE_KIND, reads)
    if done.timed_out:
        return Grade(False, tests, done.returncode, done.duration_s, output, FailureKind.TEST_TIMEOUT, reads)
    if crashed:
        return Grade(False, tests, done.returncode, done.duration_s, output, FailureKind.GRADING_ERROR, reads)
    if reads and not _all_passed(stream, done.returncode, tests, planted, reported):
        # It went looking for the tests' answers; what it found was a placeholder, and it failed.
        return Grade(False, tests, done.returncode, done.duration_s, output, FailureKind.TAMPERED, reads)
    if not tests:
        return Grade(False, tests, done.returncode, done.duration_s, output, FailureKind.NO_TESTS)
    passed = _all_passed(stream, done.returncode, tests, planted, reported)
    return Grade(
        passed, tests, done.returncode, done.duration_s, output, None if passed else FailureKind.TESTS_FAILED, reads
    )


def _all_passed(
    stream: Stream,
    returncode: int | None,
    tests: Sequence[TestResult],
    planted: Sequence[canary.Canary],
    reported: dict[str, TestOutcome],
) -> bool:
    """Whether the run ended normally with every spec test passed (must-fail canaries make it exit 1)."""
    clean_exit = 1 if any(reported.get(c.test_id) == "failed" for c in planted) else 0
    return bool(
        tests
        and stream.ended
        and stream.status == returncode == clean_exit
        and all(t.outcome == "passed" for t in tests)
    )


def _unknown(stream: Stream, planting: Planting) -> str:
    """Why a reported test cannot be one pytest ran, or "": it has the id of a test renamed for the run."""
    for test in stream.tests:
        if test.id.partition("[")[0] in planting.gone:
            return f"a test was reported under a name that did not exist at run time ({test.id})"
    return ""


def _render(tests: Sequence[TestResult]) -> str:
    """The verdicts as text for the stored output: ids and messages, never a test's source."""
    lines = [f"{t.outcome.upper()} {t.id}" + (f" - {t.message}" if t.message else "") for t in tests]
    counts: dict[str, int] = {}
    for test in tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests ran"
    return "\n".join([*lines, summary]) + "\n"


def _without(output: str, canary_ids: Iterable[str]) -> str:
    """`output` without the lines that name a canary (pytest's own summary can)."""
    names = [re.escape(test_id.rpartition("::")[2]) for test_id in canary_ids]
    if not names:
        return output
    pattern = re.compile(rf"\b(?:{'|'.join(names)})\b")
    return "".join(line for line in output.splitlines(keepends=True) if not pattern.search(line))


def _redacted(output: str, spec: Spec) -> str:
    """`output` with every line that repeats a hidden test's source line replaced (code under test may print them)."""
    hidden = {line.strip() for t in spec.tests if t.hidden for line in t.text.splitlines() if len(line.strip()) >= 8}
    if not hidden:
        return output
    lines = output.splitlines(keepends=True)
    return "".join("[agentspec: a hidden test's line]\n" if line.strip() in hidden else line for line in lines)


async def grade_workspace(spec: Spec, final: Path, scratch: Path, sandbox: Sandbox) -> Grade:
    """Grade the agent's final workspace with the pristine tests; record tampering."""
    tampered = tampered_paths(spec, final)
    copy = scratch / "grading"
    prepare_grading_copy(spec, final, copy)
    grade = await run_tests(spec, copy, None, sandbox)
    return Grade(
        grade.passed,
        grade.tests,
        grade.returncode,
        grade.duration_s,
        grade.output,
        grade.failure_kind,
        [*tampered, *grade.tampered],
    )
