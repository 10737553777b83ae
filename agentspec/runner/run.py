"""A run: plan the attempts, skip finished ones, run the rest concurrently, record each as it ends."""

from __future__ import annotations

import asyncio
import os
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentspec.agents.base import Agent, Endpoint
from agentspec.errors import UserError
from agentspec.failures import FailureKind, is_retryable
from agentspec.runner.attempt import AttemptContext, Reviewer, describe, error_record
from agentspec.runner.check import complete, grade_starter_and_reference
from agentspec.runner.executor import Executor, LocalExecutor
from agentspec.runner.plan import NO_MODEL, Attempt
from agentspec.runner.provenance import attempt_provenance
from agentspec.runner.review_step import review_changed_files
from agentspec.runner.review_workers import ReviewWorkers
from agentspec.runner.sweep import make_work_root, sweep_stale_work_dirs
from agentspec.runner.testset import TestSet
from agentspec.runner.testset_cache import cache_test_set, cached_test_set
from agentspec.runner.tree import remove_tree
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Spec
from agentspec.store.bundle import machine
from agentspec.store.sqlite import AttemptRecord, Store

Progress = Callable[[AttemptRecord], None]


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
    retry_errors: bool = False
    on_progress: Progress | None = None
    agent_grace_s: float = 30.0
    # Preflight facts per endpoint (provider, model, base URL), stored on each of its attempts.
    backends: Mapping[Endpoint, Mapping[str, object]] = field(default_factory=dict)
    executor: Executor = field(default_factory=LocalExecutor)
    _endpoint_gates: dict[str, asyncio.Semaphore] = field(default_factory=dict, init=False)
    _test_sets: dict[str, asyncio.Task[TestSet]] = field(default_factory=dict, init=False)
    _review_workers: ReviewWorkers | None = field(default=None, init=False)

    def pending(self, attempts: Sequence[Attempt]) -> list[Attempt]:
        """The attempts to run: unrecorded ones (all with `rerun`), and infrastructure errors with `retry_errors`."""
        if self.rerun:
            return list(attempts)
        recorded = self.store.outcomes([a.key for a in attempts])
        return [a for a in attempts if a.key not in recorded or (self.retry_errors and is_retryable(*recorded[a.key]))]

    async def run(self, attempts: Sequence[Attempt], command: str, details: Mapping[str, object]) -> RunOutcome:
        """Run every pending attempt; on cancellation, keep what finished and re-raise."""
        todo = self.pending(attempts)
        self.executor.check(todo)
        run = self.store.start_run(command, details)
        for spec in {a.spec.content_hash(): a.spec for a in todo}.values():
            self.store.save_spec(spec.content_hash(), spec.model_dump(mode="json"))
        here = {"machine": machine()}
        outcome = RunOutcome(run.id, skipped=len(attempts) - len(todo))
        gate = asyncio.Semaphore(self.concurrency)
        sweep_stale_work_dirs()
        work_root = make_work_root()
        tasks: list[asyncio.Future[Any]] = []
        # Review processes outlive an attempt: each loads Python, libcst and the rules once for many reviews.
        self._review_workers = ReviewWorkers(keep=min(self.concurrency, 4))
        try:

            async def one(attempt: Attempt) -> None:
                async with gate, self._endpoint_gate(attempt):
                    record, artifacts = await self._run_one(attempt, work_root)
                record.run_id = run.id
                record.backend = dict(self.backends.get(attempt.endpoint, {})) if attempt.endpoint else {}
                if not record.backend and isinstance(record.details.get("backend"), dict):
                    record.backend = dict(record.details["backend"])  # described by the agent itself
                record.provenance = attempt_provenance(attempt.agent, record.details, record.backend)
                record.origin = here
                self._store(record, artifacts)
                _remove(work_root / attempt.key)
                outcome.ran.append(record)
                if self.on_progress:
                    self.on_progress(record)

            tasks = [asyncio.ensure_future(one(a)) for a in todo]
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            outcome.interrupted = True
            raise
        finally:
            pending: list[asyncio.Future[Any]] = [*tasks, *self._test_sets.values()]
            for task in pending:
                task.cancel()
            # Let cancelled attempts and gradings finish unwinding before their folders go.
            await asyncio.gather(*pending, return_exceptions=True)
            await self._review_workers.close()
            _remove(work_root)
            self.store.finish_run(run.id, {"ran": len(outcome.ran), "interrupted": outcome.interrupted})
        return outcome

    def _endpoint_gate(self, attempt: Attempt) -> asyncio.Semaphore:
        # One gate per server, whichever models it serves; attempts without a model share one.
        key = attempt.endpoint.base_url if attempt.endpoint is not None else NO_MODEL
        if key not in self._endpoint_gates:
            self._endpoint_gates[key] = asyncio.Semaphore(self.endpoint_cap or self.concurrency)
        return self._endpoint_gates[key]

    async def _run_one(self, attempt: Attempt, work_root: Path) -> tuple[AttemptRecord, Path | None]:
        """One attempt through the executor; whatever goes wrong on the way is that attempt's error record."""
        try:
            test_set = await self.test_set(attempt.spec, work_root)
        except Exception as exc:  # the spec's own grading broke: every attempt of it says so, the run goes on
            return error_record(
                attempt, FailureKind.GRADING_ERROR, f"grading the starter and reference: {describe(exc)}"
            ), None
        windows = {e: n for e, b in self.backends.items() if isinstance(n := b.get("context_length"), int)}
        context = AttemptContext(
            self.sandbox,
            work_root,
            self.reviewer,
            agent_grace_s=self.agent_grace_s,
            context_windows=windows,
            review_workers=self._review_workers,
        )
        try:
            return await self.executor.run(attempt, self.agents[attempt.agent], context, test_set)
        except UserError:
            raise  # a user's mistake (code a cluster cannot import, say) stops the run with its message
        except Exception as exc:
            return error_record(attempt, FailureKind.EXECUTOR_ERROR, describe(exc)), None

    def _store(self, record: AttemptRecord, artifacts: Path | None) -> None:
        """Store the attempt; if its artifacts cannot be stored, store the record alone as a `store_error`."""
        try:
            self.store.record(record, artifacts)
        except Exception as exc:  # a second failure (the database itself) stops the run: nothing can be recorded
            record.outcome, record.failure_kind = "error", FailureKind.STORE_ERROR
            record.error = f"storing the attempt's artifacts: {describe(exc)}"
            self.store.record(record, None)

    async def test_set(self, spec: Spec, work_root: Path) -> TestSet:
        """The test set the reference defines, graded once per spec version and kept in the store."""
        key = spec.content_hash()
        if key not in self._test_sets:
            self._test_sets[key] = asyncio.ensure_future(self._grade_test_set(spec, work_root / f"test-set-{key}"))
        return await asyncio.shield(self._test_sets[key])

    async def _grade_test_set(self, spec: Spec, folder: Path) -> TestSet:
        spec_hash = spec.content_hash()
        known = self.store.test_set(spec_hash)
        if known is not None:
            return TestSet.from_dict(known)
        cached = cached_test_set(spec_hash, self.sandbox.mode)
        if cached is not None:
            self.store.save_test_set(spec_hash, cached.as_dict())
            return cached
        for _ in range(3):
            _remove(folder)
            starter, reference = await grade_starter_and_reference(spec, self.sandbox, folder)
            # A test set must list every test: one cut short by a timeout or a pytest crash is graded again.
            if complete(starter) and complete(reference):
                test_set = TestSet.from_grades(starter, reference)
                self.store.save_test_set(spec_hash, test_set.as_dict())
                if not test_set.reference_problems:  # a troubled grading stays with this store alone
                    cache_test_set(spec_hash, self.sandbox.mode, test_set.as_dict())
                _remove(folder)
                return test_set
        _remove(folder)
        return TestSet.from_grades(starter, reference)


def _remove(folder: Path) -> None:
    """Remove a scratch folder however deep or locked an agent left it; what stays is a warning."""
    problems = remove_tree(folder)
    if problems:
        warnings.warn(f"could not remove all of {folder}: {problems[0]}", RuntimeWarning, stacklevel=2)
