"""agentspec: evaluate language models as coding agents, task by task, harness by harness."""

from agentspec.errors import (
    AgentFailure,
    AgentspecError,
    AttemptError,
    BackendError,
    ConfigError,
    Problem,
    SandboxError,
    SpecError,
    UsageError,
    UserError,
)
from agentspec.spec import File, Spec, TestFile, load_spec, load_specs, load_suite

__version__ = "0.1.0"

__all__ = [
    "AgentFailure",
    "AgentspecError",
    "AttemptError",
    "BackendError",
    "ConfigError",
    "File",
    "Problem",
    "SandboxError",
    "Spec",
    "SpecError",
    "TestFile",
    "UsageError",
    "UserError",
    "__version__",
    "load_spec",
    "load_specs",
    "load_suite",
]
