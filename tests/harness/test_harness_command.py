"""The `command:<template>` agent: a tiny CLI through the whole suite, parsers, and its failures."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agentspec.agents import get_agent
from agentspec.agents.base import AgentResult
from agentspec.agents.command import CommandAgent
from agentspec.errors import UsageError
from agentspec.sandbox import Completed
from agentspec.serve import ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import FAKES, Suite, attempt, by_model, run_suite, spec_named

MINI = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKES / 'mini_agent.py'))}"
TEMPLATE = f"command:--parser=json {MINI} --prompt-file {{prompt_file}} --model {{model}} --url {{base_url}}"


def count_lines(done: Completed) -> dict[str, Any]:
    """An output parser given as module:function: a turn per line the command printed."""
    return {"turns": len(done.stdout.splitlines()), "details": {"parsed_by": "count_lines"}}


@pytest.fixture(scope="module")
def suite(harness_server: ModelServer, tmp_path_factory: pytest.TempPathFactory) -> Suite:
    root = tmp_path_factory.mktemp("command-suite")
    models = ["--model", "ollama/reference", "--model", "ollama/nop"]
    return run_suite(harness_server, root, "--agent", TEMPLATE, *models, "--concurrency", "4")


@pytest.mark.slow
def test_a_tiny_cli_passes_with_reference_and_fails_with_nop(suite: Suite) -> None:
    reference, nop = by_model(suite.attempts, "ollama/reference"), by_model(suite.attempts, "ollama/nop")
    assert [a["outcome"] for a in reference] == ["passed"] * 8, [(a["task"], a["error"]) for a in reference]
    assert [(a["outcome"], a["failure_kind"]) for a in nop] == [("failed", "tests_failed")] * 8
    for record in reference:
        # What the CLI printed as JSON, read by --parser=json.
        assert record["turns"] == 1 and record["tokens_out"] > 0 and record["details"]["written"]
        assert record["agent"] == TEMPLATE


def test_placeholders_and_environment(harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path) -> None:
    script = 'echo "$1|$2|$3|$GREETING|$AGENTSPEC_MODEL|$OLLAMA_HOST"'
    agent = get_agent(f"command:--env=GREETING=hi sh -c '{script}' x {{model}} {{turns}} {{provider}}")
    assert isinstance(agent, CommandAgent)
    record = attempt(agent, spec_named(seed_specs, "validators"), "ollama/nop", harness_server.url, tmp_path)
    assert record.outcome == "failed" and record.failure_kind == "tests_failed"
    assert record.error is None and record.details["returncode"] == 0


def test_a_parser_given_as_module_function(harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path) -> None:
    agent = CommandAgent("--parser=tests.harness.test_harness_command:count_lines printf 'a\\nb\\nc\\n'")
    record = attempt(agent, spec_named(seed_specs, "validators"), "ollama/nop", harness_server.url, tmp_path)
    assert record.turns == 3 and record.details["parsed_by"] == "count_lines"


def test_timeout_kills_the_whole_tree(harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path) -> None:
    marker = f"agentspec-orphan-{time.monotonic_ns()}"
    # A background grandchild and the command itself, both named by the marker.
    agent = CommandAgent(f"bash -c '(exec -a {marker} sleep 300) & exec -a {marker} sleep 300'")
    started = time.monotonic()
    record = attempt(agent, spec_named(seed_specs, "validators", time_s=2), "ollama/nop", harness_server.url, tmp_path)
    assert (record.outcome, record.failure_kind) == ("failed", "agent_timeout")
    assert time.monotonic() - started < 30
    alive = [p for p in Path("/proc").glob("[0-9]*/cmdline") if _reads(p).startswith(marker)]
    assert alive == []


def _reads(path: Path) -> str:
    try:
        return path.read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_crash_and_a_program_that_cannot_start_are_harness_errors(
    harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path
) -> None:
    spec = spec_named(seed_specs, "validators")
    crash = attempt(
        CommandAgent("sh -c 'echo boom >&2; exit 3'"), spec, "ollama/nop", harness_server.url, tmp_path / "a"
    )
    assert (crash.outcome, crash.failure_kind) == ("error", "harness_error")
    assert "status 3" in (crash.error or "") and "boom" in (crash.error or "")
    gone = attempt(CommandAgent("{workspace}/no-such-cli"), spec, "ollama/nop", harness_server.url, tmp_path / "b")
    assert (gone.outcome, gone.failure_kind) == ("error", "harness_error")
    assert "could not start" in (gone.error or "")


def test_a_parser_can_classify(harness_server: ModelServer, seed_specs: list[Spec], tmp_path: Path) -> None:
    line = '{"failure_kind": "max_turns", "error": "out of turns", "turns": 9}'
    agent = CommandAgent(f"--parser=json sh -c {shlex.quote(f'echo {shlex.quote(line)}; exit 1')}")
    result = attempt(agent, spec_named(seed_specs, "validators"), "ollama/nop", harness_server.url, tmp_path)
    assert (result.failure_kind, result.error, result.turns) == ("max_turns", "out of turns", 9)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", "give the command"),
        ("--frobnicate ls", "unknown option"),
        ("--parser=nowhere ls", "use json, aider, claude-code"),
        ("--parser=no.such.module:f ls", "cannot load it"),
        ("no-such-program-anywhere --x", "not installed"),
        ("ls 'unclosed", "No closing quotation"),
    ],
)
def test_template_mistakes_stop_the_run(template: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        get_agent(f"command:{template}")


def test_the_json_parser_without_json_is_a_harness_error() -> None:
    from agentspec.agents.command import json_result

    done = Completed(("x",), 0, "no json here\n", "", 0.1, False, "none")
    result = json_result(done)
    assert isinstance(result, AgentResult) and result.failure_kind == "harness_error"
