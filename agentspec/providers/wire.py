"""Framing shared by the wire protocols: NDJSON and server-sent events, tool arguments, stream assembly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentspec.providers.base import StopReason, ToolCall, ToolSpec
from agentspec.providers.classify import TransientError


async def ndjson(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON objects of a newline-delimited JSON stream (blank lines skipped)."""
    async for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise TransientError(f"the stream sent a line that is not JSON: {line[:200]!r}") from exc
        if not isinstance(item, dict):
            raise TransientError(f"the stream sent a line that is not a JSON object: {line[:200]!r}")
        yield item


async def sse(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str]]:
    """The (event, data) pairs of a server-sent event stream; the event is "message" when unnamed."""
    event, data = "", list[str]()
    async for line in lines:
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = "", []
        elif line.startswith(":"):
            continue
        else:
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "event":
                event = value
            elif key == "data":
                data.append(value)
    if data:
        yield event or "message", "\n".join(data)


def sse_json(data: str) -> dict[str, Any]:
    """One SSE data payload as a JSON object."""
    try:
        item = json.loads(data)
    except ValueError as exc:
        raise TransientError(f"the stream sent an event that is not JSON: {data[:200]!r}") from exc
    if not isinstance(item, dict):
        raise TransientError(f"the stream sent an event that is not a JSON object: {data[:200]!r}")
    return item


def stop_reason(raw: Any, has_calls: bool) -> StopReason:
    """Normalise an OpenAI `finish_reason` or Ollama `done_reason`."""
    if has_calls or raw == "tool_calls":
        return "tool_calls"
    if raw == "length":
        return "length"
    return "end" if raw in ("stop", None) else "other"


def function_tools(tools: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Tool specs in the OpenAI shape Ollama shares: `{"type": "function", "function": {...}}`."""
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
        for t in tools
    ]


def tool_call(call_id: str, name: str, arguments: Any) -> ToolCall:
    """A `ToolCall` from arguments as they came: a JSON object, or JSON text (OpenAI's way)."""
    if isinstance(arguments, dict):
        return ToolCall(call_id, name, arguments, json.dumps(arguments))
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    if isinstance(arguments, str):
        if not arguments.strip():
            return ToolCall(call_id, name, {}, raw)
        try:
            parsed = json.loads(arguments)
        except ValueError as exc:
            return ToolCall(call_id, name, None, raw, f"the arguments are not valid JSON ({exc})")
        if isinstance(parsed, dict):
            return ToolCall(call_id, name, parsed, raw)
    if arguments is None:
        return ToolCall(call_id, name, {}, "")
    return ToolCall(call_id, name, None, raw, "the arguments are not a JSON object")


@dataclass
class PartialCall:
    """A tool call being assembled from stream deltas."""

    id: str = ""
    name: str = ""
    arguments: str = ""
    parsed: Any = None


@dataclass
class Assembly:
    """The pieces of a streamed reply, gathered as they arrive."""

    text: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    calls: dict[int, PartialCall] = field(default_factory=dict)

    def call(self, index: int) -> PartialCall:
        """The partial call at `index`, created on first use."""
        return self.calls.setdefault(index, PartialCall())

    def tool_calls(self, prefix: str) -> tuple[ToolCall, ...]:
        """The finished tool calls, in index order; ids made up from `prefix` where the server gave none."""
        calls = []
        for number, (_, part) in enumerate(sorted(self.calls.items())):
            arguments = part.arguments or part.parsed
            calls.append(tool_call(part.id or f"{prefix}{number}", part.name, arguments))
        return tuple(calls)
