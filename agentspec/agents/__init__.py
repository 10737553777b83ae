"""Agents: what acts on a workspace. Importing this package registers every agent module in it.

The modules are found by walking the package, so a new harness is one new module (see `harness`).
"""

import importlib
import pkgutil

from agentspec.agents import aider, builtin, claude_code, command, reference
from agentspec.agents.base import (
    Agent,
    AgentResult,
    AgentTask,
    Endpoint,
    agent_names,
    get_agent,
    register_agent,
    register_agent_factory,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "Agent",
    "AgentResult",
    "AgentTask",
    "Endpoint",
    "agent_names",
    "aider",
    "builtin",
    "claude_code",
    "command",
    "get_agent",
    "reference",
    "register_agent",
    "register_agent_factory",
]
