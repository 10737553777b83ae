"""Mistral Vibe, the real CLI, against `agentspec serve`'s chat completions: the seed suite, and how it fails."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from agentspec.agents.base import Endpoint
from agentspec.agents.mistral_vibe import MistralVibeAgent, invalid_calls, vibe_config, vibe_result
from agentspec.errors import UsageError
from agentspec.sandbox import Completed
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    ExpectFailureKind,
    Suite,
    act,
    assert_unreachable_is_a_backend_error,
    attempt,
    harness_fixture,
    nop_failed_all_eight,
    openai_model_failures,
    reference_passed_all_eight,
    spec_named,
    suite_fixture,
)
from tests.harness.test_harness_context_window import task

VIBE_INSTALL = "python3.12 -m venv /opt/vibe-venv && /opt/vibe-venv/bin/pip install mistral-vibe==3.0.2"
# Vibe's own tools, as it offers them to the model (3.0.2).
VIBE_TOOLS = {"read_file", "write_file", "edit", "bash"}

vibe = harness_fixture(MistralVibeAgent, VIBE_INSTALL)

# `agentspec run specs/ --agent vibe --base-url <serve>/v1` with the models reference and nop.
suite = suite_fixture("vibe")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    for record in reference_passed_all_eight(suite, seed_specs, "openai/reference"):
        # One answer writing the files with Vibe's write_file, one saying it is done.
        assert record["turns"] == 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        details = record["details"]
        assert details["version"] == "vibe 3.0.2" and details["protocol"] == "openai-chat"
        assert details["tool_calls"] >= 1 and details["outcome"] == "finished"


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["turns"] == 1 and a["tokens_in"] > 0 for a in nop_failed_all_eight(suite, "openai/nop"))


@pytest.mark.slow
def test_vibe_spoke_chat_completions_with_its_own_tools(suite: Suite) -> None:
    # Besides Vibe's requests, `agentspec run`'s preflight sends each model one small request of its own.
    chats = [r for r in suite.requests if r.path == "/v1/chat/completions" and set(r.tools) >= VIBE_TOOLS]
    assert len(chats) >= 8 * 2 + 8 and all(r.stream for r in chats)


def test_config_points_vibe_at_the_endpoint() -> None:
    config = vibe_config(Endpoint.parse("openai/devstral", "http://127.0.0.1:8000/v1"), 32768, 600)
    assert tomllib.loads(tomli_w.dumps(config)) == config
    provider, model = config["providers"][0], config["models"][0]
    assert provider["api_base"] == "http://127.0.0.1:8000/v1" and provider["backend"] == "generic"
    assert (model["name"], model["provider"], model["max_context_length"]) == ("devstral", provider["name"], 32768)
    assert config["active_model"] == model["alias"]
    assert not (config["enable_telemetry"] or config["enable_update_checks"] or config["enable_auto_update"])
    ollama = vibe_config(Endpoint.parse("ollama/devstral:24b", "http://127.0.0.1:11434"), None, 600)
    assert ollama["providers"][0]["api_base"] == "http://127.0.0.1:11434/v1"
    assert "max_context_length" not in ollama["models"][0]


def test_vibe_gets_the_context_window_in_its_fresh_home(seed_specs: list[Spec], tmp_path: Path) -> None:
    attempt = task(spec_named(seed_specs, "validators"), tmp_path, "openai", "http://127.0.0.1:1/v1", 8192)
    assert attempt.endpoint is not None
    env = MistralVibeAgent("/bin/true").environment(attempt, attempt.endpoint)
    assert Path(env["VIBE_HOME"]).is_relative_to(tmp_path / "scratch") and env["HOME"] in env["VIBE_HOME"]
    config = tomllib.loads((Path(env["VIBE_HOME"]) / "config.toml").read_text())
    assert config["models"][0]["max_context_length"] == 8192
    assert env[config["providers"][0]["api_key_env_var"]]


@pytest.mark.parametrize(("model", "faults", "kind"), openai_model_failures("json", "text", "name"))
def test_model_failures_are_classified(
    model: str, faults: Faults | None, kind: str, vibe: MistralVibeAgent, expect_failure_kind: ExpectFailureKind
) -> None:
    expect_failure_kind(vibe, model, faults, kind)


def test_an_ollama_model_goes_through_ollamas_openai_compatible_v1(
    vibe: MistralVibeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    record = attempt(vibe, spec_named(seed_specs, "validators"), "ollama/reference", harness_server.url, tmp_path)
    assert record.outcome == "passed", record.error
    assert record.details["protocol"] == "openai-chat"


def test_turn_limit_is_max_turns(
    vibe: MistralVibeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    spec = spec_named(seed_specs, "validators", turns=1)
    result = act(vibe, spec, "openai/reference", harness_server.url + "/v1", tmp_path)
    assert result.failure_kind == "max_turns", result.error
    assert result.details["outcome"] == "turn_limit"


def test_unreachable_server_is_a_backend_error_at_once(
    vibe: MistralVibeAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_unreachable_is_a_backend_error(vibe, seed_specs, tmp_path)


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_VIBE", "/nonexistent/vibe")
    with pytest.raises(UsageError, match=r"pip install mistral-vibe==3\.0\.2"):
        MistralVibeAgent()


def test_vibe_keeps_the_servers_tool_call_ids_so_a_mistral_server_refuses_them(
    vibe: MistralVibeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # Vibe sends back the id the server gave its call (it rewrites none into Mistral's nine characters):
    # the files are written by the first call, and the next request, carrying that id, is refused.
    faulty_server.faults = Faults(mistral_tool_ids=True)
    spec = spec_named(seed_specs, "validators")
    result = act(vibe, spec, "openai/reference", faulty_server.url + "/v1", tmp_path)
    assert result.failure_kind == "tool_format", result.error
    assert "must be a-z, A-Z, 0-9, with a length of 9" in (result.error or "")
    refused = [r for r in faulty_server.requests if r.fault == "mistral_tool_ids"]
    assert len(refused) == 1 and "chatcmpl-tool-" in json.dumps(refused[0].body)


# Recorded from vibe 3.0.2 (`--output streaming`, `--output-dir`), long strings cut.
USER = {"type": "message", "role": "user", "content": [{"type": "text", "text": "The signup form needs..."}]}
EFFECT = {
    "type": "effect",
    "title": "file_system.write_file",
    "detail": {"toolName": "file_system.write_file", "kind": "file_write", "input": {"filePath": "validators.py"}},
    "state": {"status": "completed", "outputText": "", "decision": "execute", "approvalSource": "bypass"},
}
DONE = {"type": "message", "role": "assistant", "content": [{"type": "text", "text": "Done: the reference..."}]}
EXPORT = {
    "outcome": "finished",
    "stop_reason": None,
    "error": None,
    "usage": {"input_tokens": 16821, "output_tokens": 375, "cached_input_tokens": 12, "total_tokens": 17196},
    "cost_usd": 0.0,
    "steps": 2,
    "vibe_version": "3.0.2",
    "exit_code": 0,
}
REFUSED = (
    "Client error '400 Bad Request' for url 'http://127.0.0.1:46809/v1/chat/completions'\n"
    "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/400: "
    "Tool call id was chatcmpl-tool-8b86c113fb9940d8b1682638 but must be a-z, A-Z, 0-9, with a length of 9."
)
MISSING = (
    "Client error '404 Not Found' for url 'http://127.0.0.1:38149/v1/chat/completions'\n"
    "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404: "
    "The model `missing-model` does not exist."
)


def done(*entries: dict[str, Any], returncode: int = 0, stderr: str = "") -> Completed:
    stdout = "".join(json.dumps(e) + "\n" for e in entries)
    return Completed(("vibe",), returncode, stdout, stderr, 1.0, False, "none")


def test_parser_reads_turns_tokens_and_calls() -> None:
    result = vibe_result(done(USER, EFFECT, DONE), EXPORT)
    assert (result.turns, result.tokens_in, result.tokens_out) == (2, 16821, 375)
    assert (result.error, result.failure_kind) == (None, None)
    assert result.details["tool_calls"] == 1 and result.details["cached_tokens"] == 12
    assert len(result.transcript) == 3


def test_parser_without_an_export_counts_entries() -> None:
    result = vibe_result(done(USER, EFFECT, DONE), {})
    assert (result.turns, result.tokens_in, result.failure_kind) == (2, 0, None)


@pytest.mark.parametrize(
    ("outcome", "message", "kind"),
    [
        ("infrastructure_failure", REFUSED, "tool_format"),
        ("infrastructure_failure", MISSING, "model_not_found"),
        ("infrastructure_failure", "Server error '503 Service Unavailable' for url 'http://x/v1'", "backend_error"),
        ("turn_limit", None, "max_turns"),
        ("deadline", None, "agent_timeout"),
        ("length", None, "output_truncated"),
    ],
)
def test_parser_maps_how_the_run_ended(outcome: str, message: str | None, kind: str) -> None:
    export = {**EXPORT, "outcome": outcome, "error": {"message": message, "code": "x"} if message else None}
    result = vibe_result(done(USER, EFFECT, returncode=2 if message else 3), export)
    assert result.failure_kind == kind
    assert result.error and (message is None or message in result.error)


def test_parser_reads_a_failure_from_standard_error_when_there_is_no_export() -> None:
    result = vibe_result(done(USER, returncode=2, stderr=f"Reading API keys\nError: {MISSING}\n"), {})
    assert result.failure_kind == "model_not_found" and "missing-model" in (result.error or "")


def test_parser_sees_calls_vibe_could_not_run_in_its_journal(tmp_path: Path) -> None:
    # The streaming output leaves the call out; the journal keeps the tool's answer, JSON inside JSON.
    answer = {"result": {"type": "error", "error": {"name": "InvalidToolCall", "message": 'unsupported tool "x"'}}}
    part = {"type": "text", "text": json.dumps(answer)}
    record = {"payload": {"request": {"model_input": {"messages": [{"role": "tool", "content": [part]}] * 2}}}}
    journal = tmp_path / "session" / "journal"
    journal.mkdir(parents=True)
    (journal / "0000000000000001.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    invalid = invalid_calls(tmp_path)
    assert invalid == ['unsupported tool "x"']
    result = vibe_result(done(USER, DONE), EXPORT, invalid)
    assert result.failure_kind == "tool_format" and 'unsupported tool "x"' in (result.error or "")
    assert vibe_result(done(USER, EFFECT, DONE), EXPORT, invalid).failure_kind is None


def test_parser_sees_a_call_written_as_text() -> None:
    text = {**DONE, "content": [{"type": "text", "text": '<tool_call>\n{"name": "write_file", "arguments": {}}'}]}
    result = vibe_result(done(USER, text), {**EXPORT, "steps": 1})
    assert result.failure_kind == "tool_format" and "<tool_call>" in (result.error or "")
