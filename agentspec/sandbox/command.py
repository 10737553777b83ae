"""`Sandbox`: runs one command with its limits and timeout, and returns what it did as `Completed`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from agentspec.errors import SandboxError, UsageError
from agentspec.sandbox.bwrap import bwrap_argv, bwrap_problem
from agentspec.sandbox.cgroup import PidsCgroup, pids_base
from agentspec.sandbox.limits import MIB, SandboxLimits, child_setup
from agentspec.sandbox.memory import MemoryCgroup
from agentspec.sandbox.relay import EndpointRelay, RelayLog
from agentspec.sandbox.routes import EndpointRoute

Mode = Literal["auto", "bwrap", "none"]
Resolved = Literal["bwrap", "none"]
Limit = Literal["timeout", "processes", "cpu", "file_size", "memory"]

log = logging.getLogger("agentspec.sandbox")

_DRAIN_S = 2.0  # how long to wait for the pipes to close once every process is dead
_warned: set[str] = set()


@dataclass(frozen=True)
class Completed:
    """What one command did.

    Attributes:
        argv: The command as given.
        returncode: Its exit status; ``128 + N`` when signal N killed it (as a shell says, in both modes);
            None when it was killed at the timeout.
        stdout: Its standard output as UTF-8 text (bad bytes replaced), at most ``output_bytes`` of it.
        stderr: Its standard error, likewise.
        duration_s: Wall-clock seconds from start to exit (or to the timeout).
        timed_out: It was still running at the timeout and was killed.
        sandbox: ``"bwrap"`` or ``"none"``.
        stdout_truncated: stdout was longer than ``output_bytes``; the text ends with a note.
        stderr_truncated: Likewise for stderr.
        limits_hit: The limits seen hit: ``"timeout"``; ``"processes"`` (the cgroup refused a fork);
            ``"cpu"`` and ``"file_size"`` (killed by SIGXCPU, SIGXFSZ); ``"memory"`` (the run's memory
            cgroup reached ``total_memory_mb``). The per-process cap cannot be seen from outside: the
            command gets ENOMEM (Python raises MemoryError).
    """

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool
    sandbox: Resolved
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    limits_hit: tuple[Limit, ...] = ()
    relay: RelayLog | None = None

    @property
    def ok(self) -> bool:
        """The command ran to its end and exited 0."""
        return self.returncode == 0 and not self.timed_out


def default_env() -> dict[str, str]:
    """The environment of a command run without ``env``; a base to extend.

    PATH starts with this Python's bin folder, so ``python`` and ``pytest`` are agentspec's own; HOME is
    the private /tmp; no bytecode, so grading leaves no ``__pycache__`` in the workspace.
    """
    bindir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bindir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning(message)


class Sandbox:
    """Runs commands confined and limited; one instance serves any number of concurrent runs."""

    def __init__(self, mode: Mode = "auto", limits: SandboxLimits | None = None) -> None:
        """Resolve the mode now, so that a missing bwrap is reported before any attempt starts.

        Args:
            mode: ``"bwrap"`` requires bubblewrap; ``"none"`` confines nothing (limits and timeouts hold);
                ``"auto"`` uses bwrap where it works and otherwise ``"none"``, with a logged warning.
            limits: The limits of every command; the `SandboxLimits` defaults when None.

        Raises:
            UsageError: The mode is unknown, or ``"bwrap"`` and bubblewrap cannot be used here.
        """
        if mode not in ("auto", "bwrap", "none"):
            raise UsageError(f"sandbox mode {mode!r} should be one of auto, bwrap, none")
        self.limits = limits if limits is not None else SandboxLimits()
        problem = "sandbox mode none was chosen" if mode == "none" else bwrap_problem()
        if mode == "bwrap" and problem is not None:
            raise UsageError(
                f"the bwrap sandbox cannot be used: {problem}; install bubblewrap "
                "(apt-get install bubblewrap) or run with --sandbox none (no isolation)"
            )
        self._mode: Resolved = "bwrap" if problem is None else "none"
        if problem is not None:
            # Chosen on purpose (--sandbox none), the warning states the fact without selling bubblewrap.
            fix = "" if mode == "none" else "; install bubblewrap (apt-get install bubblewrap) to confine it"
            _warn_once(
                "none",
                f"running commands without a sandbox ({problem}): model-written code can read and write "
                f"whatever this user can{fix}",
            )

    @property
    def mode(self) -> Resolved:
        """The mode in force: ``"bwrap"`` or ``"none"``."""
        return self._mode

    @property
    def process_limit(self) -> str:
        """How ``limits.processes`` is enforced here: ``"cgroup"``, ``"rlimit"`` or ``"none"``."""
        if pids_base() is not None:
            return "cgroup"
        return "rlimit" if os.geteuid() != 0 else "none"

    def run_sync(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        network: bool = False,
        writable: Sequence[Path] = (),
        stdin: str | None = None,
        pass_fds: Sequence[int] = (),
        readonly: Sequence[Path] = (),
        endpoints: Sequence[EndpointRoute] = (),
    ) -> Completed:
        """`run`, for callers without an event loop (it calls `asyncio.run`)."""
        return asyncio.run(
            self.run(
                argv,
                cwd=cwd,
                timeout_s=timeout_s,
                env=env,
                network=network,
                writable=writable,
                stdin=stdin,
                pass_fds=pass_fds,
                readonly=readonly,
                endpoints=endpoints,
            )
        )

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        network: bool = False,
        writable: Sequence[Path] = (),
        stdin: str | None = None,
        pass_fds: Sequence[int] = (),
        readonly: Sequence[Path] = (),
        endpoints: Sequence[EndpointRoute] = (),
    ) -> Completed:
        """Run ``argv`` in ``cwd``; every process it started is gone when this returns (or is cancelled).

        Args:
            argv: The program and its arguments; the program is looked up on the PATH of ``env``.
            cwd: The workspace: the working directory, writable under bwrap.
            timeout_s: Wall-clock seconds before the whole process tree is killed.
            env: The whole environment of the command; `default_env` when None.
            network: Share the host's network (under bwrap; without it the network is always there).
            writable: More existing paths to bind writable (under bwrap; without it all is writable).
            stdin: Text for the command's standard input, which is otherwise empty.
            pass_fds: Descriptors of this process the command inherits, under the same numbers.
            readonly: More existing paths to show read-only (under bwrap, which shows only the system's
                runtime and this Python otherwise; `program_paths` gives a program's).
            endpoints: Servers the command may reach, and nothing else, with ``network`` False (under bwrap:
                a relay listens inside as each route says and connects only to its target; without bwrap
                the network is the host's). The command runs as a child of the inside relay.

        Raises:
            SandboxError: The sandbox itself could not start the command.
        """
        argv = tuple(argv)
        if not argv:
            raise ValueError("argv must not be empty")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, not {timeout_s}")
        try:
            cwd = Path(cwd).resolve(strict=True)
            binds = [Path(path).resolve(strict=True) for path in writable]
            shown = [Path(path).absolute() for path in readonly if Path(path).exists()]
        except OSError as exc:
            raise SandboxError(f"cannot run {argv[0]!r}: {exc}") from exc
        if not cwd.is_dir():
            raise SandboxError(f"cannot run {argv[0]!r}: {cwd} is not a directory")
        if network and endpoints:
            raise ValueError("give network=True (the host's network) or endpoints (only those), not both")
        if self._mode == "bwrap" and endpoints:
            relay = EndpointRelay(endpoints)
            try:
                await relay.start()
            except OSError as exc:
                raise SandboxError(f"cannot run {argv[0]!r}: cannot start the relay to its endpoint: {exc}") from exc
            try:
                wrapped, mounts = relay.wrap(argv), relay.binds()
                done = await self._confined(argv, wrapped, cwd, binds, shown, env, timeout_s, stdin, pass_fds, mounts)
            finally:
                await asyncio.shield(relay.close())
            return replace(done, relay=relay.log)
        command = list(argv)
        return await self._confined(argv, command, cwd, binds, shown, env, timeout_s, stdin, pass_fds, network=network)

    async def _confined(
        self,
        argv: tuple[str, ...],
        command: list[str],
        cwd: Path,
        binds: list[Path],
        shown: list[Path],
        env: Mapping[str, str] | None,
        timeout_s: float,
        stdin: str | None,
        pass_fds: Sequence[int],
        mounts: Sequence[tuple[Path, Path]] = (),
        *,
        network: bool = False,
    ) -> Completed:
        """`run` once its arguments are checked: ``command`` (``argv``, or ``argv`` behind the relay) confined."""
        if self._mode == "bwrap":
            bwrap = shutil.which("bwrap") or "bwrap"
            tmp_bytes = self.limits.tmp_mb * MIB
            command = bwrap_argv(
                bwrap, command, cwd, binds, network=network, tmp_bytes=tmp_bytes, readonly=shown, mounts=mounts
            )
        processes = self.limits.processes
        cgroup = PidsCgroup.create(processes) if processes else None
        if processes and cgroup is None and os.geteuid() == 0:
            _warn_once("nproc", "no process limit: running as root, and no pids cgroup can be created here")
        total = self.limits.total_memory_mb
        memory = MemoryCgroup.create(total) if total else None
        if total and memory is None:
            _warn_once("memory", "no memory cgroup can be created here: memory is limited per process only")
        environment = dict(default_env() if env is None else env)
        try:
            return await self._run(argv, command, cwd, environment, timeout_s, stdin, cgroup, tuple(pass_fds), memory)
        finally:
            if cgroup is not None:
                await asyncio.shield(cgroup.remove())
            if memory is not None:
                await asyncio.shield(memory.remove())

    async def _run(
        self,
        argv: tuple[str, ...],
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        timeout_s: float,
        stdin: str | None,
        cgroup: PidsCgroup | None,
        pass_fds: tuple[int, ...] = (),
        memory: MemoryCgroup | None = None,
    ) -> Completed:
        loop = asyncio.get_running_loop()
        capture = _Capture(loop, self.limits.output_bytes)
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: capture,
                *command,
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,
                pass_fds=pass_fds,
                preexec_fn=child_setup(
                    self.limits,
                    None if cgroup is None else cgroup.procs_file,
                    () if memory is None else (memory.procs_file,),
                ),
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
            return self._not_run(argv, 127 if isinstance(exc, FileNotFoundError) else 126, exc.strerror)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxError(f"cannot start {argv[0]!r}: {exc}") from exc
        start = loop.time()
        timed_out = False
        try:
            pipe = transport.get_pipe_transport(0)
            if stdin is not None and isinstance(pipe, asyncio.WriteTransport):
                pipe.write(stdin.encode())
                pipe.close()
            try:
                await asyncio.wait_for(asyncio.shield(capture.exited), timeout_s)
            except TimeoutError:
                timed_out = True
            duration = loop.time() - start
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(transport.get_pid(), signal.SIGKILL)
            if cgroup is not None:
                cgroup.kill()
            try:
                await _drain(capture)
            finally:
                transport.close()
        returncode = transport.get_returncode()
        if returncode is not None and returncode < 0:
            returncode = 128 - returncode
        stdout, stderr = capture.streams[1], capture.streams[2]
        if self._mode == "bwrap" and returncode == 1 and stderr.head.startswith(b"bwrap: "):
            message = stderr.text().strip()
            if not message.startswith("bwrap: execvp "):
                raise SandboxError(f"the sandbox could not run {argv[0]!r}: {message}")
            code = 126 if message.endswith("Permission denied") else 127
            return self._not_run(argv, code, message.rpartition(": ")[2])
        hit: list[Limit] = []
        if timed_out:
            hit.append("timeout")
            returncode = None
        if cgroup is not None and cgroup.limit_was_hit():
            hit.append("processes")
        if returncode == 128 + signal.SIGXCPU:
            hit.append("cpu")
        if returncode == 128 + signal.SIGXFSZ:
            hit.append("file_size")
        if memory is not None and memory.limit_was_hit():
            hit.append("memory")
        return Completed(
            argv=argv,
            returncode=returncode,
            stdout=stdout.text(),
            stderr=stderr.text(),
            duration_s=duration,
            timed_out=timed_out,
            sandbox=self._mode,
            stdout_truncated=stdout.truncated,
            stderr_truncated=stderr.truncated,
            limits_hit=tuple(hit),
        )

    def _not_run(self, argv: tuple[str, ...], code: int, reason: str | None) -> Completed:
        message = f"agentspec sandbox: cannot run {argv[0]!r}: {reason or 'cannot execute'}\n"
        return Completed(argv, code, "", message, 0.0, False, self._mode)


async def _drain(capture: _Capture) -> None:
    """Wait (at most `_DRAIN_S`) for the killed process to be reaped and its pipes to close.

    A run that aborts may cancel an attempt again while its command is being killed; the drain still
    finishes, so that the transport is closed on a reaped process and no pipe is left open, and the
    cancellation is raised after it.
    """
    drain = asyncio.ensure_future(asyncio.wait([capture.exited, capture.closed], timeout=_DRAIN_S))
    cancelled = False
    while not drain.done():
        try:
            await asyncio.shield(drain)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


class _Stream:
    """The first ``limit`` bytes of one output stream, and how many bytes came in all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.head = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        room = self.limit - len(self.head)
        if room > 0:
            self.head += data[:room]
        self.total += len(data)

    @property
    def truncated(self) -> bool:
        return self.total > self.limit

    def text(self) -> str:
        text = self.head.decode("utf-8", errors="replace")
        if self.truncated:
            text += f"\n[agentspec: output truncated: kept the first {self.limit} of {self.total} bytes]\n"
        return text


class _Capture(asyncio.SubprocessProtocol):
    """Keeps bounded output; tells "the process exited" apart from "its pipes closed" (a daemon's)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.streams = {1: _Stream(limit), 2: _Stream(limit)}
        self.exited: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.streams[fd].add(data)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
