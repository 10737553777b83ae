"""Reading what a harness printed: JSON-lines events, the tail of a stream, strings clipped for transcripts."""

from __future__ import annotations

import json
import re
from typing import Any

from agentspec.failures import FailureKind
from agentspec.providers.classify import failure_kind

TEXT_LIMIT = 4000
# A tool call the model wrote as text, which a harness cannot run (the Devstral failure in the article).
TEXT_CALL = re.compile(
    r"<tool_call>|\[TOOL_CALLS\]|<function=|<\|python_tag\|>|<\|tool_call|<invoke name=|<tool_use>|"
    r'"name"\s*:\s*"\w+"\s*,\s*"(?:arguments|parameters|input)"\s*:'
)

# A Mistral model's server (vLLM relaying mistral_common) refusing the ids a harness gave tool calls.
TOOL_ID_REFUSED = re.compile(r"tool call id .{0,200}must be a-z, A-Z, 0-9, with a length of 9", re.IGNORECASE)


def error_kind(message: str, status: int | None = None) -> FailureKind:
    """The failure kind of a server error a harness reported: `tool_format` for a refused tool call id."""
    return FailureKind.TOOL_FORMAT if TOOL_ID_REFUSED.search(message) else failure_kind(message, status)


def json_events(stdout: str) -> list[dict[str, Any]]:
    """The JSON objects printed one per line (other lines, such as log noise, are skipped)."""
    events = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
    return events


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of `text`, stripped."""
    return "\n".join(text.strip().splitlines()[-lines:])


def clipped(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """`value` (parsed JSON) with every string longer than `limit` characters cut, for transcripts."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... [{len(value) - limit} more characters]"
    if isinstance(value, list):
        return [clipped(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: clipped(item, limit) for key, item in value.items()}
    return value
