"""`agentspec run --executor ray`: the project config, placement, and mistakes told in one clear message."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from agentspec.errors import UsageError
from agentspec.runner.plan import Cell, plan
from agentspec.runner.ray_executor import RayExecutor
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
from tests.conftest import SPECS, RunCli, report_json
from tests.ray.cluster import LocalCluster
from tests.ray.conftest import INSTALL, ray_installed

TWO = [SPECS / "validators.toml", SPECS / "ttl-cache.toml"]


def test_the_project_config_picks_ray_and_places_attempts(cli: RunCli, tmp_path: Path, cluster: LocalCluster) -> None:
    import ray

    (host,) = [n["NodeID"] for n in ray.nodes() if n["Alive"] and "model_host" in n["Resources"]]
    (tmp_path / "agentspec.toml").write_text(
        f'[run]\nexecutor = "ray"\nray_address = "{cluster.address}"\nresults = "out"\n\n'
        '[[matrix]]\nagent = "reference"\nresources = {model_host = 1}\n'
    )
    done = cli("run", *TWO)
    assert done.returncode == 0, done.stderr
    assert "executor ray" in done.stderr
    attempts = report_json(cli, tmp_path / "out")
    assert [a["outcome"] for a in attempts] == ["passed", "passed"]
    assert [a["details"]["worker"]["node_id"] for a in attempts] == [host, host]

    (tmp_path / "agentspec.toml").write_text(
        f'[run]\nexecutor = "ray"\nray_address = "{cluster.address}"\nresults = "out"\n\n'
        '[[matrix]]\nagent = "none"\nresources = {gpu_node = 1}\n'
    )
    nowhere = cli("run", *TWO)
    assert nowhere.returncode == 2
    assert "no node of the Ray cluster offers the resources gpu_node=1" in nowhere.stderr
    assert "Traceback" not in nowhere.stderr


@pytest.mark.skipif(not ray_installed(), reason=INSTALL)
def test_an_unreachable_cluster_is_one_clear_message(cli: RunCli, tmp_path: Path) -> None:
    done = cli("run", *TWO, "--ray-address", "127.0.0.2:1", "--results", tmp_path / "r")
    assert done.returncode == 2
    assert "cannot connect to a Ray cluster at '127.0.0.2:1'" in done.stderr and "Traceback" not in done.stderr


def test_without_ray_the_executor_says_how_to_install_it(tmp_path: Path) -> None:
    hide_ray = (
        "import sys; sys.modules['ray'] = None; from agentspec.cli.main import main; "
        f"raise SystemExit(main(['run', {str(TWO[0])!r}, '--executor', 'ray', '--results', 'r']))"
    )
    done = subprocess.run([sys.executable, "-c", hide_ray], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "pip install 'agentspec[ray]'" in done.stderr and "Traceback" not in done.stderr


DRIVER_ONLY = """
from agentspec.agents.base import Agent, AgentResult, AgentTask


class DriverOnly(Agent):
    name = "driver-only"
    needs_model = False

    async def act(self, task: AgentTask) -> AgentResult:
        return AgentResult()
"""


def test_code_the_workers_cannot_import_is_one_clear_message(
    tmp_path: Path, cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "driver_only_agent.py").write_text(DRIVER_ONLY)
    monkeypatch.syspath_prepend(str(tmp_path))  # importable here, on the driver, and nowhere else
    from driver_only_agent import DriverOnly  # type: ignore[import-not-found]

    attempts = plan(load_specs(TWO[:1]), [Cell("driver-only")])
    with Store(tmp_path / "r") as store, RayExecutor(cluster.address) as executor:
        runner = Runner(store, Sandbox(), {"driver-only": DriverOnly()}, concurrency=1, executor=executor)
        with pytest.raises(UsageError, match="a Ray worker cannot import .*driver_only_agent.* install agentspec"):
            asyncio.run(runner.run(attempts, "pytest", {}))
        assert store.attempts() == []
