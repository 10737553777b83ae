"""One attempt, start to finish: workspace, agent, grade, review, artifacts. Its failures are data."""

from __future__ import annotations

import asyncio
import difflib
import json
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint
from agentspec.review.complexity import Measurement, definition_line, measure, scaling_finding
from agentspec.runner.grade import Grade, grade_workspace
from agentspec.runner.plan import NO_MODEL, Attempt
from agentspec.runner.review_bounded import review_bounded
from agentspec.runner.workspace import make_workspace, read_tree, starter_files
from agentspec.sandbox import Sandbox
from agentspec.store.sqlite import AttemptRecord

# Failure kinds that say the attempt could not be judged, rather than that the model failed it.
ERROR_KINDS = frozenset(
    {
        "backend_error",
        "model_not_found",
        "no_tool_support",
        "harness_error",
        "sandbox_error",
        "agent_crash",
        "grading_error",
    }
)

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


async def run_attempt(
    attempt: Attempt, agent: Agent, context: AttemptContext, baseline: Mapping[str, str] | None = None
) -> tuple[AttemptRecord, Path]:
    """Run one attempt; return its record and the folder of staged artifacts. Never raises for its own failures."""
    started = time.perf_counter()
    root = context.work_root / attempt.key
    if root.exists():
        shutil.rmtree(root)
    workspace, scratch, artifacts = root / "workspace", root / "scratch", root / "artifacts"
    for folder in (scratch, artifacts):
        folder.mkdir(parents=True)
    make_workspace(attempt.spec, workspace)

    endpoint = Endpoint.parse(attempt.model, attempt.base_url) if attempt.model != NO_MODEL else None
    task = AgentTask(attempt.spec, workspace, scratch / "agent", context.sandbox, endpoint)
    task.scratch.mkdir()
    result = await _act(agent, task, context.agent_grace_s)

    grade = await grade_workspace(attempt.spec, workspace, scratch, context.sandbox)
    final = read_tree(workspace)
    measurements = [await measure(s, scratch / "grading", context.sandbox) for s in attempt.spec.review.scaling]
    starter = {f.path: f.text for f in starter_files(attempt.spec)}
    changed = sorted(p for p in final.keys() | starter.keys() if final.get(p) != starter.get(p))
    findings: list[dict[str, Any]] = []
    if context.reviewer is not None:
        findings = await review_bounded(context.reviewer, attempt, {p: final[p] for p in changed if p in final})
    findings += _scaling_findings(measurements, final)

    missing = sorted(set(baseline or ()) - {t.id for t in grade.tests})
    outcome, failure_kind = _verdict(result, grade, missing)
    record = AttemptRecord(
        key=attempt.key,
        task=attempt.spec.id,
        spec_hash=attempt.spec.content_hash(),
        agent=attempt.agent,
        model=attempt.model,
        trial=attempt.trial,
        outcome=outcome,
        failure_kind=failure_kind,
        tests_passed=grade.tests_passed,
        tests_total=grade.tests_total,
        duration_s=round(time.perf_counter() - started, 3),
        agent_duration_s=round(result.duration_s, 3),
        grade_duration_s=round(grade.duration_s, 3),
        turns=result.turns,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        error=result.error,
        tampered=grade.tampered,
        tests=[{"id": t.id, "outcome": t.outcome, "message": t.message} for t in grade.tests],
        changed_files=changed,
        findings=findings,
        scaling=[m.as_dict() for m in measurements],
        details=result.details,
    )
    if baseline is not None:
        after = {t.id: t.outcome for t in grade.tests}
        for test_id, before in sorted(baseline.items()):
            bucket = record.pass_to_pass if before == "passed" else record.fail_to_pass
            bucket[test_id] = after.get(test_id, "missing")
    _write_artifacts(artifacts, starter, final, changed, grade, result)
    if not context.keep_workspaces:
        shutil.rmtree(workspace, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return record, artifacts


async def _act(agent: Agent, task: AgentTask, grace_s: float) -> AgentResult:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(agent.act(task), timeout=task.limits.time_s + grace_s)
    except TimeoutError:
        result = AgentResult(error=f"agent still running after {task.limits.time_s:.0f}s", failure_kind="agent_timeout")
    except Exception as exc:  # an agent's bug is this attempt's error, not the run's
        detail = "".join(traceback.format_exception_only(exc)).strip()
        result = AgentResult(error=detail, failure_kind="agent_crash", details={"traceback": traceback.format_exc()})
    if not result.duration_s:
        result.duration_s = time.perf_counter() - started
    return result


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


def _verdict(result: AgentResult, grade: Grade, missing: list[str]) -> tuple[str, str | None]:
    if grade.passed and not missing:
        return "passed", None
    if grade.passed:
        # Tests the starter had did not run at all: something hid them from pytest.
        return "failed", "tests_missing"
    if result.failure_kind in ERROR_KINDS:
        return "error", result.failure_kind
    if grade.failure_kind in ERROR_KINDS:
        return "error", grade.failure_kind
    return "failed", result.failure_kind or grade.failure_kind or "tests_failed"


def _write_artifacts(
    folder: Path,
    starter: Mapping[str, str],
    final: Mapping[str, str],
    changed: list[str],
    grade: Grade,
    result: AgentResult,
) -> None:
    diff: list[str] = []
    for path in changed:
        before = starter.get(path, "").splitlines(keepends=True)
        after = final.get(path, "").splitlines(keepends=True)
        source = f"a/{path}" if path in starter else "/dev/null"
        target = f"b/{path}" if path in final else "/dev/null"
        diff.extend(difflib.unified_diff(before, after, source, target))
    (folder / "diff.patch").write_text("".join(diff), encoding="utf-8")
    for path in changed:
        if path in final:
            copy = folder / "files" / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(final[path], encoding="utf-8")
    (folder / "test-output.txt").write_text(grade.output, encoding="utf-8")
    (folder / "transcript.json").write_text(json.dumps(result.transcript, indent=1), encoding="utf-8")
