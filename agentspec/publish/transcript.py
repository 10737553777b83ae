"""An attempt's transcript as HTML: each message or turn, its text, thinking and tool calls, all escaped.

Transcripts come from many harnesses, so any JSON shape is accepted. The usual keys are laid out:
``role`` or ``turn``, text (``content``/``text``), ``thinking``, ``tool_calls`` (arguments as an
object or as JSON text, with ``result``), and Anthropic-style content blocks; other scalar keys
are listed as small facts and anything else is shown as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from agentspec.publish import blocks
from agentspec.publish.escape import text

MESSAGE_LIMIT = 300
TEXT_LIMIT = 20_000
_TEXT_KEYS = ("content", "text")
_RESULT_KEYS = ("result", "output", "content")
_HEADER_KEYS = frozenset({"role", "turn", "tool", "tool_name", "name", "path", "thinking", "tool_calls", *_TEXT_KEYS})


def _cut(value: str) -> str:
    if len(value) <= TEXT_LIMIT:
        return value
    return value[:TEXT_LIMIT] + f"\n[... {len(value) - TEXT_LIMIT} more characters not shown ...]"


def _json(value: Any) -> str:
    return _cut(json.dumps(value, indent=1, ensure_ascii=False, default=str))


def _facts(values: Mapping[str, Any], skip: frozenset[str]) -> str:
    """Scalar entries as 'key value' pairs in small print; nested ones as JSON."""
    shown = []
    for key, value in values.items():
        if key in skip or value is None or value == "":
            continue
        shown.append(f"{key} {value}" if isinstance(value, str | int | float | bool) else f"{key} {_json(value)}")
    return f'<p class="as-facts"><small>{text(" · ".join(shown))}</small></p>' if shown else ""


def _arguments(arguments: Any) -> tuple[str, str]:
    """Tool arguments as (inline HTML, block HTML): short values inline, long or multi-line ones as blocks."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return "", blocks.pre(_cut(arguments))
    if not isinstance(arguments, dict):
        return "", blocks.pre(_json(arguments))
    inline, long = [], []
    for key, value in arguments.items():
        if isinstance(value, str) and ("\n" in value or len(value) > 120):
            long.append(f'<p class="as-arg">{blocks.code(key)}</p>' + blocks.pre(_cut(value)))
        else:
            inline.append(f"{key}={json.dumps(value, ensure_ascii=False, default=str)}")
    return (blocks.code(_cut(", ".join(inline))) if inline else ""), "".join(long)


def call_view(call: Any) -> str:
    """One tool call: its name, arguments, result, and whether it worked."""
    if not isinstance(call, dict):
        return blocks.pre(_json(call), cls="as-json")
    name = str(call.get("name", "?"))
    arguments = call.get("arguments", call.get("input", {}))
    failed = call.get("ok") is False or bool(call.get("error"))
    mark = ' <span class="as-outcome as-failed">failed</span>' if failed else ""
    inline, long = _arguments(arguments)
    parts = [f'<p class="as-call">calls {blocks.code(name)}{mark} {inline}</p>', long]
    result = next((call[k] for k in _RESULT_KEYS if call.get(k) not in (None, "")), None)
    if result is not None:
        parts.append(blocks.pre(_cut(result) if isinstance(result, str) else _json(result)))
    skip = frozenset({"name", "arguments", "input", *_RESULT_KEYS})
    parts.append(_facts(call, skip))
    return "".join(parts)


def _content(content: Any) -> list[str]:
    if isinstance(content, str):
        return [blocks.pre(_cut(content))] if content else []
    if not isinstance(content, list):
        return [] if content is None else [blocks.pre(_json(content), cls="as-json")]
    parts = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text" and isinstance(block.get("text"), str):
            parts.append(blocks.pre(_cut(block["text"])))
        elif kind == "tool_use":
            parts.append(call_view(block))
        elif kind == "tool_result":
            failed = ' <span class="as-outcome as-failed">error</span>' if block.get("is_error") else ""
            parts.append(f'<p class="as-call">result{failed}</p>')
            parts += _content(block.get("content"))
        else:
            parts.append(blocks.pre(_json(block), cls="as-json"))
    return parts


# Stream events' bookkeeping, not worth a line each in a transcript.
_EVENT_NOISE = frozenset({"session_id", "uuid", "parent_tool_use_id", "id", "model", "stop_reason", "stop_sequence"})


def unwrap_event(event: dict[str, Any]) -> dict[str, Any]:
    """A harness's stream event (Claude Code's ``{"type": "assistant", "message": {...}}``) as a plain message.

    The result event becomes a ``result`` turn with its text; other entries are returned as they are.
    """
    kind, inner = event.get("type"), event.get("message")
    if kind in ("assistant", "user") and isinstance(inner, dict):
        flat = {k: v for k, v in inner.items() if k not in _EVENT_NOISE and k != "type"}
        return {"role": str(inner.get("role") or kind), **flat}
    if kind == "result":
        rest = {k: v for k, v in event.items() if k not in ("type", "result", "subtype", *_EVENT_NOISE)}
        return {"role": f"result ({event.get('subtype', '')})", "content": event.get("result"), **rest}
    if kind == "system" and "role" not in event:
        return {"role": "system", **{k: v for k, v in event.items() if k not in ("type", *_EVENT_NOISE)}}
    return event


def message_view(message: Any) -> str:
    """One transcript entry: a message (with a role) or a turn (with a number)."""
    if isinstance(message, dict):
        message = unwrap_event(message)
    if not isinstance(message, dict):
        return f'<div class="as-message">{blocks.pre(_json(message), cls="as-json")}</div>'
    who = str(message["role"]) if "role" in message else f"turn {message['turn']}" if "turn" in message else "entry"
    about = " ".join(str(message[k]) for k in ("tool", "tool_name", "name", "path") if message.get(k))
    parts = [f'<p class="as-role"><b>{text(who)}</b>{" " + blocks.code(about) if about else ""}</p>']
    parts.append(_facts(message, _HEADER_KEYS))
    thinking = message.get("thinking")
    if isinstance(thinking, str) and thinking:
        parts.append(blocks.details("thinking", blocks.pre(_cut(thinking)), kind="quote"))
    for key in _TEXT_KEYS:
        parts += _content(message.get(key))
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        parts.append(call_view(call))
    return f'<div class="as-message">{"".join(parts)}</div>'


def transcript_view(transcript: Sequence[Any]) -> str:
    """Every entry of a transcript, in order (the first MESSAGE_LIMIT of them)."""
    if not transcript:
        return blocks.paragraph("No transcript was recorded.")
    shown = [message_view(m) for m in transcript[:MESSAGE_LIMIT]]
    if len(transcript) > MESSAGE_LIMIT:
        shown.append(blocks.paragraph(f"{len(transcript) - MESSAGE_LIMIT} more entries not shown."))
    return "".join(shown)
