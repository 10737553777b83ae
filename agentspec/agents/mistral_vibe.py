"""The `vibe` agent: Mistral Vibe (PyPI `mistral-vibe`, verified with 3.0.2), run headless with `vibe -p`.

It runs ``vibe --prompt-file PROMPT --output streaming --max-turns TURNS --auto-approve --trust
--output-dir OUT`` in the attempt's sandbox. ``VIBE_HOME`` is a fresh folder in the attempt's HOME
holding a ``config.toml`` that declares the endpoint as a provider ``agentspec`` (``backend =
"generic"``, ``api_style = "openai"``: chat completions at ``{api_base}/chat/completions``), the model as
the active one with ``max_context_length`` when the server reported it, and telemetry, update checks,
auto-update, notifications, connectors and MCP off.

Models: ``openai/NAME`` (vLLM, llama.cpp, ``agentspec serve``) and ``ollama/NAME`` (Ollama's
OpenAI-compatible ``/v1``). Vibe keeps the tool call ids the server gives: a Mistral model's server that
issues other ids than the nine-character ones it accepts back refuses Vibe's second request.

Its streaming output is one JSON entry per line: ``message`` (``role`` user or assistant, ``content``
parts) and ``effect`` (a tool call: ``detail.toolName``, ``state.status``). ``--output-dir`` makes it
write ``export.json`` on every exit: ``outcome`` (``finished``, ``turn_limit``,
``infrastructure_failure``...), ``error`` (the server's message), ``usage``, ``cost_usd``, ``steps``
(its model calls: the turns) and ``vibe_version``.

The CLI is ``$AGENTSPEC_VIBE`` when set, else ``vibe`` on PATH, else ``/opt/vibe-venv/bin/vibe``.
``$AGENTSPEC_VIBE_ARGS`` adds flags.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomli_w

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup
from agentspec.agents.harness import OpenAIChatHarness, chat_base_url
from agentspec.agents.output import TEXT_CALL, clipped, error_kind, json_events
from agentspec.agents.process import write_prompt
from agentspec.failures import FailureKind, Kind
from agentspec.sandbox import Completed

VENV = "/opt/vibe-venv"
INSTALL = f"install it with `python3.12 -m venv {VENV} && {VENV}/bin/pip install mistral-vibe==3.0.2` (Python 3.12+)"
CLI = CliLookup("Mistral Vibe", "AGENTSPEC_VIBE", ("vibe",), INSTALL, (f"{VENV}/bin/vibe",))
PROVIDER = "agentspec"
KEY_VARIABLE = "AGENTSPEC_VIBE_API_KEY"
OUTPUT_FOLDER = "vibe-output"
# httpx's words for a failed request, as Vibe reports them: "Client error '404 Not Found' for url ...".
_STATUS = re.compile(r"(?:Client|Server) error '(\d{3})")
# Vibe's answer to a tool call it cannot run (arguments that are not JSON, a tool it does not have).
INVALID_CALL = "InvalidToolCall"
# Give up on a server that keeps failing well before the spec's time limit (Vibe's default: 300 s).
RETRY_S = 60.0
# How a headless run ended (export.json's `outcome`) that is a failure of its own, not the server's.
OUTCOME_KINDS = {
    "turn_limit": FailureKind.MAX_TURNS,
    "token_limit": FailureKind.MAX_TOKENS,
    "price_limit": FailureKind.MAX_TOKENS,
    "length": FailureKind.OUTPUT_TRUNCATED,
    "deadline": FailureKind.AGENT_TIMEOUT,
    "terminated": FailureKind.AGENT_TIMEOUT,
    "usage_error": FailureKind.HARNESS_ERROR,
    "config_error": FailureKind.HARNESS_ERROR,
    "aborted": FailureKind.HARNESS_ERROR,
    "refusal": FailureKind.HARNESS_ERROR,
}


def vibe_config(endpoint: Endpoint, context_window: int | None, time_s: float) -> dict[str, Any]:
    """The `config.toml` pointing Vibe at the endpoint as its active model, quiet and local."""
    model: dict[str, Any] = {"name": endpoint.name, "provider": PROVIDER, "alias": endpoint.name}
    if context_window is not None:
        model["max_context_length"] = context_window
    return {
        "active_model": endpoint.name,
        "enable_telemetry": False,
        "enable_update_checks": False,
        "enable_auto_update": False,
        "enable_notifications": False,
        "enable_connectors": False,
        "enable_mcp": False,
        "include_commit_signature": False,
        "api_timeout": float(time_s),
        "api_retry_max_elapsed_time": min(RETRY_S, float(time_s)),
        "providers": [
            {
                "name": PROVIDER,
                "api_base": chat_base_url(endpoint),
                "api_key_env_var": KEY_VARIABLE,
                "api_style": "openai",
                "backend": "generic",
            }
        ],
        "models": [model],
    }


def read_export(folder: Path) -> dict[str, Any]:
    """The `export.json` Vibe wrote into its `--output-dir` (empty when it wrote none)."""
    try:
        data = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def invalid_calls(folder: Path) -> list[str]:
    """Vibe's messages for the tool calls it could not run, from the session journal in its `--output-dir`.

    Its streaming output leaves such calls out; the journal keeps what it answered the model.
    """
    found: list[str] = []
    for path in sorted((folder / "session" / "journal").glob("*.jsonl")):
        for record in json_events(path.read_text(encoding="utf-8", errors="replace")):
            _collect_invalid(record, found)
    return list(dict.fromkeys(found))


def _collect_invalid(value: Any, found: list[str]) -> None:
    if isinstance(value, dict):
        if value.get("name") == INVALID_CALL:
            found.append(str(value.get("message") or INVALID_CALL))
        for item in value.values():
            _collect_invalid(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_invalid(item, found)
    elif isinstance(value, str) and INVALID_CALL in value and value.lstrip().startswith("{"):
        # The tool's answer is itself JSON, carried as the text of the tool message.
        try:
            _collect_invalid(json.loads(value), found)
        except ValueError:
            found.append(value)


def vibe_result(done: Completed, export: Mapping[str, Any], invalid: Sequence[str] = ()) -> AgentResult:
    """Read Vibe's streaming entries and its export: transcript, turns, tokens, and why it stopped.

    Args:
        done: The finished process.
        export: Its `export.json` (empty when it wrote none: turns are then counted from the entries).
        invalid: What it answered the tool calls it could not run (`invalid_calls`).
    """
    entries = json_events(done.stdout)
    replies = [e for e in entries if e.get("type") == "message" and e.get("role") == "assistant"]
    effects = [e for e in entries if e.get("type") == "effect"]
    usage: Mapping[str, Any] = export["usage"] if isinstance(export.get("usage"), dict) else {}
    steps = export.get("steps")
    result = AgentResult(
        transcript=[clipped(e) for e in entries],
        turns=steps if isinstance(steps, int) else len(replies) + len(effects),
        tokens_in=int(usage.get("input_tokens") or 0),
        tokens_out=int(usage.get("output_tokens") or 0),
    )
    result.details = {
        "tool_calls": len(effects),
        "invalid_tool_calls": len(invalid),
        "cached_tokens": int(usage.get("cached_input_tokens") or 0),
        "cost_usd": float(export.get("cost_usd") or 0.0),
        "outcome": export.get("outcome"),
        "stop_reason": export.get("stop_reason"),
    }
    result.error, result.failure_kind = _failure(export, effects, replies, invalid, done.stderr)
    return result


def _failure(
    export: Mapping[str, Any],
    effects: Sequence[Mapping[str, Any]],
    replies: Sequence[Mapping[str, Any]],
    invalid: Sequence[str],
    stderr: str,
) -> tuple[str | None, Kind | None]:
    outcome = export.get("outcome")
    error = export.get("error")
    message = str(error.get("message") or "") if isinstance(error, dict) else ""
    if outcome == "infrastructure_failure" or (message and outcome not in OUTCOME_KINDS):
        text = message or _stderr_error(stderr) or "Mistral Vibe's model request failed"
        return text, _error_kind(text)
    if isinstance(outcome, str) and outcome in OUTCOME_KINDS:
        return message or f"Mistral Vibe stopped: {outcome}", OUTCOME_KINDS[outcome]
    if not export and _stderr_error(stderr):
        text = _stderr_error(stderr)
        return text, _error_kind(text)
    if any(_status(e) == "completed" for e in effects):
        return None, None
    bad = [f"Mistral Vibe could not run a tool call: {clipped(_effect_error(e), 200)}" for e in effects]
    bad += [f"Mistral Vibe could not run a tool call: {clipped(text, 200)}" for text in invalid]
    written = [found.group(0) for found in (TEXT_CALL.search(_text(r)) for r in replies) if found]
    bad += [f"the model wrote a tool call as text ({text!r})" for text in written]
    return ("; ".join(dict.fromkeys(bad)), FailureKind.TOOL_FORMAT) if bad else (None, None)


def _error_kind(message: str) -> FailureKind:
    status = _STATUS.search(message)
    return error_kind(message, int(status.group(1)) if status else None)


def _stderr_error(stderr: str) -> str:
    """What follows Vibe's `Error:` on standard error (its report of a failed run), or empty."""
    _, found, rest = stderr.partition("Error: ")
    return rest.strip() if found else ""


