"""The Ray executor: each attempt is a Ray task that runs `run_attempt` on a worker of a Ray cluster.

The driver (the `agentspec run` process) keeps every decision and every write: its `Runner` holds the
concurrency and per-endpoint gates for as long as a task is out, and records what comes back. Since
every task is submitted by this one process, a model server capped at N attempts never has more than
N in flight, whichever nodes they run on.

- **Endpoints**: each attempt carries its endpoint as parsed on the driver, base URL included, so workers
  call the server the driver's preflight checked, whatever their own environment says.
- **Placement**: a task asks for `num_cpus` CPUs plus the attempt's `resources` (from its matrix entry,
  e.g. ``{claude = 1}`` for the node with the Claude Code CLI, or a resource only the node hosting a
  model server offers).
- **Faults**: a task whose worker process or node dies is retried by Ray up to `max_retries` times,
  elsewhere if need be; after that the attempt is recorded as an ``error`` of kind ``worker_lost``. The
  driver records each attempt once, from the one result it awaits, so none is lost or recorded twice.
- **Cancellation**: when the run is cancelled (Ctrl-C), outstanding tasks are cancelled with
  ``ray.cancel(force=True)``, which ends their worker processes and the sandboxes under them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from agentspec.agents.base import Agent
from agentspec.errors import UsageError, UserError
from agentspec.runner.attempt import AttemptContext
from agentspec.runner.executor import Executor
from agentspec.runner.plan import Attempt
from agentspec.runner.remote import AttemptJob, ShippedAttempt, lost, run_job
from agentspec.runner.testset import TestSet
from agentspec.store.sqlite import AttemptRecord

INSTALL = "the ray executor needs Ray: pip install 'agentspec[ray]' (or pip install 'ray>=2.9')"
DOCS = "see docs/ray.md"
TASK_PREFIX = "agentspec"  # a running attempt's worker process is titled `ray::agentspec:<task>:<agent>:<trial>`


def import_ray() -> ModuleType:
    """The `ray` module; a `UsageError` saying how to install it when it is missing."""
    try:
        import ray  # type: ignore[import-not-found,unused-ignore]  # ray is an optional extra
        import ray.exceptions  # type: ignore[import-not-found,unused-ignore]  # ray is an optional extra
    except ImportError:
        raise UsageError(INSTALL) from None
    return ray


def ray_task(job: AttemptJob) -> ShippedAttempt:
    """The body of the Ray task: `run_job` on this worker, noting which node and process it was."""
    import ray  # type: ignore[import-not-found,unused-ignore]  # ray is an optional extra

    return run_job(job, {"executor": "ray", "node_id": ray.get_runtime_context().get_node_id()})


class RayExecutor(Executor):
    """Runs attempts as Ray tasks on the cluster at `address`."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        runtime_env: Mapping[str, Any] | None = None,
        max_retries: int = 1,
        num_cpus: float = 1.0,
    ) -> None:
        """Configure the executor; nothing is contacted before `connect`.

        Args:
            address: The cluster, as `ray.init` takes it: ``HOST:PORT`` of the head node, ``ray://HOST:10001``
                (Ray Client), ``auto`` (the cluster `ray start` made on this machine, or ``$RAY_ADDRESS``),
                or ``local`` (a throwaway single-machine Ray started in this process). Default: ``auto``.
            runtime_env: Ray's runtime environment for the workers (``pip``, ``py_modules``, ``working_dir``,
                ``env_vars``...); None when agentspec is installed on every node.
            max_retries: How many times a task whose worker died is run again before the attempt is
                recorded as ``worker_lost``.
            num_cpus: The CPUs each attempt reserves on its node.
        """
        import_ray()  # say how to install Ray before anything else happens
        self.address = address
        self.runtime_env = dict(runtime_env) if runtime_env else None
        self.max_retries = max_retries
        self.num_cpus = num_cpus
        self._ray: Any = None
        self._remote: Any = None
        self._owned = False

    def connect(self) -> None:
        """Connect to the cluster (or reuse this process's connection); a `UsageError` if it cannot be reached."""
        ray = import_ray()
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS") or "auto"
            _probe(address)
            try:
                ray.init(
                    address=address,
                    runtime_env=self.runtime_env,
                    log_to_driver=False,  # the workers' output would mix with the run's progress and report
                    logging_level=logging.WARNING,
                )
            except (ConnectionError, ValueError, RuntimeError) as exc:
                first = _first_lines(str(exc), limit=300).rstrip(".") or type(exc).__name__
                raise UsageError(
                    f"cannot connect to a Ray cluster at {address!r}: {first}; start one with "
                    "`ray start --head` or pass --ray-address HOST:PORT (" + DOCS + ")"
                ) from None
            self._owned = True
        self._ray = ray
        self._remote = ray.remote(ray_task)

    def check(self, attempts: Sequence[Attempt]) -> None:
        """Refuse resources no live node offers: Ray would keep such tasks pending forever."""
        for resources in sorted({a.resources for a in attempts if a.resources}):
            self._check_feasible(resources)

    def capacity(self) -> int:
        """The attempts the cluster's CPUs hold at once."""
        cpus = float(self._connected().cluster_resources().get("CPU", 1.0))
        return max(1, int(cpus // self.num_cpus))

    def close(self) -> None:
        """Disconnect, if `connect` connected."""
        if self._ray is not None and self._owned:
            self._ray.shutdown()
        self._ray, self._remote, self._owned = None, None, False

    async def run(
        self, attempt: Attempt, agent: Agent, context: AttemptContext, test_set: TestSet | None
    ) -> tuple[AttemptRecord, Path]:
        """Run `attempt` as a Ray task and stage what it ships back under `context.work_root / attempt.key`."""
        ray = self._connected()
        started = time.perf_counter()
        ref = self._remote.options(
            name=f"{TASK_PREFIX}:{attempt.spec.id}:{attempt.agent}:{attempt.trial}",
            num_cpus=self.num_cpus,
            resources=dict(attempt.resources),
            max_retries=self.max_retries,
            retry_exceptions=False,
        ).remote(AttemptJob.of(attempt, agent, context, test_set))
        folder = context.work_root / attempt.key / "artifacts"
        errors = ray.exceptions
        try:
            shipped: ShippedAttempt = await ref
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):  # best effort: the driver's exit ends the job's tasks anyway
                ray.cancel(ref, force=True)
            raise
        except (
            errors.WorkerCrashedError,
            errors.NodeDiedError,
            errors.ObjectLostError,
            errors.OutOfMemoryError,
        ) as exc:
            reason = f"{type(exc).__name__} after {self.max_retries} retries: " + _first_lines(str(exc))
            details = {"executor": "ray", "retries": self.max_retries}
            folder.mkdir(parents=True, exist_ok=True)
            return lost(attempt, reason, time.perf_counter() - started, details), folder
        except errors.RuntimeEnvSetupError as exc:
            raise UsageError(
                f"Ray could not set up the workers' runtime_env: {_first_lines(str(exc))} ({DOCS})"
            ) from None
        except errors.RayTaskError as exc:
            raise _translated(exc) from None
        return shipped.stage(folder)

    def _connected(self) -> Any:
        if self._ray is None:
            raise RuntimeError("RayExecutor.connect() was not called")
        return self._ray

    def _check_feasible(self, resources: tuple[tuple[str, float], ...]) -> None:
        wanted = {"CPU": self.num_cpus, **dict(resources)}
        for node in self._connected().nodes():
            offered = node.get("Resources", {})
            if node.get("Alive") and all(offered.get(k, 0.0) >= v for k, v in wanted.items()):
                return
        asked = ", ".join(f"{k}={v:g}" for k, v in resources)
        raise UsageError(
            f"no node of the Ray cluster offers the resources {asked} (with {self.num_cpus:g} CPU); start one "
            f"with `ray start --address HEAD:PORT --resources '{{...}}'` ({DOCS})"
        )


def _probe(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast on a `HOST:PORT` nobody listens at (Ray itself keeps retrying for a minute or more)."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit() or address in ("auto", "local"):
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise UsageError(
            f"cannot connect to a Ray cluster at {address!r}: {exc.strerror or exc}; is `ray start --head` "
            f"running there? ({DOCS})"
        ) from None


def _translated(exc: Any) -> BaseException:
    """What a task's own exception means on the driver: the user's mistake, a missing agentspec, or a bug."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, UserError):
        return cause
    if isinstance(cause, ImportError) or any(m in str(cause) for m in ("No module named", "failed to import")):
        return UsageError(
            f"a Ray worker cannot import what the attempt needs ({_first_lines(str(cause), 300)}): install agentspec "
            f"(and the agent's dependencies) on every node, or give a runtime_env ({DOCS})"
        )
    return exc if isinstance(exc, BaseException) else RuntimeError(str(exc))


def _first_lines(text: str, limit: int = 500) -> str:
    flat = " ".join(line.strip() for line in text.strip().splitlines()[:4] if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
