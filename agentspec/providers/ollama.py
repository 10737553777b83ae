"""Ollama's native API: `POST /api/chat` (tools, `think`, `options.num_ctx`, NDJSON), `/api/tags`, `/api/show`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from agentspec.errors import BackendError
from agentspec.failures import FailureKind
from agentspec.providers.base import (
    BackendInfo,
    EndpointLike,
    Message,
    Reply,
    ToolSpec,
    Usage,
    register_provider,
)
from agentspec.providers.classify import TransientError, stream_error
from agentspec.providers.exchange import HttpProvider
from agentspec.providers.http import HttpClient, StreamClock
from agentspec.providers.settings import ProviderSettings
from agentspec.providers.wire import function_tools, ndjson, stop_reason, tool_call

DEFAULT_PORT = 11434


def ollama_url(base_url: str) -> str:
    """Normalise an OLLAMA_HOST-style address: `0.0.0.0` or no host means this machine, no port means 11434."""
    parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
    host, _, port = parts.netloc.rpartition(":") if ":" in parts.netloc else (parts.netloc, "", "")
    if not host or host == "0.0.0.0":
        host = "127.0.0.1"
    if not port and parts.scheme == "http":
        port = str(DEFAULT_PORT)
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@register_provider
class OllamaProvider(HttpProvider):
    """Talks to an Ollama server through its native API (tool arguments arrive as JSON objects)."""

    name = "ollama"
    default_base_url = "http://127.0.0.1:11434"
    base_url_variable = "OLLAMA_HOST"
    chat_path = "/api/chat"
    truncating_server = "Ollama"
    truncation_advice = "Give the model a larger context (OLLAMA_CONTEXT_LENGTH, or num_ctx in its Modelfile)"

    def __init__(self, endpoint: EndpointLike, settings: ProviderSettings | None = None) -> None:
        """Open an HTTP client to the server (OLLAMA_HOST forms accepted)."""
        super().__init__(endpoint, settings)
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        self.http = HttpClient(
            ollama_url(endpoint.base_url),
            self.settings,
            self.settings.timeouts_for(self.name, endpoint.name),
            headers,
            "is Ollama running? Start it with `ollama serve`, or point OLLAMA_HOST or --base-url at it",
        )

    def body(self, messages: Sequence[Message], tools: Sequence[ToolSpec], stream: bool) -> dict[str, Any]:
        """The `/api/chat` request body."""
        body: dict[str, Any] = {"model": self.model, "messages": [_message(m) for m in messages], "stream": stream}
        if tools:
            body["tools"] = function_tools(tools)
        if self.settings.think is not None:
            body["think"] = self.settings.think
        options: dict[str, Any] = {}
        if self.settings.num_ctx is not None:
            options["num_ctx"] = self.settings.num_ctx
        if self.settings.max_tokens is not None:
            options["num_predict"] = self.settings.max_tokens
        if self.settings.temperature is not None:
            options["temperature"] = self.settings.temperature
        if options:
            body["options"] = options
        return body

    def _whole(self, data: Any) -> Reply:
        return _reply(_checked(data, self.http.url(self.chat_path)))

    async def _consume(self, lines: AsyncIterator[str], clock: StreamClock) -> Reply:
        text: list[str] = []
        thinking: list[str] = []
        calls: list[dict[str, Any]] = []
        async for item in ndjson(lines):
            if "error" in item:
                raise stream_error(str(item["error"]), self.http.url("/api/chat"))
            message = item.get("message") or {}
            if message.get("content") or message.get("thinking") or message.get("tool_calls"):
                clock.token()
            text.append(message.get("content") or "")
            thinking.append(message.get("thinking") or "")
            calls.extend(message.get("tool_calls") or [])
            if item.get("done"):
                joined = {"content": "".join(text), "thinking": "".join(thinking), "tool_calls": calls}
                return _reply({**item, "message": joined})
        raise TransientError(f"the stream from {self.http.url('/api/chat')} ended before its last line (done: true)")

    async def describe(self) -> BackendInfo:
        """Version; presence and digest (`/api/tags`); capabilities (`/api/show`); served context (`/api/ps`).

        The context recorded is the one a request gets: `num_ctx` when agentspec sends one, else the
        context the loaded model runs with, else the Modelfile's `num_ctx`; the training context is
        `extra["trained_context"]`.
        """
        version = await self.http.get_json("/api/version", retries=1)
        tags = await self.http.get_json("/api/tags")
        models = [m for m in tags.get("models") or [] if isinstance(m, dict)] if isinstance(tags, dict) else []
        names = tuple(str(m.get("name") or m.get("model")) for m in models)
        entry = next((m for m in models if _same_model(self.model, m)), None)
        if entry is None:
            have = ", ".join(names) or "none"
            raise BackendError(
                f"model {self.model!r} is not on the Ollama server at {self.http.base_url} (it has: {have}); "
                f"pull it with `ollama pull {self.model}`",
                failure_kind=FailureKind.MODEL_NOT_FOUND,
            )
        show = (await self.http.post_json("/api/show", {"model": self.model})).value
        show = show if isinstance(show, dict) else {}
        details = {**(entry.get("details") or {}), **(show.get("details") or {})}
        info = show.get("model_info") or {}
        trained = next((v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)), None)
        num_ctx = self.settings.num_ctx or _num_ctx(show.get("parameters"))
        context = self.settings.num_ctx or await self._loaded_context() or num_ctx
        capabilities = show.get("capabilities")
        return BackendInfo(
            self.name,
            self.model,
            self.http.base_url,
            server="ollama",
            server_version=version.get("version") if isinstance(version, dict) else None,
            model_digest=entry.get("digest"),
            context_length=context,
            quantization=details.get("quantization_level"),
            capabilities=tuple(capabilities) if isinstance(capabilities, list) else None,
            models=names,
            extra={
                "num_ctx": num_ctx,
                "trained_context": trained,
                "parameter_size": details.get("parameter_size"),
                "family": details.get("family"),
                "think": self.settings.think,
            },
        )

    async def _loaded_context(self) -> int | None:
        """The context the model is loaded with now (`/api/ps`), the one a request gets; None when not loaded."""
        try:
            running = await self.http.get_json("/api/ps", retries=0)
        except BackendError:
            return None
        models = running.get("models") if isinstance(running, dict) else None
        for entry in models or []:
            if isinstance(entry, dict) and _same_model(self.model, entry):
                value = entry.get("context_length")
                return value if isinstance(value, int) and value > 0 else None
        return None


def _same_model(wanted: str, entry: dict[str, Any]) -> bool:
    names = {str(entry.get("name")), str(entry.get("model"))}
    return wanted in names or f"{wanted}:latest" in names


def _num_ctx(parameters: Any) -> int | None:
    for line in str(parameters or "").splitlines():
        key, _, value = line.strip().partition(" ")
        if key == "num_ctx" and value.strip().isdigit():
            return int(value.strip())
    return None


def _message(message: Message) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        wire["tool_calls"] = [
            {"function": {"name": c.name, "arguments": c.arguments if c.arguments is not None else {}}}
            for c in message.tool_calls
        ]
    if message.role == "tool" and message.tool_name:
        wire["tool_name"] = message.tool_name
    return wire


def _checked(data: Any, url: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BackendError(f"{url} answered with something that is not a JSON object")
    if "error" in data:
        raise stream_error(str(data["error"]), url)
    return data


def _reply(data: dict[str, Any]) -> Reply:
    message = data.get("message") or {}
    calls = []
    for number, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            call_id = str(call.get("id") or f"call_{number}")
            calls.append(tool_call(call_id, str(function.get("name") or ""), function.get("arguments")))
    raw = data.get("done_reason")
    # prompt_eval_count is the whole prompt, its cached part (prompt_eval_cached_count) included.
    cached = int(data.get("prompt_eval_cached_count") or 0)
    usage = Usage(int(data.get("prompt_eval_count") or 0), int(data.get("eval_count") or 0), cached)
    thinking = message.get("thinking") or ""
    reply_message = Message("assistant", message.get("content") or "", tuple(calls), thinking=thinking)
    return Reply(reply_message, stop_reason(raw, bool(calls)), raw, usage)
