"""The `aider` agent: the real aider CLI, sent the task as one message, editing the workspace.

It runs ``aider --message-file PROMPT --yes-always --no-git --map-tokens 0 ...`` in the attempt's sandbox
with the spec's starter files added to the chat and its visible tests added read-only. aider's history
files and its HOME live in the attempt's scratch folder, so the workspace holds only what the model
wrote. aider picks its edit format for the model as it always does (``whole`` for models it does not
know); ``$AGENTSPEC_AIDER_ARGS`` adds flags such as ``--edit-format diff`` or ``--auto-test --test-cmd
'python -m pytest -q'``.

Models: ``ollama/NAME`` becomes ``ollama_chat/NAME`` with ``OLLAMA_API_BASE``; ``openai/NAME`` becomes
``openai/NAME`` with ``--openai-api-base``; ``anthropic/NAME`` becomes ``anthropic/NAME`` with
``ANTHROPIC_API_BASE``. Keys come from the user's environment, else a placeholder local servers ignore.

aider exits 0 even when the model fails, so the grade judges the attempt. Its output still tells some
failures apart: a model server error it gave up on (model not found, context exceeded, backend error),
replies that never fit its edit format (``tool_format``). Its token report ("Tokens: 2.1k sent, 508
received.") is summed; each model reply in its LLM history counts as a turn. aider has no turn limit:
one message makes at most four requests (three reflections).

The CLI is ``$AGENTSPEC_AIDER`` when set, else ``aider`` on PATH, else ``/opt/aider-venv/bin/aider``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from agentspec.agents.base import AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.cli import CliLookup
from agentspec.agents.harness import HarnessAgent
from agentspec.agents.output import clipped, error_kind
from agentspec.agents.process import write_prompt
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed

INSTALL = (
    "install it in its own virtual environment: "
    "`python3 -m venv /opt/aider-venv && /opt/aider-venv/bin/pip install aider-chat`"
)
VENV_AIDER = "/opt/aider-venv/bin/aider"
CLI = CliLookup("aider", "AGENTSPEC_AIDER", ("aider",), INSTALL, (VENV_AIDER,))
FLAGS = (
    "--yes-always",
    "--no-git",
    "--no-gitignore",
    "--no-check-update",
    "--analytics-disable",
    "--no-show-release-notes",
    "--no-pretty",
    "--no-stream",
    "--no-fancy-input",
    "--no-show-model-warnings",
    "--no-detect-urls",
    "--no-suggest-shell-commands",
    "--disable-playwright",
    "--map-tokens",
    "0",
)
COST_MAP = "model_prices_and_context_window.json"
_TOKENS = re.compile(r"^Tokens: ([\d.]+[kM]?) sent, (?:.*?, )?([\d.]+[kM]?) received\.", re.MULTILINE)
_ERROR = re.compile(r"^(?:litellm\.)?\w*(?:Error|Exception)\b:? .*$", re.MULTILINE)
_APPLIED = re.compile(r"^Applied edit to (.+)$", re.MULTILINE)
_NONCONFORMING = "did not conform to the edit format"
_HEADER = re.compile(r"^(TO LLM|LLM RESPONSE) (\S+)$", re.MULTILINE)


def aider_model(endpoint: Endpoint) -> tuple[str, list[str], dict[str, str]]:
    """The model name aider gets for the endpoint, the flags and the environment that point it at the server."""
    base = endpoint.base_url
    if endpoint.provider == "ollama":
        return f"ollama_chat/{endpoint.name}", [], {"OLLAMA_API_BASE": base}
    if endpoint.provider in {"openai", "responses"}:
        key = os.environ.get("OPENAI_API_KEY") or "agentspec"
        return f"openai/{endpoint.name}", ["--openai-api-base", base], {"OPENAI_API_KEY": key}
    key = os.environ.get("ANTHROPIC_API_KEY") or "agentspec"
    return f"anthropic/{endpoint.name}", [], {"ANTHROPIC_API_BASE": base, "ANTHROPIC_API_KEY": key}


def model_metadata(endpoint: Endpoint, context_window: int) -> dict[str, Any]:
    """Litellm's model info for aider's `--model-metadata-file`: the served context window."""
    provider = {"ollama": "ollama_chat"}.get(endpoint.provider, endpoint.provider)
    return {
        "max_input_tokens": context_window,
        "max_tokens": context_window,
        "max_output_tokens": min(8192, context_window // 4),
        "litellm_provider": provider,
        "mode": "chat",
    }


def tokens(text: str) -> int:
    """A count as aider prints it: `508`, `2.1k`, `25k`, `1.2M`."""
    scale = {"k": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return round(float(text.rstrip("kM")) * scale)


def llm_history(path: Path) -> list[dict[str, Any]]:
    """The LLM history file aider wrote, as transcript entries: each request's size, each reply's text."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    heads = list(_HEADER.finditer(text))
    entries: list[dict[str, Any]] = []
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        body = text[head.end() : after.start() if after else len(text)].strip("\n")
        if head.group(1) == "TO LLM":
            entries.append({"type": "request", "time": head.group(2), "chars": len(body)})
        else:
            reply = "\n".join(line.removeprefix("ASSISTANT ").removeprefix("ASSISTANT") for line in body.splitlines())
            entries.append({"type": "reply", "time": head.group(2), "text": clipped(reply)})
    return entries