def _status(effect: Mapping[str, Any]) -> str:
    state = effect.get("state")
    return str(state.get("status")) if isinstance(state, dict) else ""


def _effect_error(effect: Mapping[str, Any]) -> str:
    state = effect.get("state")
    if isinstance(state, dict):
        return str(state.get("error") or state.get("outputText") or state.get("status") or effect.get("title"))
    return str(effect.get("title"))


def _text(entry: Mapping[str, Any]) -> str:
    content = entry.get("content")
    if isinstance(content, list):
        return "\n".join(str(part.get("text") or "") for part in content if isinstance(part, dict))
    return str(content or "")


@register_agent
class MistralVibeAgent(OpenAIChatHarness):
    """Mistral Vibe (`vibe -p --output streaming`) against an OpenAI-compatible endpoint; see the module docstring."""

    name = "vibe"
    title = "Mistral Vibe"
    cli = CLI
    args_variable = "AGENTSPEC_VIBE_ARGS"

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line: headless, streaming entries, every tool call approved, the workspace trusted."""
        return [
            self.executable,
            "--prompt-file",
            str(write_prompt(task)),
            "--output",
            "streaming",
            "--max-turns",
            str(task.limits.turns),
            "--auto-approve",
            "--trust",
            "--output-dir",
            str(task.scratch / OUTPUT_FOLDER),
            *self.args,
        ]

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """`VIBE_HOME` with the configuration in it, and the API key Vibe reads from its variable."""
        vibe_home = home / ".vibe"
        vibe_home.mkdir(parents=True, exist_ok=True)
        config = vibe_config(endpoint, self.context_window(task), task.limits.time_s)
        (vibe_home / "config.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
        key = os.environ.get("OPENAI_API_KEY") if endpoint.provider == "openai" else None
        return {"VIBE_HOME": str(vibe_home), KEY_VARIABLE: key or "agentspec"}

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Vibe's streaming entries, and the export and session journal it wrote in the scratch folder."""
        folder = task.scratch / OUTPUT_FOLDER
        return vibe_result(done, read_export(folder), invalid_calls(folder))
