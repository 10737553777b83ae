"""What a harness's commands can reach on the network today (issue: "no network except the model endpoint").

A harness runs in the attempt's sandbox with the host's network shared (bwrap `--share-net`), because the
model server usually listens on the host's loopback. So a command a harness runs reaches the endpoint,
but also any other loopback service and every interface and route of the host. These tests pin that
down, as docs/harnesses.md states it; isolating the harness (a network namespace of its own with a relay
to the endpoint) would turn the second and third assertions around. Only loopback is ever contacted:
non-loopback reach is read from the interfaces and routes the sandbox sees, not probed.
"""

from __future__ import annotations

import shlex
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.agents.command import CommandAgent
from agentspec.sandbox import bwrap_available
from agentspec.serve import ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import FAKES, act, spec_named

PROBE = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKES / 'network_probe.py'))}"


@pytest.fixture
def other_service() -> Iterator[int]:
    """Another loopback service (a database, someone else's server): its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


def _host_default_route() -> bool:
    rows = Path("/proc/net/route").read_text(encoding="utf-8").splitlines()[1:]
    return any(row.split()[1] == "00000000" for row in rows if len(row.split()) > 1)


def _host_interfaces() -> list[str]:
    lines = Path("/proc/net/dev").read_text(encoding="utf-8").splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


@pytest.mark.skipif(not bwrap_available(), reason="needs bubblewrap (apt-get install bubblewrap)")
def test_a_harness_shares_the_hosts_network(
    harness_server: ModelServer, other_service: int, seed_specs: list[Spec], tmp_path: Path
) -> None:
    agent = CommandAgent(f"--parser=json {PROBE} --url {{base_url}} --port {other_service}")
    result = act(agent, spec_named(seed_specs, "validators"), "openai/nop", harness_server.url + "/v1", tmp_path)
    assert result.details["sandbox"] == "bwrap", result.details
    assert result.details["endpoint"] == "reached"
    # Not isolated: another loopback port answers, and the host's interfaces (and default route) are there.
    assert result.details["other_loopback_port"] == "reached"
    assert result.details["interfaces"] == _host_interfaces()
    assert result.details["default_route"] == _host_default_route()
    assert "lo" in result.details["interfaces"]
