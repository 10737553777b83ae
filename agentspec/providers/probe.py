"""Facts a server tells beside its chat API: vLLM's `/version`, Ollama's `/api/*`, llama.cpp's `/props`.

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
        )
        return facts
    version = await _get(http, root + "/version")
    if isinstance(version, dict) and "version" in version:
        return {"server": "vllm", "server_version": str(version["version"])}
    props = await _get(http, root + "/props")
    if isinstance(props, dict) and ("build_info" in props or "default_generation_settings" in props):
        settings_ = props.get("default_generation_settings") or {}
        n_ctx = settings_.get("n_ctx") if isinstance(settings_, dict) else None
        return {
            "server": "llama.cpp",
            "server_version": props.get("build_info"),
            "context_length": n_ctx if isinstance(n_ctx, int) else None,
        }
    return {}
