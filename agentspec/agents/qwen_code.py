"""The `qwen-code` agent: Qwen Code (npm `@qwen-code/qwen-code`, verified with 0.24.4), run headless.

It runs ``qwen --output-format stream-json --approval-mode yolo --max-session-turns TURNS`` with the prompt
on standard input, in the attempt's sandbox, its HOME fresh in the attempt's scratch folder. Its settings
are a file in that HOME named by ``QWEN_CODE_SYSTEM_SETTINGS_PATH``: the system level, which overrides the
user's and any ``.qwen/settings.json`` in the workspace. They declare the endpoint as the only model under
``modelProviders.openai`` (chat completions at the endpoint's ``baseUrl``, the key read from
``$AGENTSPEC_QWEN_API_KEY``), select that auth type and model (so no ``/auth`` prompt), hand it the context
window the server reported (``generationConfig.contextWindowSize``: Qwen Code also shrinks its
``max_tokens`` to fit it, else it asks for 32000), and turn off usage statistics, telemetry, the update
check, and the background memory agents that would send requests of their own.

Models: ``openai/NAME`` (vLLM, llama.cpp, ``agentspec serve``) and ``ollama/NAME`` (Ollama's
OpenAI-compatible ``/v1``).

Its stream-json events (one JSON object a line, Claude Code's shapes): ``system`` ``init`` (the tools:
``run_shell_command``, ``write_file``, ``edit``, ``read_file``...), ``assistant`` (one per model answer, with
``tool_use`` blocks and ``usage``), ``user`` (``tool_result`` blocks, ``is_error`` for a call it could not
run), and last ``result`` (``num_turns``, ``usage`` summed over the run, ``is_error``, and
``error.message`` such as ``[API Error: 404 ...]``). At its turn limit it prints no ``result`` and exits
with status 53. Arguments that are not valid JSON it repairs (``jsonrepair``) and runs. It reports no cost.

The CLI is ``$AGENTSPEC_QWEN_CODE`` when set, else ``qwen`` on PATH. ``$AGENTSPEC_QWEN_CODE_ARGS`` adds
flags.
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
from agentspec.agents.harness import OpenAIChatHarness, chat_base_url
from agentspec.agents.output import TEXT_CALL, clipped, error_kind, json_events, tail
from agentspec.failures import FailureKind, Kind
from agentspec.sandbox import Completed

VERSION = "0.24.4"
INSTALL = f"install it with `npm install -g @qwen-code/qwen-code@{VERSION}`"
CLI = CliLookup("Qwen Code", "AGENTSPEC_QWEN_CODE", ("qwen",), INSTALL)
KEY_VARIABLE = "AGENTSPEC_QWEN_API_KEY"
SETTINGS_VARIABLE = "QWEN_CODE_SYSTEM_SETTINGS_PATH"
QUIET = {"QWEN_CODE_SUPPRESS_YOLO_WARNING": "1"}
# Its exit status when --max-session-turns ran out (it prints no result event then).
TURN_LIMIT_STATUS = 53
_STATUS = re.compile(r"API Error: (\d{3})\b")
# Its own refusal before sending a prompt larger than the context window it was told.
_CONTEXT_REFUSED = re.compile(r"Context is too large to send", re.IGNORECASE)
# Its answers to a call it cannot run: a tool it does not have, arguments its schema rejects.
BAD_CALL = re.compile(r"not found in registry|Invalid parameters provided", re.IGNORECASE)


def qwen_settings(endpoint: Endpoint, context_window: int | None) -> dict[str, Any]:
    """The user settings pointing Qwen Code at the endpoint as its only model (keys as its schema names them)."""
    model: dict[str, Any] = {
        "id": endpoint.name,
        "name": endpoint.name,
        "baseUrl": chat_base_url(endpoint),
        "envKey": KEY_VARIABLE,
    }
    if context_window is not None:
        # Read only here for a provider's model (Qwen Code warns that `model.generationConfig` is ignored).
        model["generationConfig"] = {"contextWindowSize": context_window}
    return {
        "modelProviders": {"openai": [model]},
        "security": {"auth": {"selectedType": "openai"}},
        "model": {"name": endpoint.name},
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "general": {"enableAutoUpdate": False, "preventSystemSleep": False},
        "memory": {"enableManagedAutoMemory": False, "enableManagedAutoDream": False},
    }


def qwen_result(done: Completed) -> AgentResult:
    """Read Qwen Code's stream-json events: transcript, turns, tokens, and why it stopped."""
    events = json_events(done.stdout)
    final = next((e for e in reversed(events) if e.get("type") == "result"), None)
    answers = [e["message"] for e in events if e.get("type") == "assistant" and isinstance(e.get("message"), dict)]
    blocks = [b for e in events for b in _blocks(e)]
    results = [b for b in blocks if b.get("type") == "tool_result"]
    result = AgentResult(transcript=[clipped(e) for e in events if e.get("type") != "stream_event"])
    usages = [_usage(final)] if final is not None else [_usage(m) for m in answers]
    result.tokens_in = sum(int(u.get("input_tokens") or 0) for u in usages)
    result.tokens_out = sum(int(u.get("output_tokens") or 0) for u in usages)
    result.turns = int(final.get("num_turns") or 0) if final is not None else len({m.get("id") for m in answers})
    result.details = {
        "tool_calls": sum(1 for b in blocks if b.get("type") == "tool_use"),
        "tool_errors": sum(1 for b in results if b.get("is_error")),
        "cached_tokens": sum(int(u.get("cache_read_input_tokens") or 0) for u in usages),
        **({k: final.get(k) for k in ("subtype", "is_error", "duration_ms", "duration_api_ms")} if final else {}),
    }
    result.error, result.failure_kind = _failure(done, final, answers, results)
    return result


