"""What the request handlers share: the request log's records and the server's state."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentspec.serve.faults import FaultDice, Faults
from agentspec.spec.model import Spec


@dataclass
class RequestRecord:
    """One request as the server saw it; complete before the first byte of the answer is sent.

    Attributes:
        method: The HTTP method.
        path: The path without the query string.
        query: The query string (Claude Code sends `beta=true`).
        protocol: `ollama`, `openai` or `anthropic`, or None for routes of no protocol.
        model: The model name the client asked for.
        stream: Whether the answer was streamed (None for non-chat routes).
        status: The HTTP status of the answer.
        tools: The names of the tools the client offered.
        fault: The fault injected (`latency`, `error`, `drop_mid_stream`, `error_mid_stream`, `malformed`,
            `context_length`), or None.
        headers: The request headers, names lowercased.
        body: The request body, parsed from JSON when it was JSON.
    """

    method: str
    path: str
    query: str = ""
    protocol: str | None = None
    model: str | None = None
    stream: bool | None = None
    status: int = 0
    tools: tuple[str, ...] = ()
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class ServerState:
    """What every handler thread shares: specs, faults, the request log."""

    def __init__(self, specs: Sequence[Spec], faults: Faults, default_model: str | None) -> None:
        self.specs = list(specs)
        self.faults = faults
        self.dice = FaultDice(faults.seed)
        self.default_model = default_model
        self._in_flight = 0
        self._idle = threading.Condition()

    def started(self) -> None:
        """Count a request as in flight."""
        with self._idle:
            self._in_flight += 1

    def done(self, entry: RequestRecord) -> None:
        """Report a request finished (see `finished`) and count it out."""
        try:
            self.finished(entry)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is in flight; False if some still are after `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def record(self, entry: RequestRecord) -> None:
        """Add an entry to the request log (the server overrides this)."""

    def finished(self, entry: RequestRecord) -> None:
        """Called once the answer to `entry` is written (the server overrides this)."""
