"""What a harness's commands can reach on the network, printed as the `command:` agent's JSON line.

    python network_probe.py --url BASE_URL --port OTHER_PORT [--address ADDR ...] [--socket PATH]

It streams a chat completion from the model server at BASE_URL (an OpenAI-style ``/chat/completions``),
connects to another loopback port and to OTHER_PORT on each ADDR (the host's own addresses), tries an
address outside (198.51.100.1, TEST-NET-2), reads the network interfaces and routes
it sees, and, as a hostile program would, writes a request for the other service straight into the
relay's Unix socket at PATH.
"""

from __future__ import annotations

import argparse
import json
import socket
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit


def _reach(host: str, port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=5):
            return "reached"
    except OSError as exc:
        return f"refused: {exc.strerror or exc}"


def _stream(base_url: str) -> str:
    body = {"model": "nop", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    request = urllib.request.Request(
        base_url + "/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            events = [line for line in reply.read().decode().splitlines() if line.startswith("data: ")]
    except OSError as exc:
        return f"refused: {exc}"
    return f"streamed {len(events)} events" if events and events[-1] == "data: [DONE]" else f"bad stream {events!r}"


def _through_socket(path: str, other_port: int) -> str:
    """Ask the relay's socket for the other service: the reply says who answered."""
    request = f"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{other_port}\r\nConnection: close\r\n\r\n"
    try:
        with socket.socket(socket.AF_UNIX) as unix:
            unix.settimeout(10)
            unix.connect(path)
            unix.sendall(f"CONNECT 127.0.0.1:{other_port} HTTP/1.1\r\n\r\n".encode() + request.encode())
            reply = b""
            while chunk := unix.recv(65536):
                reply += chunk
    except OSError as exc:
        return f"refused: {exc.strerror or exc}"
    return reply.decode(errors="replace").split("\r\n", 1)[0]


def _interfaces() -> list[str]:
    lines = Path("/proc/net/dev").read_text(encoding="utf-8").splitlines()[2:]
    return sorted(line.split(":", 1)[0].strip() for line in lines)


def _default_route() -> bool:
    rows = Path("/proc/net/route").read_text(encoding="utf-8").splitlines()[1:]
    return any(row.split()[1] == "00000000" for row in rows if len(row.split()) > 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--address", action="append", default=[])
    parser.add_argument("--socket")
    args = parser.parse_args()
    server = urlsplit(args.url)
    details = {
        "endpoint": _reach(server.hostname or "127.0.0.1", server.port or 80),
        "endpoint_stream": _stream(args.url),
        "other_loopback_port": _reach("127.0.0.1", args.port),
        "host_addresses": {address: _reach(address, args.port) for address in args.address},
        "outside": _reach("198.51.100.1", 80),
        "interfaces": _interfaces(),
        "default_route": _default_route(),
    }
    if args.socket:
        details["through_socket"] = _through_socket(args.socket, args.port)
    print(json.dumps({"turns": 0, "details": details}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
