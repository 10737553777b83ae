"""Regrading: grade stored final workspaces again against the specs' current tests, without running an agent.

A test fixed after a run, or a grader fix, changes verdicts without spending a model's time again. The
final workspace is rebuilt from what the attempt stored: the starter of the spec version it ran, with
the changed files from its artifacts laid over it and the files it deleted removed. That workspace is
graded with the current spec's pristine tests and test set; the new grade is stored beside the old ones
(the store's `grades` table) and becomes the verdict the attempt shows, marked with its number.

Attempts that never reached grading (an infrastructure or harness error) are left as they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentspec.agents.base import AgentResult
from agentspec.failures import Category, FailureKind, category_of
from agentspec.runner.attempt import verdict
from agentspec.runner.grading_copy import grade_snapshot
from agentspec.runner.run import Runner
from agentspec.runner.snapshot import Snapshot
from agentspec.runner.tree import remove_tree
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Spec
from agentspec.store.sqlite import AttemptRecord, Store

# Failure kinds that are the grade's own: a regrade decides them afresh.
_GRADE_KINDS = frozenset(
    {
        FailureKind.TESTS_FAILED,
        FailureKind.TESTS_MISSING,
        FailureKind.NO_TESTS,
        FailureKind.TEST_TIMEOUT,
        FailureKind.TAMPERED,
        FailureKind.FORGED_REPORT,
    }
)


@dataclass(frozen=True)
class Regraded:
    """One attempt's regrade: its verdict before and after (None after when it was left alone, with why)."""

    key: str
    task: str
    before: tuple[str, str | None]
    after: tuple[str, str | None] | None
    note: str = ""


def rebuilt_workspace(record: AttemptRecord, spec_json: Mapping[str, Any], artifacts: Path) -> Snapshot:
    """The attempt's final files: the starter it ran, its changed files laid over it, its deletions removed."""
    files: dict[str, bytes] = {}
    for entry in [*spec_json.get("files", []), *(t for t in spec_json.get("tests", []) if not t.get("hidden"))]:
        if entry.get("content") is not None:
            files[entry["path"]] = entry["content"].encode("utf-8")
    for path in record.changed_files:
        stored = artifacts / "files" / path
        if stored.is_file() and not stored.is_symlink():
            files[path] = stored.read_bytes()
        else:
            files.pop(path, None)
    return Snapshot(files=files)


async def regrade(
    store: Store,
    specs: Sequence[Spec],
    records: Sequence[AttemptRecord],
    sandbox: Sandbox,
    work_root: Path,
    on_done: Callable[[Regraded], None] | None = None,
) -> list[Regraded]:
    """Regrade each of `records` whose task is among `specs`, one after the other; store each new grade."""
    by_id = {spec.id: spec for spec in specs}
    runner = Runner(store, sandbox, {})
    done: list[Regraded] = []
    for record in records:
        result = await _one(store, runner, by_id.get(record.task), record, work_root / record.key)
        done.append(result)
        if on_done is not None:
            on_done(result)
    return done


async def _one(store: Store, runner: Runner, spec: Spec | None, record: AttemptRecord, scratch: Path) -> Regraded:
    before = (record.outcome, record.failure_kind)
    counts_before = (record.tests_passed, record.tests_total)
    if spec is None:
        return Regraded(record.key, record.task, before, None, "no spec with this id among the paths given")
    category = category_of(record.failure_kind, record.outcome)
    if record.outcome == "error" and category in (Category.INFRASTRUCTURE, Category.HARNESS):
        return Regraded(record.key, record.task, before, None, f"never graded ({record.failure_kind})")
    ran = store.spec(record.spec_hash)
    if ran is None and record.spec_hash != spec.content_hash():
        return Regraded(record.key, record.task, before, None, "the spec version it ran is not in the store")
    ran = ran or spec.model_dump(mode="json")
    try:
        snapshot = rebuilt_workspace(record, ran, store.artifact_dir(record.key))
        test_set = await runner.test_set(spec, scratch / "test-set")
        grade = await grade_snapshot(spec, snapshot, scratch, runner.sandbox)
    finally:
        remove_tree(scratch)
    # The agent's own ending (max_turns, agent_timeout...) still stands unless the new tests pass.
    agent_kind = record.failure_kind if record.failure_kind not in _GRADE_KINDS else None
    unmet = test_set.unmet(grade) if test_set.required else None
    outcome, kind = verdict(AgentResult(failure_kind=agent_kind), grade, unmet)
    record.outcome, record.failure_kind = outcome, kind
    record.tests = [{"id": t.id, "outcome": t.outcome, "message": t.message, "reason": t.reason} for t in grade.tests]
    if unmet is not None:
        record.unmet = [u.as_dict() for u in unmet]
        record.tests_total = len(test_set.required)
        record.tests_passed = record.tests_total - len(unmet)
        record.fail_to_pass = test_set.outcomes(grade, test_set.fail_to_pass)
        record.pass_to_pass = test_set.outcomes(grade, test_set.pass_to_pass)
    else:
        record.tests_passed, record.tests_total = grade.tests_passed, grade.tests_total
    record.tampered = grade.tampered
    number = store.add_grade(record, (*before, *counts_before), spec.content_hash(), grade.output, time.time())
    note = f"grade {number} (spec {spec.content_hash()})"
    return Regraded(record.key, record.task, before, (outcome, kind), note)
