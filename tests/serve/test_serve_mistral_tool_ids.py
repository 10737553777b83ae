"""The `mistral_tool_ids` fault: refuse tool call ids a Mistral model's server refuses, as vLLM does for Devstral."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agentspec.serve import Faults, ModelServer, serve_in_thread
from agentspec.serve.faults import foreign_tool_id

CALL = {"id": "chatcmpl-tool-abc", "type": "function", "function": {"name": "run", "arguments": "{}"}}


def chat(tool_id: str) -> dict[str, object]:
    call = {**CALL, "id": tool_id}
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": tool_id, "content": "ok"},
    ]
    return {"model": "nop", "messages": messages}


@pytest.fixture
def server() -> Iterator[ModelServer]:
    with serve_in_thread([]) as running:
        running.faults = Faults(mistral_tool_ids=True)
        yield running


def test_a_foreign_id_is_refused_with_mistrals_message(server: ModelServer) -> None:
    answer = httpx.post(f"{server.url}/v1/chat/completions", json=chat("chatcmpl-tool-abc"))
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Tool call id was chatcmpl-tool-abc but must be a-z, A-Z, 0-9, with a length of 9."
    )
    assert server.requests[-1].fault == "mistral_tool_ids"


def test_nine_letters_and_digits_pass(server: ModelServer) -> None:
    assert httpx.post(f"{server.url}/v1/chat/completions", json=chat("a1B2c3D4e")).status_code == 200


def test_every_protocols_id_fields_are_checked() -> None:
    assert foreign_tool_id({"messages": [{"content": [{"type": "tool_result", "tool_use_id": "toolu_01"}]}]})
    assert foreign_tool_id({"input": [{"type": "function_call_output", "call_id": "call_x"}]}) == "call_x"
    assert foreign_tool_id({"messages": [{"role": "user", "content": "no tools yet"}]}) is None


def test_the_header_turns_it_on_per_request() -> None:
    with serve_in_thread([]) as running:
        headers = {"x-agentspec-fault": "mistral_tool_ids"}
        answer = httpx.post(f"{running.url}/v1/chat/completions", json=chat("call_1"), headers=headers)
        assert answer.status_code == 400
        assert httpx.post(f"{running.url}/v1/chat/completions", json=chat("call_1")).status_code == 200
