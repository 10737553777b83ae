"""The scripted models the server offers, and how a requested model name maps to one.

Names are matched on their words, ignoring any `provider/` prefix and `:tag`, so
`reference`, `reference:latest`, `ollama_chat/reference` and `my-reference-model` all reach
`reference`. A name with the word `missing` is never found (404), for testing that path.
Any other name gets the server's default model (`nop` unless changed), so a harness's side
requests to its own small model (Claude Code's title request to a haiku model) get a short
answer instead of an error; a default of None makes such names 404 like a real server.
The model lookups (`GET /v1/models/{id}`, `POST /api/show`) and the listings never use the default:
they name only the models served, so a run's preflight stops at a model the server does not serve.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentspec.serve.conversation import Conversation, Reply, estimate_tokens
from agentspec.serve.reference import finish, reference_reply
from agentspec.spec.model import Spec

NOP_TEXT = "I have looked at the task and I am leaving the files as they are."


@dataclass(frozen=True)
class ModelCard:
    """A scripted model: its name, what it does, and whether it accepts tools."""

    name: str
    behaviour: str
    tools: bool
    description: str


MODELS: dict[str, ModelCard] = {
    card.name: card
    for card in (
        ModelCard("reference", "reference", True, "writes the spec's reference solution with the client's tools"),
        ModelCard("nop", "nop", True, "answers with a short text and changes nothing"),
        ModelCard(
            "notools",
            "reference",
            False,
            "like reference, but without tool support: a request with tools is refused",
        ),
    )
}


def _words(name: str) -> list[str]:
    base = name.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return [w for w in re.split(r"[^a-z0-9]+", base) if w]


def resolve_model(name: str, default: str | None = "nop") -> ModelCard | None:
    """The scripted model serving `name`, or None when the name is not found."""
    words = _words(name)
    joined = "".join(words)
    if "missing" in words:
        return None
    if "notools" in joined:
        return MODELS["notools"]
    for card in (MODELS["reference"], MODELS["nop"]):
        if card.name in words:
            return card
    return MODELS[default] if default is not None else None


def nop_reply(conversation: Conversation) -> Reply:
    """A short text answer, no tool calls but the submit command of a client that ends runs by one."""
    return finish(conversation, NOP_TEXT)


def schema_value(schema: Any, name: str = "") -> Any:
    """A small value that satisfies a JSON Schema (strings name the field), for structured-output requests."""
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" or (kind is None and "properties" in schema):
        properties = schema.get("properties")
        return {k: schema_value(v, k) for k, v in properties.items()} if isinstance(properties, dict) else {}
    if kind == "array":
        return []
    if kind in {"integer", "number"}:
        return 0
    if kind == "boolean":
        return False
    if kind == "string":
        return f"agentspec {name or 'answer'}".strip()
    return None


def respond(card: ModelCard, conversation: Conversation, specs: Sequence[Spec]) -> Reply:
    """The reply of the scripted model `card` to `conversation`.

    A request for structured output (a JSON schema, as Claude Code's session-title request sends)
    gets a JSON object that fits the schema, whatever the model.
    """
    if conversation.response_schema is not None:
        text = json.dumps(schema_value(conversation.response_schema) or {})
        return Reply(text=text, prompt_tokens=conversation.prompt_tokens, completion_tokens=estimate_tokens(text))
    if card.behaviour == "reference":
        return reference_reply(conversation, specs)
    return nop_reply(conversation)
