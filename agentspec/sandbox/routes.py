"""Where a sandboxed command finds a model server when its network holds nothing but a relay to that server.

A sandbox without the host's network has a loopback of its own, on which an unprivileged process can
listen on any address of 127.0.0.0/8 and ::1, but not on a port below 1024. `route_endpoint` says, for
the URL a harness is to be given, where the in-sandbox relay listens and which URL the harness gets:

- a loopback host (127.x, ::1) or an unspecified one (0.0.0.0, ::): the same address and port, URL unchanged;
- ``localhost``: 127.0.0.1 and ::1 (::1 only where the sandbox has IPv6), URL unchanged;
- a host name (``gpu-box``, ``api.anthropic.com``): 127.0.0.N, and the sandbox's /etc/hosts maps the
  name there, URL unchanged, so TLS and its server name keep working end to end (the relay is TCP);
- any other IP literal: 127.0.0.N, and the URL names 127.0.0.N instead;
- a port below 1024 (explicit, or https's 443 and http's 80 by default): ``PRIVILEGED_OFFSET + port``
  in the URL, the host kept (a certificate matches the name, not the port).

The relay's outside end always connects to the URL's own host and port, whatever the command sends.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

PRIVILEGED_OFFSET = 10000
DEFAULT_PORTS = {"http": 80, "https": 443}
HOSTS_HEADER = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"


@dataclass(frozen=True)
class Listener:
    """One address the in-sandbox relay listens on.

    Attributes:
        host: An IP address inside the sandbox.
        port: Its port (1024 or above).
        optional: Whether failing to listen there is fine (``::1`` where the sandbox has no IPv6).
    """

    host: str
    port: int
    optional: bool = False


@dataclass(frozen=True)
class EndpointRoute:
    """How a sandboxed command reaches one server, and nothing else.

    Attributes:
        url: The URL to give the command (the endpoint's, with the host or port changed where needed).
        target_host: Where the relay connects outside the sandbox: the URL's own host.
        target_port: Its port.
        listeners: Where the relay listens inside the sandbox.
        hosts: ``(address, name)`` lines the sandbox's /etc/hosts adds, so that the URL's name resolves.
    """

    url: str
    target_host: str
    target_port: int
    listeners: tuple[Listener, ...]
    hosts: tuple[tuple[str, str], ...] = ()

    @property
    def target(self) -> str:
        """The server the relay connects to, as ``host:port``."""
        host = f"[{self.target_host}]" if ":" in self.target_host else self.target_host
        return f"{host}:{self.target_port}"


def route_endpoint(url: str, slot: int = 0) -> EndpointRoute:
    """The route to the server at `url`; `slot` picks 127.0.0.(2 + slot) for a name or a remote address.

    Raises:
        ValueError: `url` has no host, or a port that is not a number from 1 to 65535.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise ValueError(f"the model server URL {url!r} names no host")
    try:
        written = parts.port
    except ValueError:
        raise ValueError(f"the model server URL {url!r} has a bad port") from None
    port = DEFAULT_PORTS.get(parts.scheme.lower(), 80) if written is None else written
    if not 0 < port < 65536:
        raise ValueError(f"the model server URL {url!r} has a bad port")
    inside = port if port >= 1024 else PRIVILEGED_OFFSET + port
    mapped = f"127.0.0.{2 + slot}"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    hosts: tuple[tuple[str, str], ...] = ()
    listeners: tuple[Listener, ...]
    if address is None and host.lower() == "localhost":
        listeners = (Listener("127.0.0.1", inside), Listener("::1", inside, optional=True))
        shown = host
    elif address is None:
        listeners, shown, hosts = (Listener(mapped, inside),), host, ((mapped, host),)
    elif address.is_loopback or address.is_unspecified:
        listeners, shown = (Listener(str(address), inside),), host
    else:
        listeners, shown = (Listener(mapped, inside),), mapped
    return EndpointRoute(_with_host(parts, shown, inside, port != inside), host, port, listeners, hosts)


def hosts_file(routes: tuple[EndpointRoute, ...] | list[EndpointRoute]) -> str:
    """The sandbox's /etc/hosts: localhost, then each route's names."""
    lines = [f"{address}\t{name}\n" for route in routes for address, name in route.hosts]
    return HOSTS_HEADER + "".join(lines)


def _with_host(parts: SplitResult, host: str, port: int, port_changed: bool) -> str:
    """`parts` as a URL naming `host`, and `port` where it changed (otherwise the port as written)."""
    if host == parts.hostname and not port_changed:
        return urlunsplit(parts)
    userinfo = parts.netloc.rpartition("@")[0]
    shown = f"[{host}]" if ":" in host else host
    written = port if port_changed else parts.port
    netloc = (f"{userinfo}@" if userinfo else "") + shown + (f":{written}" if written is not None else "")
    return urlunsplit(parts._replace(netloc=netloc))
