"""The `builtin` agent: agentspec's own tool-calling loop over a model API (Ollama, OpenAI-style, Anthropic).

Each turn sends the conversation, runs the tool calls the model makes (in the sandbox, on the
workspace only), and sends the results back, until the model answers without a tool call or a
limit (turns, wall time, tokens) is reached. A malformed call (written as plain text, arguments that
are not JSON, an unknown tool) gets an error result and the loop goes on; a model that never makes a
well-formed call again ends as `tool_format`. A reply cut off at max_tokens is never taken as the
answer: the model is told and goes on, and replies cut off twice in a row end as `output_truncated`.
Every turn is recorded: request time, time to first token, tokens (the cached part of the prompt
too), text, tool calls and their results (clipped).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from agentspec.agents.base import Agent, AgentResult, AgentTask, Endpoint, register_agent
from agentspec.agents.tools import TOOL_NAMES, TOOL_SPECS, Toolbox, clip
from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers import BackendInfo, Message, Provider, ProviderSettings, Reply, provider_for, require_tools

SYSTEM_PROMPT = """\
You are a careful software engineer working in a project folder (the workspace).
Use the tools to look at the files, change them, and run the tests: list_files, read_file,
write_file, edit_file, run_tests (the task's tests with pytest) and run_shell (a shell command in
the workspace, without network). Paths are relative to the workspace root.
Call tools through the tool-calling interface, never by writing them in your message.
Do not change the test files. When the task is done, reply with a short summary and no tool call.
"""
TRUNCATION_NUDGE = (
    "Your last reply was cut off at the output limit ({limit} tokens), so it was not finished{lost}. "
    "Continue, in shorter replies: write a big file in several edits rather than one call."
)
FORMAT_NUDGE = (
    "Your last message contains a tool call written as text ({marker}), so nothing was run. "
    "Call the tools through the tool-calling interface (a function call), not in the message text."
)
_TEXT_CALL = re.compile(
    r"<tool_call>|</tool_call>|\[TOOL_CALLS\]|<function=|<\|python_tag\|>|<invoke name=|<tool_use>|"
    r'"name"\s*:\s*"(?:' + "|".join(TOOL_NAMES) + r')"|\b(?:' + "|".join(TOOL_NAMES) + r")\s*\(\s*\w+\s*=",
)


def text_tool_call(text: str) -> str | None:
    """The marker of a tool call written as plain text in `text`, or None."""
    found = _TEXT_CALL.search(text)
    return found.group(0) if found else None


@dataclass(frozen=True)
class BuiltinOptions:
    """How the builtin agent behaves beyond the spec's limits.

    Attributes:
        max_format_errors: Turns in a row with malformed tool calls before the attempt ends as `tool_format`.
        max_truncations: Replies in a row cut off at max_tokens before the attempt ends as `output_truncated`.
        shell_timeout_s: Longest run of one `run_shell` command.
        tool_output_chars: Tool results are clipped to this many characters for the model.
        transcript_chars: Texts and tool results are clipped to this many characters in the transcript.
        system_prompt: The system message.
    """

    max_format_errors: int = 3
    max_truncations: int = 2
    shell_timeout_s: float = 120.0
    tool_output_chars: int = 30_000
    transcript_chars: int = 2_000
    system_prompt: str = SYSTEM_PROMPT


@dataclass
class _Progress:
    """What one attempt's loop has done so far."""

    started: float = field(default_factory=time.perf_counter)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    retries: int = 0
    tool_calls: int = 0
    format_errors: int = 0
    format_streak: int = 0
    truncations: int = 0
    truncation_streak: int = 0
    tokens_cached: int = 0
    unrecovered: str | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@register_agent
