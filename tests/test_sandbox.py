"""The sandbox against hostile commands: real processes, real bubblewrap, no mocks."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from agentspec.errors import SandboxError, UsageError
from agentspec.sandbox import Completed, Sandbox, SandboxLimits, bwrap_available, default_env
from agentspec.sandbox import command as command_module
from agentspec.sandbox.bwrap import bwrap_problem
from agentspec.sandbox.cgroup import pids_base
from agentspec.sandbox.memory import memory_base

PY = sys.executable
needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not usable here")
LIMITS = SandboxLimits(memory_mb=256, processes=32, file_size_mb=1, output_bytes=64 * 1024)


@pytest.fixture(autouse=True)
def _quiet_none_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test starts as if no warning had been logged, so tests do not depend on their order.
    monkeypatch.setattr(command_module, "_warned", set())


@pytest.fixture(params=["bwrap", "none"])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "bwrap" and not bwrap_available():
        pytest.skip("bubblewrap (bwrap) is not usable here")
    return Sandbox(request.param, LIMITS)


@pytest.fixture
def bwrap() -> Sandbox:
    if not bwrap_available():
        pytest.skip("bubblewrap (bwrap) is not usable here")
    return Sandbox("bwrap", LIMITS)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    return path


def marker() -> str:
    """A sleep duration no other process on the machine uses, to find our processes by their argv."""
    return f"{900 + uuid.uuid4().int % 10**6 / 10**6:.6f}"


def alive(mark: str) -> list[int]:
    """Processes whose command line contains ``mark``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if mark.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def gone(mark: str, within_s: float = 1.0) -> bool:
    """Whether every process with ``mark`` has exited (a SIGKILLed task takes a moment to go)."""
    deadline = time.monotonic() + within_s
    while alive(mark):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def run(
    sandbox: Sandbox,
    argv: list[str],
    cwd: Path,
    timeout_s: float = 10,
    *,
    env: dict[str, str] | None = None,
    network: bool = False,
    writable: Sequence[Path] = (),
    stdin: str | None = None,
    readonly: Sequence[Path] = (),
) -> Completed:
    return sandbox.run_sync(
        argv, cwd=cwd, timeout_s=timeout_s, env=env, network=network, writable=writable, stdin=stdin, readonly=readonly
    )


# --- ordinary use -----------------------------------------------------------------------------------------


def test_runs_and_captures(sandbox: Sandbox, ws: Path) -> None:
    done = run(sandbox, ["sh", "-c", "echo out; echo err >&2; pwd; exit 3"], ws)
    assert (done.returncode, done.timed_out, done.sandbox) == (3, False, sandbox.mode)
    assert done.stdout == f"out\n{ws}\n"
    assert done.stderr == "err\n"
    assert not done.ok and done.limits_hit == ()


def test_signal_death_reads_as_a_shell_would(sandbox: Sandbox, ws: Path) -> None:
    assert run(sandbox, ["sh", "-c", "kill -9 $$"], ws).returncode == 128 + 9


def test_stdin_and_env(sandbox: Sandbox, ws: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "ONLY": "this"}
    done = run(sandbox, ["sh", "-c", "cat; env | sort"], ws, env=env, stdin="fed\n")
    assert done.stdout.splitlines()[0] == "fed"
    names = {line.split("=")[0] for line in done.stdout.splitlines()[1:]}
    assert names <= {"PATH", "ONLY", "PWD", "SHLVL", "_"}, names


