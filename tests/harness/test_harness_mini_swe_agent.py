"""mini-swe-agent, the real CLI, against `agentspec serve`'s chat completions: the seed suite, and how it fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents.base import AgentTask, Endpoint
from agentspec.agents.mini_swe_agent import (
    MiniSweAgent,
    MiniSweAgentText,
    chat_base_url,
    mini_result,
    model_registry,
    read_trajectory,
)
from agentspec.errors import UsageError
from agentspec.sandbox import Completed, Sandbox
from agentspec.serve import Faults, ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import (
    MINI_SWE_AGENT_INSTALL,
    ExpectFailureKind,
    Suite,
    act,
    assert_refused_tool_call_ids_are_tool_format,
    assert_unreachable_is_a_backend_error,
    harness_fixture,
    nop_failed_all_eight,
    openai_model_failures,
    reference_passed_all_eight,
    run_suite,
    spec_named,
    suite_fixture,
)

mini = harness_fixture(MiniSweAgent, MINI_SWE_AGENT_INSTALL)
mini_text = harness_fixture(MiniSweAgentText, MINI_SWE_AGENT_INSTALL)

# `agentspec run specs/ --agent mini-swe-agent --base-url <serve>/v1` with the models reference and nop.
suite = suite_fixture("mini")


# The text-based form parses fenced commands where the tool form gets tool calls; the rest of the harness is
# the same, and the tool form runs the whole suite. Three tasks cover what a reply's text must carry: three
# files in a package (rename-user-manager), the longest solution (paginator-off-by-one), an inline spec.
TEXT_TASKS = ("rename-user-manager", "paginator-off-by-one", "validators")


@pytest.fixture(scope="module")
def text_suite(
    mini_text: MiniSweAgentText, harness_server: ModelServer, tmp_path_factory: pytest.TempPathFactory
) -> Suite:
    """The text-based form with a model the server refuses tools for: it needs none."""
    root = tmp_path_factory.mktemp("mini-text-suite")
    args = ["--agent", "mini-swe-agent-text", "--model", "openai/notools", "--concurrency", "3"]
    tasks = [arg for task in TEXT_TASKS for arg in ("--task", task)]
    return run_suite(harness_server, root, *args, *tasks, base_path="/v1")


@pytest.mark.slow
def test_reference_passes_all_eight(suite: Suite, seed_specs: list[Spec]) -> None:
    for record in reference_passed_all_eight(suite, seed_specs, "openai/reference"):
        # One call running the shell commands that write the files, one running the submit command.
        assert record["turns"] == 2 and record["tokens_in"] > 0 and record["tokens_out"] > 0
        details = record["details"]
        assert details["version"] == "2.4.6" and details["protocol"] == "openai-chat"
        assert details["exit_status"] == "Submitted" and details["format_errors"] == 0
        assert details["commands"] >= 2 and details["context_window"] == 32768


@pytest.mark.slow
def test_nop_fails_all_eight(suite: Suite) -> None:
    attempts = nop_failed_all_eight(suite, "openai/nop")
    assert all(a["turns"] == 1 for a in attempts)
    assert all(a["details"]["exit_status"] == "Submitted" for a in attempts)


@pytest.mark.slow
def test_mini_sent_its_one_bash_tool(suite: Suite) -> None:
    # Preflight's tool probe streams; mini-swe-agent (litellm) never does.
    chats = [r for r in suite.requests if r.path == "/v1/chat/completions" and not r.stream]
    # reference: 8 x (write, submit); nop: 8 x submit. Nothing else, and always its bash tool alone.
    assert len(chats) == 8 * 2 + 8 and all(r.tools == ("bash",) for r in chats)


@pytest.mark.slow
def test_text_based_form_passes_without_tool_calling(text_suite: Suite) -> None:
    attempts = text_suite.attempts
    assert sorted(a["task"] for a in attempts) == sorted(TEXT_TASKS)
    assert [a["outcome"] for a in attempts] == ["passed"] * 3, [(a["task"], a["error"]) for a in attempts]
    assert all(a["turns"] == 2 and a["details"]["exit_status"] == "Submitted" for a in attempts)
    chats = [r for r in text_suite.requests if r.path == "/v1/chat/completions" and not r.stream]
    assert len(chats) == 6 and all(r.tools == () for r in chats)


def test_text_based_nop_submits_and_changes_nothing(
    mini_text: MiniSweAgentText, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    spec = spec_named(seed_specs, "validators")
    result = act(mini_text, spec, "openai/nop", harness_server.url + "/v1", tmp_path)
    assert (result.failure_kind, result.error, result.turns) == (None, None, 1)
    assert result.details["exit_status"] == "Submitted" and result.details["version"] == "2.4.6"


def test_config_points_mini_at_the_endpoint(mini: MiniSweAgent, seed_specs: list[Spec], tmp_path: Path) -> None:
    spec = spec_named(seed_specs, "validators", turns=7)
    endpoint = Endpoint.parse("openai/qwen3-coder", "http://127.0.0.1:8000/v1")
    task_home = tmp_path / "home"
    task_home.mkdir()
    task = AgentTask(spec, tmp_path / "ws", tmp_path, Sandbox("none"), endpoint)
    env = mini.settings(task, endpoint, task_home)
    config = json.loads((task_home / "agentspec.yaml").read_text())
    assert config["model"]["model_name"] == "openai/qwen3-coder"
    assert config["model"]["model_kwargs"]["api_base"] == "http://127.0.0.1:8000/v1"
    assert config["agent"]["step_limit"] == 7 and config["agent"]["cost_limit"] == 0
    assert config["run"]["task"] == spec.instructions
    assert env["MSWEA_CONFIGURED"] == "true" and env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    ollama = Endpoint.parse("ollama/qwen3:8b", "http://127.0.0.1:11434")
    assert chat_base_url(ollama) == "http://127.0.0.1:11434/v1"
    assert model_registry(ollama, 8192)["openai/qwen3:8b"]["max_input_tokens"] == 8192


def test_the_context_window_goes_into_litellms_registry(seed_specs: list[Spec], tmp_path: Path) -> None:
    endpoint = Endpoint.parse("openai/served-model", "http://127.0.0.1:1/v1")
    spec = spec_named(seed_specs, "validators")
    task = AgentTask(spec, tmp_path / "ws", tmp_path, Sandbox("none"), endpoint, context_window=8192)
    MiniSweAgentText("/bin/true").environment(task, endpoint)
    config = json.loads((tmp_path / "home" / "agentspec.yaml").read_text())
    assert config["model"]["model_class"] == "litellm_textbased"
    registry = json.loads(Path(config["model"]["litellm_model_registry"]).read_text())
    assert registry["openai/served-model"]["max_input_tokens"] == 8192


@pytest.mark.parametrize(("model", "faults", "kind"), openai_model_failures("json", "name"))
def test_model_failures_are_classified(
    model: str, faults: Faults | None, kind: str, mini: MiniSweAgent, expect_failure_kind: ExpectFailureKind
) -> None:
    expect_failure_kind(mini, model, faults, kind)


def test_step_limit_is_max_turns(
    mini: MiniSweAgent, harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    # One step writes the files; the submit command would be the second.
    spec = spec_named(seed_specs, "validators", turns=1)
    result = act(mini, spec, "openai/reference", harness_server.url + "/v1", tmp_path)
    assert result.failure_kind == "max_turns" and result.turns == 1, result.error
    assert result.details["exit_status"] == "LimitsExceeded"


def test_refused_tool_call_ids_are_tool_format(
    mini: MiniSweAgent, faulty_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_refused_tool_call_ids_are_tool_format(mini, faulty_server, seed_specs, tmp_path)


def test_unreachable_server_is_a_backend_error_at_once(
    mini: MiniSweAgent, seed_specs: list[Spec], tmp_path: Path
) -> None:
    assert_unreachable_is_a_backend_error(mini, seed_specs, tmp_path)


def test_missing_cli_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTSPEC_MINI_SWE_AGENT", "/nonexistent/mini")
    with pytest.raises(UsageError, match="pip install mini-swe-agent==2.4.6"):
        MiniSweAgent()


RECORDED = Path(__file__).resolve().parent / "recorded"


def _recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"mini-swe-agent-{name}.json").read_text(encoding="utf-8"))
    return data


def _ended(returncode: int = 0) -> Completed:
    return Completed(("mini",), returncode, "", "", 1.0, False, "none")


def _stopped_by(status: str, exception: str = "") -> dict[str, Any]:
    """The recorded run, ending instead with `status` (and the exception text mini-swe-agent saves)."""
    trajectory = _recorded("submitted")
    trajectory["info"]["exit_status"] = status
    trajectory["messages"][-1] = {"role": "exit", "content": status, "extra": {"exit_status": status}}
    if exception:
        trajectory["messages"][-1]["extra"]["exception_str"] = exception
    return trajectory


def test_recorded_trajectory_gives_turns_tokens_and_how_it_ended() -> None:
    result = mini_result(_recorded("submitted"), _ended())
    assert (result.error, result.failure_kind) == (None, None)
    assert result.turns == 2 and result.tokens_in > 954 and result.tokens_out > 568
    assert result.details["exit_status"] == "Submitted" and result.details["version"] == "2.4.6"
    assert result.details["commands"] == 2 and result.details["format_errors"] == 0
    # The transcript keeps what was said and run, not litellm's whole response objects.
    assert [m["role"] for m in result.transcript] == ["system", "user", "assistant", "tool", "assistant", "exit"]
    assert all("response" not in json.dumps(m) for m in result.transcript[2:3])
    assert result.transcript[2]["tool_calls"][0]["name"] == "bash"


def test_recorded_missing_model() -> None:
    result = mini_result(_recorded("not-found"), _ended(1))
    assert result.failure_kind == "model_not_found" and "does not exist" in (result.error or "")
    assert result.turns == 1 and result.tokens_in == 0


@pytest.mark.parametrize(
    ("status", "exception", "kind"),
    [
        ("LimitsExceeded", "", "max_turns"),
        ("RepeatedFormatError", "", "tool_format"),
        ("TimeExceeded", "", "agent_timeout"),
        (
            "ContextWindowExceededError",
            "litellm.ContextWindowExceededError: maximum context length is 500",
            "context_exceeded",
        ),
        (
            "BadRequestError",
            "litellm.BadRequestError: OpenAIException - Tool call id was chatcmpl-tool-1 but must be a-z, A-Z, 0-9, "
            "with a length of 9.",
            "tool_format",
        ),
        (
            "BadRequestError",
            'litellm.BadRequestError: OpenAIException - "auto" tool choice requires --enable-auto-tool-choice',
            "no_tool_support",
        ),
        ("APIConnectionError", "litellm.APIConnectionError: Connection error.", "backend_error"),
        ("KeyError", "'choices'", "harness_error"),
    ],
)
def test_how_mini_stopped_maps_to_a_failure_kind(status: str, exception: str, kind: str) -> None:
    result = mini_result(_stopped_by(status, exception), _ended(0 if not exception else 1))
    assert result.failure_kind == kind and result.error
    assert result.details["exit_status"] == status


def test_repeated_format_errors_quote_the_last_one() -> None:
    trajectory = _stopped_by("RepeatedFormatError")
    error = {"role": "user", "content": "<error>\nNo tool calls found in the response.\n</error>"}
    error["extra"] = {"interrupt_type": "FormatError"}  # type: ignore[assignment]
    trajectory["messages"][-1:-1] = [error] * 3
    result = mini_result(trajectory, _ended())
    assert result.error == (
        "the model's replies did not fit mini-swe-agent's action format 3 times in a row: "
        "No tool calls found in the response."
    )


def test_no_trajectory_after_a_clean_exit_is_a_harness_error(tmp_path: Path) -> None:
    assert read_trajectory(tmp_path / "trajectory.json") is None
    assert mini_result(None, _ended()).failure_kind == "harness_error"
    # A crash is reported by the caller with its standard error.
    assert mini_result(None, _ended(1)).failure_kind is None
