"""A run's cells before any attempt: their checks, their agents, the preflight of their endpoints, the plan's size."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from agentspec.agents import get_agent
from agentspec.agents.base import Agent, Endpoint
from agentspec.agents.builtin import BuiltinAgent
from agentspec.errors import UsageError
from agentspec.providers import BackendInfo, ProviderSettings, preflight
from agentspec.runner.plan import Cell

_SHOWN_FACTS = ("server_version", "model_digest", "context_length", "quantization")


def check_cells(cells: Sequence[Cell]) -> None:
    """Usage errors (unknown agent, a model where none is used or none where one is) before any server is asked."""
    for cell in cells:
        agent = get_agent(cell.agent)
        if agent.needs_model and cell.endpoint is None:
            raise UsageError(f"agent {cell.agent!r} needs a model, e.g. --model ollama/qwen3.5:27b")
        if not agent.needs_model and not agent.model_optional and cell.endpoint is not None:
            raise UsageError(f"agent {cell.agent!r} uses no model; drop --model {cell.model}")
        refused = agent.refused_providers.get(cell.endpoint.provider) if cell.endpoint is not None else None
        if refused:
            raise UsageError(f"agent {cell.agent!r} cannot use {cell.model}: {refused}")


def plan_summary(spec_count: int, cells: Sequence[Cell]) -> str:
    """What the plan multiplies out: `3 specs x 2 agents x 4 models x 3 trials` (or `x 5 agent/model pairs`)."""

    def count(number: int, noun: str) -> str:
        return f"{number} {noun}{'s' * (number != 1)}"

    agents = {cell.agent for cell in cells}
    models = {cell.model for cell in cells if cell.endpoint is not None}
    parts = [count(spec_count, "spec")]
    if len(cells) == len(agents) * max(1, len(models)):
        parts.append(count(len(agents), "agent"))
        if models:
            parts.append(count(len(models), "model"))
    else:
        parts.append(count(len(cells), "agent/model pair"))
    trials = sorted({cell.trials for cell in cells})
    parts.append(count(trials[0], "trial") if len(trials) == 1 else f"{trials[0]}-{trials[-1]} trials")
    return " x ".join(parts)


def make_agents(
    cells: Sequence[Cell],
    settings: ProviderSettings,
    backends: Mapping[Endpoint, BackendInfo],
    *,
    check_backend: bool = True,
) -> dict[str, Agent]:
    """One agent per agent name in `cells`; the built-in agent gets the provider settings and preflight facts.

    With `check_backend` False (`--no-preflight`) the built-in agent asks the server nothing before its first turn.
    """
    agents: dict[str, Agent] = {}
    for cell in cells:
        if cell.agent not in agents:
            builtin = cell.agent == "builtin"
            agents[cell.agent] = (
                BuiltinAgent(settings, backends=backends, check_backend=check_backend)
                if builtin
                else get_agent(cell.agent)
            )
    return agents


def preflight_endpoints(
    cells: Sequence[Cell], settings: ProviderSettings, say: Callable[[str], None] | None = None
) -> dict[Endpoint, BackendInfo]:
    """Check every endpoint (provider, model, base URL) the run will use, once each; raise BackendError on a failure.

    Args:
        cells: The run's cells; one model at two servers is two endpoints, checked apart.
        settings: How providers talk to servers.
        say: Told one line per endpoint checked (what its server said), if given.
    """
    tools: dict[Endpoint, bool] = {}
    for cell in cells:
        if cell.endpoint is not None:
            tools[cell.endpoint] = tools.get(cell.endpoint, False) or get_agent(cell.agent).uses_tools
    if not tools:
        return {}

    async def check_all() -> list[BackendInfo]:
        return list(await asyncio.gather(*(preflight(endpoint, settings, tools=t) for endpoint, t in tools.items())))

    backends = dict(zip(tools, asyncio.run(check_all()), strict=True))
    for endpoint, info in backends.items():
        facts = ", ".join(f"{k} {v}" for k, v in info.as_dict().items() if k in _SHOWN_FACTS and v)
        if say is not None:
            say(f"preflight {endpoint.model} at {endpoint.base_url}: ok" + (f" ({facts})" if facts else ""))
    return backends


def backends_by_name(backends: Mapping[Endpoint, BackendInfo]) -> dict[str, dict[str, Any]]:
    """Preflight facts for the run's manifest, by `provider/name` (with ` at URL` where a model is at two servers)."""
    urls = Counter(endpoint.model for endpoint in backends)
    return {
        endpoint.model if urls[endpoint.model] == 1 else f"{endpoint.model} at {endpoint.base_url}": info.as_dict()
        for endpoint, info in backends.items()
    }
