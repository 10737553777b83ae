"""A harness reaches its model endpoint and nothing else (issue: "no network except the model endpoint").

Under bubblewrap a harness runs in a network namespace of its own: only a loopback interface, no route,
and a relay that listens where the harness expects its model server and pipes each connection to that
one server (agentspec/sandbox/relay.py, routes.py). These tests run a probe through the real harness
path (the `command:` agent) against a real `agentspec serve`: it streams a completion from the endpoint,
and finds refused another loopback service of the host, the host's own addresses, and the outside; a
hostile program writing straight into the relay's socket still reaches only the endpoint.
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from agentspec.agents.base import Endpoint
from agentspec.agents.command import CommandAgent
from agentspec.agents.harness import harness_classes
from agentspec.agents.process import as_seen_inside, harness_route
from agentspec.sandbox import Sandbox, bwrap_available
from agentspec.sandbox.relay import INSIDE_SOCKETS
from agentspec.sandbox.routes import route_endpoint
from agentspec.serve import ModelServer
from agentspec.spec.model import Spec
from tests.harness.conftest import FAKES, act, attempt, spec_named, validators_task

PROBE = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKES / 'network_probe.py'))}"
needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="needs bubblewrap (apt-get install bubblewrap)")


class Service:
    """Another service on the host (a database, someone else's server), on every address: counts connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("0.0.0.0", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def other_service() -> Iterator[Service]:
    service = Service()
    yield service
    service.close()


def _host_addresses() -> list[str]:
    """This host's own IPv4 addresses other than loopback (from the kernel's local routes)."""
    lines = Path("/proc/net/fib_trie").read_text(encoding="utf-8").splitlines()
    found = {lines[i - 1].split()[-1] for i, line in enumerate(lines) if line.strip() == "/32 host LOCAL" and i > 0}
    return sorted(a for a in found if not ipaddress.ip_address(a).is_loopback)


def _probe(service: Service, addresses: list[str]) -> CommandAgent:
    words = " ".join(f"--address {a}" for a in addresses)
    socket_path = INSIDE_SOCKETS / "0.sock"
    return CommandAgent(
        f"--parser=json {PROBE} --url {{base_url}} --port {service.port} {words} --socket {socket_path}"
    )


@needs_bwrap
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_harness_reaches_its_endpoint_and_nothing_else(
    host: str, harness_server: ModelServer, other_service: Service, seed_specs: list[Spec], tmp_path: Path
) -> None:
    addresses = _host_addresses()
    # From the host itself the other service answers on loopback and on each address: the probe can fail.
    for address in ["127.0.0.1", *addresses]:
        socket.create_connection((address, other_service.port), timeout=5).close()
    deadline = time.monotonic() + 60
    while other_service.accepted < 1 + len(addresses):
        assert time.monotonic() < deadline, "the other service never counted the host's own connections"
        time.sleep(0.05)
    seen_before = other_service.accepted
    url = f"http://{host}:{harness_server.port}/v1"
    result = act(_probe(other_service, addresses), spec_named(seed_specs, "validators"), "openai/nop", url, tmp_path)
    details = result.details
    assert (details["sandbox"], details["network"]) == ("bwrap", "endpoint only"), details
    assert details["endpoint"] == "reached"
    assert details["endpoint_stream"].startswith("streamed "), details
    assert details["other_loopback_port"].startswith("refused"), details
    assert all(outcome.startswith("refused") for outcome in details["host_addresses"].values()), details
    assert details["outside"] == "refused: Network is unreachable", details
    assert (details["interfaces"], details["default_route"]) == (["lo"], False)
    # Asked through the relay's own socket for the other service, the endpoint answers (agentspec serve).
    assert details["through_socket"].startswith("HTTP/1."), details
    assert other_service.accepted == seen_before
    assert details["relay_connections"] >= 3
    assert "endpoint_in_sandbox" not in details


@needs_bwrap
def test_a_named_or_rewritten_endpoint_is_reached_through_the_sandboxs_own_addresses(
    harness_server: ModelServer, tmp_path: Path
) -> None:
    # The routes of a named server on a privileged port and of a remote IP literal, aimed at the local server.
    named = replace(route_endpoint("https://model-box/v1"), target_host="127.0.0.1", target_port=harness_server.port)
    literal = replace(
        route_endpoint("http://10.9.8.7:8000/v1", slot=1), target_host="127.0.0.1", target_port=harness_server.port
    )
    assert (named.url, literal.url) == ("https://model-box:10443/v1", "http://127.0.0.3:8000/v1")
    fetch = (
        "import socket, sys\n"
        "for host, port in [('model-box', 10443), ('127.0.0.3', 8000)]:\n"
        "    s = socket.create_connection((host, port), timeout=10)\n"
        "    s.sendall(b'GET /v1/models HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')\n"
        "    print(host, socket.gethostbyname(host), s.recv(12).decode())\n"
    )
    done = asyncio.run(
        Sandbox("bwrap").run([sys.executable, "-c", fetch], cwd=tmp_path, timeout_s=60, endpoints=[named, literal])
    )
    assert done.ok, done.stderr
    assert done.stdout.splitlines() == ["model-box 127.0.0.2 HTTP/1.1 200", "127.0.0.3 127.0.0.3 HTTP/1.1 200"]
    assert done.relay is not None and done.relay.connections == 2


@pytest.fixture
def flaky_server(harness_server: ModelServer) -> Iterator[int]:
    """A port that accepts one connection (agentspec's check that a server listens), then refuses."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])

    def once() -> None:
        connection, _ = listener.accept()
        connection.close()
        listener.close()

    thread = threading.Thread(target=once, daemon=True)
    thread.start()
    yield port
    thread.join(timeout=5)
    listener.close()


@needs_bwrap
def test_an_endpoint_that_refuses_the_harness_is_a_backend_error_and_the_run_goes_on(
    flaky_server: int, seed_specs: list[Spec], tmp_path: Path
) -> None:
    code = "import urllib.request, sys; urllib.request.urlopen(sys.argv[1])"
    fetch = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {{base_url}}/models"
    record = attempt(
        CommandAgent(fetch),
        spec_named(seed_specs, "validators"),
        "openai/nop",
        f"http://127.0.0.1:{flaky_server}/v1",
        tmp_path,
    )
    assert (record.outcome, record.failure_kind) == ("error", "backend_error"), record.error
    assert f"127.0.0.1:{flaky_server}" in (record.error or "")
    assert record.details["relay_failures"] and record.details["network"] == "endpoint only"


def test_without_bubblewrap_the_harness_has_the_hosts_network_and_says_so(
    harness_server: ModelServer, other_service: Service, seed_specs: list[Spec], tmp_path: Path
) -> None:
    endpoint = Endpoint.parse("openai/nop", harness_server.url + "/v1")
    task = validators_task(seed_specs, tmp_path, Sandbox("none"), endpoint)
    result = asyncio.run(_probe(other_service, []).act(task))
    assert (result.details["sandbox"], result.details["network"]) == ("none", "host")
    assert result.details["other_loopback_port"] == "reached"


@needs_bwrap
@pytest.mark.parametrize("name", sorted(harness_classes()))
def test_every_harness_is_given_the_url_it_reaches_the_endpoint_by(
    name: str, seed_specs: list[Spec], tmp_path: Path
) -> None:
    endpoint = Endpoint.parse("openai/m", "https://api.example.com/v1")
    task = validators_task(seed_specs, tmp_path, Sandbox("bwrap"), endpoint)
    route = harness_route(task)
    assert route is not None and route.url == "https://api.example.com:10443/v1"
    inside = as_seen_inside(task, route)
    assert inside.endpoint is not None and task.endpoint == endpoint  # the attempt keeps the real endpoint
    agent = harness_classes()[name](executable=sys.executable)
    argv, env = agent.command(inside, inside.endpoint), agent.environment(inside, inside.endpoint)
    written = " ".join([*argv, *env.values(), *(p.read_text() for p in task.scratch.rglob("*") if p.is_file())])
    assert "api.example.com:10443" in written
    assert "https://api.example.com/" not in written and 'https://api.example.com"' not in written


@needs_bwrap
def test_a_command_without_a_model_has_no_network_at_all(
    other_service: Service, seed_specs: list[Spec], tmp_path: Path
) -> None:
    task = validators_task(seed_specs, tmp_path, Sandbox("bwrap"))
    code = (
        "import json, socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {other_service.port}), timeout=5); seen = 'reached'\n"
        "except OSError as exc:\n"
        "    seen = exc.strerror\n"
        "print(json.dumps({'details': {'other_loopback_port': seen}}))\n"
    )
    agent = CommandAgent(f"--parser=json {shlex.quote(sys.executable)} -c {shlex.quote(code)}")
    result = asyncio.run(agent.act(task))
    assert (result.details["network"], result.details["other_loopback_port"]) == ("none", "Connection refused")
