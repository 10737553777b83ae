"""OpenAI-compatible chat completions (vLLM, llama.cpp server, LM Studio, Ollama's `/v1`): JSON or SSE."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.base import (
    BackendInfo,
    EndpointLike,
    Message,
    Reply,
    ToolSpec,
    Usage,
    register_provider,
)
from agentspec.providers.classify import TransientError, payload_error, stream_error
from agentspec.providers.exchange import HttpProvider
from agentspec.providers.http import HttpClient, StreamClock
from agentspec.providers.probe import server_facts
from agentspec.providers.settings import ProviderSettings
from agentspec.providers.wire import Assembly, function_tools, sse, sse_json, stop_reason, tool_call

HINT = (
    "is the server running? e.g. `vllm serve MODEL --enable-auto-tool-choice --tool-call-parser PARSER` "
    "(port 8000), `llama-server -m FILE --jinja` (port 8080), or `ollama serve` with --base-url "
    "http://127.0.0.1:11434/v1; point OPENAI_BASE_URL or --base-url at it"
)


def openai_url(base_url: str) -> str:
    """The API root: a bare `http://host:port` gets `/v1`, as every compatible server serves it there."""
    return base_url.rstrip("/") + ("/v1" if urlsplit(base_url).path.strip("/") == "" else "")


@register_provider
class OpenAIProvider(HttpProvider):
    """Talks to any OpenAI-compatible server (tool arguments arrive as JSON text)."""

    name = "openai"
    default_base_url = "http://127.0.0.1:8000/v1"
    base_url_variable = "OPENAI_BASE_URL"
    chat_path = "/chat/completions"
    # Ollama's `/v1` truncates as its native API does; llama.cpp with context shift drops the conversation's start.
    truncating_server = "the server"
    truncation_advice = (
        "Give the model a larger context (Ollama: OLLAMA_CONTEXT_LENGTH or num_ctx; llama.cpp: -c, without "
        "--context-shift)"
    )

    def __init__(self, endpoint: EndpointLike, settings: ProviderSettings | None = None) -> None:
        """Open an HTTP client; the key comes from the settings or OPENAI_API_KEY, and is optional."""
        super().__init__(endpoint, settings)
        key = self.settings.api_key or os.environ.get("OPENAI_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        timeouts = self.settings.timeouts_for(self.name, endpoint.name)
        self.http = HttpClient(openai_url(endpoint.base_url), self.settings, timeouts, headers, HINT)

    def body(self, messages: Sequence[Message], tools: Sequence[ToolSpec], stream: bool) -> dict[str, Any]:
        """The `/chat/completions` request body (no `tool_choice`: "auto" is the default where tools work)."""
        body: dict[str, Any] = {"model": self.model, "messages": [_message(m) for m in messages], "stream": stream}
        if tools:
            body["tools"] = function_tools(tools)
        if stream:
            body["stream_options"] = {"include_usage": True}
        if self.settings.max_tokens is not None:
            body["max_tokens"] = self.settings.max_tokens
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        return body

    def _whole(self, data: Any) -> Reply:
        url = self.http.url("/chat/completions")
        if not isinstance(data, dict):
            raise BackendError(f"{url} answered with something that is not a JSON object")
        error = payload_error(data)
        if error is not None:
            raise stream_error(error, url)
        choices = data.get("choices") or [{}]
        message = choices[0].get("message") or {}
        calls = []
        for number, call in enumerate(message.get("tool_calls") or []):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                call_id = str(call.get("id") or f"call_{number}")
                calls.append(tool_call(call_id, str(function.get("name") or ""), function.get("arguments")))
        thinking = message.get("reasoning_content") or message.get("reasoning") or ""
        content = message.get("content") or ""
        return _reply(content, thinking, tuple(calls), choices[0].get("finish_reason"), data.get("usage"))

    async def _consume(self, lines: AsyncIterator[str], clock: StreamClock) -> Reply:
        url = self.http.url("/chat/completions")
        parts = Assembly()
        finish: str | None = None
        usage: Any = None
        async for _, data in sse(lines):
            if data.strip() == "[DONE]":
                if finish is None:
                    # A reply with no finish_reason was cut off (a proxy or server stopped it), not finished.
                    raise TransientError(f"the stream from {url} ended without a finish_reason (a truncated reply)")
                return _reply("".join(parts.text), "".join(parts.thinking), parts.tool_calls("call_"), finish, usage)
            chunk = sse_json(data)
            error = payload_error(chunk)
            if error is not None:
                raise stream_error(error, url)
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                finish = choice.get("finish_reason") or finish
                if _gather(delta, parts):
                    clock.token()
        if finish is not None:
            return _reply("".join(parts.text), "".join(parts.thinking), parts.tool_calls("call_"), finish, usage)
        raise TransientError(f"the stream from {url} ended before `data: [DONE]`")

    async def describe(self) -> BackendInfo:
        """The model's presence from `/models`, plus what the server tells on its own endpoints."""
        listing = await self.http.get_json("/models", retries=1)
        entries = [m for m in listing.get("data") or [] if isinstance(m, dict)] if isinstance(listing, dict) else []
        names = tuple(str(m.get("id")) for m in entries)
        entry = next((m for m in entries if m.get("id") == self.model), None)
        if entry is None and names:
            raise BackendError(
                f"model {self.model!r} is not served at {self.http.base_url} (it serves: {', '.join(names)}); "
                "use one of those names, e.g. the --served-model-name given to vLLM",
                failure_kind=FailureKind.MODEL_NOT_FOUND,
            )
        entry = entry or {}
        facts = await server_facts(self.http, self.model, self.settings)
        meta = entry.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        # The served context: llama.cpp's per-slot n_ctx (/props, or meta), vLLM's max_model_len; never n_ctx_train.
        context = facts.get("context_length") or meta.get("n_ctx") or entry.get("max_model_len")
        identity = {k: meta[k] for k in ("n_params", "size", "n_ctx_train") if isinstance(meta.get(k), int)}
        extra = {"owned_by": entry.get("owned_by"), "root": entry.get("root"), **facts.get("extra", {})}
        if "n_ctx_train" in identity:
            extra["trained_context"] = identity.pop("n_ctx_train")
        if identity:
            extra["identity"] = identity
        return BackendInfo(
            self.name,
            self.model,
            self.http.base_url,
            server=facts.get("server") or entry.get("owned_by"),
            server_version=facts.get("server_version"),
            model_digest=facts.get("model_digest"),
            context_length=context if isinstance(context, int) else None,
            quantization=facts.get("quantization") or _text(meta.get("ftype")),
            capabilities=facts.get("capabilities"),
            models=names,
            extra=extra,
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _gather(delta: dict[str, Any], parts: Assembly) -> bool:
    """Add one delta to the assembly; whether it carried generated content."""
    content = delta.get("content") or ""
    thinking = delta.get("reasoning_content") or delta.get("reasoning") or ""
    parts.text.append(content)
    parts.thinking.append(thinking)
    calls = delta.get("tool_calls") or []
    for position, call in enumerate(calls):
        partial = parts.call(int(call.get("index", position)))
        partial.id = call.get("id") or partial.id
        function = call.get("function") or {}
        partial.name += function.get("name") or ""
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            partial.parsed = arguments
        elif arguments:
            partial.arguments += str(arguments)
    return bool(content or thinking or calls)


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content}
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["content"] = message.content or None
        wire["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments if c.arguments is not None else {})},
            }
            for c in message.tool_calls
        ]
    return wire


def _reply(content: str, thinking: str, calls: tuple[Any, ...], finish: Any, usage: Any) -> Reply:
    raw = finish if isinstance(finish, str) else None
    counts = usage if isinstance(usage, dict) else {}
    details = counts.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    tokens = Usage(int(counts.get("prompt_tokens") or 0), int(counts.get("completion_tokens") or 0), int(cached or 0))
    return Reply(Message("assistant", content, calls, thinking=thinking), stop_reason(raw, bool(calls)), raw, tokens)
