"""Ollama's silent prompt truncation, played back: a 200 whose `prompt_eval_count` is below what was sent.

Ollama (truncate and shift on, its defaults) cuts a prompt longer than its loaded context to about half
the window and answers as if nothing happened; the only sign is the prompt count. These are the shapes
its `/api/chat` answers with, measured on 0.34 (a ~12,000-token prompt with num_ctx 4096 gave 200 and
`prompt_eval_count: 2050`).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import AgentResult, AgentTask, Endpoint
from agentspec.agents.builtin import BuiltinAgent
from agentspec.errors import BackendError
from agentspec.failures import ERROR_KINDS, Category, FailureKind
from agentspec.providers import Message, ProviderSettings, provider_for
from agentspec.providers.truncation import PromptWatch
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS
from tests.providers.replay import Answer, replay_server
from tests.providers.test_recorded_streams import TOOL

QUICK = ProviderSettings(retries=0, backoff_s=0.01, stream=False)


def ollama_reply(prompt_tokens: int, *, call: bool = False, cached: int = 0) -> Answer:
    message: dict[str, Any] = {"role": "assistant", "content": "" if call else "Done."}
    if call:
        message["tool_calls"] = [{"function": {"name": "list_files", "arguments": {}}}]
    body = {
        "model": "m",
        "message": message,
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": prompt_tokens,
        "eval_count": 9,
    }
    if cached:
        body["prompt_eval_cached_count"] = cached
    return Answer.json(body)


def chats(answers: list[Answer], conversations: list[list[Message]]) -> list[Any]:
    """Each conversation sent in turn on one provider; a reply, or the BackendError it raised."""

    async def go() -> list[Any]:
        out: list[Any] = []
        async with provider_for(Endpoint("ollama", "m", replay.url), QUICK) as client:
            for messages in conversations:
                try:
                    out.append(await client.chat(messages, [TOOL], stream=False))
                except BackendError as exc:
                    out.append(exc)
        return out

    with replay_server({"/api/chat": answers}) as replay:
        return asyncio.run(go())


def builtin_attempt(folder: Path, answers: list[Answer]) -> AgentResult:
    """The builtin agent on the validators spec against a replayed Ollama (it ends after the answers run out)."""
    [spec] = load_specs([SPECS / "validators.toml"])
    make_workspace(spec, folder / "workspace")
    (folder / "scratch").mkdir()
    with replay_server({"/api/chat": answers}) as replay:
        endpoint = Endpoint("ollama", "m", replay.url)
        task = AgentTask(spec, folder / "workspace", folder / "scratch", Sandbox("none"), endpoint)
        return asyncio.run(BuiltinAgent(QUICK, check_backend=False).act(task))


def test_a_prompt_far_longer_than_the_count_is_context_truncated() -> None:
    long = [Message("system", "You are an agent."), Message("user", "Fix this file:\n" + "x = 1\n" * 8000)]
    [error] = chats([ollama_reply(2050)], [long])
    assert isinstance(error, BackendError) and error.failure_kind == "context_truncated"
    assert "2050 prompt tokens" in str(error) and "OLLAMA_CONTEXT_LENGTH" in str(error)


def test_a_conversation_that_grew_but_whose_prompt_shrank_is_context_truncated() -> None:
    first = [Message("system", "You are an agent."), Message("user", "List the files.")]
    grown = [*first, Message("assistant", "Looking."), Message("user", "Now read them.")]
    ok, error = chats([ollama_reply(3900, call=True), ollama_reply(2050)], [first, grown])
    assert ok.usage.input_tokens == 3900
    assert isinstance(error, BackendError) and error.failure_kind == "context_truncated"
    assert "fewer than the 3900" in str(error)


def test_a_prompt_that_fits_is_not_flagged_and_cached_tokens_are_counted() -> None:
    first = [Message("system", "You are an agent."), Message("user", "List the files.")]
    grown = [*first, Message("assistant", "Looking."), Message("user", "Now read them.")]
    one, two = chats([ollama_reply(60, call=True), ollama_reply(75, cached=60)], [first, grown])
    assert (one.usage.input_tokens, two.usage.input_tokens, two.usage.cached_input_tokens) == (60, 75, 60)


def test_a_new_conversation_may_be_shorter_than_the_last() -> None:
    watch = PromptWatch()
    assert watch.check([Message("user", "a long question " * 20)], [], 90) is None
    assert watch.check([Message("user", "short")], [], 3) is None  # not a continuation: nothing concluded
    assert watch.check([Message("user", "short"), Message("user", "more")], [], 0) is None  # no count given


def test_context_truncated_is_a_model_side_failure_not_an_error() -> None:
    kind = FailureKind("context_truncated")
    assert kind.category is Category.MODEL and kind not in ERROR_KINDS


def test_the_builtin_agent_records_the_truncation_on_the_attempt(tmp_path: Path) -> None:
    result = builtin_attempt(tmp_path, [ollama_reply(1200, call=True), ollama_reply(700)])
    assert result.failure_kind == "context_truncated" and result.turns == 2
    assert result.transcript[-1]["failure_kind"] == "context_truncated"
    assert "fewer than the 1200" in (result.error or "")


@pytest.mark.parametrize("count", [1200, 5000])
def test_the_builtin_agent_goes_on_when_the_prompt_only_grows(tmp_path: Path, count: int) -> None:
    result = builtin_attempt(tmp_path, [ollama_reply(count, call=True), ollama_reply(count + 400)])
    assert result.failure_kind is None and result.turns == 2
