"""Fixtures for the site: synthetic (hostile) results, and a site built from them once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentspec.publish import SiteData, build_site, load
from agentspec.publish.sample import write_sample
from agentspec.serve import serve_in_thread
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import REPO, SPECS
from tests.site.agents import command_agent, leaky, solutions, unlocked


@pytest.fixture(scope="session")
def seed_specs() -> list[Spec]:
    return load_specs([SPECS])


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory: pytest.TempPathFactory, seed_specs: list[Spec]) -> Path:
    """3 tasks x 3 agent/models x 2 trials whose model-written text is full of markup and tricks."""
    results = tmp_path_factory.mktemp("hostile") / "results"
    write_sample(results, seed_specs[-3:], tasks=3, entries=3, trials=2, hostile=True)
    return results


@pytest.fixture(scope="session")
def hostile_data(hostile_results: Path) -> SiteData:
    return load(hostile_results, [SPECS])


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, hostile_results: Path) -> Path:
    """The site built from the hostile results, with the repo's mkdocs.yml."""
    output = tmp_path_factory.mktemp("hostile-site") / "site"
    build_site(hostile_results, output, config_file=REPO / "mkdocs.yml", spec_paths=[SPECS])
    return output


def agentspec(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agentspec", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def compared(tmp_path_factory: pytest.TempPathFactory, seed_specs: list[Spec]) -> tuple[Path, SiteData]:
    """Five entries on ttl-cache and validators, one of them with one leaking trial in three; and the site."""
    root = tmp_path_factory.mktemp("compare")
    results = root / "results"
    chosen = [s for s in seed_specs if s.id in ("ttl-cache", "validators")]
    paths = [SPECS / "ttl-cache.toml", SPECS / "validators.toml"]
    run = ("--results", results, "--concurrency", "2")
    for agent in ("reference", "none"):
        agentspec("run", *paths, "--agent", agent, *run, cwd=root)
    with serve_in_thread(seed_specs) as server:
        served = ("--base-url", server.url)
        agentspec("run", *paths, "--model", "ollama/reference", *served, *run, cwd=root)
        unlocked_agent = command_agent(solutions(chosen, unlocked))
        agentspec("run", *paths, "--agent", unlocked_agent, "--model", "ollama/nop", *served, *run, cwd=root)
        # One process at a time and no sandbox, so that a counter outside the workspace says which trial is first.
        once = command_agent(solutions(chosen, leaky), root / "counter")
        agentspec("run", SPECS / "validators.toml", "--agent", once, "--model", "openai/nop",
                  *served, "--trials", "3", "--results", results, "--concurrency", "1", "--sandbox", "none",
                  cwd=root)  # fmt: skip
    site = root / "site"
    agentspec("site", "--results", results, "-o", site, "--config", REPO / "mkdocs.yml", "--specs", SPECS, cwd=root)
    return site, load(results, [SPECS])
