"""The agent interface: what every agent gets, what it returns, and the registry the CLI looks names up in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from agentspec.errors import UsageError
from agentspec.failures import Kind, as_kind
from agentspec.providers import Endpoint as Endpoint
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Limits, Spec


@dataclass(frozen=True)
class AgentTask:
    """Everything an agent gets for one attempt."""

    spec: Spec
    workspace: Path
    scratch: Path
    sandbox: Sandbox
    endpoint: Endpoint | None = None
    # The context the server serves per request (preflight's finding), for harnesses to be told; None if unknown.
    context_window: int | None = None

    @property
    def instructions(self) -> str:
        """The prompt, verbatim from the spec."""
        return self.spec.instructions

    @property
    def limits(self) -> Limits:
        """The agent's budget."""
        return self.spec.limits


@dataclass
class AgentResult:
    """What an agent did: its transcript, turns, tokens, time, and the error that stopped it, if any."""

    transcript: list[dict[str, Any]] = field(default_factory=list)
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    duration_s: float = 0.0
    error: str | None = None
    failure_kind: Kind | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A `command:` agent's JSON or a user's parser may give the kind as text.
        if isinstance(self.failure_kind, str):
            self.failure_kind = as_kind(self.failure_kind)


class Agent(ABC):
    """Acts on a workspace. Subclasses set `name` and implement `act`."""

    name: ClassVar[str]
    needs_model: ClassVar[bool] = True
    # Whether a model may be given to an agent that does not need one (a command that may use it or not).
    model_optional: ClassVar[bool] = False
    # Whether the agent drives the model through tool calls (aider edits from plain text instead).
    uses_tools: ClassVar[bool] = True
    # Providers whose servers the agent cannot talk to, each with why and what to use instead (checked before
    # any attempt, so that a wrong pairing is one clear message and not a run of misclassified failures).
    refused_providers: ClassVar[Mapping[str, str]] = {}

    @property
    def label(self) -> str:
        """How the agent appears in reports."""
        return self.name

    @abstractmethod
    async def act(self, task: AgentTask) -> AgentResult:
        """Work on `task.workspace`; return what happened (raise nothing for the attempt's own failures)."""


AgentFactory = Callable[[str], Agent]
_REGISTRY: dict[str, AgentFactory] = {}
A = TypeVar("A", bound=type[Agent])


def register_agent(cls: A) -> A:
    """Class decorator: make an agent available by its `name` on the command line."""
    _REGISTRY[cls.name] = lambda _argument: cls()
    return cls


def register_agent_factory(prefix: str, factory: AgentFactory) -> None:
    """Register agents named `prefix:argument`, e.g. `command:<template>`."""
    _REGISTRY[prefix + ":"] = factory


def agent_names() -> list[str]:
    """Every registered agent name (prefixes end with ':')."""
    return sorted(_REGISTRY)


def get_agent(name: str) -> Agent:
    """Look an agent up by name, or `prefix:argument`."""
    if name in _REGISTRY:
        return _REGISTRY[name](name)
    prefix, sep, argument = name.partition(":")
    if sep and prefix + ":" in _REGISTRY:
        return _REGISTRY[prefix + ":"](argument)
    raise UsageError(f"unknown agent {name!r}; choose from {', '.join(agent_names())}")
