"""A harness paired with a provider whose protocol it does not speak stops before any attempt, saying what to use."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SPECS, RunCli

# Nothing listens on port 9 (discard): a run that got as far as preflight would fail there instead, differently.
NOWHERE = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("agent", "protocol"),
    [
        ("codex", "the OpenAI Responses API"),
        ("opencode", "OpenAI chat completions"),
        ("qwen-code", "OpenAI chat completions"),
        ("vibe", "OpenAI chat completions"),
        ("mini-swe-agent", "OpenAI chat completions"),
        ("mini-swe-agent-text", "OpenAI chat completions"),
    ],
)
def test_an_openai_only_harness_refuses_an_anthropic_model(
    cli: RunCli, tmp_path: Path, agent: str, protocol: str
) -> None:
    done = cli("run", SPECS / "validators.toml", "--agent", agent, "--model", "anthropic/claude-x", "--base-url",
               NOWHERE, "--results", tmp_path / "results")  # fmt: skip
    assert done.returncode != 0 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert f"agent '{agent}' cannot use anthropic/claude-x: it speaks {protocol}" in message, done.stderr
    assert "--model openai/NAME" in message and "preflight" not in message
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").rglob("*.json"))


@pytest.mark.parametrize("agent", ["claude-code", "aider"])
def test_harnesses_that_speak_anthropic_go_on_to_preflight(cli: RunCli, tmp_path: Path, agent: str) -> None:
    done = cli("run", SPECS / "validators.toml", "--agent", agent, "--model", "anthropic/claude-x", "--base-url",
               NOWHERE, "--results", tmp_path / "results")  # fmt: skip
    assert done.returncode != 0 and "cannot use" not in done.stderr
    assert "127.0.0.1:9" in done.stderr, done.stderr