def _failure(
    done: Completed,
    final: Mapping[str, Any] | None,
    answers: Sequence[Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]],
) -> tuple[str | None, Kind | None]:
    if final is None:
        if done.returncode == TURN_LIMIT_STATUS:
            return tail(done.stderr, 3) or "Qwen Code reached its turn limit", FailureKind.MAX_TURNS
        return None, None  # how the process ended says the rest (`ended`)
    if final.get("is_error"):
        error = final.get("error")
        message = str(error.get("message") if isinstance(error, dict) else error or final.get("subtype"))
        if _CONTEXT_REFUSED.search(message):
            return message, FailureKind.CONTEXT_EXCEEDED
        status = _STATUS.search(message)
        if status is not None:
            return message, error_kind(message, int(status.group(1)))
        return message, FailureKind.HARNESS_ERROR
    if any(not b.get("is_error") for b in results):
        return None, None
    bad = [
        f"Qwen Code could not run a tool call: {clipped(_text(b.get('content')), 200)}"
        for b in results
        if BAD_CALL.search(_text(b.get("content")))
    ]
    texts = [str(b.get("text")) for m in answers for b in _content(m) if b.get("type") == "text"]
    written = [found.group(0) for found in map(TEXT_CALL.search, texts) if found]
    bad += [f"the model wrote a tool call as text ({text!r})" for text in written]
    return ("; ".join(dict.fromkeys(bad)), FailureKind.TOOL_FORMAT) if bad else (None, None)


def _usage(holder: Mapping[str, Any]) -> Mapping[str, Any]:
    usage = holder.get("usage")
    return usage if isinstance(usage, dict) else {}


def _content(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _blocks(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    message = event.get("message")
    return _content(message) if event.get("type") in {"assistant", "user"} and isinstance(message, dict) else []


def _text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content)


@register_agent
class QwenCodeAgent(OpenAIChatHarness):
    """Qwen Code (`qwen --output-format stream-json`) against a chat completions endpoint; see the module docstring."""

    name = "qwen-code"
    title = "Qwen Code"
    cli = CLI
    args_variable = "AGENTSPEC_QWEN_CODE_ARGS"

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line (the prompt goes on standard input)."""
        return [
            self.executable,
            "--output-format",
            "stream-json",
            "--approval-mode",
            "yolo",
            "--max-session-turns",
            str(task.limits.turns),
            *self.args,
        ]

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """Its settings file in the fresh HOME, and the key Qwen Code sends (local servers ignore it)."""
        path = home / "qwen-settings.json"
        path.write_text(json.dumps(qwen_settings(endpoint, self.context_window(task)), indent=2), encoding="utf-8")
        key = os.environ.get("OPENAI_API_KEY") if endpoint.provider == "openai" else None
        return {**QUIET, SETTINGS_VARIABLE: str(path), KEY_VARIABLE: key or "agentspec"}

    def stdin(self, task: AgentTask) -> str | None:
        """The prompt: headless Qwen Code reads it from standard input when no argument gives one."""
        return task.instructions

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Qwen Code's stream-json events."""
        return qwen_result(done)
