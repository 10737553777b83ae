"""The OpenAI Responses API as vLLM and llama.cpp serve it: `POST /v1/responses`, typed SSE events.

Codex CLI speaks only this protocol. A request's `input` is a list of items (messages, the model's
`function_call`s and the client's `function_call_output`s) or one string, `instructions` is the system
prompt, and tools are flat (`{"type": "function", "name", "parameters"}`). A streamed answer is a
sequence of named events (`response.created`, `response.output_item.added`, text and argument deltas,
`response.output_item.done`, `response.completed` with the usage) and no `[DONE]`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from agentspec.serve.conversation import Conversation, Message, Reply, Tool, text_of
from agentspec.serve.openai import OpenAIProtocol
from agentspec.serve.protocol import ProtocolError, body_tokens, pieces, sse

_ROLES = {"system", "developer", "user", "assistant"}
_CALLS = {"function_call", "custom_tool_call", "local_shell_call"}
_RESULTS = {"function_call_output", "custom_tool_call_output", "local_shell_call_output"}


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class ResponsesProtocol(OpenAIProtocol):
    """`/v1/responses`: errors and refusals worded as the OpenAI-compatible server words them."""

    name = "responses"

    def parse(self, body: dict[str, Any]) -> Conversation:
        """The request as a neutral conversation."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ProtocolError(400, "[{'type': 'missing', 'loc': ('body', 'model'), 'msg': 'Field required'}]")
        items = body.get("input")
        if isinstance(items, str):
            items = [{"type": "message", "role": "user", "content": items}]
        if not isinstance(items, list) or not items:
            raise ProtocolError(400, "input must be a string or a non-empty array")
        conversation = Conversation(model=model, prompt_tokens=body_tokens(body))
        if isinstance(body.get("instructions"), str):
            conversation.system += body["instructions"] + "\n"
        for raw in items:
            message = _message(raw)
            if message is None:
                continue
            if message.role == "system":
                conversation.system += message.text + "\n"
            conversation.messages.append(message)
        if body.get("tool_choice") != "none":
            for raw in body.get("tools") or []:
                if isinstance(raw, dict) and raw.get("type") == "function" and isinstance(raw.get("name"), str):
                    tool = Tool.from_schema(raw["name"], raw.get("description"), raw.get("parameters"))
                    conversation.tools.append(tool)
        limit = body.get("max_output_tokens")
        if isinstance(limit, int) and limit > 0:
            conversation.max_tokens = limit
        text = body.get("text")
        form = text.get("format") if isinstance(text, dict) else None
        if isinstance(form, dict) and form.get("type") in {"json_schema", "json_object"}:
            schema = form.get("schema")
            conversation.response_schema = schema if isinstance(schema, dict) else {}
        conversation.options["id"] = _id("resp")
        conversation.options["created"] = int(time.time())
        return conversation

    def _usage(self, reply: Reply) -> dict[str, Any]:
        return {
            "input_tokens": reply.prompt_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": reply.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }

    def _items(self, reply: Reply) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if reply.text or not reply.tool_calls:
            content = [{"type": "output_text", "text": reply.text, "annotations": []}]
            items.append({"type": "message", "id": _id("msg"), "status": "completed", "role": "assistant"})
            items[-1]["content"] = content
        for call in reply.tool_calls:
            items.append(
                {
                    "type": "function_call",
                    "id": _id("fc"),
                    "call_id": f"call_{call.id}",
                    "name": call.name,
                    "arguments": call.arguments_json,
                    "status": "completed",
                }
            )
        return items

    def _response(self, reply: Reply, conversation: Conversation, output: list[dict[str, Any]]) -> dict[str, Any]:
        cut = reply.stop == "length"
        return {
            "id": conversation.options["id"],
            "object": "response",
            "created_at": conversation.options["created"],
            "status": "incomplete" if cut else "completed",
            "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
            "error": None,
            "model": conversation.model,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": self._usage(reply),
        }

    def render(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        """A `response` object."""
        return self._response(reply, conversation, self._items(reply))

    def stream(self, reply: Reply, conversation: Conversation) -> Iterator[bytes]:
        """Named events: created, each output item added/delta/done, then completed (or incomplete)."""
        events = _Events()
        started = {**self._response(reply, conversation, []), "status": "in_progress", "usage": None}
        yield events.send("response.created", response=started)
        yield events.send("response.in_progress", response=started)
        items = self._items(reply)
        for index, item in enumerate(items):
            opened = {**item, "status": "in_progress"}
            if item["type"] == "message":
                yield events.send("response.output_item.added", output_index=index, item={**opened, "content": []})
                part = {"type": "output_text", "text": "", "annotations": []}
                where = {"item_id": item["id"], "output_index": index, "content_index": 0}
                yield events.send("response.content_part.added", **where, part=part)
                for piece in pieces(reply.text, 32):
                    yield events.send("response.output_text.delta", **where, delta=piece)
                yield events.send("response.output_text.done", **where, text=reply.text)
                yield events.send("response.content_part.done", **where, part={**part, "text": reply.text})
            else:
                yield events.send("response.output_item.added", output_index=index, item={**opened, "arguments": ""})
                where = {"item_id": item["id"], "output_index": index}
                for piece in pieces(item["arguments"], 64):
                    yield events.send("response.function_call_arguments.delta", **where, delta=piece)
                yield events.send("response.function_call_arguments.done", **where, arguments=item["arguments"])
            yield events.send("response.output_item.done", output_index=index, item=item)
        final = self._response(reply, conversation, items)
        yield events.send("response.incomplete" if reply.stop == "length" else "response.completed", response=final)

    def stream_error(self, error: ProtocolError) -> bytes:
        """A `response.failed` event, as a Responses server ends a stream that failed."""
        failed: dict[str, Any] = {"id": _id("resp"), "object": "response", "status": "failed", "output": []}
        failed["error"] = {"code": "server_error", "message": error.message}
        return _Events().send("response.failed", response=failed)


class _Events:
    """Numbers the events of one stream, as the API does."""

    def __init__(self) -> None:
        self.number = 0

    def send(self, kind: str, **data: Any) -> bytes:
        event = sse({"type": kind, "sequence_number": self.number, **data}, event=kind)
        self.number += 1
        return event


def _message(raw: Any) -> Message | None:
    """One input item as a message (reasoning and unknown items are skipped)."""
    if not isinstance(raw, dict):
        raise ProtocolError(400, "each input item must be an object")
    kind = raw.get("type", "message")
    if kind == "message":
        role = str(raw.get("role", ""))
        if role not in _ROLES:
            raise ProtocolError(400, f"unknown message role {role!r}")
        return Message(role="system" if role == "developer" else role, text=text_of(raw.get("content")))
    if kind in _CALLS:
        return Message(role="assistant")
    if kind in _RESULTS:
        return Message(role="tool", text=text_of(raw.get("output")))
    return None
