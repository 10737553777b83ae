"""The sandbox's relay over real sockets: the outside end (`EndpointRelay`) and the inside script."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from agentspec.sandbox import Sandbox, bwrap_available
from agentspec.sandbox.relay import SCRIPT, EndpointRelay
from agentspec.sandbox.routes import EndpointRoute, route_endpoint

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


class Target:
    """A server on loopback; counts its connections."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0

    async def __aenter__(self) -> Target:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            await self.handler(reader, writer)

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    @property
    def route(self) -> EndpointRoute:
        return route_endpoint(f"http://127.0.0.1:{self.port}/v1")


async def _open(relay: EndpointRelay, index: int = 0) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert relay.folder is not None
    return await asyncio.open_unix_connection(str(relay.folder / "sockets" / f"{index}.sock"))


def run(coroutine: Awaitable[None]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(120):
            await coroutine

    asyncio.run(bounded())


def test_concurrent_connections_each_reach_the_target_with_their_own_bytes() -> None:
    async def main() -> None:
        async with Target(_echo) as target, EndpointRelay([target.route]) as relay:

            async def one(n: int) -> bytes:
                reader, writer = await _open(relay)
                writer.write(f"hello {n}\n".encode())
                await writer.drain()
                line = await reader.readline()
                writer.close()
                return line

            lines = await asyncio.gather(*(one(n) for n in range(40)))
            assert lines == [f"hello {n}\n".encode() for n in range(40)]
            assert target.connections == 40 and relay.log.connections == 40

    run(main())


def test_a_large_body_goes_both_ways_and_half_close_is_passed_on() -> None:
    async def count_then_reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = await reader.read()  # until the client's end of input
        writer.write(f"{len(body)} {sum(body) % 9973}\n".encode() + body)
        await writer.drain()
        writer.close()

    async def main() -> None:
        body = os.urandom(8 * 1024 * 1024)
        async with Target(count_then_reply) as target, EndpointRelay([target.route]) as relay:
            reader, writer = await _open(relay)
            writer.write(body)
            await writer.drain()
            writer.write_eof()
            assert await reader.readline() == f"{len(body)} {sum(body) % 9973}\n".encode()
            assert await reader.read() == body
            writer.close()

    run(main())


def test_a_streamed_reply_arrives_piece_by_piece() -> None:
    first_seen = asyncio.Event()

    async def stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"data: one\n\n")
        await writer.drain()
        # The second event waits until the client has the first: the relay must not buffer the reply.
        await asyncio.wait_for(first_seen.wait(), 60)
        writer.write(b"data: two\n\ndata: [DONE]\n\n")
        writer.close()

    async def main() -> None:
        async with Target(stream) as target, EndpointRelay([target.route]) as relay:
            reader, writer = await _open(relay)
            writer.write(b"POST /v1/chat/completions\n")
            assert await reader.readuntil(b"\n\n") == b"data: one\n\n"
            first_seen.set()
            assert await reader.read() == b"data: two\n\ndata: [DONE]\n\n"
            writer.close()

    run(main())


def test_whatever_is_sent_only_ever_reaches_the_routes_target() -> None:
    async def main() -> None:
        async with Target(_echo) as target, Target(_echo) as other, EndpointRelay([target.route]) as relay:
            reader, writer = await _open(relay)
            writer.write(f"CONNECT 127.0.0.1:{other.port} HTTP/1.1\r\nHost: 127.0.0.1:{other.port}\r\n\r\n".encode())
            await writer.drain()
            assert (await reader.readline()).startswith(b"CONNECT")
            writer.close()
            assert (target.connections, other.connections) == (1, 0)

    run(main())


