"""A run: plan the attempts, skip finished ones, run the rest concurrently, record each as it ends."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agentspec.agents.base import Agent
from agentspec.runner.attempt import AttemptContext, Reviewer
from agentspec.runner.executor import Executor, LocalExecutor
from agentspec.runner.grade import INTERNAL_ERROR_ID, run_tests
from agentspec.runner.plan import Attempt
from agentspec.runner.provenance import attempt_provenance
from agentspec.runner.review_step import review_changed_files
from agentspec.runner.workspace import write_files
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Spec
from agentspec.store.sqlite import AttemptRecord, Store

Progress = Callable[[AttemptRecord], None]


_WORK_PREFIX = "agentspec-run-"


def sweep_stale_work_dirs() -> None:
    """Remove the scratch folders of runs whose process is gone (killed with -9, say)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_WORK_PREFIX}*-*"):
        pid = folder.name.removeprefix(_WORK_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def make_work_root() -> Path:
    """A fresh scratch folder for this process's attempts, named so `sweep_stale_work_dirs` finds it if we die."""
    return Path(tempfile.mkdtemp(prefix=f"{_WORK_PREFIX}{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def default_concurrency() -> int:
    """One attempt per core, at least one."""
    return max(1, os.cpu_count() or 1)


@dataclass
class RunOutcome:
    """What a run did: its id, the attempts it ran, the ones it skipped as already finished."""

    run_id: str
    ran: list[AttemptRecord] = field(default_factory=list)
    skipped: int = 0
    interrupted: bool = False

    @property
    def counts(self) -> Counter[str]:
        """Attempts by outcome."""
        return Counter(r.outcome for r in self.ran)


@dataclass
class Runner:
    """Runs planned attempts against a store, `concurrency` at a time, at most `endpoint_cap` per endpoint.

    The `executor` runs each attempt (here, or on a cluster); the gates are held here for as long as an
    attempt is out, wherever it runs, and only this process writes the store.
    """

    store: Store
    sandbox: Sandbox
    agents: dict[str, Agent]
    concurrency: int = field(default_factory=default_concurrency)
    endpoint_cap: int | None = None
    reviewer: Reviewer | None = review_changed_files
    rerun: bool = False
    on_progress: Progress | None = None
    agent_grace_s: float = 30.0
    backends: dict[str, dict[str, object]] = field(default_factory=dict)
    executor: Executor = field(default_factory=LocalExecutor)
    _endpoint_gates: dict[str, asyncio.Semaphore] = field(default_factory=dict, init=False)
    _baselines: dict[str, asyncio.Task[dict[str, str]]] = field(default_factory=dict, init=False)

    def pending(self, attempts: Sequence[Attempt]) -> list[Attempt]:
        """The attempts still to run (all of them with `rerun`)."""
        if self.rerun:
            return list(attempts)
        done = self.store.finished_keys([a.key for a in attempts])
        return [a for a in attempts if a.key not in done]

    async def run(self, attempts: Sequence[Attempt], command: str, details: Mapping[str, object]) -> RunOutcome:
        """Run every pending attempt; on cancellation, keep what finished and re-raise."""
        todo = self.pending(attempts)
        self.executor.check(todo)
        run = self.store.start_run(command, details)
        outcome = RunOutcome(run.id, skipped=len(attempts) - len(todo))
        gate = asyncio.Semaphore(self.concurrency)
        sweep_stale_work_dirs()
        work_root = make_work_root()
        try:

            async def one(attempt: Attempt) -> None:
                async with gate, self._endpoint_gate(attempt):
                    baseline = await self._baseline(attempt.spec, work_root)
                    context = AttemptContext(self.sandbox, work_root, self.reviewer, agent_grace_s=self.agent_grace_s)
                    agent = self.agents[attempt.agent]
                    record, artifacts = await self.executor.run(attempt, agent, context, baseline)
                record.run_id = run.id
                record.backend = dict(self.backends.get(attempt.model, {}))
                if not record.backend and isinstance(record.details.get("backend"), dict):
                    record.backend = dict(record.details["backend"])  # described by the agent itself
                record.provenance = attempt_provenance(attempt.agent, record.details, record.backend)
                self.store.record(record, artifacts)
                shutil.rmtree(work_root / attempt.key, ignore_errors=True)
                outcome.ran.append(record)
                if self.on_progress:
                    self.on_progress(record)

            await asyncio.gather(*(one(a) for a in todo))
        except asyncio.CancelledError:
            outcome.interrupted = True
            raise
        finally:
            for task in self._baselines.values():
                task.cancel()
            shutil.rmtree(work_root, ignore_errors=True)
            self.store.finish_run(run.id, {"ran": len(outcome.ran), "interrupted": outcome.interrupted})
        return outcome

    def _endpoint_gate(self, attempt: Attempt) -> asyncio.Semaphore:
        key = attempt.base_url or attempt.model
        if key not in self._endpoint_gates:
            self._endpoint_gates[key] = asyncio.Semaphore(self.endpoint_cap or self.concurrency)
        return self._endpoint_gates[key]

    async def _baseline(self, spec: Spec, work_root: Path) -> dict[str, str]:
        """The untouched starter's per-test outcomes, graded once per spec version and kept in the store.

        They tell fail-to-pass tests (the task) from pass-to-pass ones (what must not break).
        """
        key = spec.content_hash()
        if key not in self._baselines:
            self._baselines[key] = asyncio.ensure_future(self._grade_starter(spec, work_root / f"baseline-{key}"))
        return await asyncio.shield(self._baselines[key])

    async def _grade_starter(self, spec: Spec, folder: Path) -> dict[str, str]:
        known = self.store.baseline(spec.content_hash())
        if known is not None:
            return known
        write_files(folder / "workspace", [*spec.files, *spec.tests])
        for _ in range(3):
            grade = await run_tests(spec, folder / "workspace", folder / "report", self.sandbox)
            # A baseline must list every test: one cut short by a timeout or a pytest crash is graded again.
            if grade.failure_kind != "test_timeout" and not grade.internal_error:
                outcomes: dict[str, str] = {t.id: t.outcome for t in grade.tests}
                self.store.save_baseline(spec.content_hash(), outcomes)
                return outcomes
        return {t.id: t.outcome for t in grade.tests if t.id != INTERNAL_ERROR_ID}
