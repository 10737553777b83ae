"""Fixtures: the seed specs and one `agentspec serve` on a free loopback port for the providers' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agentspec.serve import ModelServer, serve_in_thread
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS


@pytest.fixture(scope="session")
def specs() -> list[Spec]:
    return load_specs([SPECS])


@pytest.fixture(scope="module")
def model_server(specs: list[Spec]) -> Iterator[ModelServer]:
    with serve_in_thread(specs) as running:
        yield running
