"""`agentspec serve` names only the models it serves: a preflight for any other name stops the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentspec.serve import ModelServer, serve_in_thread
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS, RunCli


@pytest.fixture(scope="module")
def server() -> Iterator[ModelServer]:
    with serve_in_thread(load_specs([SPECS / "validators.toml"])) as running:
        yield running


def test_model_lookups_refuse_names_not_served_on_every_protocol(server: ModelServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        anthropic = client.get("/v1/models/qwen3.5:27b", headers={"anthropic-version": "2023-06-01"})
        openai = client.get("/v1/models/qwen3.5:27b")
        ollama = client.post("/api/show", json={"model": "qwen3.5:27b"})
        assert (anthropic.status_code, openai.status_code, ollama.status_code) == (404, 404, 404)
        assert client.get("/v1/models/reference", headers={"anthropic-version": "2023-06-01"}).status_code == 200


@pytest.mark.parametrize(
    ("agent", "model"),
    [("claude-code", "anthropic/qwen3.5:27b"), ("builtin", "openai/qwen3.5:27b"), ("builtin", "ollama/qwen3.5:27b")],
)
def test_a_run_for_a_model_not_served_stops_at_preflight(
    cli: RunCli, tmp_path: Path, server: ModelServer, agent: str, model: str
) -> None:
    url = server.url + ("/v1" if model.startswith("openai/") else "")
    done = cli("run", SPECS / "validators.toml", "--agent", agent, "--model", model, "--base-url", url)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "preflight of" in done.stderr and "qwen3.5:27b" in done.stderr and "not" in done.stderr
    assert not (tmp_path / "results" / "results.sqlite").exists()
