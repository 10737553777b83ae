"""The `mini-swe-agent` agents: mini-swe-agent (PyPI `mini-swe-agent`, verified with 2.4.6), run with `mini`.

mini-swe-agent is the bash-only agent loop many papers use as a baseline: every reply of the model is one
shell command (or several), run in a fresh subshell of the workspace, until a command prints
``COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT``. It comes in two forms, one agent each:

- ``mini-swe-agent``: its default config ``mini.yaml``; the command comes as a call of its one ``bash`` tool
  (mini-swe-agent 2's way);
- ``mini-swe-agent-text``: ``mini_textbased.yaml``; the command comes in a fenced block of the reply's text and
  no tools are sent (mini-swe-agent 1's way), so it needs no tool calling from the server at all.

It runs ``mini -y --exit-immediately --agent-class default -c BASE.yaml -c HOME/agentspec.yaml -o TRAJECTORY``
in the attempt's sandbox with a fresh HOME; ``agentspec.yaml`` (JSON, which YAML reads) holds the task, the
model (``openai/NAME`` through litellm, ``api_base`` the endpoint's ``/v1``), the step limit (the spec's
``limits.turns``), no cost limit, and litellm's model registry entry telling it the context window when the
server reported one. ``MSWEA_CONFIGURED`` skips its first-run setup prompt, ``MSWEA_COST_TRACKING`` lets it run
models litellm has no prices for, ``LITELLM_LOCAL_MODEL_COST_MAP`` keeps litellm from downloading its price map,
and ``MSWEA_MODEL_RETRY_STOP_AFTER_ATTEMPT=1`` stops it retrying a refused request for minutes (the OpenAI
client inside litellm still retries transient errors).

Its trajectory (``trajectory.json`` in the scratch folder) gives the turns (``info.model_stats.api_calls``),
the tokens (each model response's ``usage``), the cost, the version and how it ended (``info.exit_status``:
``Submitted``, ``LimitsExceeded``, ``RepeatedFormatError``, or the name of the exception that stopped it, with
``exception_str`` on the last message).

The CLI is ``$AGENTSPEC_MINI_SWE_AGENT`` when set, else ``mini`` on PATH, else
``/opt/mini-swe-agent-venv/bin/mini``. ``$AGENTSPEC_MINI_SWE_AGENT_ARGS`` adds flags, e.g.
``-c environment.timeout=120``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup, install_folder
from agentspec.agents.harness import OpenAIChatHarness, chat_base_url
from agentspec.agents.output import clipped, error_kind
from agentspec.agents.process import home_of
from agentspec.failures import FailureKind, Kind
from agentspec.sandbox import Completed

PACKAGE = "mini-swe-agent"
VERSION = "2.4.6"
VENV = "/opt/mini-swe-agent-venv"
INSTALL = (
    "install it in its own virtual environment: "
    f"`python3 -m venv {VENV} && {VENV}/bin/pip install {PACKAGE}=={VERSION}`"
)
CLI = CliLookup("mini-swe-agent", "AGENTSPEC_MINI_SWE_AGENT", ("mini",), INSTALL, (f"{VENV}/bin/mini",))
TRAJECTORY = "trajectory.json"
OVERRIDES = "agentspec.yaml"
QUIET = {
    "MSWEA_CONFIGURED": "true",
    "MSWEA_SILENT_STARTUP": "1",
    "MSWEA_COST_TRACKING": "ignore_errors",
    "MSWEA_MODEL_RETRY_STOP_AFTER_ATTEMPT": "1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOG": "ERROR",
}
# How mini-swe-agent ended, beyond exceptions: its own exit statuses.
_EXIT_KINDS = {
    "LimitsExceeded": FailureKind.MAX_TURNS,
    "TimeExceeded": FailureKind.AGENT_TIMEOUT,
    "RepeatedFormatError": FailureKind.TOOL_FORMAT,
}
# litellm's exceptions whose kind their class says; others are read from their message.
_EXCEPTION_KINDS = {
    "ContextWindowExceededError": FailureKind.CONTEXT_EXCEEDED,
    "NotFoundError": FailureKind.MODEL_NOT_FOUND,
    "APIConnectionError": FailureKind.BACKEND_ERROR,
    "Timeout": FailureKind.BACKEND_ERROR,
    "InternalServerError": FailureKind.BACKEND_ERROR,
    "ServiceUnavailableError": FailureKind.BACKEND_ERROR,
    "RateLimitError": FailureKind.BACKEND_ERROR,
}


def litellm_model(endpoint: Endpoint) -> str:
    """The model name mini-swe-agent hands litellm: the OpenAI-compatible route, whatever the server."""
    return f"openai/{endpoint.name}"


def mini_overrides(task: AgentTask, endpoint: Endpoint, *, registry: Path | None, text_based: bool) -> dict[str, Any]:
    """The config merged over mini-swe-agent's own: the task, the model at the endpoint, and the limits."""
    model: dict[str, Any] = {
        "model_name": litellm_model(endpoint),
        "model_kwargs": {"api_base": chat_base_url(endpoint), "drop_params": True},
        "cost_tracking": "ignore_errors",
    }
    if text_based:
        model["model_class"] = "litellm_textbased"
    if registry is not None:
        model["litellm_model_registry"] = str(registry)
    return {
        "run": {"task": task.instructions},
        "agent": {"mode": "yolo", "confirm_exit": False, "step_limit": task.limits.turns, "cost_limit": 0},
        "model": model,
    }


