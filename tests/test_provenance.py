"""Provenance on every attempt record, and attempt keys that stay byte-identical so existing stores resume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.providers import Endpoint
from agentspec.runner.plan import Attempt
from agentspec.serve import ModelServer, serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import SPECS, RunCli, report_json

TINY = """
id = "tiny"
title = "Make add return the sum"
kind = "implement"
instructions = "Make add(a, b) return a + b."

[[files]]
path = "calc.py"
content = "def add(a, b):\\n    return 0\\n"

[[tests]]
path = "test_calc.py"
content = "from calc import add\\n\\n\\ndef test_add():\\n    assert add(2, 3) == 5\\n"

[[solution]]
path = "calc.py"
content = "def add(a, b):\\n    return a + b\\n"
"""


@pytest.fixture(scope="module")
def server() -> Iterator[ModelServer]:
    with serve_in_thread(load_specs([SPECS / "validators.toml"])) as running:
        yield running


def test_attempt_keys_are_byte_identical_to_those_stores_already_hold(tmp_path: Path) -> None:
    (tmp_path / "tiny.toml").write_text(TINY)
    [spec] = load_specs([tmp_path / "tiny.toml"])
    # Keys computed by agentspec before provenance was recorded: provenance never enters the key.
    assert spec.content_hash() == "9acaaa042ec2da2f"
    assert Attempt(spec, "builtin", Endpoint.parse("openai/smollm2"), 1).key == "4013802afeff5f6fa5aec7c7"
    assert Attempt(spec, "claude-code", Endpoint.parse("anthropic/smollm2"), 2).key == "286d0886014a42c7de9b7fe5"


def test_records_made_before_provenance_still_load(tmp_path: Path) -> None:
    old = {
        "key": "k",
        "task": "t",
        "spec_hash": "h",
        "agent": "builtin",
        "model": "openai/m",
        "trial": 1,
        "outcome": "failed",
        "failure_kind": "tests_failed",
        "tests_passed": 0,
        "tests_total": 1,
        "duration_s": 1.0,
    }
    assert AttemptRecord(**json.loads(json.dumps(old))).provenance == {}


def test_every_attempt_records_its_provenance_and_an_unchanged_setup_resumes(
    cli: RunCli, tmp_path: Path, server: ModelServer
) -> None:
    results = tmp_path / "results"
    args = ("run", SPECS / "validators.toml", "--results", results, "--base-url", server.url + "/v1")
    first = cli(*args, "--model", "openai/reference", "--max-tokens", "3000")
    assert first.returncode == 0, first.stderr
    [attempt] = report_json(cli, results)
    provenance = attempt["provenance"]
    assert provenance["harness"] == "builtin" and provenance["harness_version"].startswith("agentspec ")
    assert provenance["server"] == "ollama" and provenance["server_version"]  # agentspec serve plays Ollama
    assert provenance["model_digest"] is None or isinstance(provenance["model_digest"], str)
    assert provenance["context_length"] == 32768 and provenance["quantization"] == "Q4_K_M"
    assert provenance["max_tokens"] == 3000 and provenance["sampling"] == {"temperature": None}
    again = cli(*args, "--model", "openai/reference", "--max-tokens", "3000")
    assert "Nothing new to run" in again.stderr
    with Store(results) as store:
        assert [r.provenance for r in store.attempts()] == [provenance]


def test_max_tokens_with_a_harness_says_it_does_not_apply(cli: RunCli, tmp_path: Path, server: ModelServer) -> None:
    results = tmp_path / "results"
    done = cli("run", SPECS / "validators.toml", "--agent", "command:true", "--model", "openai/reference",
               "--base-url", server.url + "/v1", "--max-tokens", "3000", "--results", results)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--max-tokens applies to the builtin agent only: command:true uses its own reply limit" in " ".join(
        done.stderr.split()
    )
    [attempt] = report_json(cli, results)
    assert attempt["provenance"]["max_tokens"] is None
