"""The `claude-code` agent: the real Claude Code CLI, run non-interactively on the workspace.

It runs ``claude -p --output-format stream-json --verbose --model NAME --permission-mode
bypassPermissions --max-turns TURNS --no-session-persistence`` with the prompt on standard input, in the
attempt's sandbox, pointed at the model server with ``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_AUTH_TOKEN``.
Every model slot Claude Code knows (its main model, the "haiku" model it uses for small side requests,
sub-agents) is the model under test, so nothing asks the server for a model it does not have. It runs
with ``IS_SANDBOX=1`` (so bypassing permissions is allowed as root), telemetry, error reporting, the
auto-updater and all non-essential traffic off, and its own HOME and ``CLAUDE_CONFIG_DIR`` in the
attempt's scratch folder.

Models: ``anthropic/NAME`` (any Anthropic Messages server: ``agentspec serve``, vLLM's ``/v1/messages``,
Anthropic itself), ``ollama/NAME`` (Ollama >= 0.14 speaks the Anthropic Messages API on its own port) and
``openai/NAME`` (vLLM: the OpenAI base URL's trailing ``/v1`` is dropped, since vLLM serves
``/v1/messages`` beside ``/v1/chat/completions``).

The CLI is ``$AGENTSPEC_CLAUDE`` when set, else ``claude`` on PATH. ``$AGENTSPEC_CLAUDE_ARGS`` adds flags.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup
from agentspec.agents.harness import HarnessAgent
from agentspec.agents.output import TEXT_CALL, clipped, error_kind, json_events, tail
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed

INSTALL = "install it with `npm install -g @anthropic-ai/claude-code` (Node.js 18 or newer)"
CLI = CliLookup("Claude Code", "AGENTSPEC_CLAUDE", ("claude",), INSTALL)
MODEL_VARIABLES = (
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "CLAUDE_CODE_SUBAGENT_MODEL",
)
CONTEXT_VARIABLES = ("CLAUDE_CODE_MAX_CONTEXT_TOKENS", "CLAUDE_CODE_AUTO_COMPACT_WINDOW")
QUIET = {
    "IS_SANDBOX": "1",
    "DISABLE_TELEMETRY": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_BUG_COMMAND": "1",
    "DISABLE_COST_WARNINGS": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}
# Claude Code's answers to a call it cannot run: a tool it does not have, arguments that are not JSON.
BAD_CALL = re.compile(r"No such tool available|InputValidationError|could not be parsed as JSON", re.IGNORECASE)


def anthropic_base_url(endpoint: Endpoint) -> str:
    """Where Claude Code sends `/v1/messages` for this endpoint."""
    if endpoint.provider in {"openai", "responses"}:
        return re.sub(r"/v1/?$", "", endpoint.base_url)
    return endpoint.base_url


def auth_env(endpoint: Endpoint) -> dict[str, str]:
    """The credentials: the user's Anthropic key for Anthropic's API, else a bearer token local servers ignore."""
    key = os.environ.get("ANTHROPIC_API_KEY")
    if endpoint.provider == "anthropic" and key:
        return {"ANTHROPIC_API_KEY": key}
    return {"ANTHROPIC_AUTH_TOKEN": os.environ.get("ANTHROPIC_AUTH_TOKEN") or "agentspec", "ANTHROPIC_API_KEY": ""}


def claude_result(done: Completed) -> AgentResult:
    """Read Claude Code's stream-json output: transcript, turns, tokens, and why it stopped."""
    events = json_events(done.stdout)
    final = next((e for e in reversed(events) if e.get("type") == "result"), None)
    transcript = [_brief(e) for e in events]
    assistant = [e for e in events if e.get("type") == "assistant"]
    if final is None:
        result = AgentResult(transcript=transcript, turns=len({_message_id(e) for e in assistant}))
        result.tokens_in, result.tokens_out = _tokens([_usage(e.get("message")) for e in assistant])
        if done.returncode not in (0, None) and not done.timed_out:
            result.error = f"Claude Code exited with status {done.returncode} without a result: {tail(done.stderr, 8)}"
            if "native binary not installed" in done.stderr:
                result.error += f"\nIts native binary is missing; {INSTALL} (npm must run its postinstall script)"
            result.failure_kind = FailureKind.HARNESS_ERROR
        return result
    result = AgentResult(transcript=transcript, turns=int(final.get("num_turns") or 0))
    result.tokens_in, result.tokens_out = _tokens([_usage(final)])
    keys = ("subtype", "is_error", "api_error_status", "terminal_reason", "stop_reason", "num_turns")
    result.details = {k: final.get(k) for k in (*keys, "duration_ms", "duration_api_ms", "total_cost_usd")}
    result.details["model_usage"] = final.get("modelUsage") or {}
    result.details["permission_denials"] = len(final.get("permission_denials") or [])
    result.error, result.failure_kind = _failure(final, events)
    return result