def model_registry(endpoint: Endpoint, context_window: int) -> dict[str, Any]:
    """The litellm registry entry for the model: its context window, and no price (local models cost nothing)."""
    return {
        litellm_model(endpoint): {
            "max_input_tokens": context_window,
            FailureKind.MAX_TOKENS: context_window,
            "input_cost_per_token": 0.0,
            "output_cost_per_token": 0.0,
            "litellm_provider": "openai",
            "mode": "chat",
        }
    }


def read_trajectory(path: Path) -> dict[str, Any] | None:
    """The trajectory mini-swe-agent saved, or None when it saved none (it could not start)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def mini_result(trajectory: Mapping[str, Any] | None, done: Completed) -> AgentResult:
    """Read mini-swe-agent's trajectory: transcript, turns, tokens, cost, and why it stopped."""
    if trajectory is None:
        # A non-zero exit is reported with its standard error by the caller; a clean one must say what is missing.
        missing = "mini-swe-agent exited without saving its trajectory"
        return (
            AgentResult()
            if done.returncode != 0
            else AgentResult(error=missing, failure_kind=FailureKind.HARNESS_ERROR)
        )
    info = _mapping(trajectory.get("info"))
    stats = _mapping(info.get("model_stats"))
    messages = [m for m in trajectory.get("messages") or [] if isinstance(m, dict)]
    usages = [_mapping(_mapping(_extra(m).get("response")).get("usage")) for m in messages]
    usages = [u for u in usages if u]
    result = AgentResult(
        transcript=[_shown(m) for m in messages],
        turns=int(stats.get("api_calls") or len(usages)),
        tokens_in=sum(int(u.get("prompt_tokens") or 0) for u in usages),
        tokens_out=sum(int(u.get("completion_tokens") or 0) for u in usages),
    )
    status = str(info.get("exit_status") or "")
    result.details = {
        "version": str(info.get("mini_version") or "unknown"),
        "exit_status": status or None,
        "cost_usd": float(stats.get("instance_cost") or 0.0),
        "commands": sum(len(_extra(m).get("actions") or []) for m in messages if m.get("role") == "assistant"),
        "format_errors": sum(1 for m in messages if _extra(m).get("interrupt_type") == "FormatError"),
    }
    result.error, result.failure_kind = _failure(status, messages, result.turns)
    return result


def _failure(status: str, messages: Sequence[Mapping[str, Any]], turns: int) -> tuple[str | None, Kind | None]:
    if status in ("", "Submitted"):
        return None, None
    last = _extra(messages[-1]) if messages else {}
    if status in _EXIT_KINDS:
        reasons = {
            "LimitsExceeded": f"mini-swe-agent stopped at its step limit after {turns} model calls",
            "TimeExceeded": "mini-swe-agent stopped at its time limit",
            "RepeatedFormatError": "the model's replies did not fit mini-swe-agent's action format "
            f"{_format_errors_in_a_row(messages)} times in a row: {_last_format_error(messages)}",
        }
        return reasons[status], _EXIT_KINDS[status]
    message = str(last.get("exception_str") or status)
    if status in _EXCEPTION_KINDS:
        kind = _EXCEPTION_KINDS[status]
        return f"{status}: {message}", FailureKind.TOOL_FORMAT if error_kind(
            message
        ) == FailureKind.TOOL_FORMAT else kind
    if message.startswith("litellm.") or "Exception - " in message:
        return f"{status}: {message}", error_kind(message)
    return f"mini-swe-agent stopped on {status}: {message}", FailureKind.HARNESS_ERROR


