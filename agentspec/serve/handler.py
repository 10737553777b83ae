"""One HTTP exchange: route the request, run the chat pipeline with its faults, write the answer."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from agentspec.serve import catalog
from agentspec.serve.anthropic import AnthropicProtocol
from agentspec.serve.conversation import limit
from agentspec.serve.faults import (
    FAULT_HEADER,
    Faults,
    FaultSyntaxError,
    break_tool_calls,
    foreign_tool_id,
    mistral_tool_id_error,
)
from agentspec.serve.models import resolve_model, respond
from agentspec.serve.ollama import OllamaProtocol
from agentspec.serve.openai import OpenAIProtocol
from agentspec.serve.protocol import Protocol, ProtocolError
from agentspec.serve.responses import ResponsesProtocol
from agentspec.serve.state import RequestRecord, ServerState

logger = logging.getLogger("agentspec.serve")
OLLAMA, OPENAI, ANTHROPIC = OllamaProtocol(), OpenAIProtocol(), AnthropicProtocol()
CHAT_ROUTES: dict[str, Protocol] = {"/api/chat": OLLAMA, "/v1/chat/completions": OPENAI, "/v1/messages": ANTHROPIC}
CHAT_ROUTES["/v1/responses"] = ResponsesProtocol()


class Handler(BaseHTTPRequestHandler):
    """Serves the three protocols on one port."""

    protocol_version = "HTTP/1.1"
    server_version = "agentspec-serve"
    timeout = 120
    disable_nagle_algorithm = True  # small frames go out at once, not after a 40 ms delayed ACK
    state: ServerState

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log (and the CLI's line per request) replaces the default stderr lines."""

    def do_GET(self) -> None:
        """Answer a GET request."""
        self._handle()

    def do_POST(self) -> None:
        """Answer a POST request."""
        self._handle()

    def do_HEAD(self) -> None:
        """Answer a HEAD request."""
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.entry = RequestRecord(self.command, path, url.query, headers=headers)
        self._sent = False
        self.state.started()
        try:
            raw = self._read_body()
            self.entry.body = _json_or_text(raw)
            self._route(path)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # a bug here must not kill the thread silently: answer 500, keep serving
            self.close_connection = True
            logger.exception("agentspec serve: error handling %s %s", self.command, self.path)
            if not self._sent:
                self._json(500, {"error": f"agentspec serve: internal error: {exc}"}, None)
        finally:
            self.state.done(self.entry)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _route(self, path: str) -> None:
        body = self.entry.body
        if path in CHAT_ROUTES and self.command == "POST":
            self._chat(CHAT_ROUTES[path], body)
        elif path == "/" and self.command in {"GET", "HEAD"}:
            self._send(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif path == "/api/tags" and self.command == "GET":
            self._json(200, catalog.ollama_tags(), OLLAMA)
        elif path == "/api/ps" and self.command == "GET":
            self._json(200, catalog.ollama_ps(), OLLAMA)
        elif path == "/api/version" and self.command == "GET":
            self._json(200, catalog.ollama_version(), OLLAMA)
        elif path == "/api/show" and self.command == "POST":
            self._show(body)
        elif path == "/v1/models" and self.command == "GET":
            if self._anthropic_client():
                self._json(200, catalog.anthropic_models(), ANTHROPIC)
            else:
                self._json(200, catalog.openai_models(self.state.faults.context_length), OPENAI)
        elif path.startswith("/v1/models/") and self.command == "GET":
            self._one_model(path.removeprefix("/v1/models/"))
        elif path == "/v1/messages/count_tokens" and self.command == "POST":
            self._count_tokens(body)
        elif path.startswith("/api/"):
            self._send(404, b"404 page not found", "text/plain")
        elif self._anthropic_client():
            self._error(ANTHROPIC, ProtocolError(404, "Not Found"))
        else:
            self._json(404, {"detail": "Not Found"}, None)

    def _anthropic_client(self) -> bool:
        return "anthropic-version" in self.entry.headers or "x-api-key" in self.entry.headers

    def _show(self, body: Any) -> None:
        name = body.get("model") or body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            self._error(OLLAMA, ProtocolError(400, "model is required"))
            return
        self.entry.model = name
        card = resolve_model(name, None)
        if card is None:
            self._error(OLLAMA, OLLAMA.not_found(name))
        else:
            self._json(200, catalog.ollama_show(card, self.state.faults.context_length), OLLAMA)

    def _one_model(self, name: str) -> None:
        protocol = ANTHROPIC if self._anthropic_client() else OPENAI
        # Lookups name only the models served (no default): a preflight asking for another name must fail.
        card = resolve_model(name, None)
        if card is None:
            self._error(protocol, protocol.not_found(name))
        elif protocol is ANTHROPIC:
            self._json(200, catalog.anthropic_model(card), protocol)
        else:
            self._json(200, catalog.openai_model(card, self.state.faults.context_length), protocol)

    def _count_tokens(self, body: Any) -> None:
        try:
            if not isinstance(body, dict):
                raise ProtocolError(400, "request body must be a JSON object")
            self.entry.model = body.get("model") if isinstance(body.get("model"), str) else None
            self._json(200, ANTHROPIC.count_tokens(body), ANTHROPIC)
        except ProtocolError as error:
            self._error(ANTHROPIC, error)

    def _chat(self, protocol: Protocol, body: Any) -> None:
        self.entry.protocol = protocol.name
        faults = self.state.faults
        try:
            if not isinstance(body, dict):
                raise ProtocolError(400, "request body must be a JSON object")
            self.entry.model = body.get("model") if isinstance(body.get("model"), str) else None
            self.entry.stream = protocol.wants_stream(body)
            try:
                faults = faults.with_header(self.entry.headers.get(FAULT_HEADER))
            except FaultSyntaxError as exc:
                raise ProtocolError(400, str(exc)) from None
            if faults.latency > 0:
                self.entry.fault = "latency"
                time.sleep(faults.latency)
            status = self.state.dice.error_status(faults)
            if status is not None:
                self.entry.fault = "error"
                raise protocol.fault(status)
            conversation = protocol.parse(body)
            foreign = foreign_tool_id(body) if faults.mistral_tool_ids else None
            if foreign is not None:
                self.entry.fault = "mistral_tool_ids"
                raise ProtocolError(400, mistral_tool_id_error(foreign))
            self.entry.tools = tuple(t.name for t in conversation.tools)
            card = resolve_model(conversation.model, self.state.default_model)
            if card is None:
                raise protocol.not_found(conversation.model)
            if conversation.tools and not card.tools:
                raise protocol.no_tools(conversation.model)
            if faults.context_length is not None and conversation.prompt_tokens > faults.context_length:
                self.entry.fault = "context_length"
                raise protocol.context_exceeded(conversation, faults.context_length)
        except ProtocolError as error:
            self._error(protocol, error, faults)
            return
        reply = limit(respond(card, conversation, self.state.specs), conversation.max_tokens)
        carries = protocol.carries_strings(bool(self.entry.stream))
        offered = set(self.entry.tools)
        broken = break_tool_calls(reply, faults.malformed, carries_strings=carries, offered=offered)
        if broken is not reply:
            self.entry.fault = "malformed"
        if self.entry.stream:
            self._stream(protocol, protocol.stream(broken, conversation), faults)
        else:
            data = json.dumps(protocol.render(broken, conversation), ensure_ascii=False).encode("utf-8")
            if faults.drop_mid_stream:
                self.entry.fault = "drop_mid_stream"
            self._send(200, data, "application/json", _request_id(protocol), drop=faults.drop_mid_stream)

    def _stream(self, protocol: Protocol, frames: Iterator[bytes], faults: Faults) -> None:
        if faults.drop_mid_stream:
            self.entry.fault = "drop_mid_stream"
        elif faults.error_mid_stream:
            self.entry.fault = "error_mid_stream"
        self._start(200, protocol.stream_content_type, {"Cache-Control": "no-cache", **_request_id(protocol)})
        for index, frame in enumerate(frames):
            self._chunk(frame)
            if index == 0 and faults.drop_mid_stream:
                self._abort()
                return
            if index == 0 and faults.error_mid_stream:
                self._chunk(protocol.stream_error(protocol.fault(529 if protocol is ANTHROPIC else 500)))
                break
        self._chunk(b"")

    def _start(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        self.entry.status = status
        self.state.record(self.entry)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._sent = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _abort(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _error(self, protocol: Protocol, error: ProtocolError, faults: Faults | None = None) -> None:
        faults = faults or self.state.faults
        headers = _request_id(protocol)
        if error.status in {429, 503, 529}:
            seconds = faults.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"
            headers["retry-after-ms"] = str(int(seconds * 1000))
        payload = protocol.error_body(error, legacy=faults.legacy_errors)
        self._send(error.status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _json(self, status: int, payload: Any, protocol: Protocol | None) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json", _request_id(protocol))

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None, *, drop: bool = False
    ) -> None:
        self.entry.status = status
        self.state.record(self.entry)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self._sent = True
        if self.command == "HEAD":
            return
        if drop:
            self.wfile.write(data[: len(data) // 2])
            self._abort()
            return
        self.wfile.write(data)


def _request_id(protocol: Protocol | None) -> dict[str, str]:
    if protocol is ANTHROPIC:
        return {"request-id": f"req_01{uuid.uuid4().hex[:22]}"}
    if isinstance(protocol, OpenAIProtocol):
        return {"x-request-id": uuid.uuid4().hex}
    return {}


def _json_or_text(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode("utf-8", errors="replace")
