"""Claude Code, the real CLI, against `agentspec serve`: the whole seed suite, and each way it can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentspec.agents.claude_code import ClaudeCodeAgent
from agentspec.errors import UsageError
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    CLAUDE_INSTALL,
    FAKES,
    Suite,
    act,
    attempt,
    attempt_with_artifacts,
    by_model,
    harness_fixture,
    nop_failed_all_eight,
    reference_passed_all_eight,
    spec_named,
    suite_fixture,
)

claude = harness_fixture(ClaudeCodeAgent, CLAUDE_INSTALL)

# `agentspec run specs/ --agent claude-code` with the models reference and nop, through the CLI.
suite = suite_fixture("claude", provider="anthropic")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    # Claude Code kept its own files in the scratch HOME: the workspace holds only what the model wrote.
    attempts = reference_passed_all_eight(suite, seed_specs, "anthropic/reference")
    assert len(attempts) == 8
    for record in attempts:
        details = record["details"]
        assert record["turns"] >= 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        assert record["agent_duration_s"] > 0 and details["duration_ms"] > 0 and details["duration_api_ms"] > 0
        assert details["subtype"] == "success" and details["version"].endswith("(Claude Code)")


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["turns"] == 1 for a in nop_failed_all_eight(suite, "anthropic/nop"))


@pytest.mark.slow
def test_report_shows_turns_and_durations(suite: Suite) -> None:
    reference = by_model(suite.attempts, "anthropic/reference")
    assert all(a["turns"] > 0 and a["duration_s"] >= a["agent_duration_s"] > 0 for a in reference)
    # Every model slot Claude Code has (main, small/fast, sub-agents) asked the model under test.
    asked = {r.model for r in suite.requests if r.path == "/v1/messages"}
    assert asked <= {"reference", "nop"}
    assert any({"Bash", "Write", "Edit", "Read"} <= set(r.tools) for r in suite.requests)


def test_one_attempt_records_claude_codes_transcript(
    claude: ClaudeCodeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    spec = spec_named(seed_specs, "merge-sorted-lists")
    record, artifacts = attempt_with_artifacts(claude, spec, "anthropic/reference", harness_server.url, tmp_path)
    assert record.outcome == "passed"
    assert record.details["returncode"] == 0 and record.details["sandbox"] in {"bwrap", "none"}
    transcript = json.loads((artifacts / "transcript.json").read_text())
    assert transcript[0]["subtype"] == "init" and transcript[0]["cwd"].endswith("workspace")
    calls = [
        b for e in transcript if e["type"] == "assistant" for b in e["message"]["content"] if b["type"] == "tool_use"
    ]
    assert [c["name"] for c in calls] == ["Bash"]
    assert transcript[-1]["type"] == "result"


def test_out_of_turns_is_max_turns(
    claude: ClaudeCodeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # The reference model needs a second turn to say it is done; with one turn Claude Code stops first.
    spec = spec_named(seed_specs, "validators", turns=1)
    result = act(claude, spec, "anthropic/reference", harness_server.url, tmp_path)
    assert result.failure_kind == "max_turns"
    assert result.details["subtype"] == "error_max_turns" and "turns" in (result.error or "")


def test_timeout_kills_claude_code(
    claude: ClaudeCodeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    faulty_server.faults = Faults(latency=120)
    spec = spec_named(seed_specs, "validators", time_s=6)
    record = attempt(claude, spec, "anthropic/reference", faulty_server.url, tmp_path)
    assert (record.outcome, record.failure_kind) == ("failed", "agent_timeout")
    assert 6 <= record.agent_duration_s < 20
    assert record.details["limits_hit"] == ["timeout"]


@pytest.mark.parametrize(
    ("model", "fault", "kind"),
    [
        ("anthropic/missing-model", None, "model_not_found"),
        ("anthropic/notools", None, "no_tool_support"),
        ("anthropic/reference", "malformed=text", "tool_format"),
        ("anthropic/reference", "malformed=name", "tool_format"),
        ("anthropic/reference", "context_length=500", "context_exceeded"),
    ],
)
def test_model_failures_are_classified(
    model: str,
    fault: str | None,
    kind: str,
    harness_server: ModelServer,
    seed_specs: list[Spec],
    tmp_path: Path,
    claude: ClaudeCodeAgent,
) -> None:
    env = {"ANTHROPIC_CUSTOM_HEADERS": f"x-agentspec-fault: {fault}"} if fault else {}
    agent = ClaudeCodeAgent(claude.executable, env=env)
    record = attempt(agent, spec_named(seed_specs, "validators"), model, harness_server.url, tmp_path)
    assert record.failure_kind == kind, record.error
    assert record.error


def test_unreachable_server_is_a_backend_error_at_once(
    claude: ClaudeCodeAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    record = attempt(
        claude, spec_named(seed_specs, "validators"), "anthropic/reference", "http://127.0.0.1:9", tmp_path
    )
    assert (record.outcome, record.failure_kind) == ("error", "backend_error")
    assert "cannot reach the model server at http://127.0.0.1:9" in (record.error or "")


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_CLAUDE", "/nonexistent/claude")
    with pytest.raises(UsageError, match="npm install -g @anthropic-ai/claude-code"):
        ClaudeCodeAgent()
    monkeypatch.delenv("AGENTSPEC_CLAUDE")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UsageError, match=r"Claude Code is not installed \(no `claude` on PATH\)"):
        ClaudeCodeAgent()


def test_missing_cli_stops_agentspec_run_with_one_message(tmp_path: Path) -> None:
    env = {**os.environ, "AGENTSPEC_CLAUDE": str(tmp_path / "no-such-claude")}
    done = subprocess.run(
        [sys.executable, "-m", "agentspec", "run", "specs/", "--agent", "claude-code", "--model", "anthropic/x"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "npm install -g @anthropic-ai/claude-code" in done.stderr and "Traceback" not in done.stderr


def test_a_cli_that_cannot_start_or_crashes_is_a_harness_error(
    harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    spec = spec_named(seed_specs, "validators")
    missing = attempt(
        ClaudeCodeAgent(str(tmp_path / "gone")), spec, "anthropic/reference", harness_server.url, tmp_path / "a"
    )
    assert (missing.outcome, missing.failure_kind) == ("error", "harness_error")
    assert "could not start" in (missing.error or "")

    crashing = str(FAKES / "crashing-claude")
    crashed = attempt(ClaudeCodeAgent(crashing), spec, "anthropic/reference", harness_server.url, tmp_path / "b")
    assert (crashed.outcome, crashed.failure_kind) == ("error", "harness_error")
    assert "exited with status 1" in (crashed.error or "") and "npm install" in (crashed.error or "")


def test_refused_tool_call_ids_are_tool_format(
    claude: ClaudeCodeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # Devstral through Claude Code in the article: the files are written, the next request is refused.
    faulty_server.faults = Faults(mistral_tool_ids=True)
    result = act(claude, spec_named(seed_specs, "validators"), "anthropic/reference", faulty_server.url, tmp_path)
    assert result.failure_kind == "tool_format", result.error
    assert "must be a-z, A-Z, 0-9, with a length of 9" in (result.error or "")