def test_default_env_runs_this_python_and_pytest(sandbox: Sandbox, ws: Path) -> None:
    (ws / "test_it.py").write_text("def test_it():\n    assert 1 + 1 == 2\n")
    env = {**default_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = run(sandbox, [PY, "-m", "pytest", "-q", "test_it.py"], ws, timeout_s=30, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert not (ws / "__pycache__").exists()


def test_a_missing_program_is_127(sandbox: Sandbox, ws: Path) -> None:
    done = run(sandbox, ["no-such-program-here"], ws)
    assert done.returncode == 127
    assert "no-such-program-here" in done.stderr


def test_a_program_that_cannot_execute_is_126(sandbox: Sandbox, ws: Path) -> None:
    (ws / "script").write_text("#!/bin/sh\necho hi\n")
    assert run(sandbox, ["./script"], ws).returncode == 126


def test_a_missing_workspace_is_a_sandbox_error(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="missing"):
        run(sandbox, ["true"], tmp_path / "missing")


@needs_bwrap
def test_bwrap_failing_to_set_up_is_a_sandbox_error(ws: Path) -> None:
    starved = Sandbox("bwrap", SandboxLimits(open_files=5))
    with pytest.raises(SandboxError, match="bwrap: .*Too many open files"):
        run(starved, ["true"], ws)


def test_concurrent_runs(sandbox: Sandbox, ws: Path) -> None:
    # Each command marks that it started, then waits for all six marks: run one after another, the
    # first would wait in vain (and time out), so all six finishing proves they ran at once.
    wait_for_all = "touch started-$0; while [ $(ls started-* | wc -l) -lt 6 ]; do sleep 0.05; done; echo $0"

    async def many() -> list[Completed]:
        runs = [sandbox.run(["sh", "-c", wait_for_all, str(i)], cwd=ws, timeout_s=60) for i in range(6)]
        return await asyncio.gather(*runs)

    results = asyncio.run(many())
    assert [(r.timed_out, r.stdout) for r in results] == [(False, f"{i}\n") for i in range(6)]


# --- confinement (bwrap) ----------------------------------------------------------------------------------


@pytest.fixture
def host_dir() -> Iterator[Path]:
    """A folder outside /tmp (private in the sandbox), shown to the sandbox read-only when declared."""
    path = Path(tempfile.mkdtemp(prefix="agentspec-test-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path)


@needs_bwrap
def test_writes_outside_the_workspace_fail(bwrap: Sandbox, ws: Path, tmp_path: Path, host_dir: Path) -> None:
    host_file = host_dir / "host.txt"
    host_file.write_text("original")
    beside = tmp_path / "beside.txt"
    beside.write_text("original")
    probe = Path("/etc") / f"agentspec-probe-{uuid.uuid4().hex}"
    script = f"cat {host_file}; echo pwned > {host_file}; echo pwned > {beside}; touch {probe}; rm -f {host_file}"
    try:
        done = run(bwrap, ["sh", "-c", script], ws, readonly=[host_dir])
        assert done.stdout == "original"
        assert "Read-only file system" in done.stderr
        assert host_file.read_text() == "original"
        assert beside.read_text() == "original"
        assert not probe.exists()
    finally:
        probe.unlink(missing_ok=True)


@needs_bwrap
def test_workspace_and_writable_paths_are_writable_and_stay_the_callers(
    bwrap: Sandbox, ws: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    report.mkdir()
    script = f"mkdir -p sub/deep && echo made > sub/deep/file && echo r > {report}/out"
    done = run(bwrap, ["sh", "-c", script], ws, writable=[report])
    assert done.ok, done.stderr
    made = ws / "sub" / "deep" / "file"
    assert made.read_text() == "made\n"
    assert made.stat().st_uid == os.getuid()
    assert (report / "out").read_text() == "r\n"
    shutil.rmtree(ws / "sub")


@needs_bwrap
def test_tmp_is_private(bwrap: Sandbox, ws: Path) -> None:
    name = f"/tmp/agentspec-probe-{uuid.uuid4().hex}"
    assert run(bwrap, ["sh", "-c", f"echo x > {name} && cat {name}"], ws).stdout == "x\n"
    assert not Path(name).exists()
    assert run(bwrap, ["test", "-e", name], ws).returncode == 1


@pytest.fixture
def loopback_port() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that greets whoever connects."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"hello")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    server.close()


CONNECT = "import socket, sys; print(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=3).recv(5))"


@needs_bwrap
def test_no_network_unless_asked(bwrap: Sandbox, ws: Path, loopback_port: int) -> None:
    denied = run(bwrap, [PY, "-c", CONNECT, str(loopback_port)], ws)
    assert denied.returncode != 0 and "Connection refused" in denied.stderr
    allowed = run(bwrap, [PY, "-c", CONNECT, str(loopback_port)], ws, network=True)
    assert allowed.ok and allowed.stdout == "b'hello'\n", allowed.stderr


# --- limits and timeouts ----------------------------------------------------------------------------------


def test_an_infinite_loop_is_killed_at_the_timeout(sandbox: Sandbox, ws: Path) -> None:
    done = run(sandbox, [PY, "-c", "while True: pass"], ws, timeout_s=0.5)
    assert done.timed_out and done.returncode is None and done.limits_hit == ("timeout",)
    assert 0.5 <= done.duration_s < 5  # killed at its timeout, not left to spin


def test_cpu_seconds(sandbox: Sandbox, ws: Path) -> None:
    limited = Sandbox(sandbox.mode, SandboxLimits(cpu_s=1))
    done = run(limited, [PY, "-c", "while True: pass"], ws, timeout_s=10)
    assert not done.timed_out and done.limits_hit == ("cpu",)
    assert done.duration_s < 8  # stopped by the CPU limit, before the 10 s timeout


BOMB = """
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
"""


def test_a_fork_bomb_is_contained(sandbox: Sandbox, ws: Path) -> None:
    if sandbox.process_limit == "none":
        pytest.skip("no process limit here: root without a writable pids cgroup")
    (ws / "bomb.py").write_text(BOMB)
    mark = marker()
    done = run(sandbox, [PY, "bomb.py", mark], ws, timeout_s=1)
    assert done.timed_out
    if sandbox.process_limit == "cgroup":
        assert "processes" in done.limits_hit
    assert gone(mark), alive(mark)
    base = pids_base()
    assert base is None or not list(base.glob(f"run-{os.getpid()}-*"))
    assert run(sandbox, ["true"], ws, timeout_s=5).returncode == 0  # the machine has its processes back


MANY_HOGS = """
import os, time
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        hog = bytearray(100 * 1024 * 1024)
        for at in range(0, len(hog), 4096):
            hog[at] = 1
        time.sleep(2)
        os._exit(0)
    children.append(pid)
print(sum(os.waitpid(pid, 0)[1] != 0 for pid in children))
"""


def test_the_runs_total_memory_is_capped_not_only_each_process(ws: Path) -> None:
    # Six processes of 100 MB each: every one is under the per-process cap, together they pass 300 MB.
    if memory_base() is None:
        pytest.skip("no memory cgroup can be created here")
    capped = Sandbox("auto", SandboxLimits(memory_mb=1024, total_memory_mb=300))
    done = run(capped, [PY, "-c", MANY_HOGS], ws, timeout_s=60)
    assert "memory" in done.limits_hit
    assert int(done.stdout) >= 3  # at least half were killed to stay under the cap
    base, _ = memory_base() or (Path("/nonexistent"), 1)
    assert not list(base.glob(f"run-{os.getpid()}-*"))


def test_unbounded_memory_is_stopped(sandbox: Sandbox, ws: Path) -> None:
    grow = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))\n"
    done = run(sandbox, [PY, "-c", grow], ws, timeout_s=10)
    assert done.returncode == 1 and "MemoryError" in done.stderr
    assert done.duration_s < 5


def test_a_huge_file_stops_at_the_size_limit(sandbox: Sandbox, ws: Path) -> None:
    done = run(sandbox, ["sh", "-c", "exec head -c 10000000 /dev/zero > big"], ws)
    assert done.returncode == 128 + 25 and done.limits_hit == ("file_size",)
    assert (ws / "big").stat().st_size == 1 << 20
    python = run(sandbox, [PY, "-c", "open('big2', 'wb').write(bytes(10_000_000))"], ws)
    assert python.returncode == 1 and "File too large" in python.stderr
    assert (ws / "big2").stat().st_size == 1 << 20


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


@pytest.mark.parametrize("parent_sleeps", [30, 0], ids=["past-timeout", "exits-at-once"])
def test_a_detached_grandchild_does_not_survive(sandbox: Sandbox, ws: Path, parent_sleeps: int) -> None:
    if sandbox.mode == "none" and sandbox.process_limit != "cgroup":
        pytest.skip("without bwrap, only a cgroup finds a grandchild that left the process group")
    mark = marker()
    done = run(sandbox, [PY, "-c", DETACH, mark, str(parent_sleeps)], ws, timeout_s=0.5)
    assert done.timed_out == bool(parent_sleeps)
    assert done.duration_s < 10  # not the parent's 30 s
    assert gone(mark), alive(mark)


def test_the_timeout_kills_the_process_group(sandbox: Sandbox, ws: Path) -> None:
    mark = marker()
    done = run(sandbox, ["sh", "-c", f"sleep {mark} & sleep {mark} & wait"], ws, timeout_s=0.3)
    assert done.timed_out
    assert gone(mark), alive(mark)


def test_cancelling_a_run_kills_it(sandbox: Sandbox, ws: Path) -> None:
    mark = marker()

    async def cancel_soon() -> None:
        task = asyncio.create_task(sandbox.run(["sleep", mark], cwd=ws, timeout_s=30))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_soon())
    assert gone(mark), alive(mark)


def test_huge_output_is_truncated(sandbox: Sandbox, ws: Path) -> None:
    spew = "import sys\nfor _ in range(200):\n    sys.stdout.write('x' * (1 << 20))\n"
    done = run(sandbox, [PY, "-c", spew], ws, timeout_s=60)
    assert done.returncode == 0 and done.stdout_truncated and not done.stderr_truncated
    assert done.stdout.startswith("x" * (64 * 1024) + "\n[agentspec: output truncated")
    assert f"of {200 << 20} bytes" in done.stdout
    assert done.duration_s < 30  # drained as it comes (~1 s idle; 6-7 s on 2 cores at load 14), never stalled


# --- modes ------------------------------------------------------------------------------------------------


def test_none_mode_warns_once(ws: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agentspec.sandbox"):
        first = Sandbox("none")
        Sandbox("none")
    warnings = [r for r in caplog.records if "without a sandbox" in r.getMessage()]
    # Chosen on purpose: the warning states the risk without telling the user to install bubblewrap.
    assert len(warnings) == 1 and "install bubblewrap" not in warnings[0].getMessage()
    assert first.mode == "none" and run(first, ["true"], ws).sandbox == "none"


def test_bwrap_mode_without_bwrap_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    bwrap_problem.cache_clear()
    try:
        with pytest.raises(UsageError, match=r"apt-get install bubblewrap.*--sandbox none"):
            Sandbox("bwrap")
        with caplog.at_level(logging.WARNING, logger="agentspec.sandbox"):
            assert Sandbox("auto").mode == "none"
        assert "bwrap is not installed" in caplog.text
    finally:
        monkeypatch.undo()
        bwrap_problem.cache_clear()


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="processes"):
        SandboxLimits(processes=0)


@needs_bwrap
def test_a_python_installed_under_tmp_still_runs(tmp_path: Path) -> None:
    # A CI clone or virtual environment in /tmp must stay visible under the sandbox's private /tmp.
    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:
        venv = Path(scratch) / "venv"
        import venv as venv_module

        venv_module.create(venv, system_site_packages=True, with_pip=False)
        script = (
            "import sys; from pathlib import Path; from agentspec.sandbox import Sandbox;"
            "done = Sandbox('bwrap').run_sync([sys.executable, '-c', 'print(6 * 7)'], cwd=Path(sys.argv[1]),"
            " timeout_s=30); print(done.returncode, done.stdout.strip(), done.stderr.strip())"
        )
        workspace = tmp_path / "ws"
        workspace.mkdir()
        import subprocess

        done = subprocess.run(
            [str(venv / "bin" / "python"), "-c", script, str(workspace)], capture_output=True, text=True, timeout=60
        )
        assert done.stdout.strip() == "0 42", done.stdout + done.stderr


def test_cancelled_again_while_killing_leaves_nothing_open(sandbox: Sandbox, ws: Path) -> None:
    # A run that aborts cancels its attempts, and may cancel one again while its command is being killed.
    async def cancel_twice() -> None:
        task = asyncio.create_task(sandbox.run([PY, "-c", "import time; time.sleep(60)"], cwd=ws, timeout_s=120))
        await asyncio.sleep(0.5)
        task.cancel()
        for _ in range(20):  # cancel again while the command is being killed and drained
            await asyncio.sleep(0)
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(cancel_twice())
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
