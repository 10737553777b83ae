"""Model providers: one wire protocol each (Ollama, OpenAI-compatible, Anthropic Messages), over httpx.

Importing this package registers the three built-in providers; `provider_for` picks one by an
endpoint's provider name, and `preflight` checks an endpoint before a run.
"""

from __future__ import annotations

from agentspec.providers import anthropic, ollama, openai
from agentspec.providers import responses as responses
from agentspec.providers.base import (
    BackendInfo,
    EndpointLike,
    Message,
    Provider,
    Reply,
    ToolCall,
    ToolSpec,
    Usage,
    provider_for,
    provider_names,
    register_provider,
)
from agentspec.providers.endpoint import Endpoint
from agentspec.providers.preflight import preflight, require_tools
from agentspec.providers.settings import ProviderSettings, Timeouts

__all__ = [
    "BackendInfo",
    "Endpoint",
    "EndpointLike",
    "Message",
    "Provider",
    "ProviderSettings",
    "Reply",
    "Timeouts",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "anthropic",
    "ollama",
    "openai",
    "preflight",
    "provider_for",
    "provider_names",
    "register_provider",
    "require_tools",
]
