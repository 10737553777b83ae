"""aider, the real CLI, against `agentspec serve`: the whole seed suite, its three providers, its failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentspec.agents.aider import AiderAgent
from agentspec.errors import UsageError
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    AIDER_INSTALL,
    Suite,
    attempt,
    harness_fixture,
    nop_failed_all_eight,
    reference_passed_all_eight,
    spec_named,
    suite_fixture,
)

aider = harness_fixture(AiderAgent, AIDER_INSTALL)

# `agentspec run specs/ --agent aider` with the models reference and nop (Ollama protocol), through the CLI.
suite = suite_fixture("aider", provider="ollama")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    # aider's history files went to the scratch folder: the workspace holds only what the model wrote.
    for record in reference_passed_all_eight(suite, seed_specs, "ollama/reference"):
        assert record["turns"] == 1 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        assert record["details"]["version"].startswith("aider ") and record["details"]["applied"]


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["details"]["applied"] == [] for a in nop_failed_all_eight(suite, "ollama/nop"))


@pytest.mark.slow
def test_aider_spoke_ollama_without_tools(suite: Suite) -> None:
    # aider edits with whole files, not tool calls (other requests in the log may be `agentspec run`'s preflight).
    chats = [r for r in suite.requests if r.path == "/api/chat" and r.model in {"reference", "nop"}]
    assert sum(not r.tools for r in chats) >= 16


@pytest.mark.parametrize(
    ("model", "path"), [("openai/reference", "/v1/chat/completions"), ("anthropic/reference", "/v1/messages")]
)
def test_openai_and_anthropic_models(
    model: str, path: str, aider: AiderAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    base_url = harness_server.base_urls[model.split("/")[0]]
    harness_server.clear_requests()
    record = attempt(aider, spec_named(seed_specs, "ttl-cache"), model, base_url, tmp_path)
    assert record.outcome == "passed", record.error
    assert path in {r.path for r in harness_server.requests}


def test_timeout_kills_aider(
    aider: AiderAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    faulty_server.faults = Faults(latency=120)
    spec = spec_named(seed_specs, "validators", time_s=8)
    record = attempt(aider, spec, "ollama/reference", faulty_server.url, tmp_path)
    assert (record.outcome, record.failure_kind) == ("failed", "agent_timeout")
    assert 8 <= record.agent_duration_s < 25


def test_unreachable_server_is_a_backend_error_at_once(
    aider: AiderAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    record = attempt(aider, spec_named(seed_specs, "validators"), "ollama/reference", "http://127.0.0.1:9", tmp_path)
    assert (record.outcome, record.failure_kind) == ("error", "backend_error")


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_AIDER", "/nonexistent/aider")
    with pytest.raises(UsageError, match="pip install aider-chat"):
        AiderAgent()


def test_a_model_without_tool_calling_still_works_through_aider(
    aider: AiderAgent, harness_server: ModelServer, tmp_path: Path
) -> None:
    # The article's Devstral case: no usable tool calls, so the builtin agent is refused at preflight,
    # while aider, which edits from plain text, runs the same model.
    import subprocess
    import sys

    from tests.conftest import SPECS

    spec = SPECS / "validators.toml"
    common = ["--model", "ollama/notools", "--base-url", harness_server.url, "--results", str(tmp_path / "r")]
    run = [sys.executable, "-m", "agentspec", "run", str(spec)]
    builtin = subprocess.run([*run, *common], capture_output=True, text=True, timeout=120)
    assert builtin.returncode == 1
    assert "does not support tool calling" in builtin.stderr and "aider works without" in builtin.stderr
    through_aider = subprocess.run([*run, "--agent", "aider", *common], capture_output=True, text=True, timeout=300)
    assert through_aider.returncode == 0, through_aider.stderr
    assert "passed validators aider ollama/notools" in through_aider.stderr


def test_aider_works_where_a_mistral_model_refuses_foreign_tool_ids(
    aider: AiderAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # The article: Devstral "would need Aider": whole-file edits carry no tool call ids to refuse.
    faulty_server.faults = Faults(mistral_tool_ids=True)
    record = attempt(aider, spec_named(seed_specs, "validators"), "ollama/reference", faulty_server.url, tmp_path)
    assert record.outcome == "passed", record.error
