"""Each harness is told the context window the server reported, in its own setting."""

from __future__ import annotations

import asyncio
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentspec.agents.aider import AiderAgent
from agentspec.agents.base import AgentTask, Endpoint
from agentspec.agents.claude_code import ClaudeCodeAgent
from agentspec.agents.codex import CodexAgent
from agentspec.agents.opencode import OpenCodeAgent
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.serve import ModelServer
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS
from tests.harness.conftest import AIDER_INSTALL, CLAUDE_INSTALL, require

PROGRAM = "/bin/true"  # the settings are built without running the CLI


@dataclass(frozen=True)
class ServedEndpoint(Endpoint):
    """An endpoint carrying the context window preflight found (as the provider facts will)."""

    context_window: int | None = None


@pytest.fixture(scope="module")
def spec() -> Spec:
    return next(s for s in load_specs([SPECS]) if s.id == "validators")


def task(
    spec: Spec, tmp_path: Path, provider: str, base_url: str, window: int | None, name: str = "served-model"
) -> AgentTask:
    (tmp_path / "workspace").mkdir(exist_ok=True)
    (tmp_path / "scratch").mkdir(exist_ok=True)
    endpoint = ServedEndpoint(provider, name, base_url, window)
    return AgentTask(spec, tmp_path / "workspace", tmp_path / "scratch", Sandbox("none"), endpoint)


def test_claude_code_gets_its_context_variables(spec: Spec, tmp_path: Path) -> None:
    attempt = task(spec, tmp_path, "anthropic", "http://127.0.0.1:1", 8192)
    assert attempt.endpoint is not None
    env = ClaudeCodeAgent(PROGRAM).environment(attempt, attempt.endpoint)
    assert env["CLAUDE_CODE_MAX_CONTEXT_TOKENS"] == env["CLAUDE_CODE_AUTO_COMPACT_WINDOW"] == "8192"
    unknown = task(spec, tmp_path, "anthropic", "http://127.0.0.1:1", None)
    assert unknown.endpoint is not None
    assert "CLAUDE_CODE_MAX_CONTEXT_TOKENS" not in ClaudeCodeAgent(PROGRAM).environment(unknown, unknown.endpoint)


def test_codex_gets_model_context_window(spec: Spec, tmp_path: Path) -> None:
    attempt = task(spec, tmp_path, "openai", "http://127.0.0.1:1/v1", 8192)
    assert attempt.endpoint is not None
    env = CodexAgent(PROGRAM).environment(attempt, attempt.endpoint)
    config = tomllib.loads((Path(env["CODEX_HOME"]) / "config.toml").read_text())
    assert config["model_context_window"] == 8192 and config["model_auto_compact_token_limit"] < 8192


def test_opencode_gets_the_model_limit(spec: Spec, tmp_path: Path) -> None:
    attempt = task(spec, tmp_path, "openai", "http://127.0.0.1:1/v1", 8192)
    assert attempt.endpoint is not None
    env = OpenCodeAgent(PROGRAM).environment(attempt, attempt.endpoint)
    config = json.loads(env["OPENCODE_CONFIG_CONTENT"])
    assert config["provider"]["agentspec"]["models"]["served-model"]["limit"]["context"] == 8192


def test_aider_gets_a_model_metadata_file(spec: Spec, tmp_path: Path) -> None:
    attempt = task(spec, tmp_path, "ollama", "http://127.0.0.1:1", 8192)
    assert attempt.endpoint is not None
    argv = AiderAgent(PROGRAM).command(attempt, attempt.endpoint)
    metadata = json.loads(Path(argv[argv.index("--model-metadata-file") + 1]).read_text())
    assert metadata["ollama_chat/served-model"]["max_input_tokens"] == 8192


def test_aider_runs_with_its_metadata_file(faulty_server: ModelServer, spec: Spec, tmp_path: Path) -> None:
    aider = require(AiderAgent, AIDER_INSTALL)
    attempt = task(spec, tmp_path, "ollama", faulty_server.url, 16384, name="reference")
    make_workspace(spec, attempt.workspace)
    result = asyncio.run(aider.act(attempt))
    assert result.failure_kind is None and result.details["context_window"] == 16384, result.error
    assert "validators.py" in result.details["applied"]


def test_claude_code_told_a_small_window_is_context_exceeded(
    harness_server: ModelServer, spec: Spec, tmp_path: Path
) -> None:
    # Claude Code's own system prompt and tools take more than 16k tokens: it refuses before asking.
    claude = require(ClaudeCodeAgent, CLAUDE_INSTALL)
    attempt = task(spec, tmp_path, "anthropic", harness_server.url, 16384, name="reference")
    make_workspace(spec, attempt.workspace)
    result = asyncio.run(claude.act(attempt))
    assert result.failure_kind == "context_exceeded" and "too long" in (result.error or "")


def test_the_runner_hands_preflights_served_context_to_the_agent(spec: Spec, tmp_path: Path) -> None:
    from agentspec.agents.base import Agent, AgentResult
    from agentspec.runner.plan import Cell, plan
    from agentspec.runner.run import Runner
    from agentspec.store.sqlite import Store

    seen: list[int | None] = []

    class Recorder(Agent):
        name = "recorder"

        async def act(self, task: AgentTask) -> AgentResult:
            seen.append(task.context_window)
            return AgentResult()

    served = Endpoint.parse("ollama/served", "http://127.0.0.1:1")
    backends: dict[Endpoint, dict[str, object]] = {served: {"context_length": 6144}}
    cells = [Cell("recorder", served), Cell("recorder", Endpoint.parse("ollama/other", "http://127.0.0.1:1"))]
    with Store(tmp_path / "results") as store:
        runner = Runner(store, Sandbox("none"), {"recorder": Recorder()}, backends=backends, reviewer=None)
        asyncio.run(runner.run(plan([spec], cells), "pytest", {}))
    assert sorted(seen, key=str) == [6144, None]
