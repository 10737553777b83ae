"""Fixtures: the seed specs, one server in a thread on a free loopback port, an httpx client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from agentspec.serve import Faults, ModelServer, serve_in_thread
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS


@pytest.fixture(scope="session")
def seed_specs() -> list[Spec]:
    return load_specs([SPECS])


@pytest.fixture(scope="session")
def shared_server(seed_specs: list[Spec]) -> Iterator[ModelServer]:
    with serve_in_thread(seed_specs) as running:
        yield running


@pytest.fixture
def server(shared_server: ModelServer) -> Iterator[ModelServer]:
    """The session's server, with no faults and an empty request log for each test."""
    shared_server.faults = Faults()
    shared_server.clear_requests()
    yield shared_server
    shared_server.faults = Faults()


@pytest.fixture(scope="session")
def shared_client(shared_server: ModelServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shared_server.url, timeout=10) as http:
        yield http


@pytest.fixture
def client(server: ModelServer, shared_client: httpx.Client) -> httpx.Client:
    return shared_client
