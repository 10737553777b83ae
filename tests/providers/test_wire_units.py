"""Pure pieces of the providers: error bodies, failure kinds, addresses, settings, framing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from agentspec.agents.base import Endpoint
from agentspec.errors import UsageError
from agentspec.providers import ProviderSettings, Timeouts, provider_for, provider_names
from agentspec.providers.classify import error_text, failure_kind
from agentspec.providers.ollama import ollama_url
from agentspec.providers.openai import openai_url
from agentspec.providers.wire import sse, tool_call


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"error": "model \\"qwen3\\" not found, try pulling it first"}',
            'model "qwen3" not found, try pulling it first',
        ),
        ('{"error": {"message": "bad", "type": "BadRequestError", "code": 400}}', "BadRequestError: bad"),
        ('{"object": "error", "message": "flat", "type": "BadRequestError", "code": 400}', "flat"),
        (
            '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
            "overloaded_error: Overloaded",
        ),
        ('{"detail": "Not Found"}', "Not Found"),
        ("404 page not found", "404 page not found"),
        ("", "(empty response)"),
    ],
)
def test_error_text(body: str, message: str) -> None:
    assert error_text(body.encode()) == message


@pytest.mark.parametrize(
    ("message", "status", "kind"),
    [
        (
            "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens",
            400,
            "context_exceeded",
        ),
        ("prompt is too long: 210000 tokens > 200000 maximum", 400, "context_exceeded"),
        ("the input length exceeds the context length", 400, "context_exceeded"),
        ("registry.ollama.ai/library/gemma:2b does not support tools", 400, "no_tool_support"),
        (
            '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
            400,
            "no_tool_support",
        ),
        ('model "x" not found, try pulling it first', 404, "model_not_found"),
        ("The model `x` does not exist.", 404, "model_not_found"),
        ("not_found_error: model: claude-x", 404, "model_not_found"),
        ("failed to load model", 500, "backend_error"),
        ("internal server error", 500, "backend_error"),
    ],
)
def test_failure_kind(message: str, status: int, kind: str) -> None:
    assert failure_kind(message, status) == kind


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434"),
        ("http://0.0.0.0:11434", "http://127.0.0.1:11434"),
        ("http://:11434", "http://127.0.0.1:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("http://gpu-box/", "http://gpu-box:11434"),
        ("https://ollama.example.com", "https://ollama.example.com"),
    ],
)
def test_ollama_host_forms(given: str, url: str) -> None:
    assert ollama_url(given) == url


def test_ollama_host_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:11500")
    client = provider_for(Endpoint.parse("ollama/qwen3"))
    assert client.http.base_url == "http://127.0.0.1:11500"  # type: ignore[attr-defined]
    asyncio.run(client.aclose())


def test_openai_base_url_gets_v1() -> None:
    assert openai_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    assert openai_url("http://127.0.0.1:11434/v1/") == "http://127.0.0.1:11434/v1"
    assert openai_url("https://gw.example.com/openai/v1") == "https://gw.example.com/openai/v1"


def test_credentials_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-o")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-a")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "tok")
    openai = provider_for(Endpoint("openai", "m", "http://h/v1"))
    anthropic = provider_for(Endpoint("anthropic", "m", "http://h/v1"))
    assert openai.http._client.headers["authorization"] == "Bearer sk-o"  # type: ignore[attr-defined]
    headers = anthropic.http._client.headers  # type: ignore[attr-defined]
    assert headers["x-api-key"] == "sk-a" and headers["authorization"] == "Bearer tok"
    assert headers["anthropic-version"] == "2023-06-01"
    assert anthropic.http.base_url == "http://h"  # type: ignore[attr-defined]
    for client in (openai, anthropic):
        asyncio.run(client.aclose())


def test_timeouts_per_model() -> None:
    slow = Timeouts(first_token_s=1800)
    settings = ProviderSettings(model_timeouts={"ollama/qwen3.5:27b": slow, "gemma4:31b": slow})
    assert settings.timeouts_for("ollama", "qwen3.5:27b") is slow
    assert settings.timeouts_for("openai", "gemma4:31b") is slow
    assert settings.timeouts_for("ollama", "other") == Timeouts()
    with pytest.raises(ValueError, match="idle_s must be positive"):
        Timeouts(idle_s=0)


def test_registry() -> None:
    assert provider_names() == ["anthropic", "ollama", "openai", "responses"]
    with pytest.raises(UsageError, match="unknown provider"):
        provider_for(Endpoint("bedrock", "m", "http://h"))


def test_tool_call_arguments() -> None:
    assert tool_call("1", "f", {"a": 1}).arguments == {"a": 1}
    assert tool_call("1", "f", '{"a": 1}').arguments == {"a": 1}
    assert tool_call("1", "f", "").arguments == {}
    assert tool_call("1", "f", None).arguments == {}
    broken = tool_call("1", "f", '{"a": ')
    assert broken.arguments is None and broken.raw_arguments == '{"a": ' and "not valid JSON" in (broken.error or "")
    listed = tool_call("1", "f", "[1, 2]")
    assert listed.arguments is None and "not a JSON object" in (listed.error or "")


def test_sse_framing() -> None:
    async def lines() -> AsyncIterator[str]:
        for line in [": comment", "event: a", "data: one", "data: two", "", "data:three", "", "data: tail"]:
            yield line

    async def collect() -> list[tuple[str, str]]:
        return [item async for item in sse(lines())]

    assert asyncio.run(collect()) == [("a", "one\ntwo"), ("message", "three"), ("message", "tail")]
