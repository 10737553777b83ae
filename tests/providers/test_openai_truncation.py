"""Silent prompt truncation behind the OpenAI route: Ollama's `/v1` and llama.cpp with context shift cut too.

The same two signs as on Ollama's native API (tests/providers/test_ollama_truncation.py), read from the
`usage.prompt_tokens` of a chat completion: the prompt count fell although the conversation only grew, or
the request's text is far longer than the count allows.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agentspec.agents.base import Endpoint
from agentspec.errors import BackendError
from agentspec.providers import Message, ProviderSettings, provider_for
from tests.providers.replay import Answer, replay_server
from tests.providers.test_recorded_streams import TOOL

QUICK = ProviderSettings(retries=0, backoff_s=0.01, stream=False)
FIRST = [Message("system", "You are an agent."), Message("user", "List the files.")]
GROWN = [*FIRST, Message("assistant", "Looking."), Message("user", "Now read them.")]


def completion(prompt_tokens: int, *, cached: int = 0) -> Answer:
    usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": 9}
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    message = {"role": "assistant", "content": "Done."}
    return Answer.json({"id": "c", "model": "m", "choices": [{"index": 0, "message": message,
                        "finish_reason": "stop"}], "usage": usage})  # fmt: skip


def chats(provider: str, answers: list[Answer], conversations: list[list[Message]]) -> list[Any]:
    """Each conversation in turn on one provider of the OpenAI route; a reply, or the BackendError it raised."""

    async def go() -> list[Any]:
        out: list[Any] = []
        async with provider_for(Endpoint(provider, "m", replay.url + "/v1"), QUICK) as client:
            for messages in conversations:
                try:
                    out.append(await client.chat(messages, [TOOL], stream=False))
                except BackendError as exc:
                    out.append(exc)
        return out

    with replay_server({"/v1/chat/completions": answers}) as replay:
        return asyncio.run(go())


def test_a_prompt_far_longer_than_the_count_is_context_truncated() -> None:
    long = [Message("system", "You are an agent."), Message("user", "Fix this file:\n" + "x = 1\n" * 8000)]
    [error] = chats("openai", [completion(2050)], [long])
    assert isinstance(error, BackendError) and error.failure_kind == "context_truncated"
    assert "2050 prompt tokens" in str(error) and "larger context" in str(error)


def test_a_conversation_that_grew_but_whose_prompt_shrank_is_context_truncated() -> None:
    ok, error = chats("openai", [completion(3900), completion(2050)], [FIRST, GROWN])
    assert ok.usage.input_tokens == 3900
    assert isinstance(error, BackendError) and error.failure_kind == "context_truncated"
    assert "fewer than the 3900" in str(error)


@pytest.mark.parametrize("cached", [0, 60])
def test_a_prompt_that_fits_is_not_flagged(cached: int) -> None:
    # OpenAI-compatible servers count cached tokens inside prompt_tokens: a cached prefix is no shrinking.
    one, two = chats("openai", [completion(60), completion(75, cached=cached)], [FIRST, GROWN])
    assert (one.usage.input_tokens, two.usage.input_tokens, two.usage.cached_input_tokens) == (60, 75, cached)
