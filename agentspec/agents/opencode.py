"""The `opencode` agent: OpenCode (npm `opencode-ai`, verified with 1.18.33), run with `opencode run`.

It runs ``opencode run --pure --format json --model agentspec/NAME`` with the prompt on standard input (an
argument would reach the model quoted) in the attempt's sandbox, its HOME and XDG folders fresh in the
attempt's scratch folder. Its whole configuration comes in ``OPENCODE_CONFIG_CONTENT``: one provider
``agentspec`` through OpenCode's bundled ``@ai-sdk/openai-compatible`` (chat completions at the endpoint's
``baseURL``), the model with its context window when the server reported one, every tool permission granted,
no sharing, no autoupdate. ``OPENCODE_DISABLE_MODELS_FETCH``, ``..._AUTOUPDATE``, ``..._PROJECT_CONFIG`` and
``..._DEFAULT_PLUGINS`` keep it off the network and away from any config in the workspace.

Models: ``openai/NAME`` (vLLM, llama.cpp, ``agentspec serve``) and ``ollama/NAME`` (Ollama's
OpenAI-compatible ``/v1``). OpenCode has no turn limit; the spec's time limit stops it.

Its JSON events: ``step_start``; ``tool_use`` (a finished call: ``part.tool``, ``part.state.status``
``completed`` or ``error``, and ``invalid`` as the tool of a call OpenCode could not run); ``text``;
``step_finish`` (one per model answer, the turns, with ``part.tokens`` and ``part.reason``); ``error`` (a
request that failed, with the server's message).

The CLI is ``$AGENTSPEC_OPENCODE`` when set, else ``opencode`` on PATH. ``$AGENTSPEC_OPENCODE_ARGS``
adds flags.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup
from agentspec.agents.harness import OpenAIChatHarness, chat_base_url
from agentspec.agents.output import TEXT_CALL, clipped, error_kind, json_events
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed

INSTALL = "install it with `npm install -g opencode-ai@1.18.33`"
CLI = CliLookup("OpenCode", "AGENTSPEC_OPENCODE", ("opencode",), INSTALL)
PROVIDER = "agentspec"
QUIET = {
    "OPENCODE_DISABLE_MODELS_FETCH": "true",
    "OPENCODE_DISABLE_AUTOUPDATE": "true",
    "OPENCODE_DISABLE_PROJECT_CONFIG": "true",
    "OPENCODE_DISABLE_DEFAULT_PLUGINS": "true",
}


def opencode_config(endpoint: Endpoint, context_window: int | None, key: str) -> dict[str, Any]:
    """The configuration pointing OpenCode at the endpoint as its only provider."""
    model: dict[str, Any] = {"name": endpoint.name, "tool_call": True}
    if context_window is not None:
        model["limit"] = {"context": context_window, "output": min(8192, max(256, context_window // 4))}
    return {
        "$schema": "https://opencode.ai/config.json",
        "autoupdate": False,
        "share": "disabled",
        "model": f"{PROVIDER}/{endpoint.name}",
        "provider": {
            PROVIDER: {
                "npm": "@ai-sdk/openai-compatible",
                "name": "agentspec",
                "options": {"baseURL": chat_base_url(endpoint), "apiKey": key},
                "models": {endpoint.name: model},
            }
        },
        "permission": {"edit": "allow", "bash": "allow", "webfetch": "deny"},
    }


def opencode_result(done: Completed) -> AgentResult:
    """Read OpenCode's JSON events: transcript, turns, tokens, and why it stopped."""
    events = json_events(done.stdout)
    parts = [(e.get("type"), e["part"]) for e in events if isinstance(e.get("part"), dict)]
    steps = [part for kind, part in parts if kind == "step_finish"]
    tokens = [part["tokens"] for part in steps if isinstance(part.get("tokens"), dict)]
    cache = [t["cache"] if isinstance(t.get("cache"), dict) else {} for t in tokens]
    result = AgentResult(
        transcript=[clipped(e) for e in events],
        turns=len(steps),
        tokens_in=sum(int(t.get("input") or 0) for t in tokens)
        + sum(int(c.get("read") or 0) + int(c.get("write") or 0) for c in cache),
        tokens_out=sum(int(t.get("output") or 0) + int(t.get("reasoning") or 0) for t in tokens),
    )
    tools = [part for kind, part in parts if kind == "tool_use"]
    result.details = {
        "tool_calls": len(tools),
        "cost_usd": sum(float(part.get("cost") or 0) for part in steps),
        "stop_reason": steps[-1].get("reason") if steps else None,
    }
    result.error, result.failure_kind = _failure(events, tools, [p for k, p in parts if k == "text"])
    return result


def _failure(
    events: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]], texts: Sequence[Mapping[str, Any]]
) -> tuple[str | None, FailureKind | None]:
    errors = [e.get("error") for e in events if e.get("type") == "error"]
    if errors:
        data = errors[-1].get("data") if isinstance(errors[-1], dict) else None
        status = data.get("statusCode") if isinstance(data, dict) else None
        message = _message(errors[-1])
        return message, error_kind(message, status if isinstance(status, int) else None)
    # OpenCode hands a call it cannot run (unknown tool, arguments that do not parse) to its `invalid` tool.
    if any(t.get("tool") != "invalid" and _state(t).get("status") == "completed" for t in tools):
        return None, None
    bad = [
        f"OpenCode could not run a tool call: {clipped(str(_state(t).get('error') or _state(t).get('output')), 200)}"
        for t in tools
    ]
    written = [found.group(0) for found in (TEXT_CALL.search(str(t.get("text"))) for t in texts) if found]
    bad += [f"the model wrote a tool call as text ({text!r})" for text in written]
    return ("; ".join(dict.fromkeys(bad)), FailureKind.TOOL_FORMAT) if bad else (None, None)


def _state(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    state = tool.get("state")
    return state if isinstance(state, dict) else {}


def _message(error: Any) -> str:
    """The most specific message an OpenCode error event holds."""
    if isinstance(error, dict):
        data = error.get("data")
        if isinstance(data, dict):
            body = data.get("responseBody")
            text = str(data.get("message") or error.get("name") or "")
            return f"{text}: {body}" if isinstance(body, str) and body and body not in text else text
        return str(error.get("message") or error.get("name") or error)
    return str(error)


@register_agent
class OpenCodeAgent(OpenAIChatHarness):
    """OpenCode (`opencode run --format json`) against an OpenAI-compatible endpoint; see the module docstring."""

    name = "opencode"
    title = "OpenCode"
    cli = CLI
    args_variable = "AGENTSPEC_OPENCODE_ARGS"

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line (the prompt goes on standard input)."""
        model = f"{PROVIDER}/{endpoint.name}"
        return [self.executable, "run", "--pure", "--format", "json", "--model", model, *self.args]

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """The configuration, and the switches that keep OpenCode quiet and local."""
        key = os.environ.get("OPENAI_API_KEY") if endpoint.provider == "openai" else None
        config = opencode_config(endpoint, self.context_window(task), key or "agentspec")
        return {**QUIET, "OPENCODE_CONFIG_CONTENT": json.dumps(config)}

    def stdin(self, task: AgentTask) -> str | None:
        """The prompt: on the command line OpenCode would wrap it in quotes, escaping the quotes inside."""
        return task.instructions

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """OpenCode's JSON events."""
        return opencode_result(done)
