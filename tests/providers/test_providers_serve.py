"""The three providers against `agentspec serve` over loopback HTTP: round trips, facts, errors, retries."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from agentspec.agents.base import Endpoint
from agentspec.agents.tools import TOOL_SPECS
from agentspec.errors import BackendError
from agentspec.providers import Message, ProviderSettings, Reply, Timeouts, preflight, provider_for
from agentspec.serve import FAULT_HEADER, ModelServer
from agentspec.spec.model import Spec

PROVIDERS = ("ollama", "openai", "anthropic")
CHAT_PATHS = {"ollama": "/api/chat", "openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
QUICK = ProviderSettings(retries=1, backoff_s=0.01)


def endpoint(server: ModelServer, provider: str, model: str = "reference") -> Endpoint:
    return Endpoint(provider, model, server.base_urls[provider])


def task_messages(spec: Spec) -> list[Message]:
    return [Message("system", "You are a coding agent."), Message("user", spec.instructions)]


def chat(
    server: ModelServer,
    provider: str,
    messages: list[Message],
    *,
    stream: bool,
    model: str = "reference",
    settings: ProviderSettings = QUICK,
    fault: str | None = None,
) -> Reply:
    if fault:
        settings = ProviderSettings(**{**settings.__dict__, "headers": {FAULT_HEADER: fault}})

    async def go() -> Reply:
        async with provider_for(endpoint(server, provider, model), settings) as client:
            return await client.chat(messages, TOOL_SPECS, stream=stream)

    return asyncio.run(go())


def chat_requests(server: ModelServer, provider: str) -> list[Any]:
    return [r for r in server.requests if r.path == CHAT_PATHS[provider]]


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_call_round_trip(model_server: ModelServer, specs: list[Spec], provider: str, stream: bool) -> None:
    spec = next(s for s in specs if s.id == "merge-sorted-lists")
    messages = task_messages(spec)
    first = chat(model_server, provider, messages, stream=stream)
    assert first.stop_reason == "tool_calls"
    [call] = first.message.tool_calls
    assert call.name == "write_file" and call.error is None and call.id
    assert call.arguments == {"path": "merge.py", "content": spec.solution[0].text}
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
    assert (first.first_token_s is not None) is stream
    assert first.duration_s > 0 and first.retries == 0

    messages += [first.message, Message("tool", "wrote merge.py", tool_call_id=call.id, tool_name=call.name)]
    second = chat(model_server, provider, messages, stream=stream)
    assert second.stop_reason == "end" and not second.message.tool_calls
    assert "Done" in second.message.content
    assert chat_requests(model_server, provider)[-1].stream is stream


def test_ollama_sends_think_num_ctx_and_num_predict(model_server: ModelServer, specs: list[Spec]) -> None:
    settings = ProviderSettings(num_ctx=16384, think=False, temperature=0.0)
    chat(model_server, "ollama", task_messages(specs[0]), stream=True, settings=settings)
    body = chat_requests(model_server, "ollama")[-1].body
    assert body["think"] is False
    assert body["options"] == {"num_ctx": 16384, "num_predict": 4096, "temperature": 0.0}
    assert body["tools"][0]["type"] == "function"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_describe_and_preflight(model_server: ModelServer, provider: str) -> None:
    info = asyncio.run(preflight(endpoint(model_server, provider), ProviderSettings()))
    assert info.provider == provider and info.model == "reference"
    assert info.server == "ollama" and info.server_version
    assert info.model_digest and info.context_length and info.quantization
    assert info.capabilities is not None and "tools" in info.capabilities
    assert any(name.startswith("reference") for name in info.models)
    assert info.tool_call_seen is False  # the scripted model answers an unknown prompt with text
    assert info.as_dict()["models"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_preflight_missing_model_lists_the_models(model_server: ModelServer, provider: str) -> None:
    with pytest.raises(BackendError) as caught:
        asyncio.run(preflight(endpoint(model_server, provider, "missing-model"), QUICK))
    assert caught.value.failure_kind == "model_not_found"
    message = str(caught.value)
    assert message.startswith(f"preflight of {provider}/missing-model failed")
    assert "reference" in message and "nop" in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_preflight_model_without_tools(model_server: ModelServer, provider: str) -> None:
    with pytest.raises(BackendError) as caught:
        asyncio.run(preflight(endpoint(model_server, provider, "notools"), QUICK))
    assert caught.value.failure_kind == "no_tool_support"


@pytest.mark.parametrize(
    ("provider", "hint"), [("ollama", "ollama serve"), ("openai", "vllm serve"), ("anthropic", "ANTHROPIC_BASE_URL")]
)
def test_preflight_unreachable_says_where_and_how(provider: str, hint: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(BackendError) as caught:
        asyncio.run(preflight(Endpoint(provider, "m", url), QUICK))
    assert caught.value.failure_kind == "backend_error"
    assert url in str(caught.value) and hint in str(caught.value)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_errors_are_classified(model_server: ModelServer, specs: list[Spec], provider: str, stream: bool) -> None:
    messages = task_messages(specs[0])
    cases = [
        ("reference", "context_length=50", "context_exceeded"),
        ("reference", "context_length=50, legacy_errors", "context_exceeded"),
        ("missing-model", None, "model_not_found"),
        ("notools", None, "no_tool_support"),
        ("reference", "error=400", "backend_error"),
    ]
    for model, fault, kind in cases:
        with pytest.raises(BackendError) as caught:
            chat(model_server, provider, messages, stream=stream, model=model, fault=fault)
        assert caught.value.failure_kind == kind, (model, fault, str(caught.value))


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_broken_answers_are_retried_then_given_up(
    model_server: ModelServer, specs: list[Spec], provider: str, stream: bool
) -> None:
    messages = task_messages(specs[0])
    faults = ["error=500", "error=429, retry_after=0.05", "drop"] + (["error_mid_stream"] if stream else [])
    for fault in faults:
        model_server.clear_requests()
        with pytest.raises(BackendError) as caught:
            chat(model_server, provider, messages, stream=stream, fault=fault)
        assert caught.value.failure_kind == "backend_error"
        assert "gave up after 2 tries" in str(caught.value), fault
        assert len(chat_requests(model_server, provider)) == 2, fault


@pytest.mark.parametrize("provider", PROVIDERS)
def test_flaky_server_still_answers(model_server: ModelServer, specs: list[Spec], provider: str) -> None:
    settings = ProviderSettings(retries=8, backoff_s=0.01)
    reply = chat(
        model_server,
        provider,
        task_messages(specs[0]),
        stream=True,
        settings=settings,
        fault="error_rate=0.5, seed=3, retry_after=0.05",
    )
    assert reply.message.tool_calls


def test_slow_requests_time_out_and_are_not_sent_again(model_server: ModelServer, specs: list[Spec]) -> None:
    messages = task_messages(specs[0])
    model_server.clear_requests()
    headers = {FAULT_HEADER: "latency=5"}

    async def one(provider: str, stream: bool) -> BackendError:
        timeouts = Timeouts(first_token_s=0.3, total_s=5.0) if stream else Timeouts(total_s=0.3)
        settings = ProviderSettings(timeouts=timeouts, retries=3, backoff_s=0.01, headers=headers)
        async with provider_for(endpoint(model_server, provider), settings) as client:
            with pytest.raises(BackendError) as caught:
                await client.chat(messages, TOOL_SPECS, stream=stream)
        return caught.value

    async def every() -> list[BackendError]:
        return await asyncio.gather(*(one(p, s) for p in PROVIDERS for s in (True, False)))

    started = time.perf_counter()
    errors = asyncio.run(every())
    assert time.perf_counter() - started < 4  # well before the server's first byte, 5 s in
    for error, stream in zip(errors, [True, False] * 3, strict=True):
        assert error.failure_kind == "backend_timeout"
        assert ("no first token within 0.3s" if stream else "total timeout of 0.3s") in str(error)
    # The server logs a request when it answers, after its latency; then give a retry time to show up.
    deadline = time.monotonic() + 15
    while sum(len(chat_requests(model_server, p)) for p in PROVIDERS) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    counts = [len(chat_requests(model_server, provider)) for provider in PROVIDERS]
    # One streamed, one whole per provider, none sent again (a heavily loaded server may not have read
    # a request at all before the client gave up on it).
    assert sum(counts) >= 1 and max(counts) <= 2, counts


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_arguments_that_are_not_json(model_server: ModelServer, specs: list[Spec], provider: str, stream: bool) -> None:
    reply = chat(model_server, provider, task_messages(specs[0]), stream=stream, fault="malformed=json")
    calls = reply.message.tool_calls
    if calls:  # protocols that carry arguments as text
        assert calls[0].arguments is None and "not valid JSON" in (calls[0].error or "")
    else:  # protocols that carry objects: the call comes out as text
        assert "<tool_call>" in reply.message.content


@pytest.mark.parametrize("provider", PROVIDERS)
def test_tool_call_as_text_and_unknown_tool(model_server: ModelServer, specs: list[Spec], provider: str) -> None:
    as_text = chat(model_server, provider, task_messages(specs[0]), stream=True, fault="malformed=text")
    assert not as_text.message.tool_calls and "<tool_call>" in as_text.message.content
    unknown = chat(model_server, provider, task_messages(specs[0]), stream=False, fault="malformed=name")
    assert unknown.message.tool_calls[0].name not in {t.name for t in TOOL_SPECS}
