"""Anthropic Messages: `POST /v1/messages` (content blocks, SSE events) and `/v1/messages/count_tokens`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from agentspec.serve.conversation import Conversation, Message, Reply, Tool, text_of
from agentspec.serve.protocol import Protocol, ProtocolError, body_tokens, pieces, sse

_STOP = {"end": "end_turn", "tool_use": "tool_use", "length": "max_tokens"}
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_FAULT_MESSAGES = {
    429: "This request would exceed the rate limit for your organization. Please try again later.",
    500: "Internal server error",
    529: "Overloaded",
}


def _id(prefix: str) -> str:
    return f"{prefix}_01{uuid.uuid4().hex[:22]}"


def _texts(content: Any) -> str:
    """The text blocks of a message's content, joined."""
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    return "\n".join(text_of(b) for b in blocks if isinstance(b, dict) and b.get("type") == "text")


class AnthropicProtocol(Protocol):
    """The Messages API: system apart, content blocks, `tool_use` input objects, named SSE events."""

    name = "anthropic"

    def carries_strings(self, stream: bool) -> bool:
        """Streamed tool input arrives as `partial_json` text; a whole message carries objects."""
        return stream

    def parse(self, body: dict[str, Any], *, counting: bool = False) -> Conversation:
        """The request as a neutral conversation (`counting`: for count_tokens, max_tokens not required)."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ProtocolError(400, "model: Field required")
        max_tokens = body.get("max_tokens")
        if not counting and not (isinstance(max_tokens, int) and max_tokens > 0):
            raise ProtocolError(400, "max_tokens: Field required")
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise ProtocolError(400, "messages: Field required")
        system = _texts(body.get("system") or "")
        conversation = Conversation(model=model, system=system, prompt_tokens=body_tokens(body))
        conversation.max_tokens = max_tokens if isinstance(max_tokens, int) else None
        for index, raw in enumerate(messages):
            role = raw.get("role") if isinstance(raw, dict) else None
            # Claude Code 2.1 sends mid-conversation "system" messages (beta mid-conversation-system).
            if role not in {"user", "assistant", "system"}:
                raise ProtocolError(400, f"messages.{index}.role: Input should be 'user' or 'assistant'")
            text = _texts(raw.get("content"))
            conversation.messages.append(Message(role=str(role), text=text))
            if role == "system":
                conversation.system += "\n" + text
        choice = body.get("tool_choice")
        if not (isinstance(choice, dict) and choice.get("type") == "none"):
            for raw in body.get("tools") or []:
                if isinstance(raw, dict) and isinstance(raw.get("name"), str):
                    conversation.tools.append(
                        Tool.from_schema(raw["name"], raw.get("description"), raw.get("input_schema"))
                    )
        output = body.get("output_config")
        form = output.get("format") if isinstance(output, dict) else None
        if isinstance(form, dict) and form.get("type") == "json_schema":
            conversation.response_schema = form.get("schema") if isinstance(form.get("schema"), dict) else {}
        conversation.options["id"] = _id("msg")
        return conversation

    def _usage(self, reply: Reply, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": reply.prompt_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }

    def _message(self, reply: Reply, conversation: Conversation, content: list[Any]) -> dict[str, Any]:
        return {
            "id": conversation.options["id"],
            "type": "message",
            "role": "assistant",
            "model": conversation.model,
            "content": content,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": self._usage(reply, 1),
        }

    def render(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        """A `message` object with text and tool_use blocks."""
        content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
        content += [
            {"type": "tool_use", "id": f"toolu_{call.id}", "name": call.name, "input": call.arguments}
            for call in reply.tool_calls
        ]
        message = self._message(reply, conversation, content)
        message["stop_reason"] = _STOP[reply.stop]
        message["usage"] = self._usage(reply, reply.completion_tokens)
        return message

    def stream(self, reply: Reply, conversation: Conversation) -> Iterator[bytes]:
        """message_start, per block start/deltas/stop (a ping after the first start), message_delta, message_stop."""
        yield sse({"type": "message_start", "message": self._message(reply, conversation, [])}, "message_start")
        blocks: list[tuple[dict[str, Any], str, list[str]]] = []
        if reply.text:
            blocks.append(({"type": "text", "text": ""}, "text_delta", pieces(reply.text, 32)))
        for call in reply.tool_calls:
            start = {"type": "tool_use", "id": f"toolu_{call.id}", "name": call.name, "input": {}}
            blocks.append((start, "input_json_delta", pieces(call.arguments_json, 64)))
        for index, (start, delta_type, parts) in enumerate(blocks):
            yield sse({"type": "content_block_start", "index": index, "content_block": start}, "content_block_start")
            if index == 0:
                yield sse({"type": "ping"}, "ping")
            for part in parts:
                delta = {"type": delta_type, "text" if delta_type == "text_delta" else "partial_json": part}
                yield sse({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")
            yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        if not blocks:
            yield sse({"type": "ping"}, "ping")
        delta_event = {
            "type": "message_delta",
            "delta": {"stop_reason": _STOP[reply.stop], "stop_sequence": None},
            "usage": {"output_tokens": reply.completion_tokens},
        }
        yield sse(delta_event, "message_delta")
        yield sse({"type": "message_stop"}, "message_stop")

    def count_tokens(self, body: dict[str, Any]) -> dict[str, Any]:
        """The answer to `/v1/messages/count_tokens`."""
        return {"input_tokens": self.parse(body, counting=True).prompt_tokens}

    def error_body(self, error: ProtocolError, *, legacy: bool = False) -> dict[str, Any]:
        """`{"type": "error", "error": {"type", "message"}, "request_id"}`."""
        kind = _ERROR_TYPES.get(error.status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": error.message}, "request_id": _id("req")}

    def stream_error(self, error: ProtocolError) -> bytes:
        """An `event: error` in the stream, as the API sends when it is overloaded mid-answer."""
        payload = self.error_body(error)
        payload.pop("request_id")
        return sse(payload, "error")

    def not_found(self, model: str) -> ProtocolError:
        """The API's 404 for an unknown model."""
        return ProtocolError(404, f"model: {model}")

    def no_tools(self, model: str) -> ProtocolError:
        """A 400 for tools sent to a model without tool support."""
        return ProtocolError(400, f"tools: model {json.dumps(model)} does not support tool use")

    def context_exceeded(self, conversation: Conversation, context_length: int) -> ProtocolError:
        """The API's 400 for a prompt longer than the context window."""
        return ProtocolError(400, f"prompt is too long: {conversation.prompt_tokens} tokens > {context_length} maximum")

    def fault(self, status: int) -> ProtocolError:
        """Injected errors worded as the API words them."""
        if status in _FAULT_MESSAGES:
            return ProtocolError(status, _FAULT_MESSAGES[status])
        return super().fault(status)
