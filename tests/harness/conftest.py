"""Fixtures for the harness tests: the real CLIs, one `agentspec serve` for them, and running attempts.

A test that needs Claude Code or aider skips when that CLI is not installed, naming the install command;
under CI (``CI`` set) a missing CLI fails instead, since `.ci/run` installs both. Fake CLIs live in
`fake_cli/` beside this file, not under /tmp: the bwrap sandbox gives every command a private /tmp.
Each real-harness module builds its CLI fixture (`harness_fixture`), its seed-suite run (`suite_fixture`) and the
checks every harness shares (reference passes, nop fails, failures are classified) from the helpers here, and keeps
only what is its own harness's: versions, protocols, tool names, details keys.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint
from agentspec.errors import UsageError
from agentspec.runner.attempt import AttemptContext, run_attempt
from agentspec.runner.plan import Attempt
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.serve import Faults, ModelServer, RequestRecord, serve_in_thread
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

AgentT = TypeVar("AgentT", bound=Agent)
# `expect_failure_kind(agent, model, faults, kind)`: one attempt against a faulty server ends with that failure kind.
ExpectFailureKind = Callable[[Agent, str, Faults | None, str], None]


def require(make: type[Agent], install: str) -> Agent:
    """The agent, or a skip naming how to install its CLI (a failure under CI)."""
    try:
        return make()
    except UsageError as exc:
        message = f"{make.name} CLI not installed ({install}): {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def harness_fixture(make: type[AgentT], install: str) -> Callable[[], AgentT]:
    """A module fixture giving the installed harness `make` (named by the variable it is assigned to).

    Args:
        make: The harness class; its CLI is looked up once per module.
        install: The command that installs the CLI, named in the skip (or failure, under CI) when it is missing.
    """

    def installed() -> AgentT:
        agent = require(make, install)
        assert isinstance(agent, make)
        return agent

    return pytest.fixture(scope="module")(installed)


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


def validators_task(specs: list[Spec], root: Path, sandbox: Sandbox, endpoint: Endpoint | None = None) -> AgentTask:
    """The `validators` task in fresh `workspace` and `scratch` folders below `root`, for calling an agent directly."""
    spec = spec_named(specs, "validators")
    workspace, scratch = root / "workspace", root / "scratch"
    make_workspace(spec, workspace)
    scratch.mkdir()
    return AgentTask(spec, workspace, scratch, sandbox, endpoint)


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


def seed_suite(server: ModelServer, factory: pytest.TempPathFactory, agent: str, provider: str = "openai") -> Suite:
    """`agentspec run specs/ --agent AGENT` with the models PROVIDER/reference and PROVIDER/nop, four at a time."""
    root = factory.mktemp(f"{agent}-suite")
    models = ["--model", f"{provider}/reference", "--model", f"{provider}/nop"]
    # Only OpenAI clients want the `/v1` in their base URL (see `ModelServer.base_urls`).
    base_path = "/v1" if provider == "openai" else ""
    return run_suite(server, root, "--agent", agent, *models, "--concurrency", "4", base_path=base_path)


def suite_fixture(harness: str, provider: str = "openai") -> Callable[..., Suite]:
    """A module fixture: `seed_suite` run through the harness the fixture named `harness` found.

    Args:
        harness: The name of the module's `harness_fixture`; its agent's name is the `--agent` run.
        provider: The provider of the models `reference` and `nop` (`openai`, `ollama`, `anthropic`).
    """

    def suite(
        request: pytest.FixtureRequest, harness_server: ModelServer, tmp_path_factory: pytest.TempPathFactory
    ) -> Suite:
        agent = request.getfixturevalue(harness)
        assert isinstance(agent, Agent)
        return seed_suite(harness_server, tmp_path_factory, agent.name, provider)

    return pytest.fixture(scope="module")(suite)


def reference_passed_all_eight(suite: Suite, specs: list[Spec], model: str) -> list[dict[str, Any]]:
    """The attempts of the reference `model`, once each is asserted to pass changing just its solution's files.

    The harness kept its own files in its HOME in the scratch folder: the workspace holds only what the model wrote.
    """
    attempts = by_model(suite.attempts, model)
    assert [a["outcome"] for a in attempts] == ["passed"] * 8, [(a["task"], a["error"]) for a in attempts]
    solutions = {s.id: solution_paths(s) for s in specs}
    for record in attempts:
        assert set(record["changed_files"]) == solutions[record["task"]]
    return attempts


def nop_failed_all_eight(suite: Suite, model: str) -> list[dict[str, Any]]:
    """The attempts of the nop `model`, once each is asserted to fail its tests having changed nothing."""
    attempts = by_model(suite.attempts, model)
    assert [(a["outcome"], a["failure_kind"]) for a in attempts] == [("failed", "tests_failed")] * 8
    assert all(a["changed_files"] == [] for a in attempts)
    return attempts


def openai_model_failures(*malformed: str) -> list[tuple[str, Faults | None, str]]:
    """`test_model_failures_are_classified`'s cases for an `openai/` harness: (model, faults, failure kind).

    Args:
        malformed: The kinds of malformed tool call (`json`, `text`, `name`) the harness is asked to classify;
            a harness that repairs or runs one kind leaves it out.
    """
    return [
        ("openai/missing-model", None, "model_not_found"),
        ("openai/notools", None, "no_tool_support"),
        *[("openai/reference", Faults(malformed=kind), "tool_format") for kind in malformed],
        ("openai/reference", Faults(context_length=500), "context_exceeded"),
    ]


@pytest.fixture
def expect_failure_kind(faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path) -> ExpectFailureKind:
    """Run one `validators` attempt of an `openai/` model with the faults given; assert its failure kind and error."""

    def expect(agent: Agent, model: str, faults: Faults | None, kind: str) -> None:
        if faults is not None:
            faulty_server.faults = faults
        record = attempt(agent, spec_named(seed_specs, "validators"), model, faulty_server.url + "/v1", tmp_path)
        assert record.failure_kind == kind, record.error
        assert record.error

    return expect


def assert_unreachable_is_a_backend_error(agent: Agent, specs: list[Spec], root: Path) -> None:
    """An `openai/` attempt against a port nobody listens on fails at once as a backend error naming the URL."""
    result = act(agent, spec_named(specs, "validators"), "openai/reference", "http://127.0.0.1:9/v1", root)
    assert result.failure_kind == "backend_error"
    assert "cannot reach the model server at http://127.0.0.1:9/v1" in (result.error or "")


def assert_refused_tool_call_ids_are_tool_format(
    agent: Agent, server: ModelServer, specs: list[Spec], root: Path
) -> None:
    """A server that refuses foreign tool call ids, as Mistral's does, ends the attempt as `tool_format`."""
    # The files are written by the first call; the next request, carrying its id, is refused.
    server.faults = Faults(mistral_tool_ids=True)
    result = act(agent, spec_named(specs, "validators"), "openai/reference", server.url + "/v1", root)
    assert result.failure_kind == "tool_format", result.error
    assert "must be a-z, A-Z, 0-9, with a length of 9" in (result.error or "")
