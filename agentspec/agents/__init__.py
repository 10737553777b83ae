"""Agents: what acts on a workspace. Importing this package registers the built-in ones."""

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
