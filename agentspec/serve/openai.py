"""OpenAI-compatible chat completions as vLLM serves them: `POST /v1/chat/completions`, SSE deltas."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from agentspec.serve.conversation import Conversation, Message, Reply, Tool, text_of
from agentspec.serve.protocol import Protocol, ProtocolError, body_tokens, pieces, sse

_FINISH = {"end": "stop", "tool_use": "tool_calls", "length": "length"}
_ERROR_TYPES = {
    400: "BadRequestError",
    404: "NotFoundError",
    429: "RateLimitError",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
}


class OpenAIProtocol(Protocol):
    """Chat completions: tool call arguments are JSON strings, streamed in pieces under an `index`."""

    name = "openai"

    def carries_strings(self, stream: bool) -> bool:
        """Arguments always travel as JSON text."""
        return True

    def parse(self, body: dict[str, Any]) -> Conversation:
        """The request as a neutral conversation."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ProtocolError(400, "[{'type': 'missing', 'loc': ('body', 'model'), 'msg': 'Field required'}]")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ProtocolError(400, "messages must be a non-empty array")
        conversation = Conversation(model=model, prompt_tokens=body_tokens(body))
        for raw in messages:
            if not isinstance(raw, dict):
                raise ProtocolError(400, "each message must be an object")
            role = str(raw.get("role", ""))
            if role not in {"system", "developer", "user", "assistant", "tool"}:
                raise ProtocolError(400, f"unknown message role {role!r}")
            message = Message(
                role="system" if role == "developer" else role,
                text=text_of(raw.get("content")),
            )
            if message.role == "system":
                conversation.system += message.text + "\n"
            conversation.messages.append(message)
        if body.get("tool_choice") != "none":
            for raw in body.get("tools") or []:
                function = raw.get("function") if isinstance(raw, dict) else None
                if isinstance(function, dict) and isinstance(function.get("name"), str):
                    conversation.tools.append(
                        Tool.from_schema(function["name"], function.get("description"), function.get("parameters"))
                    )
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and limit > 0:
            conversation.max_tokens = limit
        form = body.get("response_format")
        if isinstance(form, dict) and form.get("type") in {"json_schema", "json_object"}:
            described = form.get("json_schema")
            schema = described.get("schema") if isinstance(described, dict) else None
            conversation.response_schema = schema if isinstance(schema, dict) else {}
        options = body.get("stream_options")
        conversation.options["include_usage"] = isinstance(options, dict) and bool(options.get("include_usage"))
        conversation.options["id"] = f"chatcmpl-{uuid.uuid4().hex}"
        conversation.options["created"] = int(time.time())
        return conversation

    def _usage(self, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        }

    def render(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        """A `chat.completion` object."""
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"chatcmpl-tool-{call.id}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_json},
                }
                for call in reply.tool_calls
            ]
        else:
            message["content"] = reply.text
        return {
            "id": conversation.options["id"],
            "object": "chat.completion",
            "created": conversation.options["created"],
            "model": conversation.model,
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _FINISH[reply.stop]}],
            "usage": self._usage(reply),
        }

    def _chunk(self, conversation: Conversation, delta: dict[str, Any], finish: str | None = None) -> bytes:
        chunk: dict[str, Any] = {
            "id": conversation.options["id"],
            "object": "chat.completion.chunk",
            "created": conversation.options["created"],
            "model": conversation.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if conversation.options.get("include_usage"):
            chunk["usage"] = None
        return sse(chunk)

    def stream(self, reply: Reply, conversation: Conversation) -> Iterator[bytes]:
        """`chat.completion.chunk` events: role, content, tool call deltas, finish, usage, `[DONE]`."""
        yield self._chunk(conversation, {"role": "assistant", "content": ""})
        for piece in pieces(reply.text, 32):
            yield self._chunk(conversation, {"content": piece})
        for index, call in enumerate(reply.tool_calls):
            start = {"index": index, "id": f"chatcmpl-tool-{call.id}", "type": "function"}
            yield self._chunk(
                conversation, {"tool_calls": [{**start, "function": {"name": call.name, "arguments": ""}}]}
            )
            for piece in pieces(call.arguments_json, 64):
                yield self._chunk(conversation, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield self._chunk(conversation, {}, _FINISH[reply.stop])
        if conversation.options.get("include_usage"):
            usage = {
                "id": conversation.options["id"],
                "object": "chat.completion.chunk",
                "created": conversation.options["created"],
                "model": conversation.model,
                "choices": [],
                "usage": self._usage(reply),
            }
            yield sse(usage)
        yield sse("[DONE]")

    def error_body(self, error: ProtocolError, *, legacy: bool = False) -> dict[str, Any]:
        """`{"error": {"message", "type", "param", "code"}}`, or vLLM's older flat `{"object": "error", ...}`."""
        detail = {
            "message": error.message,
            "type": _ERROR_TYPES.get(error.status, "InternalServerError"),
            "param": None,
            "code": error.status,
        }
        return {"object": "error", **detail} if legacy else {"error": detail}

    def stream_error(self, error: ProtocolError) -> bytes:
        """A `data: {"error": ...}` event then `[DONE]`, as vLLM ends a stream that failed."""
        return sse(self.error_body(error)) + sse("[DONE]")

    def not_found(self, model: str) -> ProtocolError:
        """The vLLM 404 for a model name it does not serve."""
        return ProtocolError(404, f"The model `{model}` does not exist.")

    def no_tools(self, model: str) -> ProtocolError:
        """The vLLM 400 when started without `--enable-auto-tool-choice`."""
        return ProtocolError(
            400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
        )

    def context_exceeded(self, conversation: Conversation, context_length: int) -> ProtocolError:
        """The vLLM 400 for a prompt (plus the requested completion) longer than the context."""
        prompt, completion = conversation.prompt_tokens, conversation.max_tokens
        if completion is None:
            return ProtocolError(
                400,
                f"This model's maximum context length is {context_length} tokens. However, your request has "
                f"{prompt} input tokens. Please reduce the length of the input messages.",
            )
        return ProtocolError(
            400,
            f"This model's maximum context length is {context_length} tokens. However, you requested "
            f"{prompt + completion} tokens ({prompt} in the messages, {completion} in the completion). "
            "Please reduce the length of the messages or completion.",
        )
