"""Qwen Code, the real CLI, against `agentspec serve`'s chat completions: the seed suite, and how it fails."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import AgentTask, Endpoint
from agentspec.agents.command import find_parser
from agentspec.agents.qwen_code import QwenCodeAgent, qwen_result, qwen_settings
from agentspec.errors import UsageError
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Completed, Sandbox
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
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

QWEN_CODE_INSTALL = "npm install -g @qwen-code/qwen-code@0.24.4"

qwen = harness_fixture(QwenCodeAgent, QWEN_CODE_INSTALL)

# `agentspec run specs/ --agent qwen-code --base-url <serve>/v1` with the models reference and nop.
suite = suite_fixture("qwen")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    for record in reference_passed_all_eight(suite, seed_specs, "openai/reference"):
        # One answer running the shell commands that write the files, one saying it is done.
        assert record["turns"] == 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        details = record["details"]
        assert details["version"] == "0.24.4" and details["protocol"] == "openai-chat"
        assert details["tool_calls"] >= 1 and details["subtype"] == "success"


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    assert all(a["turns"] == 1 and a["tokens_in"] > 0 for a in nop_failed_all_eight(suite, "openai/nop"))


@pytest.mark.slow
def test_qwen_code_spoke_chat_completions_with_its_shell_tool(suite: Suite) -> None:
    # Besides the task's requests the server sees only agentspec's preflight (one tool: `ping`) per model.
    chats = [r for r in suite.requests if r.path == "/v1/chat/completions" and "ping" not in r.tools]
    # Two requests per reference attempt, one per nop attempt: no side requests (the memory agents are off).
    assert len(chats) == 8 * 2 + 8 and all(r.stream and "run_shell_command" in r.tools for r in chats)


def test_settings_point_qwen_code_at_the_endpoint() -> None:
    settings = qwen_settings(Endpoint.parse("openai/qwen3-coder", "http://127.0.0.1:8000/v1"), 32768)
    [model] = settings["modelProviders"]["openai"]
    assert model["baseUrl"] == "http://127.0.0.1:8000/v1" and model["id"] == settings["model"]["name"]
    assert model["generationConfig"] == {"contextWindowSize": 32768}
    assert settings["security"]["auth"]["selectedType"] == "openai"
    assert settings["privacy"]["usageStatisticsEnabled"] is False and settings["telemetry"]["enabled"] is False
    ollama = qwen_settings(Endpoint.parse("ollama/qwen3:8b", "http://127.0.0.1:11434"), None)
    [model] = ollama["modelProviders"]["openai"]
    assert model["baseUrl"] == "http://127.0.0.1:11434/v1" and "generationConfig" not in model


def test_the_context_window_goes_into_its_settings_file(seed_specs: list[Spec], tmp_path: Path) -> None:
    endpoint = Endpoint.parse("openai/served-model", "http://127.0.0.1:1/v1")
    for folder in ("workspace", "scratch"):
        (tmp_path / folder).mkdir()
    spec = spec_named(seed_specs, "validators")
    task = AgentTask(spec, tmp_path / "workspace", tmp_path / "scratch", Sandbox("none"), endpoint, context_window=8192)
    env = QwenCodeAgent("/bin/true").environment(task, endpoint)
    settings = json.loads(Path(env["QWEN_CODE_SYSTEM_SETTINGS_PATH"]).read_text())
    assert settings["modelProviders"]["openai"][0]["generationConfig"]["contextWindowSize"] == 8192


@pytest.mark.parametrize(("model", "faults", "kind"), openai_model_failures("text", "name"))
def test_model_failures_are_classified(
    model: str, faults: Faults | None, kind: str, qwen: QwenCodeAgent, expect_failure_kind: ExpectFailureKind
) -> None:
    expect_failure_kind(qwen, model, faults, kind)


def test_arguments_that_are_not_json_are_repaired_and_run(
    qwen: QwenCodeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # Qwen Code retries the request once, then runs the call with its arguments mended (jsonrepair).
    faulty_server.faults = Faults(malformed="json")
    record = attempt(
        qwen, spec_named(seed_specs, "validators"), "openai/reference", faulty_server.url + "/v1", tmp_path
    )
    assert (record.outcome, record.failure_kind) == ("passed", None), record.error


def test_refused_tool_call_ids_are_tool_format(
    qwen: QwenCodeAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_refused_tool_call_ids_are_tool_format(qwen, faulty_server, seed_specs, tmp_path)


def test_its_turn_limit_is_max_turns(
    qwen: QwenCodeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # The reference needs two answers; with one allowed Qwen Code stops after the first.
    spec = spec_named(seed_specs, "validators", turns=1)
    for folder in ("workspace", "scratch"):
        (tmp_path / folder).mkdir()
    make_workspace(spec, tmp_path / "workspace")
    endpoint = Endpoint.parse("openai/reference", harness_server.url + "/v1")
    task = AgentTask(spec, tmp_path / "workspace", tmp_path / "scratch", Sandbox("auto"), endpoint)
    result = asyncio.run(qwen.act(task))
    assert result.failure_kind == "max_turns" and result.turns == 1, result.error
    assert "max session turns" in (result.error or "")


def test_settings_in_the_workspace_cannot_redirect_it(
    qwen: QwenCodeAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # A project settings file overrides the user's; agentspec's settings are at the system level above it.
    spec = spec_named(seed_specs, "validators")
    for folder in ("workspace", "scratch"):
        (tmp_path / folder).mkdir()
    make_workspace(spec, tmp_path / "workspace")
    hostile = {
        "modelProviders": {"openai": [{"id": "nop", "baseUrl": "http://127.0.0.1:9/v1"}]},
        "model": {"name": "nop"},
    }
    (tmp_path / "workspace" / ".qwen").mkdir()
    (tmp_path / "workspace" / ".qwen" / "settings.json").write_text(json.dumps(hostile))
    endpoint = Endpoint.parse("openai/reference", harness_server.url + "/v1")
    task = AgentTask(spec, tmp_path / "workspace", tmp_path / "scratch", Sandbox("auto"), endpoint)
    result = asyncio.run(qwen.act(task))
    assert (result.failure_kind, result.turns) == (None, 2), result.error


def test_unreachable_server_is_a_backend_error_at_once(
    qwen: QwenCodeAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_unreachable_is_a_backend_error(qwen, seed_specs, tmp_path)


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_QWEN_CODE", "/nonexistent/qwen")
    with pytest.raises(UsageError, match=r"npm install -g @qwen-code/qwen-code@0\.24\.4"):
        QwenCodeAgent()


# Recorded from Qwen Code 0.24.4 against `agentspec serve` (long strings cut).
INIT = {"type": "system", "subtype": "init", "tools": ["run_shell_command", "write_file"], "model": "reference"}
CALL = {
    "type": "assistant",
    "message": {
        "id": "a1",
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "c1", "name": "run_shell_command", "input": {"command": "printf x"}}],
        "usage": {"input_tokens": 17947, "output_tokens": 355, "cache_read_input_tokens": 0},
    },
}
RAN = {"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "c1", "is_error": False}]}}
DONE = {
    "type": "assistant",
    "message": {
        "id": "a2",
        "content": [{"type": "text", "text": "Done."}],
        "usage": {"input_tokens": 18996, "output_tokens": 20, "cache_read_input_tokens": 0},
    },
}
SUCCESS = {
    "type": "result",
    "subtype": "success",
    "is_error": False,
    "duration_ms": 7049,
    "num_turns": 2,
    "result": "Done.",
    "usage": {"input_tokens": 36943, "output_tokens": 375, "cache_read_input_tokens": 10},
}


def failed(message: str, turns: int = 1) -> dict[str, Any]:
    """A result event of a run that ended on an error."""
    return {
        "type": "result",
        "subtype": "error_during_execution",
        "is_error": True,
        "num_turns": turns,
        "usage": {"input_tokens": 0, "output_tokens": 0},
        "error": {"message": message},
    }


def done(*events: Mapping[str, Any], returncode: int = 0, stderr: str = "") -> Completed:
    stdout = "".join(json.dumps(e) + "\n" for e in events)
    return Completed(("qwen",), returncode, stdout, stderr, 1.0, False, "none")


def test_a_finished_run_gives_turns_and_tokens_from_its_result() -> None:
    result = qwen_result(done(INIT, CALL, RAN, DONE, SUCCESS))
    assert (result.turns, result.tokens_in, result.tokens_out, result.failure_kind) == (2, 36943, 375, None)
    assert result.details["tool_calls"] == 1 and result.details["cached_tokens"] == 10


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("[API Error: 404 The model `missing-model` does not exist.]", "model_not_found"),
        ('[API Error: 400 "auto" tool choice requires --enable-auto-tool-choice]', "no_tool_support"),
        (
            "[API Error: 400 This model's maximum context length is 500 tokens. However, you requested 4]",
            "context_exceeded",
        ),
        ("[API Error: Context is too large to send safely after automatic compression.]", "context_exceeded"),
        ("[API Error: 400 Tool call id was chatcmpl-1 but must be a-z, A-Z, 0-9, with a length of 9.]", "tool_format"),
        ("[API Error: 500 upstream exploded]", "backend_error"),
        ("something odd happened", "harness_error"),
    ],
)
def test_an_error_result_is_classified(message: str, kind: str) -> None:
    result = qwen_result(done(INIT, failed(message), returncode=1))
    assert (result.failure_kind, result.error) == (kind, message)


def test_a_tool_it_does_not_have_is_tool_format() -> None:
    refused = {
        "type": "user",
        "message": {
            "content": [
                {
                    "type": "tool_result",
                    "is_error": True,
                    "content": 'Tool "create_file" not found in registry. Tools must use the exact names.',
                }
            ]
        },
    }
    result = qwen_result(done(INIT, CALL, refused, DONE, SUCCESS))
    assert result.failure_kind == "tool_format" and "not found in registry" in (result.error or "")
    assert qwen_result(done(INIT, CALL, refused, CALL, RAN, DONE, SUCCESS)).failure_kind is None


def test_a_tool_call_written_as_text_is_tool_format() -> None:
    text = {"type": "assistant", "message": {"id": "a1", "content": [{"type": "text", "text": "<tool_call>\n{}"}]}}
    result = qwen_result(done(INIT, text, {**SUCCESS, "num_turns": 1}))
    assert result.failure_kind == "tool_format" and "<tool_call>" in (result.error or "")


def test_its_turn_limit_exit_is_max_turns_with_what_it_did() -> None:
    stderr = "Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns."
    result = qwen_result(done(INIT, CALL, RAN, returncode=53, stderr=stderr))
    assert (result.failure_kind, result.turns, result.tokens_in, result.tokens_out) == ("max_turns", 1, 17947, 355)
    assert "max session turns" in (result.error or "")


def test_a_registered_harness_names_a_command_parser() -> None:
    assert find_parser("qwen-code") == QwenCodeAgent.parse
