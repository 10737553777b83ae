"""The Ray tests' cluster: a real head node and a worker node on loopback, shared by the whole session.

The worker node offers the custom resource `model_host` (as a node hosting a model server would).
These tests need Ray: `pip install 'agentspec[ray]'`; without it they are skipped, saying so.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator

import pytest

from tests.ray.cluster import LocalCluster

INSTALL = "Ray is not installed: pip install 'agentspec[ray]'"


def ray_installed() -> bool:
    """Whether the real Ray is importable (not just this folder, which is also called `ray`)."""
    try:
        return importlib.util.find_spec("ray.exceptions") is not None
    except ModuleNotFoundError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ray: runs attempts on a local Ray cluster (select with -m ray)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ray/" in item.nodeid:
            item.add_marker(pytest.mark.ray)
            if "cluster" in getattr(item, "fixturenames", ()) and not ray_installed():
                item.add_marker(pytest.mark.skip(reason=INSTALL))


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    """The cluster, with this test process connected to it as a driver."""
    import ray

    with LocalCluster(head_cpus=1) as started:
        started.add_node(cpus=1, resources={"model_host": 1})
        ray.init(address=started.address, logging_level=logging.WARNING, log_to_driver=False)
        try:
            started.wait_for_nodes(2)
            yield started
        finally:
            ray.shutdown()
