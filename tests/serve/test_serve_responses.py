"""The Responses API (`/v1/responses`): `agentspec serve` speaks it, and the `responses/` provider talks it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from agentspec.agents.base import Endpoint
from agentspec.agents.tools import TOOL_SPECS
from agentspec.errors import BackendError
from agentspec.providers import Message, ProviderSettings, Reply, provider_for
from agentspec.serve import Faults, ModelServer, serve_in_thread
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS

QUICK = ProviderSettings(retries=1, backoff_s=0.01)
SHELL = {
    "type": "function",
    "name": "exec_command",
    "description": "Runs a command",
    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]},
}


@pytest.fixture(scope="module")
def specs() -> list[Spec]:
    return load_specs([SPECS])


@pytest.fixture
def server(specs: list[Spec]) -> Iterator[ModelServer]:
    with serve_in_thread(specs) as running:
        yield running


def events(text: str) -> list[dict[str, object]]:
    """The data of each server-sent event, checking that its `event:` name matches its type."""
    found = []
    for block in text.strip().split("\n\n"):
        name, data = block.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        found.append(event)
    return found


def test_a_codex_style_request_gets_a_shell_call_then_an_answer(server: ModelServer, specs: list[Spec]) -> None:
    spec = next(s for s in specs if s.id == "validators")
    task = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": spec.instructions}]}
    body = {"model": "reference", "instructions": "You are Codex.", "input": [task], "tools": [SHELL]}
    first = httpx.post(f"{server.url}/v1/responses", json=body).json()
    assert first["object"] == "response" and first["status"] == "completed"
    [call] = first["output"]
    assert call["type"] == "function_call" and call["name"] == "exec_command"
    assert "base64 -d > validators.py" in json.loads(call["arguments"])["cmd"]
    assert first["usage"]["input_tokens"] > 0 and first["usage"]["output_tokens"] > 0

    done = {"type": "function_call_output", "call_id": call["call_id"], "output": "exit 0"}
    body["input"] = [task, call, done]
    second = httpx.post(f"{server.url}/v1/responses", json={**body, "stream": True})
    assert second.headers["content-type"].startswith("text/event-stream")
    stream = events(second.text)
    kinds = [e["type"] for e in stream]
    assert kinds[:2] == ["response.created", "response.in_progress"] and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds
    assert [e["sequence_number"] for e in stream] == list(range(len(stream)))
    final = stream[-1]["response"]
    assert isinstance(final, dict) and "Done" in final["output"][0]["content"][0]["text"]
    assert [r.protocol for r in server.requests if r.path == "/v1/responses"] == ["responses", "responses"]


def test_errors_come_in_the_openai_shape(server: ModelServer) -> None:
    missing = httpx.post(f"{server.url}/v1/responses", json={"model": "missing", "input": "hi"})
    assert missing.status_code == 404 and "does not exist" in missing.json()["error"]["message"]
    empty = httpx.post(f"{server.url}/v1/responses", json={"model": "reference", "input": []})
    assert empty.status_code == 400
    server.faults = Faults(error_mid_stream=True)
    broken = httpx.post(f"{server.url}/v1/responses", json={"model": "nop", "input": "hi", "stream": True})
    assert events(broken.text)[-1]["type"] == "response.failed"


def chat(server: ModelServer, messages: list[Message], *, stream: bool, model: str = "reference") -> Reply:
    async def go() -> Reply:
        endpoint = Endpoint("responses", model, f"{server.url}/v1")
        async with provider_for(endpoint, QUICK) as client:
            return await client.chat(messages, TOOL_SPECS, stream=stream)

    return asyncio.run(go())


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
def test_the_responses_provider_round_trip(server: ModelServer, specs: list[Spec], stream: bool) -> None:
    spec = next(s for s in specs if s.id == "merge-sorted-lists")
    messages = [Message("system", "You are a coding agent."), Message("user", spec.instructions)]
    first = chat(server, messages, stream=stream)
    assert first.stop_reason == "tool_calls"
    [call] = first.message.tool_calls
    assert call.name == "write_file" and call.arguments == {"path": "merge.py", "content": spec.solution[0].text}
    assert first.usage.input_tokens > 0 and (first.first_token_s is not None) is stream
    messages += [first.message, Message("tool", "wrote merge.py", tool_call_id=call.id, tool_name=call.name)]
    second = chat(server, messages, stream=stream)
    assert second.stop_reason == "end" and "Done" in second.message.content
    sent = [r.body for r in server.requests if r.path == "/v1/responses"][-1]
    assert isinstance(sent, dict) and [i["type"] for i in sent["input"]][-2:] == [
        "function_call",
        "function_call_output",
    ]


def test_the_responses_provider_reports_a_missing_model(server: ModelServer) -> None:
    with pytest.raises(BackendError) as caught:
        chat(server, [Message("user", "hi")], stream=True, model="missing-model")
    assert caught.value.failure_kind == "model_not_found"


def test_a_responses_model_on_the_command_line() -> None:
    endpoint = Endpoint.parse("responses/qwen3-coder", "http://127.0.0.1:8000/v1")
    assert (endpoint.provider, endpoint.name) == ("responses", "qwen3-coder")