def _format_errors_in_a_row(messages: Sequence[Mapping[str, Any]]) -> int:
    count = 0
    for message in reversed(messages):
        if message.get("role") == "exit":
            continue
        if _extra(message).get("interrupt_type") != "FormatError":
            break
        count += 1
    return count


def _last_format_error(messages: Sequence[Mapping[str, Any]]) -> str:
    errors = [m for m in messages if _extra(m).get("interrupt_type") == "FormatError"]
    text = str(errors[-1].get("content") or "") if errors else ""
    inside = text.split("<error>", 1)[-1].split("</error>", 1)[0]
    return " ".join(inside.split())[:300] or "no action found"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _extra(message: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(message.get("extra"))


def _shown(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message for the transcript: role, text, tool calls and how it ended, without the raw response."""
    shown: dict[str, Any] = {"role": message.get("role"), "content": message.get("content")}
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        shown["tool_calls"] = [_mapping(c).get("function") for c in calls]
    extra = _extra(message)
    for key in ("returncode", "exit_status", "interrupt_type", "exception_str"):
        if extra.get(key) not in (None, ""):
            shown[key] = extra[key]
    cut: dict[str, Any] = clipped(shown)
    return cut


@register_agent
class MiniSweAgent(OpenAIChatHarness):
    """mini-swe-agent (`mini`) with its `bash` tool against an OpenAI-compatible endpoint; see the module docstring."""

    name = "mini-swe-agent"
    title = "mini-swe-agent"
    cli = CLI
    args_variable = "AGENTSPEC_MINI_SWE_AGENT_ARGS"
    # mini-swe-agent's config the agent starts from, and whether its model reads commands from text.
    base_config: ClassVar[str] = "mini.yaml"
    text_based: ClassVar[bool] = False

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line; the task and the model are in the config written by `settings`."""
        return [
            self.executable,
            "--yolo",
            "--exit-immediately",
            "--agent-class",
            "default",
            "-c",
            self.base_config,
            "-c",
            str(home_of(task) / OVERRIDES),
            "-o",
            str(task.scratch / TRAJECTORY),
            *self.args,
        ]

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """The config file in HOME, and the switches that keep mini-swe-agent and litellm quiet and local."""
        window = self.context_window(task)
        registry = None
        if window is not None:
            registry = home / "litellm-models.json"
            registry.write_text(json.dumps(model_registry(endpoint, window)), encoding="utf-8")
        overrides = mini_overrides(task, endpoint, registry=registry, text_based=self.text_based)
        # JSON is YAML, and mini-swe-agent finds config files by their `.yaml` suffix.
        (home / OVERRIDES).write_text(json.dumps(overrides, ensure_ascii=False, indent=1), encoding="utf-8")
        key = os.environ.get("OPENAI_API_KEY") if endpoint.provider == "openai" else None
        return {
            **QUIET,
            "MSWEA_GLOBAL_CONFIG_DIR": str(home / ".config" / "mini-swe-agent"),
            "OPENAI_API_KEY": key or "agentspec",
        }

    async def version(self, task: AgentTask) -> str:
        """The installed package's version: `mini` has no `--version`."""
        return installed_version(self.executable)

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """mini-swe-agent's trajectory file."""
        return mini_result(read_trajectory(task.scratch / TRAJECTORY), done)


@register_agent
class MiniSweAgentText(MiniSweAgent):
    """mini-swe-agent reading one fenced command from each reply's text, with no tools sent."""

    name = "mini-swe-agent-text"
    title = "mini-swe-agent (text-based)"
    base_config = "mini_textbased.yaml"
    text_based = True
    uses_tools = False


def installed_version(executable: str) -> str:
    """The version of the mini-swe-agent package in the virtual environment `executable` belongs to."""
    venv = install_folder(executable)
    for site in sorted(venv.glob("lib/python*/site-packages")):
        for found in importlib.metadata.distributions(name=PACKAGE, path=[str(site)]):
            return found.version
    return "unknown"
