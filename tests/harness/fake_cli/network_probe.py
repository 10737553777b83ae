"""What a harness's commands can reach on the network, printed as the `command:` agent's JSON line.

    python network_probe.py --url BASE_URL --port OTHER_PORT

It connects to the model server (BASE_URL's host and port) and to another loopback port, and reads the
network interfaces and routes it sees. It sends no traffic anywhere but loopback.
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path
from urllib.parse import urlsplit


def _reach(host: str, port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=5):
            return "reached"
    except OSError as exc:
        return f"refused: {exc.strerror or exc}"


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
    args = parser.parse_args()
    server = urlsplit(args.url)
    details = {
        "endpoint": _reach(server.hostname or "127.0.0.1", server.port or 80),
        "other_loopback_port": _reach("127.0.0.1", args.port),
        "interfaces": _interfaces(),
        "default_route": _default_route(),
    }
    print(json.dumps({"turns": 0, "details": details}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
