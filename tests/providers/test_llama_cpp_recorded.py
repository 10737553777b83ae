"""What real servers showed, played back: llama.cpp's /props and model list, cached tokens, cut-off replies.

The bodies are the shapes llama.cpp's llama-server (and Ollama's /api/ps) answer with; the real-server
tier (tests/real_server) checks the same things against a running llama-server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agentspec.agents.base import Endpoint
from agentspec.errors import BackendError
from agentspec.providers import BackendInfo, ProviderSettings, preflight
from tests.providers.replay import Answer, Replay, replay_server, sse
from tests.providers.test_recorded_streams import QUICK, SSE, chat, failure

PROPS = {
    "default_generation_settings": {"n_ctx": 4096, "params": {"n_predict": 256}},
    "total_slots": 2,
    "model_alias": "smollm2",
    "model_path": "smollm2-135m-f16.gguf",
    "model_ftype": "F16",
    "chat_template_caps": {"supports_tools": True, "supports_tool_calls": True},
    "build_info": "b1-7e4c0a9",
}
MODELS = {
    "object": "list",
    "data": [
        {
            "id": "smollm2",
            "object": "model",
            "owned_by": "llamacpp",
            "meta": {"n_ctx": 4096, "n_ctx_train": 8192, "n_params": 134515008, "size": 269030400},
        }
    ],
}
# llama-server has no GET /v1/models/{id}: it answers 404 for every id, in Anthropic's error shape.
NO_MODEL_ROUTE = Answer.json({"type": "error", "error": {"type": "not_found_error", "message": "File Not Found"}}, 404)
OPENAI_PING = {
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 60, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 48}},
}
ANTHROPIC_PING = {
    "type": "message",
    "role": "assistant",
    "content": [{"type": "text", "text": "pong"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 12, "output_tokens": 2, "cache_read_input_tokens": 48},
}


def llama_script(props: dict[str, Any] = PROPS) -> dict[str, list[Answer]]:
    return {
        "/props": [Answer.json(props)],
        "/v1/models": [Answer.json(MODELS)],
        "/v1/models/smollm2": [NO_MODEL_ROUTE],
        "/v1/models/other": [NO_MODEL_ROUTE],
        "/v1/chat/completions": [Answer.json(OPENAI_PING)],
        "/v1/messages": [Answer.json(ANTHROPIC_PING)],
    }


def check(replay: Replay, provider: str, name: str = "smollm2") -> BackendInfo:
    url = replay.url + ("/v1" if provider == "openai" else "")
    settings = ProviderSettings(stream=False, retries=0)
    return asyncio.run(preflight(Endpoint(provider, name, url), settings))


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_preflight_records_llama_cpp_served_context_quantisation_and_build(provider: str) -> None:
    with replay_server(llama_script()) as replay:
        info = check(replay, provider)
    assert (info.server, info.server_version, info.quantization) == ("llama.cpp", "b1-7e4c0a9", "F16")
    # The per-slot context a request gets, not the training context (8192) nor the total of the slots.
    assert info.context_length == 4096
    assert info.capabilities is not None and "tools" in info.capabilities
    assert info.extra["total_slots"] == 2 and info.extra["model_alias"] == "smollm2"
    if provider == "openai":
        assert info.extra["trained_context"] == 8192 and info.extra["identity"]["n_params"] == 134515008


def test_anthropic_preflight_without_a_model_route_falls_back_to_the_listing() -> None:
    with replay_server(llama_script()) as replay:
        assert check(replay, "anthropic").models == ("smollm2",)
        with pytest.raises(BackendError) as caught:
            check(replay, "anthropic", "other")
    assert caught.value.failure_kind == "model_not_found" and "it serves: smollm2" in str(caught.value)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_template_without_tools_fails_preflight_with_the_fix(provider: str) -> None:
    props = {**PROPS, "chat_template_caps": {"supports_tools": False}}
    with replay_server(llama_script(props)) as replay:
        with pytest.raises(BackendError) as caught:
            check(replay, provider)
        assert replay.count("/v1/chat/completions") + replay.count("/v1/messages") == 0
    assert caught.value.failure_kind == "no_tool_support"
    assert "--jinja" in str(caught.value) and "--chat-template-file" in str(caught.value)


def test_ollama_records_the_loaded_context_not_the_training_context() -> None:
    tag = {"name": "qwen3:8b", "model": "qwen3:8b", "digest": "d" * 64, "details": {"quantization_level": "Q4_K_M"}}
    script = {
        "/api/version": [Answer.json({"version": "0.12.3"})],
        "/api/tags": [Answer.json({"models": [tag]})],
        "/api/show": [
            Answer.json({"capabilities": ["completion", "tools"], "model_info": {"qwen3.context_length": 40960}})
        ],
        "/api/ps": [Answer.json({"models": [{**tag, "context_length": 8192}]})],
    }
    with replay_server(script) as replay:

        async def describe() -> BackendInfo:
            from agentspec.providers import provider_for

            async with provider_for(Endpoint("ollama", "qwen3:8b", replay.url)) as client:
                return await client.describe()

        info = asyncio.run(describe())
    assert info.context_length == 8192 and info.extra["trained_context"] == 40960
    assert (info.quantization, info.model_digest) == ("Q4_K_M", "d" * 64)


def test_openai_usage_counts_cached_prompt_tokens() -> None:
    with replay_server(llama_script()) as replay:
        reply = chat(replay, "openai", stream=False)
    assert (reply.usage.input_tokens, reply.usage.cached_input_tokens, reply.usage.output_tokens) == (60, 48, 2)


def test_anthropic_usage_adds_cache_reads_and_writes_to_the_prompt() -> None:
    events = sse(
        (
            "message_start",
            {
                "type": "message_start",
                "message": {"usage": {"input_tokens": 10, "cache_read_input_tokens": 900, "output_tokens": 0}},
            },
        ),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}},
        ),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 3, "cache_creation_input_tokens": 20},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    )
    with replay_server({"/v1/messages": [Answer(200, events, SSE)]}) as replay:
        reply = chat(replay, "anthropic")
    assert (reply.usage.input_tokens, reply.usage.cached_input_tokens, reply.usage.output_tokens) == (930, 900, 3)


def test_an_openai_stream_without_a_finish_reason_is_a_truncated_reply_not_an_answer() -> None:
    cut = sse(
        (None, {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "I will now wri"}}]}),
        (None, "[DONE]"),
    )
    with replay_server({"/v1/chat/completions": [Answer(200, cut, SSE)]}) as replay:
        error = failure(replay, "openai", settings=QUICK)
        assert replay.count("/v1/chat/completions") == 3
    assert error.failure_kind == "backend_error" and "without a finish_reason" in str(error)


def test_an_anthropic_stream_without_a_stop_reason_is_a_truncated_reply_not_an_answer() -> None:
    cut = sse(
        ("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}),
        (
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "I"}},
        ),
        ("message_stop", {"type": "message_stop"}),
    )
    with replay_server({"/v1/messages": [Answer(200, cut, SSE)]}) as replay:
        error = failure(replay, "anthropic", settings=QUICK)
    assert error.failure_kind == "backend_error" and "without a stop_reason" in str(error)
