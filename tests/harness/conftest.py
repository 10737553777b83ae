"""Fixtures for the harness tests: the real CLIs, one `agentspec serve` for them, and running attempts.

A test that needs Claude Code or aider skips when that CLI is not installed, naming the install command;
under CI (``CI`` set) a missing CLI fails instead, since `.ci/run` installs both. Fake CLIs live in
`fake_cli/` beside this file, not under /tmp: the bwrap sandbox gives every command a private /tmp.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint
from agentspec.errors import UsageError
from agentspec.runner.attempt import AttemptContext, run_attempt
from agentspec.runner.plan import Attempt
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.serve import ModelServer, RequestRecord, serve_in_thread
from agentspec.spec.model import Limits, Spec
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord
from tests.conftest import SPECS

FAKES = Path(__file__).resolve().parent / "fake_cli"
CLAUDE_INSTALL = "npm install -g @anthropic-ai/claude-code"
AIDER_INSTALL = "python3 -m venv /opt/aider-venv && /opt/aider-venv/bin/pip install aider-chat"
CODEX_INSTALL = "npm install -g @openai/codex@0.171.0"
OPENCODE_INSTALL = "npm install -g opencode-ai@1.18.33"
MINI_SWE_AGENT_INSTALL = (
    "python3 -m venv /opt/mini-swe-agent-venv && /opt/mini-swe-agent-venv/bin/pip install mini-swe-agent==2.4.6"
)


def require(make: type[Agent], install: str) -> Agent:
    """The agent, or a skip naming how to install its CLI (a failure under CI)."""
    try:
        return make()
    except UsageError as exc:
        message = f"{make.name} CLI not installed ({install}): {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def seed_specs() -> list[Spec]:
    return load_specs([SPECS])


@pytest.fixture(scope="session")
def harness_server(seed_specs: list[Spec]) -> Iterator[ModelServer]:
    """One server for the whole session; tests that inject faults start their own."""
    with serve_in_thread(seed_specs) as running:
        yield running


@pytest.fixture
def faulty_server(seed_specs: list[Spec]) -> Iterator[ModelServer]:
    """A server of this test's own, for faults that would disturb other tests."""
    with serve_in_thread(seed_specs) as running:
        yield running


def spec_named(specs: list[Spec], spec_id: str, **limits: Any) -> Spec:
    """One seed spec, its limits changed as given."""
    spec = next(s for s in specs if s.id == spec_id)
    if limits:
        spec = spec.model_copy(update={"limits": Limits(**{**spec.limits.model_dump(), **limits})})
    return spec


def attempt(agent: Agent, spec: Spec, model: str, base_url: str | None, root: Path) -> AttemptRecord:
    """Run one attempt of `agent` in-process, as `agentspec run` would, and return its record."""
    return attempt_with_artifacts(agent, spec, model, base_url, root)[0]


def attempt_with_artifacts(
    agent: Agent, spec: Spec, model: str, base_url: str | None, root: Path
) -> tuple[AttemptRecord, Path]:
    """Run one attempt in-process; return its record and its artifacts folder (transcript.json, diff.patch)."""
    context = AttemptContext(Sandbox("auto"), root, agent_grace_s=30.0)
    return asyncio.run(run_attempt(Attempt(spec, agent.name, Endpoint.parse(model, base_url), 1), agent, context))


def act(agent: Agent, spec: Spec, model: str, base_url: str, root: Path) -> AgentResult:
    """What the agent itself returns for one attempt, before any grading."""
    workspace, scratch = root / "workspace", root / "scratch"
    make_workspace(spec, workspace)
    scratch.mkdir(parents=True)
    task = AgentTask(spec, workspace, scratch, Sandbox("auto"), Endpoint.parse(model, base_url))
    return asyncio.run(agent.act(task))


@dataclass(frozen=True)
class Suite:
    """What one `agentspec run` of the seed suite recorded, and the requests the server saw meanwhile."""

    attempts: list[dict[str, Any]]
    requests: list[RequestRecord]


def run_suite(server: ModelServer, root: Path, *args: str, timeout: float = 900, base_path: str = "") -> Suite:
    """`agentspec run specs/ ARGS --base-url URL` in a subprocess, then what `agentspec report --format json` shows.

    `base_path` follows the server's URL (`/v1` for `openai/` models).
    """
    results = root / "results"
    command = [sys.executable, "-m", "agentspec", "run", str(SPECS), "--results", str(results), *args]
    server.clear_requests()
    done = subprocess.run(
        [*command, "--base-url", server.url + base_path], cwd=root, capture_output=True, text=True, timeout=timeout
    )
    requests = server.requests
    assert done.returncode == 0, done.stderr[-4000:]
    shown = subprocess.run(
        [sys.executable, "-m", "agentspec", "report", "--results", str(results), "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return Suite(json.loads(shown.stdout)["attempts"], requests)


def by_model(attempts: list[dict[str, Any]], model: str) -> list[dict[str, Any]]:
    """The attempts of one model."""
    return [a for a in attempts if a["model"] == model]


def solution_paths(spec: Spec) -> set[str]:
    """The files the reference solution changes: all an agent should leave changed."""
    starter = {f.path: f.text for f in spec.files}
    return {f.path for f in spec.solution if starter.get(f.path) != f.text}
