"""The ray executor gives what the local one gives (the seed suite through the CLI), within the same caps."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

from agentspec.agents.builtin import BuiltinAgent
from agentspec.providers import Endpoint
from agentspec.runner.plan import Cell, plan
from agentspec.runner.ray_executor import RayExecutor
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.serve import Faults, serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
from tests.conftest import SPECS, RunCli, report_json
from tests.ray.cluster import LocalCluster

LATENCY = 0.3
FIELDS = ("task", "agent", "model", "trial", "outcome", "failure_kind", "tests_passed", "tests_total")
SHOWN = ("error", "fail_to_pass", "pass_to_pass", "tests", "details")


def assert_same_outcomes(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Per attempt, what was run and how it ended are the same; on a difference, show both attempts in full."""
    mine = {tuple(a[f] for f in FIELDS[:4]): a for a in got}
    theirs = {tuple(a[f] for f in FIELDS[:4]): a for a in expected}
    assert mine.keys() == theirs.keys()
    for key, attempt in mine.items():
        other = theirs[key]
        if any(attempt[f] != other[f] for f in FIELDS):
            shown = {f: (attempt[f], other[f]) for f in (*FIELDS, *SHOWN)}
            raise AssertionError(f"{key} differs (got, expected): {shown}")


def test_seed_suite_with_the_reference_agent_matches_local(cli: RunCli, tmp_path: Path, cluster: LocalCluster) -> None:
    local = cli("run", SPECS, "--results", tmp_path / "local", "--concurrency", "2")
    assert local.returncode == 0, local.stderr
    on_ray = cli("run", SPECS, "--executor", "ray", "--ray-address", cluster.address, "--results", tmp_path / "ray")
    assert on_ray.returncode == 0, on_ray.stderr
    assert "Running 8 attempts" in on_ray.stderr and "concurrency 2" in on_ray.stderr
    assert "executor ray" in on_ray.stderr and "Traceback" not in on_ray.stderr

    expected = report_json(cli, tmp_path / "local")
    got = report_json(cli, tmp_path / "ray")
    assert_same_outcomes(got, expected)
    assert {a["outcome"] for a in got} == {"passed"} and len(got) == 8
    for attempt in got:
        assert attempt["details"]["worker"]["executor"] == "ray"
        assert attempt["fail_to_pass"] and set(attempt["fail_to_pass"].values()) == {"passed"}
        assert "+++ b/" in (tmp_path / "ray" / "artifacts" / attempt["key"] / "diff.patch").read_text()
    with sqlite3.connect(tmp_path / "ray" / "results.sqlite") as db:
        (details,) = db.execute("SELECT details FROM runs").fetchone()
    assert '"executor": "ray"' in details

    again = cli("run", SPECS, "--executor", "ray", "--ray-address", cluster.address, "--results", tmp_path / "ray")
    assert "Nothing new to run: all 8 attempts are already recorded" in again.stderr


def test_the_builtin_agent_on_two_seed_specs_matches_local(cli: RunCli, tmp_path: Path, cluster: LocalCluster) -> None:
    # The whole suite on Ray is the reference agent's test above; here a model agent's turns cross the cluster.
    tasks = ["--task", "merge-sorted-lists", "--task", "validators"]
    with serve_in_thread(load_specs([SPECS])) as server:
        models = ["--model", "ollama/reference", "--model", "ollama/nop", "--base-url", server.url, *tasks]
        local = cli("run", SPECS, *models, "--results", tmp_path / "local", "--concurrency", "2")
        assert local.returncode == 0, local.stderr
        on_ray = cli(
            "run", SPECS, *models, "--executor", "ray", "--ray-address", cluster.address, "--results", tmp_path / "ray"
        )
        assert on_ray.returncode == 0, on_ray.stderr
    expected, got = report_json(cli, tmp_path / "local"), report_json(cli, tmp_path / "ray")
    assert_same_outcomes(got, expected)
    by_model = {(a["model"], a["outcome"]) for a in got}
    assert by_model == {("ollama/reference", "passed"), ("ollama/nop", "failed")}
    assert all(a["turns"] > 0 and a["details"]["worker"]["executor"] == "ray" for a in got) and len(got) == 4


def test_the_endpoint_cap_holds_across_the_cluster(tmp_path: Path, cluster: LocalCluster) -> None:
    answered: list[float] = []
    specs = load_specs([SPECS])
    with serve_in_thread(
        specs,
        faults=Faults(latency=LATENCY),
        on_request=lambda r: answered.append(time.monotonic()) if r.stream is not None else None,
    ) as server:
        attempts = plan(specs[:3], [Cell("builtin", Endpoint.parse("ollama/reference", server.url))])
        with Store(tmp_path) as store, RayExecutor(cluster.address) as executor:
            agents = {"builtin": BuiltinAgent()}
            runner = Runner(store, Sandbox(), agents, concurrency=2, endpoint_cap=1, executor=executor)
            outcome = asyncio.run(runner.run(attempts, "pytest", {}))
    assert outcome.counts == {"passed": 3}
    # One attempt at a time against the server: each chat answer waited out its latency after the one before.
    answered.sort()
    gaps = [later - earlier for earlier, later in zip(answered, answered[1:], strict=False)]
    assert len(answered) >= 6 and min(gaps) >= LATENCY * 0.9, gaps
