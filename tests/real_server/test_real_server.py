"""agentspec against a real llama.cpp llama-server with a real model (SmolLM2-135M-Instruct, F16), over loopback.

A 135M model solves nothing; what is checked is that every attempt ends recorded and classified by what
really happened (its own transcript says what that was), and that the facts the server tells are recorded.
Model turns take seconds to minutes on two shared cores: one small spec, two turns, short replies.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import Endpoint
from agentspec.failures import ERROR_KINDS
from agentspec.providers import ProviderSettings, Timeouts, preflight
from tests.conftest import SPECS
from tests.real_server.llama import MODEL, LlamaServer

SLOW = Timeouts(first_token_s=900, idle_s=600, total_s=1200)
TURNS = 2


def small_spec(folder: Path) -> Path:
    """The validators spec with room for two model turns only."""
    path = folder / "validators.toml"
    path.write_text((SPECS / "validators.toml").read_text() + f"\n[limits]\nturns = {TURNS}\ntime_s = 1500\n")
    return path


def agentspec_run(root: Path, *args: str, timeout: float = 2400) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    """`agentspec run` on the small spec, then the attempts `agentspec report --format json` shows."""
    results = root / "results"
    command = [sys.executable, "-m", "agentspec", "run", str(small_spec(root)), "--results", str(results), *args]
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


def expected_kind(turns: list[dict[str, Any]]) -> str | None:
    """The failure kind the builtin agent's own transcript calls for (None: it finished on its own)."""
    last = turns[-1]
    if "failure_kind" in last:
        return str(last["failure_kind"])
    if sum(1 for t in turns[-2:] if t.get("truncated")) == 2 and len(turns) >= 2:
        return "output_truncated"
    if sum(1 for t in turns if t.get("format_error") or _bad_calls(t)) >= 3:
        return "tool_format"
    if last.get("tool_calls") or last.get("format_error") or last.get("truncated"):
        return "max_turns" if len(turns) >= TURNS else None
    return None


def _bad_calls(turn: dict[str, Any]) -> bool:
    return any(call.get("format_error") for call in turn.get("tool_calls") or [])


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_preflight_records_the_real_server(llama: LlamaServer, provider: str) -> None:
    url = llama.url + ("/v1" if provider == "openai" else "")
    settings = ProviderSettings(timeouts=SLOW, max_tokens=32)
    info = asyncio.run(preflight(Endpoint(provider, MODEL, url), settings))
    assert info.server == "llama.cpp" and info.server_version and info.server_version.startswith("b")
    assert info.context_length == llama.slot_ctx == 8192  # served per slot, whatever the training context
    assert info.quantization == "F16"
    assert info.capabilities is not None and "tools" in info.capabilities
    assert MODEL in info.models and info.extra["total_slots"] == 2


def test_anthropic_preflight_of_a_model_the_server_does_not_serve(llama: LlamaServer) -> None:
    settings = ProviderSettings(timeouts=SLOW, max_tokens=32)
    with pytest.raises(Exception) as caught:
        asyncio.run(preflight(Endpoint("anthropic", "qwen3.5:27b", llama.url), settings))
    assert getattr(caught.value, "failure_kind", None) == "model_not_found"


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_builtin_agent_attempts_end_classified(llama: LlamaServer, tmp_path: Path, stream: str) -> None:
    models = ["--model", f"openai/{MODEL}", "--model", f"anthropic/{MODEL}"]
    done, attempts = agentspec_run(
        tmp_path, *models, "--base-url", llama.url, stream, "--max-tokens", "96", "--concurrency", "2"
    )
    assert "context_length 8192" in done.stderr and "quantization F16" in done.stderr
    assert sorted(a["model"] for a in attempts) == [f"anthropic/{MODEL}", f"openai/{MODEL}"]
    for attempt in attempts:
        turns = transcript(tmp_path, attempt)
        assert turns and all("stop_reason" in t or "error" in t for t in turns), turns
        assert attempt["backend"]["context_length"] == 8192 and attempt["backend"]["server"] == "llama.cpp"
        assert attempt["tokens_in"] > 0 and attempt["turns"] == len(turns)
        wanted = expected_kind(turns)
        if wanted is None:
            assert attempt["failure_kind"] in (None, "tests_failed"), (attempt, turns)
        else:
            assert attempt["failure_kind"] == wanted, (attempt, turns)
        assert (attempt["outcome"] == "error") == (attempt["failure_kind"] in ERROR_KINDS)


def test_a_768_token_context_gives_context_exceeded(small_llama: LlamaServer, tmp_path: Path) -> None:
    models = ["--model", f"openai/{MODEL}", "--model", f"anthropic/{MODEL}"]
    done, attempts = agentspec_run(tmp_path, *models, "--base-url", small_llama.url, "--max-tokens", "32")
    assert done.stderr.count("context_length 768") == 2
    assert [(a["outcome"], a["failure_kind"]) for a in attempts] == [("failed", "context_exceeded")] * 2
    assert all(a["backend"]["context_length"] == 768 for a in attempts)


def test_claude_code_ends_context_exceeded(llama: LlamaServer, tmp_path: Path) -> None:
    # Claude Code's own prompt (system prompt and tools) is about 21k tokens, beyond the 8192 a slot serves.
    done, [attempt] = agentspec_run(
        tmp_path, "--agent", "claude-code", "--model", f"anthropic/{MODEL}", "--base-url", llama.url
    )
    assert attempt["failure_kind"] == "context_exceeded", attempt["error"]
    assert attempt["outcome"] == "failed" and attempt["backend"]["server"] == "llama.cpp"


def test_aider_ends_classified(llama: LlamaServer, tmp_path: Path) -> None:
    done, [attempt] = agentspec_run(tmp_path, "--agent", "aider", "--model", f"openai/{MODEL}", "--base-url", llama.url)
    assert attempt["details"]["version"].startswith("aider ")
    assert attempt["outcome"] in ("failed", "error") and attempt["failure_kind"], attempt
    assert (attempt["outcome"] == "error") == (attempt["failure_kind"] in ERROR_KINDS)
    if attempt["failure_kind"] == "tests_failed":
        assert attempt["turns"] >= 1 and attempt["tokens_in"] > 0
