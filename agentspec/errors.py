"""The exceptions agentspec raises.

Two families, kept apart on purpose: a user's mistake stops the command with one clear
message and no traceback; a problem inside one attempt is stored on that attempt and the
run goes on.

    AgentspecError
    ├── UserError                 printed as one message, no traceback
    │   ├── UsageError            a bad flag or argument (exit 2)
    │   ├── SpecError             one or more specs failed to load or validate
    │   ├── ConfigError           a bad project config (agentspec.toml, [tool.agentspec])
    │   └── BackendError          a model endpoint that cannot be used (unreachable, no model...)
    └── SandboxError              the sandbox could not start a command (that attempt's `sandbox_error`)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agentspec.failures import FailureKind


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one spec, located in its file."""

    path: Path
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class AgentspecError(Exception):
    """Base class of every error agentspec raises on purpose."""


class UserError(AgentspecError):
    """A mistake the user can fix; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(UserError):
    """A bad command-line flag or argument."""

    exit_code = 2


class SpecError(UserError):
    """One or more specs are invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(UserError):
    """The project config (agentspec.toml or [tool.agentspec]) is invalid."""


class BackendError(UserError):
    """A model endpoint cannot be used: unreachable, model missing, no tool support."""

    def __init__(self, message: str, *, failure_kind: FailureKind = FailureKind.BACKEND_ERROR) -> None:
        self.failure_kind = failure_kind
        super().__init__(message)


class SandboxError(AgentspecError):
    """The sandbox could not run a command; inside an attempt it is stored as that attempt's `sandbox_error`."""

    failure_kind = FailureKind.SANDBOX_ERROR
