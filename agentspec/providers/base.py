"""The provider-neutral conversation, the `Provider` base class, and the registry of wire protocols.

A provider turns `Message`s and `ToolSpec`s into one server's wire protocol and its answer back into a
`Reply`. Subclasses implement `chat` (and usually `describe`) and register with `@register_provider`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, Protocol, TypeVar

from agentspec.errors import UsageError
from agentspec.providers.settings import ProviderSettings

Role = Literal["system", "user", "assistant", "tool"]
StopReason = Literal["end", "tool_calls", "length", "context", "other"]


class EndpointLike(Protocol):
    """A model behind a server (`agentspec.agents.Endpoint` is one)."""

    @property
    def provider(self) -> str:
        """The wire protocol: ollama, openai or anthropic."""

    @property
    def name(self) -> str:
        """The model's name on the server."""

    @property
    def base_url(self) -> str:
        """Where the server listens."""


@dataclass(frozen=True)
class ToolCall:
    """One tool call as the model made it.

    Attributes:
        id: The call's id (made up when the server gives none).
        name: The tool's name, as the model wrote it.
        arguments: The arguments, or None when they were not a JSON object.
        raw_arguments: The arguments as they arrived on the wire (JSON text).
        error: Why the arguments are unusable, when they are.
    """

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Message:
    """One message of the conversation; a `tool` message carries one tool call's result."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None
    thinking: str = ""
    is_error: bool = False


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model: a name, what it does, and its arguments as JSON Schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens of one request, as the server counted them (0 when it did not say).

    `input_tokens` is the whole prompt, the part the server took from its prompt cache included
    (Anthropic's `input_tokens` leaves it out: its cache reads and writes are added back);
    `cached_input_tokens` is that cached part.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    @property
    def total(self) -> int:
        """Prompt plus completion tokens."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Reply:
    """The model's answer to one request.

    Attributes:
        message: The assistant message: text, thinking, tool calls.
        stop_reason: Why generation stopped, normalised: end, tool_calls, length, context (the window
            is full) or other.
        raw_stop_reason: The server's own word for it (finish_reason, done_reason, stop_reason).
        usage: Token counts.
        duration_s: Seconds from sending the request to the end of the reply (last attempt only).
        first_token_s: Seconds to the first generated token, when streaming.
        retries: How many times the request had to be sent again.
    """

    message: Message
    stop_reason: StopReason
    raw_stop_reason: str | None
    usage: Usage
    duration_s: float = 0.0
    first_token_s: float | None = None
    retries: int = 0


@dataclass(frozen=True)
class BackendInfo:
    """What a server tells about itself and the model (None where it does not say)."""

    provider: str
    model: str
    base_url: str
    server: str | None = None
    server_version: str | None = None
    model_digest: str | None = None
    context_length: int | None = None
    quantization: str | None = None
    capabilities: tuple[str, ...] | None = None
    models: tuple[str, ...] = ()
    tool_call_seen: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for run details and attempt details)."""
        facts = asdict(self)
        facts["capabilities"] = list(self.capabilities) if self.capabilities is not None else None
        facts["models"] = list(self.models)
        return facts


class Provider(ABC):
    """Speaks one wire protocol to one model. Subclasses set `name` and implement `chat`."""

    name: ClassVar[str]
    # Where its server usually listens, and the environment variable that names another address.
    default_base_url: ClassVar[str] = "http://127.0.0.1:8000/v1"
    base_url_variable: ClassVar[str | None] = None

    def __init__(self, endpoint: EndpointLike, settings: ProviderSettings | None = None) -> None:
        """Remember the endpoint and settings; subclasses open their HTTP client here."""
        self.endpoint = endpoint
        self.settings = settings or ProviderSettings()

    @property
    def model(self) -> str:
        """The model's name on the server."""
        return self.endpoint.name

    @abstractmethod
    async def chat(self, messages: Sequence[Message], tools: Sequence[ToolSpec], *, stream: bool) -> Reply:
        """Send the conversation, get the model's next message.

        Raises:
            BackendError: The request failed for good; its `failure_kind` says how.
        """

    async def describe(self) -> BackendInfo:
        """What the server says about itself and the model; raises BackendError if the model is missing."""
        return BackendInfo(self.name, self.model, self.endpoint.base_url)

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most providers override it
        """Release connections."""

    async def __aenter__(self) -> Provider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


P = TypeVar("P", bound=type[Provider])
_REGISTRY: dict[str, type[Provider]] = {}


def register_provider(cls: P) -> P:
    """Class decorator: make a provider available under its `name` (the part before `/` in a model)."""
    _REGISTRY[cls.name] = cls
    return cls


def provider_class(name: str) -> type[Provider] | None:
    """The provider registered under `name`, if any."""
    return _REGISTRY.get(name)


def provider_names() -> list[str]:
    """Every registered provider name."""
    return sorted(_REGISTRY)


def provider_for(endpoint: EndpointLike, settings: ProviderSettings | None = None) -> Provider:
    """A new provider for `endpoint`; close it with `aclose` (or `async with`)."""
    cls = _REGISTRY.get(endpoint.provider)
    if cls is None:
        raise UsageError(f"unknown provider {endpoint.provider!r}; choose from {', '.join(provider_names())}")
    return cls(endpoint, settings)
