"""Where the in-sandbox relay listens for a model server URL, and which URL the harness is given."""

from __future__ import annotations

import pytest

from agentspec.sandbox.routes import EndpointRoute, Listener, hosts_file, route_endpoint


@pytest.mark.parametrize(
    ("url", "listeners", "target"),
    [
        ("http://127.0.0.1:8000/v1", [Listener("127.0.0.1", 8000)], ("127.0.0.1", 8000)),
        ("http://127.0.0.5:8080", [Listener("127.0.0.5", 8080)], ("127.0.0.5", 8080)),
        ("http://[::1]:11434", [Listener("::1", 11434)], ("::1", 11434)),
        ("http://0.0.0.0:8000/v1", [Listener("0.0.0.0", 8000)], ("0.0.0.0", 8000)),
        (
            "http://localhost:11434",
            [Listener("127.0.0.1", 11434), Listener("::1", 11434, optional=True)],
            ("localhost", 11434),
        ),
        ("http://LocalHost:11434", [Listener("127.0.0.1", 11434), Listener("::1", 11434, True)], ("localhost", 11434)),
    ],
)
def test_a_loopback_server_keeps_its_address_and_url(
    url: str, listeners: list[Listener], target: tuple[str, int]
) -> None:
    route = route_endpoint(url)
    assert route.url == url
    assert list(route.listeners) == listeners
    assert (route.target_host, route.target_port) == target
    assert route.hosts == ()


@pytest.mark.parametrize(
    ("url", "inside_url", "listener", "target"),
    [
        ("http://gpu-box:8000/v1", "http://gpu-box:8000/v1", Listener("127.0.0.2", 8000), ("gpu-box", 8000)),
        # A privileged port moves up, the name stays (TLS checks the name, not the port); the path is kept.
        (
            "https://api.anthropic.com",
            "https://api.anthropic.com:10443",
            Listener("127.0.0.2", 10443),
            ("api.anthropic.com", 443),
        ),
        (
            "https://api.openai.com/v1/",
            "https://api.openai.com:10443/v1/",
            Listener("127.0.0.2", 10443),
            ("api.openai.com", 443),
        ),
        ("http://gpu-box/v1?x=1", "http://gpu-box:10080/v1?x=1", Listener("127.0.0.2", 10080), ("gpu-box", 80)),
        ("https://gpu-box:443/v1", "https://gpu-box:10443/v1", Listener("127.0.0.2", 10443), ("gpu-box", 443)),
        ("http://gpu-box:1023", "http://gpu-box:11023", Listener("127.0.0.2", 11023), ("gpu-box", 1023)),
        ("http://gpu-box:1024", "http://gpu-box:1024", Listener("127.0.0.2", 1024), ("gpu-box", 1024)),
        (
            "http://user:pw@gpu-box:8000/v1",
            "http://user:pw@gpu-box:8000/v1",
            Listener("127.0.0.2", 8000),
            ("gpu-box", 8000),
        ),
    ],
)
def test_a_named_server_is_mapped_in_the_sandboxs_hosts_file(
    url: str, inside_url: str, listener: Listener, target: tuple[str, int]
) -> None:
    route = route_endpoint(url)
    assert route.url == inside_url
    assert route.listeners == (listener,)
    assert (route.target_host, route.target_port) == target
    assert route.hosts == (("127.0.0.2", target[0]),)
    assert f"127.0.0.2\t{target[0]}\n" in hosts_file([route])


@pytest.mark.parametrize(
    ("url", "inside_url", "listener", "target"),
    [
        ("http://10.1.2.3:8000/v1", "http://127.0.0.2:8000/v1", Listener("127.0.0.2", 8000), ("10.1.2.3", 8000)),
        ("http://192.168.1.20/v1", "http://127.0.0.2:10080/v1", Listener("127.0.0.2", 10080), ("192.168.1.20", 80)),
        ("http://[fd00::5]:8000/v1", "http://127.0.0.2:8000/v1", Listener("127.0.0.2", 8000), ("fd00::5", 8000)),
        ("http://u@10.1.2.3:8000", "http://u@127.0.0.2:8000", Listener("127.0.0.2", 8000), ("10.1.2.3", 8000)),
    ],
)
def test_a_remote_ip_literal_is_rewritten_to_a_loopback_address(
    url: str, inside_url: str, listener: Listener, target: tuple[str, int]
) -> None:
    route = route_endpoint(url)
    assert (route.url, route.listeners, (route.target_host, route.target_port)) == (inside_url, (listener,), target)
    assert route.hosts == ()


def test_a_privileged_loopback_port_moves_up_and_the_slot_picks_the_address() -> None:
    route = route_endpoint("http://127.0.0.1/v1")
    assert (route.url, route.listeners, route.target_port) == (
        "http://127.0.0.1:10080/v1",
        (Listener("127.0.0.1", 10080),),
        80,
    )
    assert route_endpoint("http://gpu-box:8000", slot=3).listeners == (Listener("127.0.0.5", 8000),)
    assert route_endpoint("http://[::1]:80/").url == "http://[::1]:10080/"


def test_the_hosts_file_always_names_localhost() -> None:
    text = hosts_file([route_endpoint("http://127.0.0.1:8000")])
    assert text.splitlines() == ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]


@pytest.mark.parametrize("url", ["http:///v1", "http://gpu-box:99999/v1", "http://gpu-box:port/v1", "http://gpu-box:0"])
def test_a_url_without_a_host_or_with_a_bad_port_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="model server URL"):
        route_endpoint(url)


def test_the_target_is_written_as_host_and_port() -> None:
    assert route_endpoint("http://[fd00::5]:8000").target == "[fd00::5]:8000"
    assert EndpointRoute("http://x:1", "x", 1, ()).target == "x:1"
