"""The `codex` agent: OpenAI's Codex CLI (npm `@openai/codex`, verified with 0.171.0), run with `codex exec`.

It runs ``codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox PROMPT`` in the
attempt's sandbox (Codex's own sandbox is off: agentspec's confines it, and a sandbox inside bubblewrap
cannot start). ``CODEX_HOME`` is a fresh folder in the attempt's HOME holding a ``config.toml`` that
declares the endpoint as a custom model provider (``wire_api = "responses"``, the only protocol Codex
speaks: ``POST {base_url}/responses``), the model, ``model_context_window`` when the server reported one, no
update check, no analytics, no web search, and few retries.

Models: ``openai/NAME`` (vLLM, llama.cpp's ``llama-server``, ``agentspec serve``: whatever serves
``/v1/responses``) and ``ollama/NAME`` (Ollama serves ``/v1/responses`` on its OpenAI-compatible
``/v1``). Codex has no turn limit; the spec's time limit stops it.

Its JSON-lines events say what happened: ``item.completed`` items (``command_execution``,
``file_change``, ``agent_message``...), ``turn.completed`` with the token usage, ``turn.failed`` and
``error`` with the message of a request that failed. Its session file (``rollout-*.jsonl`` in
``CODEX_HOME``) adds what the events leave out: one usage record per model answer (the turns), and
what Codex answered each tool call, where a call it could not run shows (``tool_format``).

The CLI is ``$AGENTSPEC_CODEX`` when set, else ``codex`` on PATH. ``$AGENTSPEC_CODEX_ARGS`` adds flags
(e.g. ``-c model_reasoning_effort="low"``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomli_w

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup
from agentspec.agents.harness import HarnessAgent
from agentspec.agents.output import TEXT_CALL, clipped, error_kind, json_events
from agentspec.agents.process import home_of
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed

INSTALL = "install it with `npm install -g @openai/codex@0.171.0` (Node.js 18 or newer)"
CLI = CliLookup("Codex CLI", "AGENTSPEC_CODEX", ("codex",), INSTALL)
KEY_VARIABLE = "AGENTSPEC_CODEX_API_KEY"
# Items that are the model acting (one model answer each); agent messages end a turn.
ACTIONS = {"command_execution", "file_change", "mcp_tool_call", "web_search", "collab_tool_call"}
OUTPUTS = {"function_call_output", "custom_tool_call_output"}
_STATUS = re.compile(r"unexpected status (\d{3})")
# Codex's answers to a call it cannot run: arguments that are not JSON, a tool it does not have.
BAD_CALL = re.compile(r"failed to parse function arguments|unsupported call", re.IGNORECASE)


def responses_base_url(endpoint: Endpoint) -> str:
    """The OpenAI-style base (ending in `/v1`) that Codex appends `/responses` to."""
    if endpoint.provider == "ollama":
        return endpoint.base_url + "/v1"
    return endpoint.base_url


def codex_config(endpoint: Endpoint, context_window: int | None) -> dict[str, Any]:
    """The `config.toml` pointing Codex at the endpoint (keys checked with `codex exec --strict-config`)."""
    config: dict[str, Any] = {
        "model": endpoint.name,
        "model_provider": "agentspec",
        "approval_policy": "never",
        "sandbox_mode": "danger-full-access",
        "check_for_update_on_startup": False,
        "web_search": "disabled",
    }
    if context_window is not None:
        config["model_context_window"] = context_window
        config["model_auto_compact_token_limit"] = context_window * 85 // 100
    config["model_providers"] = {
        "agentspec": {
            "name": "agentspec",
            "base_url": responses_base_url(endpoint),
            "env_key": KEY_VARIABLE,
            "wire_api": "responses",
            "request_max_retries": 1,
            "stream_max_retries": 1,
        }
    }
    config["analytics"] = {"enabled": False}
    return config


def rollout(codex_home: Path) -> list[dict[str, Any]]:
    """The entries of the session file Codex wrote (`sessions/Y/M/D/rollout-*.jsonl`), empty if none."""
    files = sorted((codex_home / "sessions").glob("*/*/*/rollout-*.jsonl"))
    return json_events(files[-1].read_text(encoding="utf-8", errors="replace")) if files else []


def codex_result(done: Completed, session: Sequence[Mapping[str, Any]] = ()) -> AgentResult:
    """Read Codex's `--json` events and its session file: transcript, turns, tokens, why it stopped.

    Args:
        done: The finished process.
        session: The session file's entries: one `token_usage_record` per model answer, and the
            outputs Codex gave the model for its tool calls (where a call it could not run shows).
    """
    events = json_events(done.stdout)
    items = [e["item"] for e in events if e.get("type") == "item.completed" and isinstance(e.get("item"), dict)]
    completed = [e for e in events if e.get("type") == "turn.completed"]
    usages = [e["usage"] for e in completed if isinstance(e.get("usage"), dict)]
    answers = sum(1 for e in session if e.get("type") == "token_usage_record")
    result = AgentResult(
        transcript=[clipped(e) for e in events],
        turns=answers or sum(1 for i in items if i.get("type") in ACTIONS) + len(completed),
        tokens_in=sum(int(u.get("input_tokens") or 0) for u in usages),
        tokens_out=sum(int(u.get("output_tokens") or 0) for u in usages),
    )
    result.details = {
        "commands": sum(1 for i in items if i.get("type") == "command_execution"),
        "file_changes": sum(1 for i in items if i.get("type") == "file_change"),
        "cached_tokens": sum(int(u.get("cached_input_tokens") or 0) for u in usages),
    }
    result.error, result.failure_kind = _failure(events, items, _call_outputs(session))
    return result


def _call_outputs(session: Sequence[Mapping[str, Any]]) -> list[str]:
    outputs = []
    for entry in session:
        payload = entry.get("payload")
        if entry.get("type") == "response_item" and isinstance(payload, dict) and payload.get("type") in OUTPUTS:
            outputs.append(str(payload.get("output")))
    return outputs


def _failure(
    events: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]], outputs: Sequence[str]
) -> tuple[str | None, FailureKind | None]:
    failed = next((e for e in reversed(events) if e.get("type") == "turn.failed"), None)
    if failed is not None:
        error = failed.get("error")
        message = str(error.get("message") if isinstance(error, dict) else error or "Codex's turn failed")
        status = _STATUS.search(message)
        return message, error_kind(message, int(status.group(1)) if status else None)
    if any(not BAD_CALL.match(output) for output in outputs):
        return None, None
    bad = [f"Codex could not run a tool call: {clipped(o, 200)}" for o in outputs]
    texts = [str(i.get("text")) for i in items if i.get("type") == "agent_message"]
    written = [found.group(0) for found in map(TEXT_CALL.search, texts) if found]
    bad += [f"the model wrote a tool call as text ({text!r})" for text in written]
    return ("; ".join(dict.fromkeys(bad)), FailureKind.TOOL_FORMAT) if bad else (None, None)


@register_agent
class CodexAgent(HarnessAgent):
    """Codex CLI (`codex exec --json`) against a Responses endpoint; see the module docstring."""

    name = "codex"
    title = "Codex CLI"
    refused_providers = {
        "anthropic": "it speaks the OpenAI Responses API, not Anthropic Messages; use --model openai/NAME (or "
        "responses/NAME) with the server's /v1 URL, or --agent claude-code or aider",
    }
    cli = CLI
    args_variable = "AGENTSPEC_CODEX_ARGS"

    def protocol(self, endpoint: Endpoint) -> str:
        """Codex speaks only the Responses API."""
        return "openai-responses"

    def server_url(self, endpoint: Endpoint) -> str:
        """Where Codex sends `/responses`."""
        return responses_base_url(endpoint)

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line, the prompt its last argument."""
        return [
            self.executable,
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--dangerously-bypass-approvals-and-sandbox",
            "--color",
            "never",
            *self.args,
            task.instructions,
        ]

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """`CODEX_HOME` with its config.toml, and the key Codex sends (local servers ignore it)."""
        codex_home = home / ".codex"
        codex_home.mkdir(parents=True, exist_ok=True)
        config = codex_config(endpoint, self.context_window(task))
        (codex_home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
        key = os.environ.get("OPENAI_API_KEY") if endpoint.provider == "openai" else None
        return {"CODEX_HOME": str(codex_home), KEY_VARIABLE: key or "agentspec"}

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Codex's JSON-lines events."""
        return codex_result(done, rollout(home_of(task) / ".codex"))