def test_a_refusing_target_closes_the_connection_and_is_noted() -> None:
    async def main() -> None:
        closed = socket.create_server(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        async with EndpointRelay([route_endpoint(f"http://127.0.0.1:{port}")]) as relay:
            reader, writer = await _open(relay)
            writer.write(b"GET / HTTP/1.1\r\n\r\n")
            assert await reader.read() == b""
            writer.close()
            assert relay.log.failures == [f"127.0.0.1:{port}: Connect call failed ('127.0.0.1', {port})"] or (
                len(relay.log.failures) == 1 and relay.log.failures[0].startswith(f"127.0.0.1:{port}: ")
            )

    run(main())


def test_closing_ends_open_connections_and_leaves_nothing_behind() -> None:
    async def main() -> None:
        async with Target(_echo) as target:
            relay = EndpointRelay([target.route, target.route])
            async with relay:
                folder = relay.folder
                assert folder is not None and sorted(p.name for p in (folder / "sockets").iterdir()) == [
                    "0.sock",
                    "1.sock",
                ]
                reader, writer = await _open(relay, 1)
                writer.write(b"ping\n")
                assert await reader.readline() == b"ping\n"
            assert not folder.exists()
            assert await asyncio.wait_for(reader.read(), 10) == b""
            writer.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert others == []

    run(main())


# The inside script, run on the host: it needs no sandbox to listen, run a command and relay.


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _inside(*argv: str, port: int, sock: Path) -> list[str]:
    return [sys.executable, "-I", "-S", str(SCRIPT), "--listen", f"127.0.0.1:{port}={sock}", "--", *argv]


@pytest.fixture
def unix_echo(tmp_path: Path) -> Iterator[Path]:
    """A Unix socket echo server in a thread: the outside end, as the script sees it."""
    import threading

    path = tmp_path / "e.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                while data := connection.recv(65536):
                    connection.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield path
    server.close()


def test_the_inside_script_listens_before_the_command_starts_and_passes_streams_through(unix_echo: Path) -> None:
    port = _free_port()
    child = (
        "import socket, sys\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=10)\n"
        "s.sendall(sys.stdin.read().encode()); print(s.recv(100).decode()); print('err', file=sys.stderr)\n"
        "sys.exit(7)\n"
    )
    done = subprocess.run(
        _inside(sys.executable, "-c", child, port=port, sock=unix_echo),
        input="through the relay",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (7, "through the relay\n", "err\n")


def test_the_inside_script_forwards_sigterm_and_dies_as_the_command_did(unix_echo: Path, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    handles = (
        "import signal, sys, time, pathlib\n"
        "signal.signal(signal.SIGTERM, lambda *a: (print('got TERM'), sys.exit(3)))\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(60)\n"
    )
    with subprocess.Popen(
        _inside(sys.executable, "-c", handles, port=_free_port(), sock=unix_echo), stdout=subprocess.PIPE, text=True
    ) as process:
        _wait_for(ready)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 3
        assert process.stdout is not None and process.stdout.read() == "got TERM\n"
    killed = subprocess.run(_inside("sh", "-c", "kill -TERM $$", port=_free_port(), sock=unix_echo), timeout=60)
    assert killed.returncode == -signal.SIGTERM


def test_the_inside_script_reports_a_command_that_cannot_run(unix_echo: Path) -> None:
    done = subprocess.run(
        _inside("no-such-program-here", port=_free_port(), sock=unix_echo), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 127
    assert done.stderr == "agentspec sandbox: cannot run 'no-such-program-here': No such file or directory\n"


def test_the_inside_script_stops_when_it_cannot_listen(unix_echo: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(_inside("true", port=port, sock=unix_echo), capture_output=True, text=True, timeout=60)
    assert done.returncode == 126 and f"cannot listen on 127.0.0.1:{port}" in done.stderr


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


# Behind the relay in bubblewrap: the sandbox's timeout and --die-with-parent still end every process.

needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not usable here")
DETACH = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", sys.argv[1]])
    os._exit(0)
os.wait()
time.sleep(float(sys.argv[2]))
"""


def _marker() -> str:
    return f"{900 + uuid.uuid4().int % 10**6 / 10**6:.6f}"


def _alive(mark: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if mark.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def _gone(mark: str, within_s: float = 30.0) -> bool:
    deadline = time.monotonic() + within_s
    while _alive(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@needs_bwrap
def test_the_timeout_kills_the_relay_and_every_process_behind_it(tmp_path: Path) -> None:
    mark = _marker()
    route = route_endpoint("http://127.0.0.1:8000")
    argv = [sys.executable, "-c", DETACH, mark, "300"]
    done = Sandbox("bwrap").run_sync(argv, cwd=tmp_path, timeout_s=2, endpoints=[route])
    assert done.timed_out and done.relay is not None
    assert _gone(mark), _alive(mark)


@needs_bwrap
def test_everything_behind_the_relay_dies_with_agentspec(tmp_path: Path) -> None:
    mark = _marker()
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from agentspec.sandbox import Sandbox\n"
        "from agentspec.sandbox.routes import route_endpoint\n"
        f"argv = ['sh', '-c', 'sleep {mark} & sleep {mark}']\n"
        "Sandbox('bwrap').run_sync(argv, cwd=Path(sys.argv[1]), timeout_s=300,\n"
        "    endpoints=[route_endpoint('http://127.0.0.1:8000')])\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(tmp_path)]) as runner:
        deadline = time.monotonic() + 60
        # Both sleeps running: the sandbox is fully set up (its parent-death signals armed) before the kill.
        while len(_alive(f"sleep\0{mark}")) < 2:
            assert time.monotonic() < deadline, "the sandboxed command never started"
            time.sleep(0.05)
        runner.kill()
        runner.wait(30)
    assert _gone(mark), _alive(mark)
