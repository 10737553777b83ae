"""Codex CLI, the real CLI, against `agentspec serve`'s Responses API: the seed suite, and how it fails."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from agentspec.agents.base import Endpoint
from agentspec.agents.codex import CodexAgent, codex_config
from agentspec.errors import UsageError
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    CODEX_INSTALL,
    ExpectFailureKind,
    Suite,
    assert_refused_tool_call_ids_are_tool_format,
    assert_unreachable_is_a_backend_error,
    attempt,
    harness_fixture,
    nop_failed_all_eight,
    openai_model_failures,
    reference_passed_all_eight,
    spec_named,
    suite_fixture,
)

codex = harness_fixture(CodexAgent, CODEX_INSTALL)

# `agentspec run specs/ --agent codex --base-url <serve>/v1` with the models reference and nop.
suite = suite_fixture("codex")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    for record in reference_passed_all_eight(suite, seed_specs, "openai/reference"):
        # One answer running the shell commands that write the files, one saying it is done.
        assert record["turns"] == 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        details = record["details"]
        assert details["version"] == "codex-cli 0.171.0" and details["protocol"] == "openai-responses"
        assert details["commands"] >= 1


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["turns"] == 1 for a in nop_failed_all_eight(suite, "openai/nop"))


@pytest.mark.slow
def test_codex_spoke_only_the_responses_api(suite: Suite) -> None:
    chats = [r for r in suite.requests if r.protocol is not None and r.model in {"reference", "nop"}]
    codex = [r for r in chats if "codex" in r.headers.get("user-agent", "")]
    assert len(codex) == 8 * 2 + 8 and {r.path for r in codex} == {"/v1/responses"}
    assert all(r.stream and "exec_command" in r.tools for r in codex)


def test_config_points_codex_at_the_endpoint() -> None:
    config = codex_config(Endpoint.parse("openai/qwen3-coder", "http://127.0.0.1:8000/v1"), 32768)
    text = tomllib.loads(tomli_w.dumps(config))
    assert text["model"] == "qwen3-coder" and text["model_context_window"] == 32768
    provider = text["model_providers"][text["model_provider"]]
    assert provider["base_url"] == "http://127.0.0.1:8000/v1" and provider["wire_api"] == "responses"
    ollama = codex_config(Endpoint.parse("ollama/qwen3:8b", "http://127.0.0.1:11434"), None)
    assert ollama["model_providers"]["agentspec"]["base_url"] == "http://127.0.0.1:11434/v1"
    assert "model_context_window" not in ollama


@pytest.mark.parametrize(("model", "faults", "kind"), openai_model_failures("json", "text", "name"))
def test_model_failures_are_classified(
    model: str, faults: Faults | None, kind: str, codex: CodexAgent, expect_failure_kind: ExpectFailureKind
) -> None:
    expect_failure_kind(codex, model, faults, kind)


def test_timeout_kills_codex(
    codex: CodexAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    faulty_server.faults = Faults(latency=120)
    spec = spec_named(seed_specs, "validators", time_s=6)
    record = attempt(codex, spec, "openai/reference", faulty_server.url + "/v1", tmp_path)
    assert (record.outcome, record.failure_kind) == ("failed", "agent_timeout")
    assert record.details["limits_hit"] == ["timeout"]


def test_unreachable_server_is_a_backend_error_at_once(
    codex: CodexAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_unreachable_is_a_backend_error(codex, seed_specs, tmp_path)


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_CODEX", "/nonexistent/codex")
    with pytest.raises(UsageError, match="npm install -g @openai/codex"):
        CodexAgent()


def test_install_folder_is_the_npm_package(codex: CodexAgent) -> None:
    (folder,) = codex.install_paths()
    assert folder.name == "codex" and folder.parent.name == "@openai" and (folder / "package.json").is_file()


def test_refused_tool_call_ids_are_tool_format(
    codex: CodexAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_refused_tool_call_ids_are_tool_format(codex, faulty_server, seed_specs, tmp_path)
