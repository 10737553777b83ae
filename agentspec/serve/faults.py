"""Fault injection: the ways a model server misbehaves, for testing clients and harnesses.

Faults apply to chat requests only (`/api/chat`, `/v1/chat/completions`, `/v1/messages`);
listing and showing models always works. A request can override the server's faults with the
header `x-agentspec-fault`, e.g. `x-agentspec-fault: error=429, latency=0.5` or
`x-agentspec-fault: malformed=json; drop`.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from agentspec.serve.conversation import Reply, ToolCall

FAULT_HEADER = "x-agentspec-fault"
Malformed = Literal["json", "text", "name"]
MALFORMED_MODES: tuple[str, ...] = ("json", "text", "name")


class FaultSyntaxError(ValueError):
    """The fault header could not be parsed."""


@dataclass(frozen=True)
class Faults:
    """How the server misbehaves.

    Attributes:
        latency: Seconds to wait before the first byte of a chat response.
        error_rate: Share of chat requests (0 to 1) answered with an HTTP error instead.
        error_statuses: The statuses such errors take, drawn in turn at random (429 carries Retry-After).
        retry_after: Seconds in the Retry-After header of 429 and 529 answers.
        seed: Seed of the draws, so a run of requests fails the same way every time.
        error: Always answer chat requests with this HTTP status (e.g. per request, through the header).
        malformed: Break the tool calls: `json` arguments that are not valid JSON (where the protocol
            carries objects, the call comes out as broken text), `text` calls written as plain text in
            the content, `name` calls to a tool the client did not offer.
        drop_mid_stream: Close the connection after the first chunk (half the body when not streaming).
        error_mid_stream: After the first chunk, send the protocol's in-stream error and stop.
        context_length: Refuse prompts longer than this many tokens, and report it as the context size.
        legacy_errors: OpenAI errors in vLLM's older flat shape `{"object": "error", "message", ...}`.
        mistral_tool_ids: Refuse, as vLLM serving a Mistral model (Devstral) does, a request whose history
            carries a tool call id that is not nine letters and digits: the tool-format incompatibility
            that stops such models in harnesses which keep other ids.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 429)
    retry_after: float = 1.0
    seed: int = 0
    error: int | None = None
    malformed: Malformed | None = None
    drop_mid_stream: bool = False
    error_mid_stream: bool = False
    context_length: int | None = None
    legacy_errors: bool = False
    mistral_tool_ids: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1, not {self.error_rate}")
        if self.latency < 0 or self.retry_after < 0:
            raise ValueError("latency and retry_after must not be negative")
        if self.malformed is not None and self.malformed not in MALFORMED_MODES:
            raise ValueError(f"malformed must be one of {', '.join(MALFORMED_MODES)}, not {self.malformed!r}")
        if not self.error_statuses:
            raise ValueError("error_statuses must not be empty")

    def with_header(self, header: str | None) -> Faults:
        """These faults overridden by an `x-agentspec-fault` header value; raises FaultSyntaxError."""
        if not header:
            return self
        names = {f.name for f in fields(self)}
        changes: dict[str, Any] = {}
        for item in header.replace(";", ",").split(","):
            key, sep, value = item.strip().partition("=")
            key = key.strip().lower().replace("-", "_")
            if not key:
                continue
            if key == "drop":
                key = "drop_mid_stream"
            if key not in names:
                raise FaultSyntaxError(f"unknown fault {key!r} in {FAULT_HEADER}; known: {', '.join(sorted(names))}")
            changes[key] = _value(key, value.strip() if sep else "true")
        try:
            return replace(self, **changes)
        except (TypeError, ValueError) as exc:
            raise FaultSyntaxError(f"{FAULT_HEADER}: {exc}") from None


def _value(key: str, text: str) -> Any:
    try:
        if key in {"drop_mid_stream", "error_mid_stream", "legacy_errors", "mistral_tool_ids"}:
            return text.lower() in {"1", "true", "yes", "on"}
        if key in {"latency", "error_rate", "retry_after"}:
            return float(text)
        if key in {"seed", "error", "context_length"}:
            return int(text)
        if key == "error_statuses":
            return tuple(int(part) for part in text.split("/"))
    except ValueError:
        raise FaultSyntaxError(f"{FAULT_HEADER}: {key}={text!r} is not a number") from None
    return text


@dataclass
class FaultDice:
    """The seeded draws deciding which requests fail; safe to share between threads."""

    seed: int = 0
    _random: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def error_status(self, faults: Faults) -> int | None:
        """The HTTP error this request gets, or None."""
        if faults.error is not None:
            return faults.error
        if faults.error_rate <= 0:
            return None
        with self._lock:
            if self._random.random() >= faults.error_rate:
                return None
            return self._random.choice(faults.error_statuses)


def break_tool_calls(reply: Reply, mode: Malformed | None, *, carries_strings: bool, offered: set[str]) -> Reply:
    """The reply with its tool calls broken the way `mode` says (unchanged when it has none)."""
    if mode is None or not reply.tool_calls:
        return reply
    if mode == "name":
        calls = [ToolCall(_unknown_name(offered), c.arguments, c.id) for c in reply.tool_calls]
        return replace(reply, tool_calls=calls)
    if mode == "json" and carries_strings:
        calls = [ToolCall(c.name, c.arguments, c.id, raw_arguments=_broken_json(c)) for c in reply.tool_calls]
        return replace(reply, tool_calls=calls)
    blocks = []
    for call in reply.tool_calls:
        arguments = _broken_json(call) if mode == "json" else json.dumps(call.arguments, ensure_ascii=False)
        blocks.append(f'<tool_call>\n{{"name": "{call.name}", "arguments": {arguments}}}\n</tool_call>')
    return replace(reply, text="\n".join(blocks), tool_calls=[], stop="end")


def _broken_json(call: ToolCall) -> str:
    # A model that stops a string early and forgets the closing quote and brace.
    text = json.dumps(call.arguments, ensure_ascii=False)
    return text[: max(1, len(text) - 2)].rstrip('"') + "\\"


def _unknown_name(offered: set[str]) -> str:
    candidate = "create_file"
    while candidate in offered:
        candidate += "_"
    return candidate


# The check mistral_common makes on every tool call id in a request.
MISTRAL_TOOL_ID = re.compile(r"[a-zA-Z0-9]{9}")
_ID_KEYS = ("tool_call_id", "tool_use_id", "call_id")


def foreign_tool_id(body: Any) -> str | None:
    """The first tool call id in a request body (any protocol) that a Mistral model would refuse."""
    if isinstance(body, list):
        return next((found for item in body if (found := foreign_tool_id(item)) is not None), None)
    if not isinstance(body, dict):
        return None
    for key in _ID_KEYS:
        value = body.get(key)
        if isinstance(value, str) and not MISTRAL_TOOL_ID.fullmatch(value):
            return value
    return next((found for item in body.values() if (found := foreign_tool_id(item)) is not None), None)


def mistral_tool_id_error(tool_id: str) -> str:
    """The message vLLM relays from mistral_common for such an id."""
    return f"Tool call id was {tool_id} but must be a-z, A-Z, 0-9, with a length of 9."
