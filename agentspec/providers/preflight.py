"""Preflight: before any attempt, check the endpoint answers, has the model, and takes a tool call."""

from __future__ import annotations

from dataclasses import replace

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.base import BackendInfo, EndpointLike, Message, ToolSpec, provider_for
from agentspec.providers.settings import ProviderSettings

PING_TOOL = ToolSpec(
    "ping",
    "Answer a connectivity check. Call it with the text you are asked for.",
    {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
)
PING_MESSAGES = (
    Message("system", "You are checking that tool calling works. Reply only with a tool call."),
    Message("user", 'Call the ping tool with text "pong".'),
)
_PING_TOKENS = 256


_TOOL_FIXES = {
    "llama.cpp": (
        "llama-server's chat template for it has no tools, so it would drop them from the prompt without an error; "
        "start llama-server with --jinja and, if the model's own template has no tools, --chat-template-file "
        "FILE.jinja with a tool-capable template of the same chat format"
    ),
    "ollama": (
        "its Ollama template has no tools (`ollama show MODEL` lists the capabilities); "
        "use a tool-capable model or tag, or a Modelfile whose TEMPLATE renders .Tools"
    ),
}


def require_tools(info: BackendInfo) -> None:
    """Raise `no_tool_support` when the server tells the model's capabilities and tools is not one.

    Ollama says it in `/api/show` `capabilities`; llama.cpp in `/props` `chat_template_caps.supports_tools`.
    Both servers would otherwise drop the tools from the prompt silently and the model would never see them.
    """
    if info.capabilities is not None and "tools" not in info.capabilities:
        have = ", ".join(info.capabilities) or "none"
        fix = _TOOL_FIXES.get(info.server or "", "use a model (or server setting) with tool calling")
        raise BackendError(
            f"model {info.model!r} at {info.base_url} does not support tool calling (its capabilities: {have}): "
            f"{fix}. Tool-calling agents (builtin, claude-code) need tools; aider works without",
            failure_kind=FailureKind.NO_TOOL_SUPPORT,
        )


async def preflight(
    endpoint: EndpointLike, settings: ProviderSettings | None = None, *, tools: bool = True
) -> BackendInfo:
    """Check one endpoint before a run and return what its server tells.

    Three steps: the server answers and has the model (`describe`), the model supports tools where the
    server says, and one tiny chat request with one tool goes through (whether the model called it is
    recorded as `tool_call_seen`, not required). With `tools=False` (for agents that use none, such as
    aider) the request offers no tool and tool support is not required.

    Raises:
        BackendError: One clear message naming the endpoint; `failure_kind` is `model_not_found`,
            `no_tool_support`, `context_exceeded`, `backend_timeout` or `backend_error` (unreachable).
    """
    settings = settings or ProviderSettings()
    ping_settings = replace(settings, max_tokens=min(settings.max_tokens or _PING_TOKENS, _PING_TOKENS))
    label = f"{endpoint.provider}/{endpoint.name}"
    try:
        async with provider_for(endpoint, ping_settings) as provider:
            info = await provider.describe()
            if tools:
                require_tools(info)
            reply = await provider.chat(PING_MESSAGES, [PING_TOOL] if tools else [], stream=settings.stream)
    except BackendError as exc:
        raise type(exc)(f"preflight of {label} failed: {exc}", failure_kind=exc.failure_kind) from exc
    seen = any(call.name == PING_TOOL.name for call in reply.message.tool_calls)
    return replace(info, tool_call_seen=seen)
