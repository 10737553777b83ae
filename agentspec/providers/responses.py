"""The OpenAI Responses API (`POST /v1/responses`), where servers offer it: vLLM, llama.cpp, Ollama's `/v1`.

Models named `responses/NAME` use it; the server, key and model listing are the OpenAI-compatible ones
(`OPENAI_BASE_URL`, `OPENAI_API_KEY`, `GET /v1/models`). Messages travel as input items: text messages,
the model's `function_call`s and their `function_call_output`s; a streamed answer is typed SSE events
whose finished items arrive in `response.output_item.done` and whose usage in `response.completed`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentspec.errors import BackendError
from agentspec.providers.base import Message, Reply, ToolSpec, Usage, register_provider
from agentspec.providers.classify import TransientError, payload_error, stream_error
from agentspec.providers.http import StreamClock
from agentspec.providers.openai import OpenAIProvider
from agentspec.providers.wire import sse, sse_json, stop_reason, tool_call

_DELTAS = {"response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_text.delta"}
_ENDS = {"response.completed", "response.incomplete"}


@register_provider
class ResponsesProvider(OpenAIProvider):
    """Talks the Responses API to an OpenAI-compatible server (stateless: `store` is false)."""

    name = "responses"
    chat_path = "/responses"

    def body(self, messages: Sequence[Message], tools: Sequence[ToolSpec], stream: bool) -> dict[str, Any]:
        """The `/responses` request body."""
        items = [item for message in messages for item in _items(message)]
        body: dict[str, Any] = {"model": self.model, "input": items, "stream": stream, "store": False}
        if tools:
            body["tools"] = [
                {"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}
                for t in tools
            ]
        if self.settings.max_tokens is not None:
            body["max_output_tokens"] = self.settings.max_tokens
        if self.settings.temperature is not None:
            body["temperature"] = self.settings.temperature
        return body

    def _whole(self, data: Any) -> Reply:
        url = self.http.url(self.chat_path)
        if not isinstance(data, dict):
            raise BackendError(f"{url} answered with something that is not a JSON object")
        error = payload_error(data)
        if error is not None:
            raise stream_error(error, url)
        return _reply(data, [i for i in data.get("output") or [] if isinstance(i, dict)])

    async def _consume(self, lines: AsyncIterator[str], clock: StreamClock) -> Reply:
        url = self.http.url(self.chat_path)
        items: list[dict[str, Any]] = []
        async for _, data in sse(lines):
            event = sse_json(data)
            kind = event.get("type")
            if kind in _DELTAS:
                clock.token()
            elif kind == "response.output_item.done" and isinstance(event.get("item"), dict):
                items.append(event["item"])
            elif kind in _ENDS and isinstance(event.get("response"), dict):
                return _reply(event["response"], items)
            elif kind in {"response.failed", "error"}:
                response = event.get("response")
                error = payload_error(response if isinstance(response, dict) else event) or json.dumps(event)[:500]
                raise stream_error(error, url)
        raise TransientError(f"the stream from {url} ended before `response.completed`")


def _items(message: Message) -> list[dict[str, Any]]:
    """One message as Responses input items."""
    if message.role == "tool":
        return [{"type": "function_call_output", "call_id": message.tool_call_id or "", "output": message.content}]
    items: list[dict[str, Any]] = []
    if message.content or not message.tool_calls:
        items.append({"type": "message", "role": message.role, "content": message.content})
    for call in message.tool_calls:
        arguments = json.dumps(call.arguments if call.arguments is not None else {})
        items.append({"type": "function_call", "call_id": call.id, "name": call.name, "arguments": arguments})
    return items


def _reply(response: dict[str, Any], items: list[dict[str, Any]]) -> Reply:
    """The reply a finished response holds (`items`: its output, as streamed or in `output`)."""
    text, thinking, calls = [], [], []
    for number, item in enumerate(items):
        kind = item.get("type")
        if kind == "message":
            text += [str(p.get("text") or "") for p in item.get("content") or [] if isinstance(p, dict)]
        elif kind == "reasoning":
            parts = [*(item.get("content") or []), *(item.get("summary") or [])]
            thinking += [str(p.get("text") or "") for p in parts if isinstance(p, dict)]
        elif kind == "function_call":
            call_id = str(item.get("call_id") or item.get("id") or f"call_{number}")
            calls.append(tool_call(call_id, str(item.get("name") or ""), item.get("arguments")))
    details = response.get("incomplete_details")
    reason = details.get("reason") if isinstance(details, dict) else None
    cut = response.get("status") == "incomplete" and reason == "max_output_tokens"
    raw = "length" if cut else ("tool_calls" if calls else "stop")
    usage = response.get("usage")
    counts: dict[str, Any] = usage if isinstance(usage, dict) else {}
    tokens = Usage(int(counts.get("input_tokens") or 0), int(counts.get("output_tokens") or 0))
    message = Message("assistant", "".join(text), tuple(calls), thinking="".join(thinking))
    return Reply(message, stop_reason(raw, bool(calls)), raw, tokens)
