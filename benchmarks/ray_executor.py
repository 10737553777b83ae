"""The ray executor's overhead: the same attempts through the local executor and through Ray on this machine.

64 attempts by default (8 seed tasks x 8 trials) of the builtin agent with the scripted `reference` model
of `agentspec serve`, which waits `--latency` seconds (1 s) before each answer, as a busy model server
would. Both runs use the same concurrency; the Ray cluster (a head node and a worker node on loopback,
with `--concurrency` CPUs between them) is started before its run and its start-up is shown apart.
Prints both wall times, the overhead ratio (Ray / local) and the outcomes, which must be the same.

    python benchmarks/ray_executor.py [--trials 8] [--concurrency 4] [--latency 1.0]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the local cluster helper lives with the tests

from agentspec.serve import Faults, serve_in_thread  # noqa: E402
from agentspec.spec.suite import load_specs  # noqa: E402
from agentspec.store.sqlite import AttemptRecord, Store  # noqa: E402
from tests.ray.cluster import LocalCluster  # noqa: E402


def timed_run(argv: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def records(results: Path) -> list[AttemptRecord]:
    with Store(results) as store:
        return store.attempts()


def outcomes(found: list[AttemptRecord]) -> Counter[tuple[str, str, str | None]]:
    return Counter((r.task, r.outcome, r.failure_kind) for r in found)


def start_cluster(cpus: int) -> tuple[LocalCluster, float]:
    import ray

    started = time.perf_counter()
    cluster = LocalCluster(head_cpus=max(1, cpus // 2)).start()
    cluster.add_node(cpus=max(1, cpus - cpus // 2))
    ray.init(address=cluster.address, logging_level=logging.WARNING, log_to_driver=False)
    cluster.wait_for_nodes(2)
    ray.shutdown()
    return cluster, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds before each model answer")
    parser.add_argument("--specs", type=Path, default=REPO / "specs")
    args = parser.parse_args()
    specs = load_specs([args.specs])
    faults = Faults(latency=args.latency)
    with tempfile.TemporaryDirectory() as scratch, serve_in_thread(specs, faults=faults) as server:
        root = Path(scratch)
        argv = [sys.executable, "-m", "agentspec", "run", str(args.specs), "--model", "ollama/reference"]
        argv += ["--base-url", server.url, "--trials", str(args.trials), "--concurrency", str(args.concurrency)]
        local_s = timed_run([*argv, "--results", str(root / "local")], root)
        calls = len([r for r in server.requests if r.stream is not None])
        cluster, start_s = start_cluster(args.concurrency)
        try:
            on_ray = [*argv, "--executor", "ray", "--ray-address", cluster.address, "--results", str(root / "ray")]
            ray_s = timed_run(on_ray, root)
        finally:
            cluster.stop()
        local, remote = records(root / "local"), records(root / "ray")
    attempts = len(local)
    print(f"{attempts} attempts ({len(specs)} tasks x {args.trials} trials), concurrency {args.concurrency},")
    print(f"model latency {args.latency:g} s per call, {calls / max(1, attempts):.1f} calls per attempt")
    print(f"{'':34} {'wall s':>8} {'attempt s (median)':>19}")
    for name, wall, found in (("local executor", local_s, local), ("ray executor (2 nodes, loopback)", ray_s, remote)):
        print(f"{name:34} {wall:8.1f} {statistics.median(r.duration_s for r in found):19.2f}")
    print(f"{'ray cluster start (not counted)':34} {start_s:8.1f}")
    print(f"overhead ratio (ray / local): {ray_s / local_s:.2f}")
    same = outcomes(local) == outcomes(remote)
    print(f"outcomes: local {dict(Counter(r.outcome for r in local))}, ray {dict(Counter(r.outcome for r in remote))}")
    print("per-task outcomes are the same" if same else "per-task outcomes DIFFER")


if __name__ == "__main__":
    main()
