"""Ollama's native chat protocol: `POST /api/chat`, NDJSON streaming (the default), `{"error"}` bodies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from agentspec.serve.conversation import Conversation, Message, Reply, Tool, text_of
from agentspec.serve.protocol import Protocol, ProtocolError, body_tokens, json_line, pieces

OLLAMA_VERSION = "0.12.6"
_FAULT_MESSAGES = {
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}


def now_iso() -> str:
    """The current time as Ollama writes it."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class OllamaProtocol(Protocol):
    """`/api/chat` as Ollama serves it: tool call arguments are JSON objects, `stream` defaults to true."""

    name = "ollama"
    stream_by_default = True
    stream_content_type = "application/x-ndjson"

    def parse(self, body: dict[str, Any]) -> Conversation:
        """The request as a neutral conversation."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise ProtocolError(400, "model is required")
        messages = body.get("messages") or []
        if not isinstance(messages, list):
            raise ProtocolError(400, "messages must be an array")
        conversation = Conversation(model=model, prompt_tokens=body_tokens(body))
        for raw in messages:
            if not isinstance(raw, dict):
                raise ProtocolError(400, "invalid message: expected an object")
            role = str(raw.get("role", ""))
            if role not in {"system", "user", "assistant", "tool"}:
                raise ProtocolError(400, f"invalid role: {role!r}")
            message = Message(
                role=role,
                text=text_of(raw.get("content")),
            )
            if role == "system":
                conversation.system += message.text + "\n"
            conversation.messages.append(message)
        for raw in body.get("tools") or []:
            function = raw.get("function") if isinstance(raw, dict) else None
            if isinstance(function, dict) and isinstance(function.get("name"), str):
                conversation.tools.append(
                    Tool.from_schema(function["name"], function.get("description"), function.get("parameters"))
                )
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        num_predict = options.get("num_predict") if options else None
        if isinstance(num_predict, int) and num_predict > 0:
            conversation.max_tokens = num_predict
        form = body.get("format")
        if form == "json" or isinstance(form, dict):
            conversation.response_schema = form if isinstance(form, dict) else {}
        think = body.get("think")
        conversation.think = bool(think) and think not in {"false", "none"}
        return conversation

    def _message(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if conversation.think and reply.thinking:
            message["thinking"] = reply.thinking
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": f"call_{call.id}", "function": {"index": i, "name": call.name, "arguments": call.arguments}}
                for i, call in enumerate(reply.tool_calls)
            ]
        return message

    def _final(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        eval_ns = reply.completion_tokens * 8_000_000
        prompt_ns = reply.prompt_tokens * 200_000
        return {
            "done_reason": "length" if reply.stop == "length" else "stop",
            "done": True,
            "total_duration": eval_ns + prompt_ns + 2_000_000,
            "load_duration": 2_000_000,
            "prompt_eval_count": reply.prompt_tokens,
            "prompt_eval_duration": prompt_ns,
            "eval_count": reply.completion_tokens,
            "eval_duration": eval_ns,
        }

    def render(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        """The whole answer as one JSON body."""
        return {
            "model": conversation.model,
            "created_at": now_iso(),
            "message": self._message(reply, conversation),
            **self._final(reply, conversation),
        }

    def stream(self, reply: Reply, conversation: Conversation) -> Iterator[bytes]:
        """NDJSON chunks: thinking, content pieces, one chunk with all tool calls, then `done: true`."""
        head = {"model": conversation.model}
        if conversation.think and reply.thinking:
            for piece in pieces(reply.thinking, 24):
                message = {"role": "assistant", "content": "", "thinking": piece}
                yield json_line({**head, "created_at": now_iso(), "message": message, "done": False})
        for piece in pieces(reply.text, 32):
            message = {"role": "assistant", "content": piece}
            yield json_line({**head, "created_at": now_iso(), "message": message, "done": False})
        if reply.tool_calls:
            message = self._message(Reply(tool_calls=reply.tool_calls), conversation)
            yield json_line({**head, "created_at": now_iso(), "message": message, "done": False})
        final = {"role": "assistant", "content": ""}
        yield json_line({**head, "created_at": now_iso(), "message": final, **self._final(reply, conversation)})

    def error_body(self, error: ProtocolError, *, legacy: bool = False) -> dict[str, Any]:
        """`{"error": "..."}`."""
        return {"error": error.message}

    def stream_error(self, error: ProtocolError) -> bytes:
        """An `{"error": "..."}` line, as Ollama sends when a runner fails mid-answer."""
        return json_line({"error": error.message})

    def not_found(self, model: str) -> ProtocolError:
        """Ollama's 404 for a model that was never pulled."""
        return ProtocolError(404, f'model "{model}" not found, try pulling it first')

    def no_tools(self, model: str) -> ProtocolError:
        """Ollama's 400 for tools sent to a model whose template has none."""
        name = model if "/" in model else f"library/{model}"
        return ProtocolError(400, f"registry.ollama.ai/{name} does not support tools")

    def context_exceeded(self, conversation: Conversation, context_length: int) -> ProtocolError:
        """What Ollama says with `truncate: false` when the prompt does not fit."""
        return ProtocolError(400, "the input length exceeds the context length")

    def fault(self, status: int) -> ProtocolError:
        """Injected errors worded as Ollama words them."""
        if status in _FAULT_MESSAGES:
            return ProtocolError(status, _FAULT_MESSAGES[status])
        return super().fault(status)
