"""The builtin agent end to end: runner, sandbox, grading and store, against `agentspec serve` over loopback.

One run covers the matrix {ollama, openai, anthropic} x {streaming, whole} x {reference, nop} on the
seed suite, every injected fault on one spec, and the agent's own limits; the tests read its records.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentspec.agents.builtin import BuiltinAgent
from agentspec.providers import Endpoint, ProviderSettings, Timeouts
from agentspec.runner.plan import Attempt, Cell, plan
from agentspec.runner.run import Runner
from agentspec.sandbox import Sandbox
from agentspec.serve import FAULT_HEADER, ModelServer, serve_in_thread
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import SPECS, RunCli, report_json

PROVIDERS = ("ollama", "openai", "anthropic")
STREAMS = {"stream": True, "whole": False}
FAULT_SPEC = "merge-sorted-lists"
NOP_SPECS = 2
TOOL_FORMAT = {True: ("failed", "tool_format"), False: ("failed", "tool_format")}
# fault name -> (model, x-agentspec-fault header, settings changes, expected {stream: (outcome, failure_kind)})
FAULTS: dict[str, tuple[str, str | None, dict[str, object], dict[bool, tuple[str, str | None]]]] = {
    "malformed-json": ("reference", "malformed=json", {}, TOOL_FORMAT),
    "malformed-text": ("reference", "malformed=text", {}, TOOL_FORMAT),
    "malformed-name": ("reference", "malformed=name", {}, TOOL_FORMAT),
    "context": ("reference", "context_length=300", {}, dict.fromkeys((True, False), ("failed", "context_exceeded"))),
    "flaky": (
        "reference",
        "error_rate=0.5, retry_after=0.01, seed=7",
        {"retries": 12},
        dict.fromkeys((True, False), ("passed", None)),
    ),
    "drop": ("reference", "drop", {"retries": 1}, dict.fromkeys((True, False), ("error", "backend_error"))),
    "midstream": (
        "reference",
        "error_mid_stream",
        {"retries": 1},
        {True: ("error", "backend_error"), False: ("passed", None)},  # whole answers have no stream to break
    ),
    "slow": (
        "reference",
        "latency=1.0",
        {"timeouts": Timeouts(first_token_s=0.2, total_s=0.2), "retries": 3},
        dict.fromkeys((True, False), ("failed", "backend_timeout")),
    ),
    "missing": ("missing-model", None, {}, dict.fromkeys((True, False), ("error", "model_not_found"))),
    "notools": ("notools", None, {}, dict.fromkeys((True, False), ("error", "no_tool_support"))),
}


@dataclass
class Outcome:
    """The records of the module's run, and where its store is."""

    records: list[AttemptRecord]
    planned: list[Attempt]
    results: Path
    server: ModelServer

    def select(self, agent: str, model: str | None = None) -> list[AttemptRecord]:
        return [r for r in self.records if r.agent == agent and (model is None or r.model == model)]


def _agent(stream: bool, header: str | None = None, **changes: object) -> BuiltinAgent:
    settings = ProviderSettings(
        stream=stream,
        backoff_s=0.01,
        headers={FAULT_HEADER: header} if header else {},
        **changes,  # type: ignore[arg-type]
    )
    return BuiltinAgent(settings)


def _limited(spec: Spec, **limits: object) -> Spec:
    return spec.model_copy(update={"limits": spec.limits.model_copy(update=limits)})


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    specs = load_specs([SPECS])
    fault_spec = next(s for s in specs if s.id == FAULT_SPEC)
    results = tmp_path_factory.mktemp("results")
    with serve_in_thread(specs) as server:
        agents: dict[str, BuiltinAgent] = {}
        attempts: list[Attempt] = []
        for label, stream in STREAMS.items():
            agents[f"builtin-{label}"] = _agent(stream)
            cells = [Cell(f"builtin-{label}", Endpoint.parse(f"{p}/reference", server.base_urls[p])) for p in PROVIDERS]
            attempts += plan(specs, cells)
            # nop changes nothing whatever the task: two specs per protocol show that it fails them.
            nop_cells = [Cell(f"builtin-{label}", Endpoint.parse(f"{p}/nop", server.base_urls[p])) for p in PROVIDERS]
            attempts += plan(specs[:NOP_SPECS], nop_cells)
            for fault, (model, header, changes, _) in FAULTS.items():
                key = f"builtin-{fault}-{label}"
                agents[key] = _agent(stream, header, **changes)
                attempts += plan(
                    [fault_spec], [Cell(key, Endpoint.parse(f"{p}/{model}", server.base_urls[p])) for p in PROVIDERS]
                )
        agents["builtin-limits"] = _agent(True, "latency=0.6")
        agents["builtin-fast"] = _agent(True)
        limited = [_limited(fault_spec, turns=1), _limited(fault_spec, tokens=100)]
        attempts += plan(limited, [Cell("builtin-fast", Endpoint.parse("ollama/reference", server.url))])
        attempts += plan(
            [_limited(fault_spec, time_s=0.3)], [Cell("builtin-limits", Endpoint.parse("ollama/reference", server.url))]
        )
        with Store(results) as store:
            runner = Runner(store, Sandbox(), dict(agents), concurrency=6, agent_grace_s=5.0)
            ran = asyncio.run(runner.run(attempts, "pytest", {}))
            yield Outcome(ran.ran, attempts, results, server)


