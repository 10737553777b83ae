"""One attempt, start to finish: workspace, agent, snapshot, grade, review, artifacts. Its failures are data.

Each step runs inside the attempt boundary: an exception in one (a bug, a hostile workspace, a full
disk) ends the attempt as `outcome="error"` with a failure kind naming the step (`workspace_error`,
`artifact_error`, `grading_error`, `review_error`) and a one-line message, and the run goes on.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint
from agentspec.failures import ERROR_KINDS, FailureKind, Kind
from agentspec.runner.complexity import Measurement, definition_line, measure, scaling_finding
from agentspec.runner.grade import Grade
from agentspec.runner.grading_copy import grade_snapshot
from agentspec.runner.plan import Attempt
from agentspec.runner.review_bounded import review_bounded
from agentspec.runner.review_workers import ReviewWorkers
from agentspec.runner.snapshot import Snapshot, changed_paths, take_snapshot
from agentspec.runner.testset import VOIDING_KINDS, TestSet, Unmet
from agentspec.runner.tree import remove_tree
from agentspec.runner.workspace import make_workspace, starter_files
from agentspec.sandbox import Sandbox
from agentspec.store.sqlite import AttemptRecord

Reviewer = Callable[[Attempt, Mapping[str, str]], list[dict[str, Any]]]


@dataclass(frozen=True)
class AttemptContext:
    """What every attempt of a run shares."""

    sandbox: Sandbox
    work_root: Path
    reviewer: Reviewer | None = None
    keep_workspaces: bool = False
    # Past the agent's own time limit, the runner stops waiting for it after this much grace.
    agent_grace_s: float = 30.0
    # The served context per endpoint (preflight's `context_length`), handed to harnesses as their window.
    context_windows: Mapping[Endpoint, int] = field(default_factory=dict)
    # The run's review processes, shared by its attempts (None: each review starts a process of its own).
    review_workers: ReviewWorkers | None = None


class StepFailed(Exception):
    """A step of an attempt raised: the attempt's error, of `kind`, not the run's."""

    def __init__(self, kind: FailureKind, cause: BaseException) -> None:
        super().__init__(describe(cause))
        self.kind = kind
        self.detail = "".join(traceback.format_exception(cause))


def describe(exc: BaseException) -> str:
    """An exception in one line, clipped: `Type: message`."""
    line = " ".join("".join(traceback.format_exception_only(exc)).split())
    return line if len(line) <= 300 else line[:299] + "…"


@contextmanager
def step(kind: FailureKind) -> Iterator[None]:
    """Turn any exception raised inside into `StepFailed(kind)` (cancellation passes through)."""
    try:
        yield
    except StepFailed:
        raise
    except Exception as exc:
        raise StepFailed(kind, exc) from exc


@dataclass
class _Progress:
    """What the steps produced so far: each later step may be missing when an earlier one failed."""

    result: AgentResult = field(default_factory=AgentResult)
    snapshot: Snapshot | None = None
    grade: Grade | None = None
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    failed: StepFailed | None = None


async def run_attempt(
    attempt: Attempt, agent: Agent, context: AttemptContext, test_set: TestSet | None = None
) -> tuple[AttemptRecord, Path]:
    """Run one attempt; return its record and the folder of staged artifacts. Never raises for its own failures.

    Args:
        attempt: What to run.
        agent: Who acts.
        context: What the run's attempts share.
        test_set: The tests the reference defines for this spec version; None grades by every test passing.
    """
    started = time.perf_counter()
    root = context.work_root / attempt.key
    artifacts = root / "artifacts"
    done = _Progress()
    try:
        await _steps(attempt, agent, context, root, done)
    except StepFailed as failed:
        done.failed = failed
    starter = {f.path: f.text for f in starter_files(attempt.spec)}
    record = _record(attempt, done, test_set, starter, time.perf_counter() - started)
    try:
        with step(FailureKind.ARTIFACT_ERROR):
            _write_artifacts(artifacts, starter, done)
    except StepFailed as failed:
        _mark_error(record, failed)
    if not context.keep_workspaces:
        for folder in (root / "workspace", root / "scratch"):
            problems = remove_tree(folder)
            if problems:
                warnings.warn(f"could not remove all of {folder}: {problems[0]}", RuntimeWarning, stacklevel=2)
    return record, artifacts


async def _steps(attempt: Attempt, agent: Agent, context: AttemptContext, root: Path, done: _Progress) -> None:
    with step(FailureKind.WORKSPACE_ERROR):
        remove_tree(root)
        workspace, scratch = root / "workspace", root / "scratch"
        for folder in (scratch, root / "artifacts"):
            folder.mkdir(parents=True)
        make_workspace(attempt.spec, workspace)
        endpoint = attempt.endpoint
        window = context.context_windows.get(endpoint) if endpoint is not None else None
        task = AgentTask(attempt.spec, workspace, scratch / "agent", context.sandbox, endpoint, window)
        task.scratch.mkdir()
    done.result = await _act(agent, task, context.agent_grace_s)
    with step(FailureKind.ARTIFACT_ERROR):
        # The one snapshot: graded, stored and reviewed alike.
        snapshot = done.snapshot = take_snapshot(workspace)
    with step(FailureKind.GRADING_ERROR):
        done.grade = await grade_snapshot(attempt.spec, snapshot, scratch, context.sandbox)
        scaling = attempt.spec.review.scaling
        done.measurements = [await measure(s, scratch / "grading", context.sandbox) for s in scaling]
    with step(FailureKind.REVIEW_ERROR):
        snapshot = done.snapshot
        final = snapshot.texts()
        starter = {f.path: f.text for f in starter_files(attempt.spec)}
        changed = changed_paths(snapshot, starter)
        if context.reviewer is not None:
            files = {p: final[p] for p in changed if p in final}
            done.findings = await review_bounded(context.reviewer, attempt, files, workers=context.review_workers)
        done.findings += _scaling_findings(done.measurements, final)


async def _act(agent: Agent, task: AgentTask, grace_s: float) -> AgentResult:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(agent.act(task), timeout=task.limits.time_s + grace_s)
    except TimeoutError:
        result = AgentResult(
            error=f"agent still running after {task.limits.time_s:.0f}s", failure_kind=FailureKind.AGENT_TIMEOUT
        )
    except Exception as exc:  # an agent's bug is this attempt's error, not the run's
        detail = "".join(traceback.format_exception_only(exc)).strip()
        result = AgentResult(
            error=detail, failure_kind=FailureKind.AGENT_CRASH, details={"traceback": traceback.format_exc()}
        )
    if not result.duration_s:
        result.duration_s = time.perf_counter() - started
    return result


def _record(
    attempt: Attempt, done: _Progress, test_set: TestSet | None, starter: Mapping[str, str], duration_s: float
) -> AttemptRecord:
    result, grade = done.result, done.grade
    required = test_set is not None and bool(test_set.required)
    unmet = test_set.unmet(grade) if grade is not None and test_set is not None and required else []
    record = AttemptRecord(
        key=attempt.key,
        task=attempt.spec.id,
        spec_hash=attempt.spec.content_hash(),
        agent=attempt.agent,
        model=attempt.model,
        trial=attempt.trial,
        outcome="error",
        failure_kind=None,
        tests_passed=0,
        tests_total=0,
        duration_s=round(duration_s, 3),
        agent_duration_s=round(result.duration_s, 3),
        turns=result.turns,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        error=result.error,
        changed_files=changed_paths(done.snapshot, starter) if done.snapshot else [],
        findings=done.findings,
        scaling=[m.as_dict() for m in done.measurements],
        details=result.details,
        unmet=[u.as_dict() for u in unmet],
        skipped_files=done.snapshot.skipped_list() if done.snapshot else [],
    )
    if test_set is not None:
        record.excluded = dict(test_set.excluded)
    if grade is not None:
        record.grade_duration_s = round(grade.duration_s, 3)
        record.tampered = grade.tampered
        record.tests = [
            {"id": t.id, "outcome": t.outcome, "message": t.message, "reason": t.reason} for t in grade.tests
        ]
        if test_set is not None and required:
            record.tests_total = len(test_set.required)
            record.tests_passed = record.tests_total - len(unmet)
            record.fail_to_pass = test_set.outcomes(grade, test_set.fail_to_pass)
            record.pass_to_pass = test_set.outcomes(grade, test_set.pass_to_pass)
        else:
            record.tests_passed, record.tests_total = grade.tests_passed, grade.tests_total
        record.outcome, record.failure_kind = verdict(result, grade, unmet if required else None)
    if done.failed is not None:
        _mark_error(record, done.failed)
    elif grade is None:
        record.outcome, record.failure_kind = "error", FailureKind.GRADING_ERROR
    return record


def _mark_error(record: AttemptRecord, failed: StepFailed) -> None:
    """Record a step's failure on the attempt: outcome error, the step's kind, its one-line message."""
    record.outcome, record.failure_kind = "error", failed.kind
    step_name = failed.kind.removesuffix("_error")
    record.error = f"{step_name}: {failed}" if record.error is None else f"{record.error}; {step_name}: {failed}"
    record.details = {**record.details, "step_traceback": failed.detail[-4000:]}


def verdict(result: AgentResult, grade: Grade, unmet: list[Unmet] | None) -> tuple[str, Kind | None]:
    """Passed when every required test passed (with no test set: when every test passed) and nothing voids the run."""
    voided = grade.failure_kind in VOIDING_KINDS
    passed = (not voided and not unmet) if unmet is not None else grade.passed
    if passed:
        return "passed", None
    if result.failure_kind in ERROR_KINDS:
        return "error", result.failure_kind
    if grade.failure_kind in ERROR_KINDS:
        return "error", grade.failure_kind
    if grade.failure_kind == FailureKind.TAMPERED:  # it went for the tests' source while graded, and did not pass
        return "failed", FailureKind.TAMPERED
    if result.failure_kind:
        return "failed", result.failure_kind
    if voided or unmet is None:
        return "failed", grade.failure_kind or FailureKind.TESTS_FAILED
    # Required tests that simply did not run, with nothing failing: something hid them from pytest.
    hidden = all(u.outcome == "missing" for u in unmet) and all(t.outcome in ("passed", "skipped") for t in grade.tests)
    return "failed", FailureKind.TESTS_MISSING if hidden else FailureKind.TESTS_FAILED


def _scaling_findings(measurements: list[Measurement], final: Mapping[str, str]) -> list[dict[str, Any]]:
    found = []
    for measurement in measurements:
        module, function = measurement.function.split(":", 1)
        path = module.replace(".", "/") + ".py"
        line = definition_line(final.get(path, ""), function)
        finding = scaling_finding(measurement, path, line)
        if finding is not None:
            found.append(finding)
    return found


def _write_artifacts(folder: Path, starter: Mapping[str, str], done: _Progress) -> None:
    """The diff, the changed files (the snapshot's bytes), the test output and the transcript."""
    folder.mkdir(parents=True, exist_ok=True)
    snapshot = done.snapshot or Snapshot()
    final = snapshot.texts()
    changed = changed_paths(snapshot, starter) if done.snapshot else []
    diff: list[str] = []
    for path in changed:
        before = starter.get(path, "").splitlines(keepends=True)
        after = final.get(path, "").splitlines(keepends=True)
        source = f"a/{path}" if path in starter else "/dev/null"
        target = f"b/{path}" if path in final else "/dev/null"
        diff.extend(difflib.unified_diff(before, after, source, target))
    (folder / "diff.patch").write_text("".join(diff), encoding="utf-8")
    for path in changed:
        if path in snapshot.files:
            copy = folder / "files" / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(snapshot.files[path])
    (folder / "test-output.txt").write_text(done.grade.output if done.grade else "", encoding="utf-8")
    (folder / "transcript.json").write_text(json.dumps(done.result.transcript, indent=1), encoding="utf-8")


def error_record(attempt: Attempt, failure_kind: FailureKind, message: str) -> AttemptRecord:
    """The record of an attempt that could not run at all: `error` of `failure_kind`, with `message`."""
    return AttemptRecord(
        key=attempt.key,
        task=attempt.spec.id,
        spec_hash=attempt.spec.content_hash(),
        agent=attempt.agent,
        model=attempt.model,
        trial=attempt.trial,
        outcome="error",
        failure_kind=failure_kind,
        tests_passed=0,
        tests_total=0,
        duration_s=0.0,
        error=message,
    )
