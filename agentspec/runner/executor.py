"""Executors: where one attempt runs. `LocalExecutor` runs it in this process, `RayExecutor` on a Ray cluster.

The `Runner` decides what runs when (concurrency, per-endpoint caps, each spec version's test set) and alone writes the
results store. An executor only turns one attempt into its record and its staged artifacts folder on
this machine, and both do it with the same function, `run_attempt`: here, or on a Ray worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from agentspec.agents.base import Agent
from agentspec.runner.attempt import AttemptContext, run_attempt
from agentspec.runner.plan import Attempt
from agentspec.runner.testset import TestSet
from agentspec.store.sqlite import AttemptRecord


class Executor(ABC):
    """Runs one attempt somewhere; subclasses set `name` and implement `run`."""

    name: ClassVar[str]

    def connect(self) -> None:
        """Get ready to run attempts (reach the cluster, say); raise a `UserError` if this executor cannot run."""
        return None

    def check(self, attempts: Sequence[Attempt]) -> None:
        """Raise a `UserError` if some of `attempts` can never run here; called before a run starts."""
        return None

    def capacity(self) -> int | None:
        """How many attempts can usefully run at once (the run's default concurrency); None: no opinion."""
        return None

    def close(self) -> None:
        """Release what `connect` took."""
        return None

    @abstractmethod
    async def run(
        self, attempt: Attempt, agent: Agent, context: AttemptContext, test_set: TestSet | None
    ) -> tuple[AttemptRecord, Path]:
        """Run `attempt`; return its record and its artifacts staged under `context.work_root / attempt.key`.

        The attempt's own failures come back as its record; only a problem with the executor itself raises.
        """

    def __enter__(self) -> Executor:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Runs attempts in this process, on this machine's sandbox."""

    name = "local"

    async def run(
        self, attempt: Attempt, agent: Agent, context: AttemptContext, test_set: TestSet | None
    ) -> tuple[AttemptRecord, Path]:
        """Call `run_attempt` here."""
        return await run_attempt(attempt, agent, context, test_set)