def test_no_attempt_is_lost(outcome: Outcome) -> None:
    assert len(outcome.records) == len(outcome.planned)
    with Store(outcome.results) as store:
        assert {r.key for r in store.attempts()} == {a.key for a in outcome.planned}


@pytest.mark.parametrize("label", STREAMS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_reference_passes_everything_and_nop_nothing(outcome: Outcome, provider: str, label: str) -> None:
    reference = outcome.select(f"builtin-{label}", f"{provider}/reference")
    nop = outcome.select(f"builtin-{label}", f"{provider}/nop")
    assert Counter((r.outcome, r.failure_kind) for r in reference) == {("passed", None): 8}, [
        r.error for r in reference
    ]
    assert Counter((r.outcome, r.failure_kind) for r in nop) == {("failed", "tests_failed"): NOP_SPECS}
    for record in reference:
        assert record.turns == 2 and record.tokens_in > 0 and record.tokens_out > 0
        assert record.details["stopped"] == "done" and record.details["tool_calls"] >= 1
        backend = record.details["backend"]
        assert backend["server_version"] and backend["model_digest"] and backend["context_length"]
        assert record.details["provider"]["stream"] is STREAMS[label]


@pytest.mark.parametrize("label", STREAMS)
@pytest.mark.parametrize("fault", FAULTS)
def test_faults_are_classified(outcome: Outcome, fault: str, label: str) -> None:
    model, _, _, expected = FAULTS[fault]
    for provider in PROVIDERS:
        [record] = outcome.select(f"builtin-{fault}-{label}", f"{provider}/{model}")
        assert (record.outcome, record.failure_kind) == expected[STREAMS[label]], (provider, record.error)
        if record.failure_kind is not None and record.failure_kind != "tests_failed":
            assert record.error


def test_flaky_server_needed_retries(outcome: Outcome) -> None:
    records = outcome.select("builtin-flaky-stream") + outcome.select("builtin-flaky-whole")
    assert sum(r.details["retries"] for r in records) > 0


def test_transcript_records_every_turn(outcome: Outcome) -> None:
    # merge-sorted-lists has one solution file, so the reference model makes exactly one write call.
    [record] = [r for r in outcome.select("builtin-stream", "anthropic/reference") if r.task == "merge-sorted-lists"]
    transcript = json.loads((outcome.results / "artifacts" / record.key / "transcript.json").read_text())
    first, second = transcript
    assert first["turn"] == 1 and first["stop_reason"] == "tool_calls"
    assert first["first_token_s"] is not None and first["request_s"] >= first["first_token_s"]
    assert first["tokens_in"] > 0 and first["tokens_out"] > 0
    [call] = first["tool_calls"]
    assert call["name"] == "write_file" and call["ok"] and call["result"].startswith("wrote ")
    assert len(call["arguments"]) <= 2_100  # clipped
    assert second["stop_reason"] == "end" and second["text"].startswith("Done")
    whole = outcome.select("builtin-whole", "anthropic/reference")[0]
    assert (
        json.loads((outcome.results / "artifacts" / whole.key / "transcript.json").read_text())[0]["first_token_s"]
        is None
    )


def test_malformed_calls_are_answered_with_errors(outcome: Outcome) -> None:
    record = outcome.select("builtin-malformed-name-stream", "openai/reference")[0]
    transcript = json.loads((outcome.results / "artifacts" / record.key / "transcript.json").read_text())
    [call] = transcript[0]["tool_calls"]
    assert call["format_error"] and "unknown tool" in call["result"]
    assert record.details["format_errors"] == 1 and len(transcript) == 2


def test_agent_limits(outcome: Outcome) -> None:
    stopped = {r.details["stopped"]: r for r in outcome.select("builtin-fast")}
    assert set(stopped) == {"max_turns", "max_tokens"}
    for record in stopped.values():  # the model solved it before the limit: grading decides
        assert record.outcome == "passed"
    [slow] = outcome.select("builtin-limits")
    assert (slow.outcome, slow.failure_kind) == ("failed", "agent_timeout")
    assert slow.agent_duration_s < 3.0


def test_cli_runs_the_builtin_agent_by_default(cli: RunCli, tmp_path: Path) -> None:
    spec = SPECS / f"{FAULT_SPEC}.toml"
    with serve_in_thread(load_specs([spec])) as server:
        done = cli(
            "run", spec, "--model", "openai/reference", "--base-url", server.base_urls["openai"], "--results", tmp_path
        )
    assert done.returncode == 0, done.stderr
    [attempt] = report_json(cli, tmp_path)
    assert (attempt["agent"], attempt["model"], attempt["outcome"]) == ("builtin", "openai/reference", "passed")
