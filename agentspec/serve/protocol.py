"""What every wire protocol provides: parse a chat request, render a reply, word its errors."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

from agentspec.serve.conversation import Conversation, Reply, estimate_tokens

ErrorKind = Literal["invalid_request", "not_found", "rate_limit", "server", "overloaded", "unavailable"]
STATUS_KINDS: dict[int, ErrorKind] = {
    400: "invalid_request",
    404: "not_found",
    429: "rate_limit",
    500: "server",
    503: "unavailable",
    529: "overloaded",
}


class ProtocolError(Exception):
    """A request answered with an HTTP error; the protocol shapes the body."""

    def __init__(self, status: int, message: str, *, kind: ErrorKind | None = None) -> None:
        self.status = status
        self.message = message
        self.kind: ErrorKind = kind or STATUS_KINDS.get(status, "server" if status >= 500 else "invalid_request")
        super().__init__(message)


def pieces(text: str, size: int) -> list[str]:
    """`text` cut into pieces of at most `size` characters, as a model streams it."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def json_line(payload: Any) -> bytes:
    """One NDJSON line."""
    return json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n"


def sse(payload: Any, event: str | None = None) -> bytes:
    """One server-sent event carrying JSON (or a literal string such as `[DONE]`)."""
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


def body_tokens(body: dict[str, Any]) -> int:
    """A plausible prompt token count for a request body: everything but the sampling settings."""
    skip = {"stream", "options", "temperature", "top_p", "max_tokens", "metadata", "stream_options"}
    return estimate_tokens(json.dumps({k: v for k, v in body.items() if k not in skip}, ensure_ascii=False))


class Protocol(ABC):
    """One wire protocol. Subclasses parse requests and render replies and errors."""

    name: ClassVar[str]
    stream_by_default: ClassVar[bool] = False
    stream_content_type: ClassVar[str] = "text/event-stream; charset=utf-8"

    def wants_stream(self, body: dict[str, Any]) -> bool:
        """Whether the request asks for a streamed answer."""
        stream = body.get("stream")
        return self.stream_by_default if stream is None else bool(stream)

    def carries_strings(self, stream: bool) -> bool:
        """Whether tool call arguments travel as JSON text (so they can be malformed JSON)."""
        return False

    @abstractmethod
    def parse(self, body: dict[str, Any]) -> Conversation:
        """The request as a neutral conversation; raises ProtocolError when it is invalid."""

    @abstractmethod
    def render(self, reply: Reply, conversation: Conversation) -> dict[str, Any]:
        """The whole answer as one JSON body."""

    @abstractmethod
    def stream(self, reply: Reply, conversation: Conversation) -> Iterator[bytes]:
        """The answer as stream frames (NDJSON lines or server-sent events)."""

    @abstractmethod
    def error_body(self, error: ProtocolError, *, legacy: bool = False) -> dict[str, Any]:
        """The JSON body of an HTTP error."""

    @abstractmethod
    def stream_error(self, error: ProtocolError) -> bytes:
        """An error frame sent in the middle of a stream."""

    @abstractmethod
    def not_found(self, model: str) -> ProtocolError:
        """The error for a model the server does not have."""

    @abstractmethod
    def no_tools(self, model: str) -> ProtocolError:
        """The error for tools sent to a model without tool support."""

    @abstractmethod
    def context_exceeded(self, conversation: Conversation, context_length: int) -> ProtocolError:
        """The error for a prompt longer than the context."""

    def fault(self, status: int) -> ProtocolError:
        """An injected HTTP error with the message a real server would give."""
        messages = {
            429: "rate limit exceeded, retry later",
            500: "internal server error",
            503: "server busy, please try again later",
            529: "Overloaded",
        }
        return ProtocolError(status, messages.get(status, f"injected error {status}"))
