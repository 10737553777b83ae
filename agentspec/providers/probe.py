"""Facts a server tells beside its chat API: vLLM's `/version`, Ollama's `/api/*`, llama.cpp's `/props`.

The context recorded is the one the server serves per request (llama.cpp's per-slot `n_ctx`, the
context Ollama loaded the model with, vLLM's `max_model_len`), never the model's training context,
which goes to `extra["trained_context"]` where the server tells it.

The OpenAI- and Anthropic-style providers call `server_facts` once per run, so that a model served by
vLLM or Ollama through a compatible API still has its server version, digest, context length and
quantisation recorded. Every probe is best-effort: a server that does not answer one is simply not it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from agentspec.errors import BackendError
from agentspec.providers.http import HttpClient
from agentspec.providers.ollama import OllamaProvider
from agentspec.providers.settings import ProviderSettings


@dataclass(frozen=True)
class _Endpoint:
    provider: str
    name: str
    base_url: str


def server_root(base_url: str) -> str:
    """`scheme://host:port` of a base URL (where the servers' own endpoints live)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


async def _get(http: HttpClient, url: str) -> Any:
    try:
        return await http.get_json(url, retries=0)
    except BackendError:
        return None


async def server_facts(http: HttpClient, model: str, settings: ProviderSettings) -> dict[str, Any]:
    """What the server behind `http` tells about itself and `model` (empty when it tells nothing)."""
    root = server_root(http.base_url)
    version = await _get(http, root + "/api/version")
    if isinstance(version, dict) and "version" in version:
        facts: dict[str, Any] = {"server": "ollama", "server_version": version.get("version")}
        ollama = OllamaProvider(_Endpoint("ollama", model, root), settings)
        try:
            info = await ollama.describe()
        except BackendError:
            return facts
        finally:
            await ollama.aclose()
        facts.update(
            model_digest=info.model_digest,
            context_length=info.context_length,
            quantization=info.quantization,
            capabilities=info.capabilities,
            extra=info.extra,
        )
        return facts
    version = await _get(http, root + "/version")
    if isinstance(version, dict) and "version" in version:
        return {"server": "vllm", "server_version": str(version["version"])}
    props = await _get(http, root + "/props")
    if isinstance(props, dict) and ("build_info" in props or "default_generation_settings" in props):
        return llama_cpp_facts(props)
    return {}


def llama_cpp_facts(props: dict[str, Any]) -> dict[str, Any]:
    """What llama.cpp's `GET /props` tells: build, per-slot context, weights' type, whether its template takes tools.

    `default_generation_settings.n_ctx` is the context one request can use (the total divided among the
    slots), not the model's training context. `chat_template_caps.supports_tools` false means the chat
    template has no tools: the server then drops `tools` from the prompt without an error.
    """
    generation = props.get("default_generation_settings")
    generation = generation if isinstance(generation, dict) else {}
    n_ctx = generation.get("n_ctx")
    caps = props.get("chat_template_caps")
    caps = caps if isinstance(caps, dict) else {}
    facts: dict[str, Any] = {
        "server": "llama.cpp",
        "server_version": props.get("build_info"),
        "context_length": n_ctx if isinstance(n_ctx, int) else None,
        "quantization": props.get("model_ftype") if isinstance(props.get("model_ftype"), str) else None,
        "extra": {
            key: props.get(key)
            for key in ("total_slots", "model_alias", "model_path", "chat_template_caps")
            if props.get(key) is not None
        },
    }
    if isinstance(caps.get("supports_tools"), bool):
        facts["capabilities"] = ("completion", "tools") if caps["supports_tools"] else ("completion",)
    return facts
