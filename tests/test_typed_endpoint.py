"""The endpoint is parsed once and carried: old stores resume, one model at two servers is two endpoints."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentspec.api.cells import make_agents, preflight_endpoints
from agentspec.providers import Endpoint, ProviderSettings
from agentspec.runner.plan import Cell, plan
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.serve import serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import RunCli

# The spec of tests/test_provenance.py, whose content hash (9acaaa042ec2da2f) is pinned there too.
TINY = """
id = "tiny"
title = "Make add return the sum"
kind = "implement"
instructions = "Make add(a, b) return a + b."

[[files]]
path = "calc.py"
content = "def add(a, b):\\n    return 0\\n"

[[tests]]
path = "test_calc.py"
content = "from calc import add\\n\\n\\ndef test_add():\\n    assert add(2, 3) == 5\\n"

[[solution]]
path = "calc.py"
content = "def add(a, b):\\n    return a + b\\n"
"""

# Keys computed by agentspec before the endpoint was typed (the model a string, the base URL beside it),
# for the TINY spec: (agent, model, trial) -> key, as stores written by that version hold them.
OLD_KEYS = {
    ("builtin", "openai/smollm2", 1): "4013802afeff5f6fa5aec7c7",
    ("builtin", "openai/smollm2", 2): "07946f3880b0224e2d2a7b8f",
    ("builtin", "openai/org/coder-7b", 1): "252334dc32eff8fb500f4e51",
    ("builtin", "openai/org/coder-7b", 2): "c4dea94fecc844a7dd20ae0b",
    ("none", "-", 1): "f7395784adbeb44ab39ef286",
    ("none", "-", 2): "479a4c40a3dfeb7fcde3cb7b",
}


def _old_store(results: Path) -> None:
    """A results store as the earlier version left it: one recorded attempt per old key, nothing else."""
    with Store(results) as store:
        run = store.start_run("agentspec run tiny.toml", {})
        for (agent, model, trial), key in OLD_KEYS.items():
            record = AttemptRecord(
                key=key,
                task="tiny",
                spec_hash="9acaaa042ec2da2f",
                agent=agent,
                model=model,
                trial=trial,
                outcome="failed",
                failure_kind="tests_failed",
                tests_passed=0,
                tests_total=1,
                duration_s=1.0,
                run_id=run.id,
            )
            store.record(record)
        store.finish_run(run.id, {"ran": len(OLD_KEYS)})


def test_an_existing_store_resumes_without_running_anything(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY)
    results = tmp_path / "results"
    _old_store(results)
    # Nothing listens at port 9: an attempt that ran would be an error, and a preflight would stop the run.
    models = ["--model", "openai/smollm2", "--model", "openai/org/coder-7b", "--base-url", "http://127.0.0.1:9/v1"]
    for flags, planned in (([*models, "--no-preflight"], 4), (["--agent", "none"], 2)):
        done = cli("run", "tiny.toml", "--trials", "2", "--results", results, *flags)
        assert done.returncode == 0, done.stderr
        assert f"Nothing new to run: all {planned} attempts are already recorded" in done.stderr
    with Store(results) as store:
        assert len(store.runs()) == 1
        assert {r.key for r in store.attempts()} == set(OLD_KEYS.values())


def test_one_model_at_two_servers_gets_two_preflights_and_two_backends(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY)
    specs = load_specs([tmp_path / "tiny.toml"])
    with serve_in_thread(specs) as first, serve_in_thread(specs) as second:
        at_first = Endpoint.parse("ollama/reference", first.url)
        at_second = Endpoint.parse("ollama/reference", second.url)
        cells = [Cell("builtin", at_first), Cell("command:true {model}", at_second)]
        settings = ProviderSettings()
        backends = preflight_endpoints(cells, settings)
        assert {e: info.base_url for e, info in backends.items()} == {at_first: first.url, at_second: second.url}
        assert all(any(r.path == "/api/show" for r in server.requests) for server in (first, second))
        agents = make_agents(cells, settings, backends)
        with Store(tmp_path / "results") as store:
            facts = {endpoint: info.as_dict() for endpoint, info in backends.items()}
            runner = Runner(store, Sandbox("none"), agents, backends=facts, reviewer=None)
            asyncio.run(runner.run(plan(specs, cells), "pytest", {}))
            recorded = {r.agent: r.backend.get("base_url") for r in store.attempts()}
    assert recorded == {"builtin": first.url, "command:true {model}": second.url}
