"""A provider written outside agentspec joins by registration alone and runs an attempt end to end."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.agents.base import Endpoint
from agentspec.agents.builtin import BuiltinAgent
from agentspec.errors import UsageError
from agentspec.providers import ProviderSettings, register_provider
from agentspec.providers import base as provider_base
from agentspec.providers.openai import OpenAIProvider
from agentspec.runner.plan import Cell, plan
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.serve import serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
from tests.conftest import SPECS


class LabServerProvider(OpenAIProvider):
    """A lab's in-house server that speaks OpenAI chat completions under its own name and address."""

    name = "labserver"
    default_base_url = "http://127.0.0.1:9/v1"
    base_url_variable = "LABSERVER_URL"


@pytest.fixture
def registered() -> Iterator[None]:
    register_provider(LabServerProvider)
    yield
    provider_base._REGISTRY.pop("labserver", None)


def test_an_unregistered_provider_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="provider one of anthropic, ollama, openai, responses"):
        Endpoint.parse("labserver/model")


def test_a_registered_provider_is_parsed_with_its_own_defaults(
    registered: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Endpoint.parse("labserver/m").base_url == "http://127.0.0.1:9/v1"
    monkeypatch.setenv("LABSERVER_URL", "10.1.2.3:8080/v1")
    assert Endpoint.parse("labserver/m") == Endpoint("labserver", "m", "http://10.1.2.3:8080/v1")


def test_a_registered_provider_runs_an_attempt_through_the_builtin_agent(registered: None, tmp_path: Path) -> None:
    spec = next(s for s in load_specs([SPECS]) if s.id == "merge-sorted-lists")
    with serve_in_thread([spec]) as server, Store(tmp_path / "results") as store:
        agent = BuiltinAgent(ProviderSettings(stream=True))
        cells = [
            Cell("builtin", Endpoint.parse("labserver/reference", f"{server.url}/v1")),
            Cell("builtin", Endpoint.parse("labserver/nop", f"{server.url}/v1")),
        ]
        runner = Runner(store, Sandbox(), {"builtin": agent}, concurrency=2)
        outcome = asyncio.run(runner.run(plan([spec], cells), "pytest", {}))
    verdicts = {r.model: (r.outcome, r.failure_kind) for r in outcome.ran}
    assert verdicts == {"labserver/reference": ("passed", None), "labserver/nop": ("failed", "tests_failed")}
    assert any(request.path.startswith("/v1/chat/completions") for request in server.requests)
