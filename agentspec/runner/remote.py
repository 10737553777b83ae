"""One attempt run on another machine: what goes there (`AttemptJob`), what comes back (`ShippedAttempt`).

`run_job` is what a cluster worker executes: it rebuilds the sandbox on its own machine, calls the same
`run_attempt` the local executor calls, and returns the record with the artifacts as bytes (they are
small: a diff, the changed files, the test output, the transcript). It writes nothing that outlives it;
the driver stages the artifacts and records the attempt.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentspec.agents.base import Agent, Endpoint
from agentspec.failures import FailureKind
from agentspec.runner.attempt import AttemptContext, Reviewer, run_attempt
from agentspec.runner.plan import Attempt
from agentspec.runner.sweep import make_work_root, sweep_stale_work_dirs
from agentspec.runner.testset import TestSet
from agentspec.runner.tree import remove_tree
from agentspec.sandbox import Sandbox, SandboxLimits
from agentspec.sandbox.command import Resolved
from agentspec.store.sqlite import AttemptRecord


@dataclass(frozen=True)
class AttemptJob:
    """Everything a worker needs for one attempt.

    Attributes:
        attempt: The attempt (its spec travels with it).
        agent: The agent object, built by the driver.
        sandbox_mode: The driver's sandbox mode; a worker that cannot honour it fails rather than run unconfined.
        sandbox_limits: The limits of every sandboxed command.
        reviewer: The review step, or None.
        agent_grace_s: Past the agent's time limit, how long to wait for it.
        test_set: The tests the reference defines for the spec version, graded once by the driver.
        context_windows: The served context per endpoint, from the driver's preflight.
    """

    attempt: Attempt
    agent: Agent
    sandbox_mode: Resolved
    sandbox_limits: SandboxLimits
    reviewer: Reviewer | None
    agent_grace_s: float
    test_set: TestSet | None
    context_windows: Mapping[Endpoint, int] = field(default_factory=dict)

    @classmethod
    def of(cls, attempt: Attempt, agent: Agent, context: AttemptContext, test_set: TestSet | None) -> AttemptJob:
        """The job for `attempt`, as the driver's `context` would run it."""
        sandbox = context.sandbox
        return cls(
            attempt,
            agent,
            sandbox.mode,
            sandbox.limits,
            context.reviewer,
            context.agent_grace_s,
            test_set,
            dict(context.context_windows),
        )


@dataclass(frozen=True)
class ShippedAttempt:
    """A finished attempt on its way back: the record, and the artifacts folder as relative path -> bytes."""

    record: AttemptRecord
    artifacts: dict[str, bytes]

    def stage(self, folder: Path) -> tuple[AttemptRecord, Path]:
        """Write the artifacts under `folder` (replacing it); return the record and the folder."""
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for relative, data in self.artifacts.items():
            target = folder / relative
            if not target.resolve().is_relative_to(folder.resolve()):
                raise ValueError(f"artifact path {relative!r} leaves its folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return self.record, folder


def run_job(job: AttemptJob, worker: Mapping[str, Any] | None = None) -> ShippedAttempt:
    """Run one attempt on this machine with `run_attempt`; return its record and artifacts, leaving nothing behind.

    Args:
        job: The attempt and everything it needs.
        worker: Facts about where it ran (node, process), kept in the record's `details["worker"]`.
    """
    sweep_stale_work_dirs()
    work_root = make_work_root()
    try:
        sandbox = Sandbox(job.sandbox_mode, job.sandbox_limits)
        context = AttemptContext(
            sandbox, work_root, job.reviewer, agent_grace_s=job.agent_grace_s, context_windows=job.context_windows
        )
        record, artifacts = asyncio.run(run_attempt(job.attempt, job.agent, context, job.test_set))
        record.details["worker"] = {"host": socket.gethostname(), "pid": os.getpid(), **(worker or {})}
        return ShippedAttempt(record, pack(artifacts))
    finally:
        remove_tree(work_root)


def lost(attempt: Attempt, reason: str, duration_s: float, details: Mapping[str, Any] | None = None) -> AttemptRecord:
    """The record of an attempt whose worker died with it: an `error` of kind `worker_lost`."""
    return AttemptRecord(
        key=attempt.key,
        task=attempt.spec.id,
        spec_hash=attempt.spec.content_hash(),
        agent=attempt.agent,
        model=attempt.model,
        trial=attempt.trial,
        outcome="error",
        failure_kind=FailureKind.WORKER_LOST,
        tests_passed=0,
        tests_total=0,
        duration_s=round(duration_s, 3),
        error=reason,
        details={"worker": dict(details or {})},
    )


def pack(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder`, by its path relative to it."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
