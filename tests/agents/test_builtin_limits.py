"""The builtin agent and the reply limit: max_tokens is sent, a reply cut at it is never the answer.

Also `--no-preflight`: the agent then asks the server nothing before its first turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.agents.base import AgentResult, AgentTask, Endpoint
from agentspec.agents.builtin import BuiltinAgent
from agentspec.providers import ProviderSettings
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.serve import ModelServer, serve_in_thread
from agentspec.spec.model import Limits, Spec
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS

CHAT_PATHS = {"ollama": "/api/chat", "openai": "/v1/chat/completions", "anthropic": "/v1/messages"}


@pytest.fixture(scope="module")
def specs() -> list[Spec]:
    return load_specs([SPECS / "validators.toml"])


@pytest.fixture(scope="module")
def server(specs: list[Spec]) -> Iterator[ModelServer]:
    with serve_in_thread(specs) as running:
        yield running


def act(agent: BuiltinAgent, spec: Spec, model: str, server: ModelServer, root: Path) -> AgentResult:
    workspace, scratch = root / "workspace", root / "scratch"
    make_workspace(spec, workspace)
    scratch.mkdir(parents=True)
    url = server.url + ("/v1" if model.startswith("openai/") else "")
    task = AgentTask(spec, workspace, scratch, Sandbox("auto"), Endpoint.parse(model, url))
    return asyncio.run(agent.act(task))


@pytest.mark.parametrize("provider", ["ollama", "openai", "anthropic"])
def test_replies_cut_at_max_tokens_end_as_output_truncated(
    provider: str, specs: list[Spec], server: ModelServer, tmp_path: Path
) -> None:
    # The reference model's first reply (a whole file written in one call) does not fit in 8 tokens.
    agent = BuiltinAgent(ProviderSettings(max_tokens=8, backoff_s=0.01))
    server.clear_requests()
    result = act(agent, specs[0], f"{provider}/reference", server, tmp_path)
    assert result.failure_kind == "output_truncated", result.error
    assert result.turns == 2 and result.details["truncated_replies"] == 2
    assert all(turn["truncated"] and turn["stop_reason"] == "length" for turn in result.transcript)
    chats = [r for r in server.requests if r.path == CHAT_PATHS[provider]]
    sent = [r.body for r in chats if isinstance(r.body, dict)]
    limits = [b.get("options", {}).get("num_predict") if provider == "ollama" else b.get("max_tokens") for b in sent]
    assert limits == [8, 8]
    # The model was told its reply was cut, rather than the cut reply being taken as its answer.
    assert "cut off at the output limit (8 tokens)" in str(sent[1])


def test_the_default_max_tokens_is_sent_and_lets_the_reference_pass(
    specs: list[Spec], server: ModelServer, tmp_path: Path
) -> None:
    server.clear_requests()
    result = act(BuiltinAgent(ProviderSettings(backoff_s=0.01)), specs[0], "openai/reference", server, tmp_path)
    assert result.failure_kind is None and result.details["truncated_replies"] == 0
    chats = [r.body for r in server.requests if r.path == "/v1/chat/completions"]
    assert chats and all(isinstance(b, dict) and b["max_tokens"] == 4096 for b in chats)
    assert result.details["provider"]["max_tokens"] == 4096


def test_without_preflight_the_agent_asks_the_server_nothing_first(
    specs: list[Spec], server: ModelServer, tmp_path: Path
) -> None:
    server.clear_requests()
    agent = BuiltinAgent(ProviderSettings(backoff_s=0.01), check_backend=False)
    result = act(agent, specs[0], "openai/reference", server, tmp_path)
    assert result.failure_kind is None and "backend" not in result.details
    assert {r.path for r in server.requests} == {"/v1/chat/completions"}


def test_a_spec_s_own_max_tokens_is_sent_and_enters_its_hash(
    specs: list[Spec], server: ModelServer, tmp_path: Path
) -> None:
    spec = specs[0].model_copy(update={"limits": Limits(**{**specs[0].limits.model_dump(), "max_tokens": 8})})
    assert spec.content_hash() != specs[0].content_hash()
    server.clear_requests()
    result = act(BuiltinAgent(ProviderSettings(backoff_s=0.01)), spec, "anthropic/reference", server, tmp_path)
    assert result.failure_kind == "output_truncated" and result.details["provider"]["max_tokens"] == 8
    sent = [r.body for r in server.requests if r.path == "/v1/messages"]
    assert [b["max_tokens"] for b in sent if isinstance(b, dict)] == [8, 8]