def _failure(final: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> tuple[str | None, FailureKind | None]:
    errors = [str(e) for e in final.get("errors") or []]
    message = "; ".join(errors) or str(final.get("result") or "")
    subtype = final.get("subtype")
    if subtype == "error_max_turns" or final.get("terminal_reason") == "max_turns":
        return message or "Claude Code reached its turn limit", FailureKind.MAX_TURNS
    if final.get("is_error") or (isinstance(subtype, str) and subtype.startswith("error")):
        status = final.get("api_error_status")
        if (
            isinstance(status, int)
            or message.startswith("API Error")
            or final.get("terminal_reason") == "prompt_too_long"
        ):
            return message, error_kind(message, status if isinstance(status, int) else None)
        if error_kind(message) == FailureKind.CONTEXT_EXCEEDED:
            # Its own prompt and tools did not fit the window it was told ("Prompt is too long").
            return message, FailureKind.CONTEXT_EXCEEDED
        return message or f"Claude Code ended with {subtype}", FailureKind.HARNESS_ERROR
    problem = _tool_format_problem(events)
    return (problem, FailureKind.TOOL_FORMAT) if problem else (None, None)


def _tool_format_problem(events: Sequence[Mapping[str, Any]]) -> str | None:
    """What shows the model could not make a tool call Claude Code can run, if no call of it ever ran."""
    problems: list[str] = []
    ran = False
    for event in events:
        for block in _blocks(event):
            if block.get("type") == "text" and event.get("type") == "assistant":
                found = TEXT_CALL.search(str(block.get("text", "")))
                if found:
                    problems.append(f"the model wrote a tool call as text ({found.group(0)!r})")
            elif block.get("type") == "tool_result":
                content = json.dumps(block.get("content"))
                if block.get("is_error") and BAD_CALL.search(content):
                    problems.append(f"Claude Code could not run a tool call: {clipped(content, 200)}")
                else:
                    ran = True
    return None if ran or not problems else "; ".join(dict.fromkeys(problems))


def _blocks(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    message = event.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _brief(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event for the transcript: long texts clipped; the init event without its long lists."""
    if event.get("type") == "system" and event.get("subtype") == "init":
        keep = ("type", "subtype", "model", "cwd", "claude_code_version", "permissionMode", "session_id")
        return {k: event[k] for k in keep if k in event} | {"tools": len(event.get("tools") or [])}
    brief: dict[str, Any] = clipped(dict(event))
    return brief


def _message_id(event: Mapping[str, Any]) -> str:
    message = event.get("message")
    return str(message.get("id")) if isinstance(message, dict) else ""


def _usage(holder: Any) -> Mapping[str, Any]:
    usage = holder.get("usage") if isinstance(holder, dict) else None
    return usage if isinstance(usage, dict) else {}


def _tokens(usages: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    prompt = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    tokens_in = sum(int(u.get(k) or 0) for u in usages for k in prompt)
    return tokens_in, sum(int(u.get("output_tokens") or 0) for u in usages)


@register_agent
class ClaudeCodeAgent(HarnessAgent):
    """Claude Code (`claude -p`), pointed at the model server; see the module docstring."""

    name = "claude-code"
    title = "Claude Code"
    cli = CLI
    args_variable = "AGENTSPEC_CLAUDE_ARGS"

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line (the prompt goes on standard input)."""
        return [
            self.executable,
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--model",
            endpoint.name,
            "--permission-mode",
            "bypassPermissions",
            "--max-turns",
            str(task.limits.turns),
            "--no-session-persistence",
            *self.args,
        ]

    def protocol(self, endpoint: Endpoint) -> str:
        """Claude Code speaks only Anthropic Messages, whatever the provider."""
        return "anthropic-messages"

    def server_url(self, endpoint: Endpoint) -> str:
        """Where `/v1/messages` goes."""
        return anthropic_base_url(endpoint)

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """The server, the credentials and every model slot, quiet mode, a request timeout, the context window."""
        window = self.context_window(task)
        # Claude Code assumes 200k tokens for a model it does not know; tell it the served window instead.
        context = dict.fromkeys(CONTEXT_VARIABLES, str(window)) if window else {}
        return {
            **context,
            **QUIET,
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "ANTHROPIC_BASE_URL": anthropic_base_url(endpoint),
            **auth_env(endpoint),
            **dict.fromkeys(MODEL_VARIABLES, endpoint.name),
            "API_TIMEOUT_MS": str(int(task.limits.time_s * 1000)),
        }

    def stdin(self, task: AgentTask) -> str | None:
        """The prompt."""
        return task.instructions

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Claude Code's stream-json output."""
        return claude_result(done)
