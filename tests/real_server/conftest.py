"""Fixtures of the real-server tier: a real llama.cpp server with SmolLM2-135M, provisioned once and reused.

One server for the whole session (two slots of 8192 tokens, run as `llama.py` describes) and one with a
768-token context for the module that needs it. A provisioning or start-up failure is a test error that
names the step (never a skip): `.ci/run` provisions the cache folder before the tests, so here it is
normally only checked, not downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.real_server.llama import LlamaServer, ProvisionError, start


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this tier carries the `real_server` marker (`-m real_server` runs the tier alone)."""
    for item in items:
        if "real_server" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.real_server)


def _started(**settings: int) -> LlamaServer:
    try:
        return start(**settings)
    except ProvisionError as exc:
        pytest.fail(f"the real llama.cpp server could not be provisioned or started: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def llama() -> Iterator[LlamaServer]:
    """The server as the recipe starts it: two slots of 8192 tokens, replies capped at 256 tokens."""
    server = _started()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def small_llama() -> Iterator[LlamaServer]:
    """A server whose one slot serves 768 tokens: the builtin agent's first prompt does not fit."""
    server = _started(ctx=768, slots=1)
    yield server
    server.stop()