class BuiltinAgent(Agent):
    """agentspec's own coding agent: a tool-calling loop over the model the attempt names."""

    name = "builtin"

    def __init__(
        self,
        settings: ProviderSettings | None = None,
        options: BuiltinOptions | None = None,
        backends: Mapping[Endpoint, BackendInfo] | None = None,
        *,
        check_backend: bool = True,
    ) -> None:
        """Configure the agent.

        Args:
            settings: How providers talk to servers (streaming, timeouts, retries); defaults otherwise.
            options: Loop settings beyond the spec's limits.
            backends: Preflight results by endpoint (provider, model, base URL), stored with each attempt;
                an endpoint missing here is described once (by its server) on first use.
            check_backend: Whether to ask the server about a model missing from `backends` and require
                tool support; False (`--no-preflight`) goes straight to the first turn.
        """
        self.settings = settings or ProviderSettings()
        self.options = options or BuiltinOptions()
        self.backends: dict[Endpoint, BackendInfo] = dict(backends or {})
        self.check_backend = check_backend

    async def act(self, task: AgentTask) -> AgentResult:
        """Run the loop on `task`; every failure is returned as data."""
        progress = _Progress()
        if task.endpoint is None:
            missing = "the builtin agent needs a model (--model provider/name)"
            return AgentResult(error=missing, failure_kind=FailureKind.HARNESS_ERROR)
        settings = self.settings
        if task.limits.max_tokens is not None:
            settings = replace(settings, max_tokens=task.limits.max_tokens)  # the spec's own reply limit wins
        details: dict[str, Any] = {"provider": self._settings_facts(task, settings)}
        kind: FailureKind | None = None
        error: str | None = None
        try:
            async with provider_for(task.endpoint, settings) as provider:
                backend = task.endpoint in self.backends or self.check_backend
                if backend:
                    async with asyncio.timeout(task.limits.time_s):
                        details["backend"] = (await self._backend(provider, task)).as_dict()
                kind, error = await self._loop(provider, task, progress)
        except BackendError as exc:
            kind, error = exc.failure_kind, str(exc)
        except TimeoutError:
            kind, error = (
                FailureKind.AGENT_TIMEOUT,
                f"the server did not describe the model within {task.limits.time_s:g}s",
            )
        if kind is None and progress.unrecovered is not None:
            kind, error = (
                FailureKind.TOOL_FORMAT,
                f"the model never made a well-formed tool call again: {progress.unrecovered}",
            )
        details.update(
            retries=progress.retries,
            tool_calls=progress.tool_calls,
            format_errors=progress.format_errors,
            truncated_replies=progress.truncations,
            tokens_cached=progress.tokens_cached,
            stopped=kind or "done",
        )
        return AgentResult(
            transcript=progress.transcript,
            turns=progress.turns,
            tokens_in=progress.tokens_in,
            tokens_out=progress.tokens_out,
            duration_s=progress.elapsed(),
            error=error,
            failure_kind=kind,
            details=details,
        )

    def _settings_facts(self, task: AgentTask, settings: ProviderSettings) -> dict[str, Any]:
        assert task.endpoint is not None
        timeouts = settings.timeouts_for(task.endpoint.provider, task.endpoint.name)
        return {
            "model": task.endpoint.model,
            "base_url": task.endpoint.base_url,
            "stream": settings.stream,
            "think": settings.think,
            "num_ctx": settings.num_ctx,
            "max_tokens": settings.max_tokens,
            "temperature": settings.temperature,
            "timeouts": asdict(timeouts),
        }

    async def _backend(self, provider: Provider, task: AgentTask) -> BackendInfo:
        assert task.endpoint is not None
        key = task.endpoint
        if key not in self.backends:
            info = await provider.describe()
            require_tools(info)
            self.backends[key] = info
        return self.backends[key]

    async def _loop(
        self, provider: Provider, task: AgentTask, progress: _Progress
    ) -> tuple[FailureKind | None, str | None]:
        """Turn after turn until the model is done or a limit is hit; the failure kind and error, if any."""
        limits = task.limits
        messages = [Message("system", self.options.system_prompt), Message("user", task.instructions)]
        options = self.options
        toolbox = Toolbox(task, shell_timeout_s=options.shell_timeout_s, output_chars=options.tool_output_chars)
        while True:
            if progress.turns >= limits.turns:
                return FailureKind.MAX_TURNS, f"still working after {limits.turns} turns"
            if limits.tokens is not None and progress.tokens_in + progress.tokens_out >= limits.tokens:
                return (
                    FailureKind.MAX_TOKENS,
                    f"used {progress.tokens_in + progress.tokens_out} of {limits.tokens} tokens",
                )
            remaining = limits.time_s - progress.elapsed()
            if remaining <= 0:
                return FailureKind.AGENT_TIMEOUT, f"the agent's {limits.time_s:g}s ran out"
            progress.turns += 1
            entry: dict[str, Any] = {"turn": progress.turns, "at_s": round(progress.elapsed(), 3)}
            progress.transcript.append(entry)
            try:
                async with asyncio.timeout(remaining):
                    reply = await provider.chat(messages, TOOL_SPECS, stream=self.settings.stream)
            except TimeoutError:
                entry["error"] = "agent time limit reached while waiting for the model"
                return FailureKind.AGENT_TIMEOUT, f"the agent's {limits.time_s:g}s ran out while waiting for the model"
            except BackendError as exc:
                entry.update(error=str(exc), failure_kind=exc.failure_kind)
                raise
            self._note_reply(entry, reply, progress)
            messages.append(reply.message)
            if reply.stop_reason == "context":
                return FailureKind.CONTEXT_EXCEEDED, "the conversation filled the model's context window"
            if reply.stop_reason == "length":
                progress.truncations += 1
                progress.truncation_streak += 1
                entry["truncated"] = True
                if progress.truncation_streak >= options.max_truncations:
                    limit = provider.settings.max_tokens
                    return FailureKind.OUTPUT_TRUNCATED, (
                        f"{progress.truncation_streak} replies in a row were cut off at the output limit "
                        f"({limit if limit is not None else 'the server default'} tokens)"
                    )
                if not reply.message.tool_calls or any(c.error for c in reply.message.tool_calls):
                    messages += self._truncated(reply, provider.settings.max_tokens)
                    continue
            else:
                progress.truncation_streak = 0
            if reply.message.tool_calls:
                messages += await self._run_calls(reply, toolbox, task, entry, progress)
            else:
                marker = text_tool_call(reply.message.content)
                if marker is None:
                    return None, None
                entry["format_error"] = f"tool call written as text ({marker})"
                self._format_problem(progress, entry["format_error"])
                messages.append(Message("user", FORMAT_NUDGE.format(marker=marker)))
            if progress.format_streak >= options.max_format_errors:
                streak = progress.format_streak
                return (
                    FailureKind.TOOL_FORMAT,
                    f"{streak} turns in a row of malformed tool calls: {progress.unrecovered}",
                )

    def _truncated(self, reply: Reply, max_tokens: int | None) -> list[Message]:
        """What the model is told after a reply cut off at max_tokens: its unfinished calls were not run."""
        calls = reply.message.tool_calls
        limit = max_tokens if max_tokens is not None else "the server's"
        lost = f" and its {len(calls)} tool call(s) were not run" if calls else ""
        nudge = TRUNCATION_NUDGE.format(limit=limit, lost=lost)
        results = [Message("tool", nudge, tool_call_id=c.id, tool_name=c.name, is_error=True) for c in calls]
        return results or [Message("user", nudge)]

    def _note_reply(self, entry: dict[str, Any], reply: Reply, progress: _Progress) -> None:
        progress.tokens_in += reply.usage.input_tokens
        progress.tokens_cached += reply.usage.cached_input_tokens
        progress.tokens_out += reply.usage.output_tokens
        progress.retries += reply.retries
        cut = self.options.transcript_chars
        entry.update(
            request_s=round(reply.duration_s, 3),
            first_token_s=None if reply.first_token_s is None else round(reply.first_token_s, 3),
            tokens_in=reply.usage.input_tokens,
            tokens_out=reply.usage.output_tokens,
            tokens_cached=reply.usage.cached_input_tokens,
            stop_reason=reply.stop_reason,
            raw_stop_reason=reply.raw_stop_reason,
            retries=reply.retries,
            text=clip(reply.message.content, cut),
        )
        if reply.message.thinking:
            entry["thinking"] = clip(reply.message.thinking, cut)

    async def _run_calls(
        self, reply: Reply, toolbox: Toolbox, task: AgentTask, entry: dict[str, Any], progress: _Progress
    ) -> list[Message]:
        results, records, problems = [], [], []
        for call in reply.message.tool_calls:
            outcome = await toolbox.call(call, task.limits.time_s - progress.elapsed())
            progress.tool_calls += 1
            if outcome.format_error:
                problems.append(outcome.text)
            results.append(
                Message("tool", outcome.text, tool_call_id=call.id, tool_name=call.name, is_error=not outcome.ok)
            )
            records.append(
                {
                    "id": call.id,
                    "name": call.name,
                    "arguments": clip(call.raw_arguments, self.options.transcript_chars),
                    "ok": outcome.ok,
                    "format_error": outcome.format_error,
                    "duration_s": round(outcome.duration_s, 3),
                    "result": clip(outcome.text, self.options.transcript_chars),
                }
            )
        entry["tool_calls"] = records
        if problems:
            self._format_problem(progress, problems[0])
        else:
            progress.format_streak, progress.unrecovered = 0, None
        return results

    def _format_problem(self, progress: _Progress, problem: str) -> None:
        progress.format_errors += 1
        progress.format_streak += 1
        progress.unrecovered = problem
