"""The inside end of a sandbox's relay: listen where a command expects its server, then run the command.

    python -I -S relay.py --listen HOST:PORT=SOCKET[?] [--listen ...] -- PROGRAM [ARGS...]

Runs inside the sandbox with the standard library only (nothing there can import agentspec). It binds
every listener first (a trailing ``?`` marks one that may fail, such as ``[::1]`` without IPv6), so the
command never finds its server missing; then it starts the command with this process's standard streams
and environment, pipes each accepted TCP connection to the Unix socket whose other end agentspec serves,
passes SIGTERM, SIGINT and SIGHUP on to the command, and exits as the command did: the same status, or
killed by the same signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import sys

_CHUNK = 64 * 1024
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _listener(text: str) -> tuple[str, int, str, bool]:
    """``HOST:PORT=SOCKET[?]`` as (host, port, socket path, optional)."""
    address, _, path = text.partition("=")
    optional = path.endswith("?")
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port), path.removesuffix("?"), optional


async def copy_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, own: asyncio.StreamWriter) -> None:
    """Copy `reader` into `writer`, then pass the end of input on; a broken side aborts both connections.

    The host's relay (agentspec/sandbox/relay.py) pipes with this too: one copy loop for both sides.
    """
    try:
        while chunk := await reader.read(_CHUNK):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        # A reset on either side ends the other direction too, which would otherwise wait for input forever.
        writer.transport.abort()
        own.transport.abort()


async def close_quietly(writer: asyncio.StreamWriter) -> None:
    """Close a connection, ignoring that the other end went first."""
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, path: str) -> None:
    try:
        outside, inside = await asyncio.open_unix_connection(path)
    except OSError:
        await close_quietly(writer)
        return
    try:
        await asyncio.gather(copy_stream(reader, inside, writer), copy_stream(outside, writer, inside))
    finally:
        await close_quietly(inside)
        await close_quietly(writer)


async def _run(listeners: list[tuple[str, int, str, bool]], argv: list[str]) -> int:
    servers = []
    for host, port, path, optional in listeners:
        try:
            server = await asyncio.start_server(functools.partial(_relay, path=path), host, port)
        except OSError as exc:
            if optional:
                continue
            print(f"agentspec relay: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return 126
        servers.append(server)
    try:
        child = await asyncio.create_subprocess_exec(*argv)
    except OSError as exc:
        print(f"agentspec sandbox: cannot run {argv[0]!r}: {exc.strerror or exc}", file=sys.stderr)
        return 127 if isinstance(exc, FileNotFoundError) else 126
    loop = asyncio.get_running_loop()
    for number in _FORWARDED:
        loop.add_signal_handler(number, _forward, child, number)
    code = await child.wait()
    for server in servers:
        server.close()
    return code


def _forward(child: asyncio.subprocess.Process, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        child.send_signal(number)


def main(args: list[str]) -> int:
    """Parse the arguments, run the command behind the listeners, and return its exit status."""
    split = args.index("--") if "--" in args else len(args)
    options, argv = args[:split], args[split + 1 :]
    if not argv or len(options) % 2 or any(flag != "--listen" for flag in options[::2]):
        print("usage: relay.py --listen HOST:PORT=SOCKET[?] ... -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    code = asyncio.run(_run([_listener(text) for text in options[1::2]], argv))
    if code < 0:
        # Die of the same signal, so that whoever waits for this process sees what the command died of.
        sys.stderr.flush()
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
