"""Faults on a Ray cluster: killed workers, Ctrl-C and a killed driver lose no attempt and record none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from agentspec.agents.builtin import BuiltinAgent
from agentspec.providers import Endpoint, ProviderSettings
from agentspec.runner.plan import Cell, plan
from agentspec.runner.ray_executor import RayExecutor
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.serve import FAULT_HEADER, Faults, ModelServer, serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import SPECS
from tests.ray.cluster import LocalCluster, attempt_processes

TWO = [SPECS / "validators.toml", SPECS / "merge-sorted-lists.toml"]


def wait_for(condition: Callable[[], object], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def task_of(title: str) -> str:
    """The spec id in a worker's title `ray::agentspec:<spec>:<agent>:<trial>`."""
    return title.removeprefix("ray::agentspec:").split(":")[0]


class Killer(threading.Thread):
    """Kills (-9) the first Ray worker seen running an attempt, `after_s` after seeing it."""

    def __init__(self, after_s: float) -> None:
        super().__init__(daemon=True)
        self.after_s = after_s
        self.killed: tuple[int, str] | None = None

    def __enter__(self) -> Killer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.join(timeout=60)

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            running = attempt_processes()
            if running:
                pid, title = min(running.items())
                time.sleep(self.after_s)
                os.kill(pid, signal.SIGKILL)
                self.killed = (pid, title)
                return
            time.sleep(0.05)


def slow_run(cluster: LocalCluster, server: ModelServer, results: Path, max_retries: int) -> list[AttemptRecord]:
    """Two builtin attempts whose every model call takes a second, one of whose workers is killed mid-way."""
    agent = BuiltinAgent(ProviderSettings(headers={FAULT_HEADER: "latency=1.0"}))
    attempts = plan(load_specs(TWO), [Cell("builtin", Endpoint.parse("ollama/reference", server.url))])
    with Store(results) as store, RayExecutor(cluster.address, max_retries=max_retries) as executor:
        runner = Runner(store, Sandbox(), {"builtin": agent}, concurrency=2, executor=executor)
        outcome = asyncio.run(runner.run(attempts, "pytest", {}))
        assert len(outcome.ran) == 2
        assert runner.pending(attempts) == []  # a resumed run would find nothing left to do
        return store.attempts()


def test_a_killed_worker_is_retried_and_its_attempt_recorded_once(tmp_path: Path, cluster: LocalCluster) -> None:
    with serve_in_thread(load_specs(TWO)) as server, Killer(after_s=1.0) as killer:
        records = slow_run(cluster, server, tmp_path, max_retries=1)
    assert killer.killed is not None
    pid, title = killer.killed
    assert len(records) == 2 and len({r.key for r in records}) == 2
    assert [r.outcome for r in records] == ["passed", "passed"]
    retried = next(r for r in records if r.task == task_of(title))
    assert retried.details["worker"]["pid"] != pid


def test_a_killed_worker_without_retries_is_recorded_as_worker_lost(tmp_path: Path, cluster: LocalCluster) -> None:
    with serve_in_thread(load_specs(TWO)) as server, Killer(after_s=1.0) as killer:
        records = slow_run(cluster, server, tmp_path, max_retries=0)
    assert killer.killed is not None
    lost = next(r for r in records if r.task == task_of(killer.killed[1]))
    other = next(r for r in records if r is not lost)
    assert (lost.outcome, lost.failure_kind) == ("error", "worker_lost")
    assert lost.error is not None and "WorkerCrashedError" in lost.error
    assert (other.outcome, other.failure_kind) == ("passed", None)
    assert len(records) == 2


def start_slow_cli(
    cluster: LocalCluster, server: ModelServer, results: Path
) -> tuple[subprocess.Popen[str], list[str]]:
    argv = [sys.executable, "-m", "agentspec", "run", *map(str, TWO), "--model", "ollama/reference"]
    argv += ["--base-url", server.url, "--executor", "ray", "--ray-address", cluster.address, "--results", str(results)]
    process = subprocess.Popen(argv, cwd=results.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(attempt_processes)
    time.sleep(0.5)
    return process, argv


def resume(argv: list[str], server: ModelServer, results: Path) -> list[AttemptRecord]:
    wait_for(lambda: not attempt_processes(), timeout_s=30)  # nothing of the stopped run is left running
    server.faults = Faults()
    done = subprocess.run(argv, cwd=results.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Store(results) as store:
        records = store.attempts()
    assert sorted(r.task for r in records) == ["merge-sorted-lists", "validators"]
    assert {r.outcome for r in records} == {"passed"}
    return records


def test_ctrl_c_cancels_outstanding_tasks_and_the_run_resumes(tmp_path: Path, cluster: LocalCluster) -> None:
    with serve_in_thread(load_specs(TWO), faults=Faults(latency=1.0)) as server:
        process, argv = start_slow_cli(cluster, server, tmp_path / "results")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Interrupted" in stderr and "Run the same command again to resume" in stderr
        assert "Traceback" not in stderr
        resume(argv, server, tmp_path / "results")


def test_a_killed_driver_leaves_nothing_running_and_the_run_resumes(tmp_path: Path, cluster: LocalCluster) -> None:
    with serve_in_thread(load_specs(TWO), faults=Faults(latency=1.0)) as server:
        process, argv = start_slow_cli(cluster, server, tmp_path / "results")
        process.kill()
        process.communicate(timeout=60)
        records: list[Any] = resume(argv, server, tmp_path / "results")
    assert len({r.key for r in records}) == 2
