"""Wire-level edge cases: recorded answers of real servers played back byte for byte over loopback HTTP."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Sequence

import pytest

from agentspec.agents.base import Endpoint
from agentspec.errors import BackendError
from agentspec.providers import Message, ProviderSettings, Reply, Timeouts, ToolSpec, provider_for
from agentspec.providers.classify import ServerUnreachable
from tests.providers.replay import Answer, Replay, ndjson, replay_server, sse

TOOL = ToolSpec("read_file", "Read a file.", {"type": "object", "properties": {"path": {"type": "string"}}})
ASK = [Message("user", "Read a.py")]
QUICK = ProviderSettings(retries=2, backoff_s=0.01)
SSE = {"Content-Type": "text/event-stream"}


def chat(replay: Replay, provider: str, *, stream: bool = True, settings: ProviderSettings = QUICK) -> Reply:
    async def go() -> Reply:
        async with provider_for(Endpoint(provider, "m", replay.url), settings) as client:
            return await client.chat(ASK, [TOOL], stream=stream)

    return asyncio.run(go())


def failure(replay: Replay, provider: str, *, stream: bool = True, settings: ProviderSettings = QUICK) -> BackendError:
    with pytest.raises(BackendError) as caught:
        chat(replay, provider, stream=stream, settings=settings)
    return caught.value


# vLLM with a reasoning parser and the hermes tool parser: arguments split mid-token, usage last.
VLLM_STREAM = sse(
    (None, {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
    (None, {"choices": [{"index": 0, "delta": {"reasoning_content": "I should read "}}]}),
    (None, {"choices": [{"index": 0, "delta": {"reasoning_content": "the file."}}]}),
    (
        None,
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "id": "chatcmpl-tool-1", "type": "function", "function": {"name": "read_file"}}
                        ]
                    },
                }
            ]
        },
    ),
    (None, {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"pa'}}]}}]}),
    (None, {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": 'th": "a.'}}]}}]}),
    (None, {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": 'py"}'}}]}}]}),
    (None, {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
    (None, {"choices": [], "usage": {"prompt_tokens": 120, "completion_tokens": 31, "total_tokens": 151}}),
    (None, "[DONE]"),
)


def test_openai_stream_assembles_split_arguments() -> None:
    with replay_server({"/v1/chat/completions": [Answer(200, VLLM_STREAM, SSE, gap_s=0.01)]}) as replay:
        reply = chat(replay, "openai")
        [request] = replay.requests
    [call] = reply.message.tool_calls
    assert (call.id, call.name, call.arguments) == ("chatcmpl-tool-1", "read_file", {"path": "a.py"})
    assert reply.message.thinking == "I should read the file."
    assert (reply.stop_reason, reply.raw_stop_reason) == ("tool_calls", "tool_calls")
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (120, 31)
    assert reply.first_token_s is not None and reply.first_token_s < reply.duration_s
    assert request[2]["stream_options"] == {"include_usage": True} and "tool_choice" not in request[2]


def test_openai_stream_cut_before_done_is_sent_again() -> None:
    cut = Answer(200, VLLM_STREAM[:5], SSE)
    with replay_server({"/v1/chat/completions": [cut, Answer(200, VLLM_STREAM, SSE)]}) as replay:
        reply = chat(replay, "openai")
        assert replay.count("/v1/chat/completions") == 2
    assert reply.retries == 1 and reply.message.tool_calls[0].arguments == {"path": "a.py"}


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        # vLLM before 0.8: a flat error object.
        (
            {"object": "error", "message": "The model `m` does not exist.", "type": "NotFoundError", "code": 404},
            404,
            "model_not_found",
        ),
        # vLLM since: the OpenAI envelope.
        (
            {
                "error": {
                    "message": "The model `m` does not exist.",
                    "type": "NotFoundError",
                    "param": None,
                    "code": 404,
                }
            },
            404,
            "model_not_found",
        ),
        (
            {
                "object": "error",
                "message": '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
                "type": "BadRequestError",
                "code": 400,
            },
            400,
            "no_tool_support",
        ),
        (
            {
                "error": {
                    "code": 400,
                    "message": "the request exceeds the available context size, try increasing it",
                    "type": "exceed_context_size_error",
                }
            },
            400,
            "context_exceeded",
        ),
    ],
)
def test_openai_error_shapes(body: dict[str, object], status: int, kind: str) -> None:
    with replay_server({"/v1/chat/completions": [Answer.json(body, status)]}) as replay:
        error = failure(replay, "openai", stream=False)
        assert replay.count("/v1/chat/completions") == 1
    assert error.failure_kind == kind


ANTHROPIC_STREAM = sse(
    (
        "message_start",
        {
            "type": "message_start",
            "message": {
                "id": "msg_1",
                "role": "assistant",
                "content": [],
                "usage": {"input_tokens": 85, "output_tokens": 1},
            },
        },
    ),
    ("ping", {"type": "ping"}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Let me "}},
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "look."}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_01", "name": "read_file", "input": {}},
        },
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": ""}},
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"path": "a'},
        },
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": '.py"}'}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 40},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
)
OVERLOADED = [
    ANTHROPIC_STREAM[0],
    *sse(("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
]


def test_anthropic_event_sequence() -> None:
    with replay_server({"/v1/messages": [Answer(200, ANTHROPIC_STREAM, SSE)]}) as replay:
        reply = chat(replay, "anthropic", settings=ProviderSettings(api_key="sk-test"))
        [(_, _, body)] = replay.requests
    [call] = reply.message.tool_calls
    assert (call.id, call.name, call.arguments) == ("toolu_01", "read_file", {"path": "a.py"})
    assert reply.message.content == "Let me look."
    assert (reply.stop_reason, reply.raw_stop_reason) == ("tool_calls", "tool_use")
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (85, 40)
    assert body["max_tokens"] == 4096 and body["tools"][0]["input_schema"]["type"] == "object"


def test_anthropic_overloaded_mid_stream_is_sent_again() -> None:
    script = {"/v1/messages": [Answer(200, OVERLOADED, SSE), Answer(200, ANTHROPIC_STREAM, SSE)]}
    with replay_server(script) as replay:
        reply = chat(replay, "anthropic")
        assert replay.count("/v1/messages") == 2
    assert reply.retries == 1 and reply.message.tool_calls


def test_anthropic_error_envelope() -> None:
    body = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "prompt is too long: 210000 tokens > 200000 maximum"},
    }
    with replay_server({"/v1/messages": [Answer.json(body, 400)]}) as replay:
        error = failure(replay, "anthropic", stream=False)
    assert error.failure_kind == "context_exceeded" and "prompt is too long" in str(error)


OLLAMA_STREAM = ndjson(
    {"model": "m", "message": {"role": "assistant", "content": "", "thinking": "Reading."}, "done": False},
    {
        "model": "m",
        "message": {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call_x", "function": {"index": 0, "name": "read_file", "arguments": {"path": "a.py"}}}
            ],
        },
        "done": False,
    },
    {
        "model": "m",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 42,
        "eval_count": 7,
    },
)


def _ollama_error(message: str) -> list[bytes]:
    return [OLLAMA_STREAM[0], *ndjson({"error": message})]


def test_ollama_ndjson_with_tool_call() -> None:
    with replay_server({"/api/chat": [Answer(200, OLLAMA_STREAM, {"Content-Type": "application/x-ndjson"})]}) as replay:
        reply = chat(replay, "ollama")
    [call] = reply.message.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_x", "read_file", {"path": "a.py"})
    assert reply.message.thinking == "Reading." and reply.stop_reason == "tool_calls"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (42, 7)


@pytest.mark.parametrize(
    ("message", "kind", "requests"),
    [
        ("an error was encountered while running the model: unexpected EOF", None, 2),
        ("the input length exceeds the context length", "context_exceeded", 1),
    ],
)
def test_ollama_error_line_mid_stream(message: str, kind: str | None, requests: int) -> None:
    script = {"/api/chat": [Answer(200, _ollama_error(message)), Answer(200, OLLAMA_STREAM)]}
    with replay_server(script) as replay:
        if kind is None:
            assert chat(replay, "ollama").retries == 1
        else:
            assert failure(replay, "ollama").failure_kind == kind
        assert replay.count("/api/chat") == requests


@pytest.mark.parametrize("when", ["seconds", "date"])
def test_retry_after_is_honoured(when: str) -> None:
    later = email.utils.formatdate(time.time() + 2, usegmt=True) if when == "date" else "0.6"
    busy = Answer.json({"error": "server busy, please try again.  maximum pending requests exceeded"}, 503)
    busy = Answer(busy.status, busy.chunks, {**busy.headers, "Retry-After": later})
    with replay_server({"/api/chat": [busy, Answer(200, OLLAMA_STREAM)]}) as replay:
        started = time.perf_counter()
        reply = chat(replay, "ollama")
        waited = time.perf_counter() - started
    assert reply.retries == 1
    assert waited >= 0.55 if when == "seconds" else 0.5 <= waited <= 4.0


def test_retry_after_is_capped() -> None:
    busy = Answer(429, [b'{"error": "slow down"}'], {"Retry-After": "3600"})
    settings = ProviderSettings(retries=1, max_backoff_s=0.2)
    with replay_server({"/api/chat": [busy, Answer(200, OLLAMA_STREAM)]}) as replay:
        started = time.perf_counter()
        chat(replay, "ollama", settings=settings)
    assert time.perf_counter() - started < 30  # capped at 0.2 s a retry, not the hour asked for


def test_silence_after_the_first_token_is_not_sent_again() -> None:
    stalled = Answer(200, [*OLLAMA_STREAM[:2], OLLAMA_STREAM[2]], gap_s=1.0)
    settings = ProviderSettings(timeouts=Timeouts(first_token_s=5, idle_s=0.3), retries=3)
    with replay_server({"/api/chat": [stalled]}) as replay:
        error = failure(replay, "ollama", settings=settings)
        assert replay.count("/api/chat") == 1
    assert error.failure_kind == "backend_timeout" and "went silent for 0.3s" in str(error)


def test_total_timeout_bounds_a_trickling_stream() -> None:
    trickle = Answer(200, [OLLAMA_STREAM[0]] * 20 + [OLLAMA_STREAM[2]], gap_s=0.1)
    settings = ProviderSettings(timeouts=Timeouts(first_token_s=5, idle_s=5, total_s=0.5), retries=3)
    with replay_server({"/api/chat": [trickle]}) as replay:
        error = failure(replay, "ollama", settings=settings)
    assert error.failure_kind == "backend_timeout" and "total timeout of 0.5s" in str(error)


def test_refused_connection_is_retried_then_reported() -> None:
    with replay_server({}) as replay:
        url = replay.url
    settings = ProviderSettings(retries=2, backoff_s=0.05)
    started = time.perf_counter()
    with pytest.raises(ServerUnreachable) as caught:
        asyncio.run(_chat_at(url, settings))
    assert time.perf_counter() - started >= 0.05
    assert "gave up after 3 tries" in str(caught.value) and "ollama serve" in str(caught.value)


async def _chat_at(url: str, settings: ProviderSettings, messages: Sequence[Message] = ASK) -> Reply:
    async with provider_for(Endpoint("ollama", "m", url), settings) as client:
        return await client.chat(messages, [TOOL], stream=True)
