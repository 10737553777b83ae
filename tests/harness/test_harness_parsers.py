"""The harness output readers on recorded output: what the end-to-end tests cannot provoke quickly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentspec.agents.aider import aider_model, aider_result, llm_history, tokens
from agentspec.agents.base import Endpoint
from agentspec.agents.claude_code import anthropic_base_url, claude_result
from agentspec.agents.codex import CodexAgent, codex_result
from agentspec.agents.command import find_parser
from agentspec.sandbox import Completed

NOT_FOUND = """\
Aider v0.86.2
Model: ollama_chat/qwen9:1b with whole edit format
Added merge.py to the chat.
litellm.APIConnectionError: Ollama_chatException - {"error": "model \\"qwen9:1b\\" not found, try pulling it first"}
Retrying in 0.2 seconds...
litellm.APIConnectionError: Ollama_chatException - {"error": "model \\"qwen9:1b\\" not found, try pulling it first"}
"""
RECOVERED = """\
litellm.InternalServerError: Ollama_chatException - llama runner process has terminated
Retrying in 0.2 seconds...
Here you go.
Tokens: 2.1k sent, 1.2k cache hit, 508 received. Cost: $0.01 message, $0.01 session.
Applied edit to merge.py
"""
NONCONFORMING = """\
I would change the loop.
Tokens: 1.4k sent, 90 received.
The LLM did not conform to the edit format.
Tokens: 1.6k sent, 85 received.
"""


def done(stdout: str, returncode: int | None = 0, timed_out: bool = False, stderr: str = "") -> Completed:
    return Completed(("cli",), returncode, stdout, stderr, 1.0, timed_out, "none")


@pytest.mark.parametrize(("text", "count"), [("508", 508), ("2.1k", 2100), ("25k", 25_000), ("1.2M", 1_200_000)])
def test_aider_token_counts(text: str, count: int) -> None:
    assert tokens(text) == count


def test_aider_gave_up_on_a_missing_model(tmp_path: Path) -> None:
    result = aider_result(done(NOT_FOUND), tmp_path / "none")
    assert result.failure_kind == "model_not_found" and "qwen9:1b" in (result.error or "")
    assert (result.turns, result.tokens_in) == (0, 0)


def test_aider_recovered_from_an_error(tmp_path: Path) -> None:
    result = aider_result(done(RECOVERED), tmp_path / "none")
    assert (result.failure_kind, result.error) == (None, None)
    assert (result.tokens_in, result.tokens_out, result.turns) == (2100, 508, 1)
    assert result.details["applied"] == ["merge.py"]


def test_aider_replies_that_never_fit_the_edit_format(tmp_path: Path) -> None:
    result = aider_result(done(NONCONFORMING), tmp_path / "none")
    assert result.failure_kind == "tool_format"
    assert (result.tokens_in, result.tokens_out, result.turns) == (3000, 175, 2)


def test_aider_llm_history_becomes_the_transcript(tmp_path: Path) -> None:
    history = tmp_path / "llm.history"
    history.write_text(
        "TO LLM 2026-11-24T01:37:20\n-------\nSYSTEM Act as an expert.\nUSER fix it\n"
        "LLM RESPONSE 2026-11-24T01:37:21\nASSISTANT merge.py\nASSISTANT ```\nASSISTANT x = 1\nASSISTANT ```\n"
    )
    entries = llm_history(history)
    assert [e["type"] for e in entries] == ["request", "reply"]
    assert entries[1]["text"] == "merge.py\n```\nx = 1\n```"


@pytest.mark.parametrize(
    ("provider", "model", "flags", "variable"),
    [
        ("ollama", "ollama_chat/m", [], "OLLAMA_API_BASE"),
        ("openai", "openai/m", ["--openai-api-base", "http://h:8000/v1"], "OPENAI_API_KEY"),
        ("anthropic", "anthropic/m", [], "ANTHROPIC_API_BASE"),
    ],
)
def test_aider_models(provider: str, model: str, flags: list[str], variable: str) -> None:
    name, args, env = aider_model(Endpoint(provider, "m", "http://h:8000/v1" if provider == "openai" else "http://h:1"))
    assert (name, args) == (model, flags) and variable in env


def test_claude_code_base_url_for_each_provider() -> None:
    assert anthropic_base_url(Endpoint("openai", "m", "http://gpu:8000/v1")) == "http://gpu:8000"
    assert anthropic_base_url(Endpoint("ollama", "m", "http://127.0.0.1:11434")) == "http://127.0.0.1:11434"
    assert anthropic_base_url(Endpoint("anthropic", "m", "http://127.0.0.1:5")) == "http://127.0.0.1:5"


def test_claude_code_cut_short_keeps_what_it_did() -> None:
    events = [
        {"type": "system", "subtype": "init", "cwd": "/w", "tools": ["Bash", "Write"], "mcp_servers": []},
        {
            "type": "assistant",
            "message": {
                "id": "m1",
                "content": [{"type": "tool_use", "name": "Bash", "input": {}}],
                "usage": {"input_tokens": 100, "output_tokens": 20},
            },
        },
        {"type": "user", "message": {"content": [{"type": "tool_result", "content": "ok", "is_error": False}]}},
    ]
    stdout = "".join(json.dumps(e) + "\n" for e in events)
    result = claude_result(done(stdout, returncode=None, timed_out=True))
    assert (result.turns, result.tokens_in, result.tokens_out, result.failure_kind) == (1, 100, 20, None)
    assert result.transcript[0] == {"type": "system", "subtype": "init", "cwd": "/w", "tools": 2}


def test_claude_code_output_that_is_not_json_is_a_harness_error() -> None:
    result = claude_result(done("Segmentation fault\n", returncode=139, stderr="core dumped"))
    assert result.failure_kind == "harness_error" and "status 139" in (result.error or "")


CODEX_EVENTS = """\
{"type":"thread.started","thread_id":"t1"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"printf x","exit_code":0}}
{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Done."}}
{"type":"turn.completed","usage":{"input_tokens":21354,"cached_input_tokens":100,"output_tokens":521}}
"""
CODEX_FAILED = """\
{"type":"turn.started"}
{"type":"error","message":"Reconnecting... 1/1 (unexpected status 404 Not Found: The model `x` does not exist.)"}
{"type":"turn.failed","error":{"message":"unexpected status 404 Not Found: The model `x` does not exist., url: u"}}
"""


def test_codex_events_give_turns_tokens_and_failures() -> None:
    result = codex_result(done(CODEX_EVENTS))
    assert (result.turns, result.tokens_in, result.tokens_out) == (2, 21354, 521)
    assert result.failure_kind is None and result.details["commands"] == 1
    session = [{"type": "token_usage_record"}] * 3
    assert codex_result(done(CODEX_EVENTS), session).turns == 3
    failed = codex_result(done(CODEX_FAILED))
    assert failed.failure_kind == "model_not_found" and "does not exist" in (failed.error or "")
    bad = [{"type": "response_item", "payload": {"type": "function_call_output", "output": "unsupported call: x"}}]
    assert codex_result(done(CODEX_EVENTS), bad).failure_kind == "tool_format"


def test_a_registered_harness_names_a_command_parser() -> None:
    assert find_parser("codex") == CodexAgent.parse
