"""The loopback model server: one port speaking Ollama, OpenAI chat completions and Anthropic Messages.

Built on the standard library's `ThreadingHTTPServer` (no new dependency): one thread per
connection serves streaming answers and many concurrent attempts at once, and the request
handlers stay plain blocking code that is easy to read.

    with serve_in_thread(specs, faults=Faults(latency=0.2)) as server:
        client = httpx.Client(base_url=server.url)
        ...
        assert server.requests[-1].stream
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from agentspec.serve.faults import FaultDice, Faults
from agentspec.serve.handler import Handler
from agentspec.serve.state import RequestRecord, ServerState
from agentspec.spec.model import Spec

RequestHook = Callable[[RequestRecord], None]


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[Handler]) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up are normal here; the handler logs real errors itself."""


class _State(ServerState):
    def __init__(self, owner: ModelServer, specs: Iterable[Spec], faults: Faults, default_model: str | None) -> None:
        super().__init__(list(specs), faults, default_model)
        self.owner = owner

    def record(self, entry: RequestRecord) -> None:
        with self.owner._lock:
            self.owner._requests.append(entry)

    def finished(self, entry: RequestRecord) -> None:
        if self.owner.on_request is not None and entry.status:
            self.owner.on_request(entry)


class ModelServer:
    """A model server on a loopback port with the scripted models `reference`, `nop` and `notools`.

    Args:
        specs: The specs the `reference` model can recognise and solve.
        host: The address to listen on.
        port: The port; 0 picks a free one (read it back from `port` or `url`).
        faults: The faults to inject; change them later by assigning `faults`.
        default_model: The scripted model serving names that match none (`nop`, `reference`), or None
            to answer such names with the protocol's 404.
        on_request: Called with each request's record once its answer is written.
    """

    def __init__(
        self,
        specs: Iterable[Spec] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        default_model: str | None = "nop",
        on_request: RequestHook | None = None,
    ) -> None:
        if default_model not in {None, "nop", "reference", "notools"}:
            raise ValueError(f"default_model must be nop, reference, notools or None, not {default_model!r}")
        self.on_request = on_request
        self._lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._state = _State(self, specs, faults or Faults(), default_model)
        handler = type("BoundHandler", (Handler,), {"state": self._state})
        self._http = _HTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return str(self._http.server_address[0])

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._http.server_address[1])

    @property
    def url(self) -> str:
        """`http://HOST:PORT`: the Ollama and Anthropic base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_urls(self) -> dict[str, str]:
        """The base URL each kind of client wants: ollama, openai (with `/v1`), anthropic."""
        return {"ollama": self.url, "openai": f"{self.url}/v1", "anthropic": self.url}

    @property
    def specs(self) -> list[Spec]:
        """The specs the `reference` model knows."""
        return list(self._state.specs)

    @property
    def faults(self) -> Faults:
        """The faults injected into chat requests."""
        return self._state.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._state.faults = faults
        self._state.dice = FaultDice(faults.seed)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the requests logged so far."""
        with self._lock:
            self._requests.clear()

    def serve_forever(self) -> None:
        """Serve until `close()` is called from another thread (or Ctrl-C in the calling one)."""
        self._http.serve_forever(poll_interval=0.05)

    def start(self) -> ModelServer:
        """Serve in a background thread; returns the server."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name=f"agentspec-serve-{self.port}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, let answers under way finish (2 s at most), hang up on open connections."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
        self._http.server_close()
        self._state.wait_idle(timeout=2.0)
        with self._http.connections_lock:
            connections = list(self._http.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def serve_in_thread(
    specs: Iterable[Spec] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: Faults | None = None,
    default_model: str | None = "nop",
    on_request: RequestHook | None = None,
) -> ModelServer:
    """Start a `ModelServer` in a background thread; use it as a context manager to stop it."""
    server = ModelServer(specs, host=host, port=port, faults=faults, default_model=default_model, on_request=on_request)
    return server.start()
