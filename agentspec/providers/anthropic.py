"""Anthropic's Messages API (`POST /v1/messages`): tool_use and tool_result blocks, JSON or SSE events.

Also spoken by Ollama (0.14 and later) and vLLM, which is how local models run under Claude Code.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.base import (
    BackendInfo,
    EndpointLike,
    Message,
    Reply,
    StopReason,
    ToolSpec,
    Usage,
    register_provider,
)
from agentspec.providers.classify import ServerUnreachable, TransientError, payload_error, stream_error
from agentspec.providers.exchange import HttpProvider
from agentspec.providers.http import HttpClient, StreamClock
from agentspec.providers.probe import server_facts
from agentspec.providers.settings import DEFAULT_MAX_TOKENS, ProviderSettings
from agentspec.providers.wire import Assembly, sse, sse_json

API_VERSION = "2023-06-01"
HINT = (
    "point ANTHROPIC_BASE_URL or --base-url at a Messages API server: https://api.anthropic.com, "
    "`ollama serve` (0.14 or later, http://127.0.0.1:11434) or `vllm serve MODEL` (http://127.0.0.1:8000)"
)
_STOPS: dict[str, StopReason] = {
    "end_turn": "end",
    "stop_sequence": "end",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "context",
}


@register_provider
class AnthropicProvider(HttpProvider):
    """Talks to a Messages API server; the key is sent as `x-api-key`, a token as a bearer."""

    name = "anthropic"
    default_base_url = "https://api.anthropic.com"
    base_url_variable = "ANTHROPIC_BASE_URL"
    chat_path = "/v1/messages"

    def __init__(self, endpoint: EndpointLike, settings: ProviderSettings | None = None) -> None:
        """Open an HTTP client; credentials from the settings, ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN."""
        super().__init__(endpoint, settings)
        headers = {"anthropic-version": API_VERSION}
        key = self.settings.api_key or os.environ.get("ANTHROPIC_API_KEY")
        token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
        if key:
            headers["x-api-key"] = key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        base = endpoint.base_url.rstrip("/").removesuffix("/v1")
        timeouts = self.settings.timeouts_for(self.name, endpoint.name)
        self.http = HttpClient(base, self.settings, timeouts, headers, HINT)

    def body(self, messages: Sequence[Message], tools: Sequence[ToolSpec], stream: bool) -> dict[str, Any]:
        """The `/v1/messages` request body: system prompt apart, tool results as user blocks."""
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.settings.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": _messages([m for m in messages if m.role != "system"]),
            "stream": stream,
        }
        if system:
            body["system"] = system
        if tools:
            body["tools"] = [
                {"name": tool.name, "description": tool.description, "input_schema": tool.parameters} for tool in tools
            ]
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        return body

    def _whole(self, data: Any) -> Reply:
        url = self.http.url("/v1/messages")
        if not isinstance(data, dict):
            raise BackendError(f"{url} answered with something that is not a JSON object")
        error = payload_error(data)
        if error is not None:
            raise stream_error(error, url)
        parts = Assembly()
        for index, block in enumerate(data.get("content") or []):
            _start(parts, index, block)
        return _reply(parts, data.get("stop_reason"), data.get("usage") or {})

    async def _consume(self, lines: AsyncIterator[str], clock: StreamClock) -> Reply:
        url = self.http.url("/v1/messages")
        parts = Assembly()
        usage: dict[str, Any] = {}
        stop: Any = None
        async for event, data in sse(lines):
            item = sse_json(data)
            kind = item.get("type") or event
            if kind == "error":
                raise stream_error(payload_error(item) or data, url)
            if kind == "message_start":
                usage.update((item.get("message") or {}).get("usage") or {})
            elif kind == "content_block_start":
                if _start(parts, int(item.get("index", len(parts.calls))), item.get("content_block") or {}):
                    clock.token()
            elif kind == "content_block_delta" and _delta(parts, int(item.get("index", 0)), item.get("delta") or {}):
                clock.token()
            elif kind == "message_delta":
                stop = (item.get("delta") or {}).get("stop_reason") or stop
                usage.update({k: v for k, v in (item.get("usage") or {}).items() if v is not None})
            elif kind == "message_stop":
                if stop is None:
                    raise TransientError(f"the stream from {url} stopped without a stop_reason (a truncated reply)")
                return _reply(parts, stop, usage)
        raise TransientError(f"the stream from {url} ended before its message_stop event")

    async def describe(self) -> BackendInfo:
        """The model's presence (`/v1/models/{id}`, else the listing), plus what the server tells elsewhere.

        Servers that speak Messages without `GET /v1/models/{id}` (llama.cpp's llama-server answers 404
        `not_found_error` for every id) are judged by their listing; with neither, the preflight's own
        small chat request is the check.
        """
        found: Any = None
        try:
            found = await self.http.get_json(f"/v1/models/{quote(self.model, safe='')}", retries=1)
        except ServerUnreachable:
            raise
        except BackendError:
            found = None
        names: tuple[str, ...] = ()
        try:
            listing = await self.http.get_json("/v1/models", retries=1)
            entries = listing.get("data") if isinstance(listing, dict) else None
            names = tuple(str(m.get("id")) for m in entries or [] if isinstance(m, dict))
        except ServerUnreachable:
            raise
        except BackendError:
            pass
        if not isinstance(found, dict) and names and self.model not in names:
            raise BackendError(
                f"model {self.model!r} is not served at {self.http.base_url} (it serves: {', '.join(names)})",
                failure_kind=FailureKind.MODEL_NOT_FOUND,
            )
        remote = (urlsplit(self.http.base_url).hostname or "").endswith("anthropic.com")
        facts = {} if remote else await server_facts(self.http, self.model, self.settings)
        extra: dict[str, Any] = dict(facts.get("extra") or {})
        if isinstance(found, dict) and found.get("display_name"):
            extra["display_name"] = found.get("display_name")
        return BackendInfo(
            self.name,
            self.model,
            self.http.base_url,
            server="anthropic" if remote else facts.get("server"),
            server_version=facts.get("server_version"),
            model_digest=facts.get("model_digest"),
            context_length=facts.get("context_length"),
            quantization=facts.get("quantization"),
            capabilities=facts.get("capabilities"),
            models=names,
            extra=extra,
        )


def _start(parts: Assembly, index: int, block: dict[str, Any]) -> bool:
    """Open one content block; whether it carried generated content already."""
    kind = block.get("type")
    if kind == "text":
        parts.text.append(block.get("text") or "")
        return bool(block.get("text"))
    if kind == "thinking":
        parts.thinking.append(block.get("thinking") or "")
        return True
    if kind == "tool_use":
        call = parts.call(index)
        call.id, call.name = str(block.get("id") or ""), str(block.get("name") or "")
        call.parsed = block.get("input") if block.get("input") else None
        return True
    return False


def _delta(parts: Assembly, index: int, delta: dict[str, Any]) -> bool:
    """Add one block delta; whether it carried generated content."""
    kind = delta.get("type")
    if kind == "text_delta":
        parts.text.append(delta.get("text") or "")
    elif kind == "thinking_delta":
        parts.thinking.append(delta.get("thinking") or "")
    elif kind == "input_json_delta":
        parts.call(index).arguments += delta.get("partial_json") or ""
    else:
        return False
    return True


def _reply(parts: Assembly, stop: Any, usage: dict[str, Any]) -> Reply:
    calls = parts.tool_calls("toolu_")
    raw = stop if isinstance(stop, str) else None
    normal: StopReason = "tool_calls" if calls else _STOPS.get(raw or "end_turn", "other")
    read = int(usage.get("cache_read_input_tokens") or 0)
    written = int(usage.get("cache_creation_input_tokens") or 0)
    prompt = int(usage.get("input_tokens") or 0) + read + written
    tokens = Usage(prompt, int(usage.get("output_tokens") or 0), read)
    message = Message("assistant", "".join(parts.text), calls, thinking="".join(parts.thinking))
    return Reply(message, normal, raw, tokens)


def _messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Wire messages; consecutive user-side messages (tool results, then text) merge into one."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if wire and wire[-1]["role"] == role == "user":
            wire[-1]["content"].extend(blocks)
        else:
            wire.append({"role": role, "content": blocks})
    return wire


def _blocks(message: Message) -> list[dict[str, Any]]:
    if message.role == "tool":
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.tool_call_id or ""}
        result["content"] = message.content
        if message.is_error:
            result["is_error"] = True
        return [result]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
    for call in message.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments or {}})
    return blocks or [{"type": "text", "text": "(empty)"}]
