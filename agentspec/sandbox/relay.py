"""The outside end of a sandbox's relay: Unix sockets whose every connection is piped to one fixed server.

A command that may reach only its model server runs without the host's network. Inside the sandbox
`relay_inside.py` listens where the command expects the server (agentspec/sandbox/routes.py) and pipes
each TCP connection to a Unix socket; outside, `EndpointRelay` accepts on that socket and pipes the
bytes to the route's one target. This end is the policy: whatever arrives on a socket goes to its
route's host and port and nowhere else (the inside is untrusted). A connection the target refuses is
closed at once and noted in `RelayLog`. Everything is closed and the folder removed on exit.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from agentspec.sandbox.relay_inside import close_quietly, copy_stream
from agentspec.sandbox.routes import EndpointRoute, hosts_file

INSIDE_FOLDER = Path("/run/agentspec")
INSIDE_SCRIPT = INSIDE_FOLDER / "relay.py"
INSIDE_SOCKETS = INSIDE_FOLDER / "sockets"
SCRIPT = Path(__file__).with_name("relay_inside.py")
CONNECT_TIMEOUT_S = 10.0
RELAY_PREFIX = "agentspec-relay-"


@dataclass
class RelayLog:
    """What went through a relay.

    Attributes:
        connections: Connections the sandbox opened to its endpoints.
        failures: Why connections could not be made to a target (``host:port: reason``), the first few.
    """

    connections: int = 0
    failures: list[str] = field(default_factory=list)


class EndpointRelay:
    """Serves the routes' Unix sockets for as long as the ``async with`` block runs."""

    def __init__(self, routes: Sequence[EndpointRoute]) -> None:
        """Remember the routes; the sockets are made on entry."""
        self.routes = tuple(routes)
        self.log = RelayLog()
        self.folder: Path | None = None
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._open: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> EndpointRelay:
        """`start`, then serve until the block ends."""
        await self.start()
        return self

    async def start(self) -> None:
        """Make a private folder holding one socket per route and the sandbox's /etc/hosts, and serve them.

        Raises:
            OSError: A socket could not be made.
        """
        # A short private path: a Unix socket's path must fit in 108 bytes.
        # The pid in its name lets the next run sweep it if this process is killed (agentspec.runner.sweep).
        self.folder = Path(tempfile.mkdtemp(prefix=f"{RELAY_PREFIX}{os.getpid()}-"))
        try:
            (self.folder / "sockets").mkdir()
            (self.folder / "hosts").write_text(hosts_file(self.routes), encoding="utf-8")
            for index, route in enumerate(self.routes):
                path = self.folder / "sockets" / f"{index}.sock"
                server = await asyncio.start_unix_server(functools.partial(self._serve, route=route), path=str(path))
                self._servers.append(server)
        except BaseException:
            await self.close()
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Close every socket and connection, and remove the folder."""
        await asyncio.shield(self.close())

    async def close(self) -> None:
        """Stop listening, end every piped connection, remove the folder (safe to call twice)."""
        for server in self._servers:
            server.close()
        # Aborting the connections ends their tasks; a cancelled one would be logged as an error by asyncio.
        for writer in list(self._open):
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=CONNECT_TIMEOUT_S)
        for task in list(self._tasks):
            task.cancel()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def binds(self) -> list[tuple[Path, Path]]:
        """Read-only ``(outside, inside)`` binds the sandbox needs: the script, the sockets, /etc/hosts."""
        assert self.folder is not None, "the relay is not running"
        return [
            (SCRIPT, INSIDE_SCRIPT),
            (self.folder / "sockets", INSIDE_SOCKETS),
            (self.folder / "hosts", Path("/etc/hosts")),
        ]

    def wrap(self, argv: Sequence[str]) -> list[str]:
        """`argv` run by the inside relay, which listens first and exits as the command does."""
        command = [sys.executable, "-I", "-S", str(INSIDE_SCRIPT)]
        for index, route in enumerate(self.routes):
            for listener in route.listeners:
                host = f"[{listener.host}]" if ":" in listener.host else listener.host
                optional = "?" if listener.optional else ""
                command += ["--listen", f"{host}:{listener.port}={INSIDE_SOCKETS / f'{index}.sock'}{optional}"]
        return [*command, "--", *argv]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, route: EndpointRoute) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._open.add(writer)
        self.log.connections += 1
        target: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            try:
                target = await asyncio.wait_for(
                    asyncio.open_connection(route.target_host, route.target_port), CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError) as exc:
                reason = "no answer in time" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
                if len(self.log.failures) < 10:
                    self.log.failures.append(f"{route.target}: {reason}")
                return
            self._open.add(target[1])
            await pipe_both_ways((reader, writer), target)
        finally:
            await close_quietly(writer)
            self._open.discard(writer)
            if target is not None:
                self._open.discard(target[1])
            self._tasks.discard(task)


async def pipe_both_ways(
    one: tuple[asyncio.StreamReader, asyncio.StreamWriter], other: tuple[asyncio.StreamReader, asyncio.StreamWriter]
) -> None:
    """Copy bytes each way until both sides have finished sending; an end of input is passed on as such."""
    try:
        await asyncio.gather(copy_stream(one[0], other[1], one[1]), copy_stream(other[0], one[1], other[1]))
    finally:
        await close_quietly(other[1])