def aider_result(done: Completed, history: Path) -> AgentResult:
    """Read aider's output and LLM history: tokens, turns, edits, and a failure it reported at the end."""
    out = done.stdout
    transcript = llm_history(history)
    reports = list(_TOKENS.finditer(out))
    applied = [m.group(1).strip() for m in _APPLIED.finditer(out)]
    result = AgentResult(
        transcript=transcript,
        turns=sum(1 for e in transcript if e["type"] == "reply") or len(reports),
        tokens_in=sum(tokens(m.group(1)) for m in reports),
        tokens_out=sum(tokens(m.group(2)) for m in reports),
        details={"applied": applied, "output": clipped(out, 20_000)},
    )
    last_report = reports[-1].end() if reports else 0
    errors = [m.group(0) for m in _ERROR.finditer(out, last_report)]
    if errors:
        # The last request failed and aider gave up on it: that is what stopped the attempt.
        result.error = errors[-1].strip()
        result.failure_kind = error_kind(result.error)
    elif _NONCONFORMING in out and not applied:
        result.error = "the model's replies never fit aider's edit format, so no edit was applied"
        result.failure_kind = FailureKind.TOOL_FORMAT
    return result


def seed_cost_map(executable: str, home: Path) -> None:
    """Give aider its model-info cache from the litellm it ships with, so it does not download one."""
    cache = home / ".aider" / "caches"
    cache.mkdir(parents=True, exist_ok=True)
    venv = Path(executable).resolve().parent.parent
    bundled = sorted(venv.glob("lib/python3*/site-packages/litellm/model_prices_and_context_window_backup.json"))
    if bundled:
        shutil.copyfile(bundled[-1], cache / COST_MAP)
    else:
        # Not empty: aider downloads the map again whenever its cache is empty.
        (cache / COST_MAP).write_text('{"agentspec": {}}', encoding="utf-8")


@register_agent
class AiderAgent(HarnessAgent):
    """aider (`aider --message-file`), pointed at the model server; see the module docstring."""

    name = "aider"
    title = "aider"
    uses_tools = False
    cli = CLI
    args_variable = "AGENTSPEC_AIDER_ARGS"

    def aider_command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line: flags, then the starter files to edit and the visible tests to read."""
        model, model_flags, _ = aider_model(endpoint)
        scratch = task.scratch
        files = [f.path for f in task.spec.files if (task.workspace / f.path).is_file()]
        tests = [t.path for t in task.spec.tests if not t.hidden and (task.workspace / t.path).is_file()]
        return [
            self.executable,
            "--model",
            model,
            *model_flags,
            "--message-file",
            str(write_prompt(task)),
            *FLAGS,
            "--timeout",
            f"{task.limits.time_s:g}",
            "--chat-history-file",
            str(scratch / "aider.chat.history.md"),
            "--input-history-file",
            str(scratch / "aider.input.history"),
            "--llm-history-file",
            str(scratch / "aider.llm.history"),
            "--env-file",
            str(scratch / "aider.env"),
            *self.args,
            *files,
            *(arg for test in tests for arg in ("--read", test)),
        ]

    def protocol(self, endpoint: Endpoint) -> str:
        """The endpoint's own protocol, which aider speaks through litellm."""
        return {"ollama": "ollama-chat", "openai": "openai-chat", "anthropic": "anthropic-messages"}.get(
            endpoint.provider, endpoint.provider
        )

    def command(self, task: AgentTask, endpoint: Endpoint) -> list[str]:
        """The command line, with a model metadata file telling aider the served context window when known."""
        argv = self.aider_command(task, endpoint)
        window = self.context_window(task)
        if window:
            model, _, _ = aider_model(endpoint)
            metadata = task.scratch / "aider.model.metadata.json"
            metadata.write_text(json.dumps({model: model_metadata(endpoint, window)}), encoding="utf-8")
            argv[1:1] = ["--model-metadata-file", str(metadata)]
        return argv

    def settings(self, task: AgentTask, endpoint: Endpoint, home: Path) -> dict[str, str]:
        """The server's variables, with HOME seeded with the model-info cache."""
        seed_cost_map(self.executable, home)
        _, _, server = aider_model(endpoint)
        # COLUMNS: aider wraps its output to the terminal's width, which would split the lines we read.
        return {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "COLUMNS": "4000", **server}

    @staticmethod
    def parse(done: Completed, task: AgentTask) -> AgentResult:
        """Read aider's output and its LLM history file."""
        return aider_result(done, task.scratch / "aider.llm.history")
