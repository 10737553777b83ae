"""OpenCode, the real CLI, against `agentspec serve`'s chat completions: the seed suite, and how it fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentspec.agents.base import Endpoint
from agentspec.agents.opencode import OpenCodeAgent, opencode_config
from agentspec.errors import UsageError
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    OPENCODE_INSTALL,
    ExpectFailureKind,
    Suite,
    assert_refused_tool_call_ids_are_tool_format,
    assert_unreachable_is_a_backend_error,
    harness_fixture,
    nop_failed_all_eight,
    openai_model_failures,
    reference_passed_all_eight,
    suite_fixture,
)

opencode = harness_fixture(OpenCodeAgent, OPENCODE_INSTALL)

# `agentspec run specs/ --agent opencode --base-url <serve>/v1` with the models reference and nop.
suite = suite_fixture("opencode")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    for record in reference_passed_all_eight(suite, seed_specs, "openai/reference"):
        # One answer running the shell commands that write the files, one saying it is done.
        assert record["turns"] == 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        details = record["details"]
        assert details["version"] == "1.18.33" and details["protocol"] == "openai-chat"
        assert details["tool_calls"] >= 1 and details["stop_reason"] == "stop"


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["turns"] == 1 for a in nop_failed_all_eight(suite, "openai/nop"))


@pytest.mark.slow
def test_opencode_spoke_chat_completions_with_its_bash_tool(suite: Suite) -> None:
    # Besides the task's requests, OpenCode asks the model for a session title (with no tools).
    chats = [r for r in suite.requests if r.path == "/v1/chat/completions" and "bash" in r.tools]
    assert len(chats) >= 8 * 2 + 8 and all(r.stream for r in chats)


def test_config_points_opencode_at_the_endpoint() -> None:
    config = opencode_config(Endpoint.parse("openai/qwen3-coder", "http://127.0.0.1:8000/v1"), 32768, "k")
    provider = config["provider"][config["model"].split("/")[0]]
    assert provider["options"] == {"baseURL": "http://127.0.0.1:8000/v1", "apiKey": "k"}
    assert provider["models"]["qwen3-coder"]["limit"]["context"] == 32768
    assert json.loads(json.dumps(config)) == config
    ollama = opencode_config(Endpoint.parse("ollama/qwen3:8b", "http://127.0.0.1:11434"), None, "k")
    assert ollama["provider"]["agentspec"]["options"]["baseURL"] == "http://127.0.0.1:11434/v1"
    assert "limit" not in ollama["provider"]["agentspec"]["models"]["qwen3:8b"]


@pytest.mark.parametrize(("model", "faults", "kind"), openai_model_failures("json", "text", "name"))
def test_model_failures_are_classified(
    model: str, faults: Faults | None, kind: str, opencode: OpenCodeAgent, expect_failure_kind: ExpectFailureKind
) -> None:
    expect_failure_kind(opencode, model, faults, kind)


def test_unreachable_server_is_a_backend_error_at_once(
    opencode: OpenCodeAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_unreachable_is_a_backend_error(opencode, seed_specs, tmp_path)


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_OPENCODE", "/nonexistent/opencode")
    with pytest.raises(UsageError, match="npm install -g opencode-ai"):
        OpenCodeAgent()


def test_refused_tool_call_ids_are_tool_format(
    opencode: OpenCodeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_refused_tool_call_ids_are_tool_format(opencode, faulty_server, seed_specs, tmp_path)
