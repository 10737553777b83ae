"""Fixtures for the site: synthetic (hostile) results, and a site built from them once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentspec.publish import SiteData, build_site, load
from agentspec.publish.sample import write_sample
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import REPO, SPECS


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
