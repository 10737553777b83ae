"""A real Ray cluster on this machine for tests and benchmarks: a head node and worker nodes, on loopback.

Every node is a `ray start --block` process of its own session, so stopping it (SIGTERM) ends its Ray
processes, and whatever is left in its session is killed by pid. The nodes listen on 127.0.0.2 (Ray
swaps 127.0.0.1 for the machine's outward address, and only the loopback range may be used here).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

NODE_IP = "127.0.0.2"
REPO = Path(__file__).resolve().parents[2]
RAY = [sys.executable, "-m", "ray.scripts.scripts"]


class LocalCluster:
    """A head node plus worker nodes; `address` is what `ray.init` and `--ray-address` take."""

    def __init__(self, head_cpus: int = 1, object_store_mb: int = 200) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit
        self.head_cpus = head_cpus
        self.object_store = str(object_store_mb * 1024 * 1024)
        self.nodes: list[subprocess.Popen[bytes]] = []
        self.address = ""
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        self.env["PYTHONPATH"] = str(REPO)  # workers can import the tests' own modules (agentspec is installed)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self, timeout_s: float = 60) -> LocalCluster:
        """Start the head node and wait until it takes connections."""
        self._node(
            "head",
            "--head",
            "--port=0",
            f"--num-cpus={self.head_cpus}",
            "--include-dashboard=false",
            f"--temp-dir={self.root}",
        )
        found = self.root / "ray_current_cluster"
        deadline = time.monotonic() + timeout_s
        while not (found.is_file() and found.read_text().strip()):
            if time.monotonic() > deadline or self.nodes[0].poll() is not None:
                log = (self.root / "head.log").read_text(errors="replace")
                self.stop()
                raise RuntimeError("the Ray head node did not start:\n" + log)
            time.sleep(0.1)
        self.address = found.read_text().strip()
        return self

    def add_node(self, cpus: int = 1, resources: Mapping[str, float] | None = None) -> subprocess.Popen[bytes]:
        """Start a worker node (it joins a few seconds later: see `wait_for_nodes`)."""
        extra = ["--resources", json.dumps(dict(resources))] if resources else []
        return self._node(f"node{len(self.nodes)}", f"--address={self.address}", f"--num-cpus={cpus}", *extra)

    def wait_for_nodes(self, count: int, timeout_s: float = 60) -> None:
        """Wait until `count` nodes are alive (this process must be connected: `ray.init(cluster.address)`)."""
        import ray

        deadline = time.monotonic() + timeout_s
        while sum(1 for n in ray.nodes() if n["Alive"]) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {count} Ray nodes after {timeout_s:.0f}s")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop every node, then kill whatever is left in their sessions."""
        for node in reversed(self.nodes):
            if node.poll() is None:
                node.send_signal(signal.SIGTERM)
        for node in reversed(self.nodes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.wait(timeout=20)
            for pid in session_members(node.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if node.poll() is None:
                node.kill()
                node.wait()
        self.nodes.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def _node(self, label: str, *args: str) -> subprocess.Popen[bytes]:
        argv = [*RAY, "start", "--block", f"--node-ip-address={NODE_IP}", "--disable-usage-stats"]
        argv += [f"--object-store-memory={self.object_store}", *args]
        with (self.root / f"{label}.log").open("wb") as log:
            node = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.nodes.append(node)
        return node


def session_members(sid: int) -> list[int]:
    """The pids of the live processes of session `sid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[3]) == sid:
                members.append(int(entry.name))
    return members


def attempt_processes() -> dict[int, str]:
    """The Ray worker processes running an agentspec attempt now, by pid, with their titles."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
            except OSError:
                continue
            if title.startswith("ray::agentspec:"):
                found[int(entry.name)] = title
    return found
