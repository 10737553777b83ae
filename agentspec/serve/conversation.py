"""The protocol-neutral view of a chat request and of a scripted model's reply.

Each wire protocol (Ollama, OpenAI, Anthropic) parses its request body into a `Conversation`
and renders a `Reply` back in its own shape, so the scripted models never see a protocol.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

StopReason = Literal["end", "tool_use", "length"]


@dataclass(frozen=True)
class Tool:
    """A tool the client offers: its name and the JSON Schema properties of its arguments."""

    name: str
    description: str = ""
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @classmethod
    def from_schema(cls, name: str, description: str | None, schema: Any) -> Tool:
        """Build a tool from a name, a description and a JSON Schema object (any of them sloppy)."""
        schema = schema if isinstance(schema, dict) else {}
        properties = schema.get("properties")
        required = schema.get("required")
        return cls(
            name=name,
            description=description or "",
            properties={k: v for k, v in properties.items() if isinstance(v, dict)}
            if isinstance(properties, dict)
            else {},
            required=tuple(r for r in required if isinstance(r, str)) if isinstance(required, list) else (),
        )


@dataclass
class Message:
    """One message of the conversation, reduced to what the scripted models look at."""

    role: str
    text: str = ""


@dataclass
class Conversation:
    """A chat request in neutral form."""

    model: str
    system: str = ""
    messages: list[Message] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    max_tokens: int | None = None
    prompt_tokens: int = 1
    think: bool = False
    response_schema: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolCall:
    """A tool call the model makes; `raw_arguments` overrides the JSON text (for malformed calls)."""

    name: str
    arguments: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:24])
    raw_arguments: str | None = None

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON text a model would emit."""
        if self.raw_arguments is not None:
            return self.raw_arguments
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Reply:
    """What a scripted model answers: text and/or tool calls, why it stopped, and token counts."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop: StopReason = "end"
    prompt_tokens: int = 1
    completion_tokens: int = 1
    thinking: str = ""


def estimate_tokens(text: str) -> int:
    """A plausible token count for `text`: about four characters a token, never zero."""
    return max(1, (len(text) + 3) // 4)


def text_of(content: Any) -> str:
    """Plain text from message content that is a string, a list of parts/blocks, or None."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(text_of(part) for part in content)
    if isinstance(content, dict):
        if isinstance(content.get("text"), str):
            return str(content["text"])
        if "content" in content:
            return text_of(content["content"])
    return ""


def limit(reply: Reply, max_tokens: int | None) -> Reply:
    """Cut a reply that would exceed the client's `max_tokens`, as a real model stops mid-answer."""
    if max_tokens is None or max_tokens <= 0 or reply.completion_tokens <= max_tokens:
        return reply
    text = reply.text or "\n".join(call.arguments_json for call in reply.tool_calls)
    return Reply(
        text=text[: max_tokens * 4],
        stop="length",
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=max_tokens,
        thinking=reply.thinking,
    )
