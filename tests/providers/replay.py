"""A loopback HTTP server that plays back recorded answers, byte for byte, for wire-level edge cases.

`agentspec serve` covers the protocols end to end; this covers what a test needs exact control of:
a recorded stream split at awkward places, a Retry-After date, a server that goes silent, a stream
that ends early. Each request takes the next scripted `Answer` (the last one repeats).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    """One scripted answer: status, headers, body pieces and pauses."""

    status: int = 200
    chunks: Sequence[bytes] = ()
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    gap_s: float = 0.0

    @classmethod
    def json(cls, payload: Any, status: int = 200, **extra: Any) -> Answer:
        return cls(status, [json.dumps(payload).encode()], {"Content-Type": "application/json"}, **extra)


@dataclass
class Replay:
    """The running server: its URL, the script, and the requests it received."""

    url: str
    script: dict[str, list[Answer]]
    requests: list[tuple[str, str, Any]] = field(default_factory=list)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)


def _handler(replay: Replay, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            with lock:
                replay.requests.append((self.command, path, json.loads(raw) if raw else None))
                answers = replay.script.get(path) or [Answer.json({"error": "404 page not found"}, 404)]
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
            time.sleep(answer.delay_s)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for index, chunk in enumerate(answer.chunks):
                if index:
                    time.sleep(answer.gap_s)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")

        do_GET = _serve
        do_POST = _serve

    return Handler


@contextmanager
def replay_server(script: dict[str, list[Answer]]) -> Iterator[Replay]:
    """Serve `script` ({path: answers}) on a free loopback port for the duration of the block."""
    lock = threading.Lock()
    replay = Replay("", script)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay, lock))
    server.daemon_threads = True
    replay.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def ndjson(*items: Any) -> list[bytes]:
    """NDJSON lines, one chunk each."""
    return [json.dumps(item).encode() + b"\n" for item in items]


def sse(*events: tuple[str | None, Any]) -> list[bytes]:
    """Server-sent events, one chunk each; a str payload is sent as is (`[DONE]`)."""
    chunks = []
    for event, payload in events:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        chunks.append((f"event: {event}\n" if event else "").encode() + f"data: {data}\n\n".encode())
    return chunks
