"""Each protocol's wire shapes, streamed and not: tool calls, turn ends, nop, defaults, options."""

from __future__ import annotations

import json

import httpx
import pytest

from agentspec.serve import ModelServer
from agentspec.spec.model import Spec
from tests.serve.wire import BUILTIN_TOOLS, CLAUDE_CODE_TOOLS, PROTOCOLS, chat, parse_sse, request, tool_result_messages

STOPS = {
    "ollama": ("stop", "stop", "length"),
    "openai": ("tool_calls", "stop", "length"),
    "anthropic": ("tool_use", "end_turn", "max_tokens"),
}


def _ttl(specs: list[Spec]) -> Spec:
    return next(s for s in specs if s.id == "ttl-cache")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_reference_writes_then_ends_its_turn(
    seed_specs: list[Spec], client: httpx.Client, protocol: str, stream: bool
) -> None:
    spec = _ttl(seed_specs)
    messages = [{"role": "user", "content": spec.instructions}]
    first = chat(client, protocol, request(protocol, "reference", messages, BUILTIN_TOOLS, stream=stream))
    assert first.stop == STOPS[protocol][0]
    assert first.arguments() == [("write_file", {"path": "cache.py", "content": spec.solution[0].text})]
    messages += tool_result_messages(protocol, first)
    second = chat(client, protocol, request(protocol, "reference", messages, BUILTIN_TOOLS, stream=stream))
    assert second.calls == [] and second.stop == STOPS[protocol][1]
    assert "ttl-cache" in second.text and "cache.py" in second.text


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_nop_answers_without_tool_calls(client: httpx.Client, protocol: str, stream: bool) -> None:
    body = request(protocol, "nop", [{"role": "user", "content": "Fix the bug."}], BUILTIN_TOOLS, stream=stream)
    answer = chat(client, protocol, body)
    assert answer.calls == [] and answer.text and answer.stop == STOPS[protocol][1]
    assert answer.usage["prompt"] > 0 and answer.usage["completion"] > 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_claude_code_tools_get_bash(seed_specs: list[Spec], client: httpx.Client, protocol: str) -> None:
    spec = _ttl(seed_specs)
    body = request(
        protocol, "reference", [{"role": "user", "content": spec.instructions}], CLAUDE_CODE_TOOLS, stream=True
    )
    ((name, arguments),) = chat(client, protocol, body).arguments()
    assert name == "Bash" and arguments["command"].startswith("printf %s ") and arguments["description"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_max_tokens_cuts_the_answer(seed_specs: list[Spec], client: httpx.Client, protocol: str) -> None:
    spec = _ttl(seed_specs)
    limit = {"ollama": {"options": {"num_predict": 20}}, "openai": {"max_tokens": 20}, "anthropic": {"max_tokens": 20}}
    body = request(protocol, "reference", [{"role": "user", "content": spec.instructions}], BUILTIN_TOOLS, stream=False)
    answer = chat(client, protocol, {**body, **limit[protocol]})
    assert answer.stop == STOPS[protocol][2] and answer.calls == [] and answer.usage["completion"] == 20


def test_ollama_streams_by_default_and_thinks(
    seed_specs: list[Spec], client: httpx.Client, server: ModelServer
) -> None:
    spec = _ttl(seed_specs)
    body = {"model": "reference:latest", "messages": [{"role": "user", "content": spec.instructions}], "think": True}
    response = client.post("/api/chat", json=body)
    chunks = [json.loads(line) for line in response.text.splitlines()]
    assert response.headers["content-type"] == "application/x-ndjson" and len(chunks) > 2
    assert "".join(c["message"].get("thinking", "") for c in chunks).startswith("This is the task ttl-cache")
    final = chunks[-1]
    assert final["done"] is True and final["done_reason"] == "stop" and final["model"] == "reference:latest"
    assert {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"} <= final.keys()
    assert server.requests[-1].stream is True


def test_ollama_tool_call_arguments_are_objects(seed_specs: list[Spec], client: httpx.Client) -> None:
    spec = _ttl(seed_specs)
    body = request("ollama", "reference", [{"role": "user", "content": spec.instructions}], BUILTIN_TOOLS, stream=False)
    call = client.post("/api/chat", json=body).json()["message"]["tool_calls"][0]
    assert call["function"]["name"] == "write_file" and isinstance(call["function"]["arguments"], dict)


def test_openai_shapes(seed_specs: list[Spec], client: httpx.Client) -> None:
    spec = _ttl(seed_specs)
    body = request("openai", "reference", [{"role": "user", "content": spec.instructions}], BUILTIN_TOOLS, stream=False)
    whole = client.post("/v1/chat/completions", json=body)
    assert whole.headers["x-request-id"]
    completion = whole.json()
    assert completion["object"] == "chat.completion" and completion["id"].startswith("chatcmpl-")
    call = completion["choices"][0]["message"]["tool_calls"][0]
    assert call["type"] == "function" and isinstance(call["function"]["arguments"], str)
    assert (
        completion["usage"]["total_tokens"]
        == completion["usage"]["prompt_tokens"] + completion["usage"]["completion_tokens"]
    )
    # Without stream_options.include_usage no chunk carries usage; tool call deltas carry their index.
    streamed = client.post("/v1/chat/completions", json={**body, "stream": True})
    chunks = [json.loads(data) for _, data in parse_sse(streamed.text)[:-1]]
    assert all("usage" not in c for c in chunks)
    deltas = [t for c in chunks for t in c["choices"][0]["delta"].get("tool_calls", [])]
    assert deltas[0]["id"] and deltas[0]["function"]["name"] == "write_file" and all(d["index"] == 0 for d in deltas)
    assert len(deltas) > 3


def test_openai_tool_choice_none_gets_whole_files(seed_specs: list[Spec], client: httpx.Client) -> None:
    spec = _ttl(seed_specs)
    body = request("openai", "reference", [{"role": "user", "content": spec.instructions}], BUILTIN_TOOLS, stream=False)
    answer = chat(client, "openai", {**body, "tool_choice": "none"})
    assert answer.calls == [] and answer.text.count("cache.py\n```\n") == 1


def test_anthropic_shapes(seed_specs: list[Spec], client: httpx.Client, server: ModelServer) -> None:
    spec = _ttl(seed_specs)
    body = request(
        "anthropic",
        "reference",
        [{"role": "user", "content": [{"type": "text", "text": spec.instructions}]}],
        CLAUDE_CODE_TOOLS,
        stream=True,
    )
    body["system"] = [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}]
    headers = {"authorization": "Bearer x", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219"}
    response = client.post("/v1/messages?beta=true", json=body, headers=headers)
    assert response.status_code == 200 and response.headers["request-id"].startswith("req_")
    names = [name for name, _ in parse_sse(response.text)]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * (len(names) - 6),
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert server.requests[-1].query == "beta=true" and "Bash" in server.requests[-1].tools
    whole = client.post("/v1/messages", json={**body, "stream": False}, headers={"x-api-key": "k"}).json()
    assert whole["type"] == "message" and whole["stop_reason"] == "tool_use"
    assert whole["content"][0]["type"] == "tool_use" and whole["content"][0]["id"].startswith("toolu_")
    assert whole["usage"]["input_tokens"] > 0 and whole["usage"]["output_tokens"] > 0


def test_anthropic_requires_max_tokens(client: httpx.Client) -> None:
    response = client.post("/v1/messages", json={"model": "nop", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_unknown_names_get_nop(client: httpx.Client, protocol: str) -> None:
    body = request(protocol, "claude-haiku-4-5-20251001", [{"role": "user", "content": "Write a title"}], stream=False)
    answer = chat(client, protocol, body)
    assert answer.status == 200 and answer.calls == [] and answer.text


@pytest.mark.parametrize(
    ("protocol", "extra"),
    [
        ("ollama", {"format": {"type": "object", "properties": {"title": {"type": "string"}}}}),
        (
            "openai",
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "t",
                        "schema": {"type": "object", "properties": {"title": {"type": "string"}}},
                    },
                }
            },
        ),
        (
            "anthropic",
            {
                "output_config": {
                    "format": {
                        "type": "json_schema",
                        "schema": {"type": "object", "properties": {"title": {"type": "string"}}},
                    }
                }
            },
        ),
    ],
)
def test_structured_output_requests_get_json(
    seed_specs: list[Spec], client: httpx.Client, protocol: str, extra: dict
) -> None:
    # Claude Code asks the main model for a session title, quoting the task, with a JSON schema.
    prompt = f"Generate a title.\n<session>\n{_ttl(seed_specs).instructions}\n</session>"
    body = request(protocol, "reference", [{"role": "user", "content": prompt}], stream=True, **extra)
    answer = chat(client, protocol, body)
    assert answer.calls == [] and json.loads(answer.text) == {"title": "agentspec title"}
