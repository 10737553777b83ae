"""Resource limits of one command, and the setup its child process does before exec to apply them."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for each command; ``None`` lifts a limit.

    Attributes:
        memory_mb: Address space of each process (RLIMIT_AS): per process, not in total. Runtimes that
            reserve much address space up front (Node, Bun, the JVM) need more, or None.
        total_memory_mb: Memory of all the run's processes together (a memory cgroup, where one can be
            made: agentspec/sandbox/memory.py).
        processes: Tasks (processes and threads) alive at once in the sandbox.
        file_size_mb: Largest file a process may write (RLIMIT_FSIZE).
        cpu_s: CPU seconds of each process (RLIMIT_CPU); the wall clock is each run's ``timeout_s``.
        open_files: Open file descriptors of each process (RLIMIT_NOFILE).
        tmp_mb: Size of the private ``/tmp``, and of ``/dev/shm``, under bwrap (they live in memory).
        output_bytes: Bytes kept from each of stdout and stderr.
    """

    memory_mb: int | None = 4096
    total_memory_mb: int | None = 8192
    processes: int | None = 256
    file_size_mb: int | None = 256
    cpu_s: int | None = None
    open_files: int | None = 1024
    tmp_mb: int = 1024
    output_bytes: int = MIB

    def __post_init__(self) -> None:
        for name in (
            "memory_mb",
            "total_memory_mb",
            "processes",
            "file_size_mb",
            "cpu_s",
            "open_files",
            "tmp_mb",
            "output_bytes",
        ):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, not {value}")


def child_setup(
    limits: SandboxLimits, cgroup_procs: Path | None, more_cgroups: Sequence[Path] = ()
) -> Callable[[], None]:
    """What the child does between fork and exec: join the run's cgroups, then set its rlimits.

    Everything is computed here, in the parent, so that the child only makes system calls.
    """
    wanted: list[tuple[int, int, int]] = [(resource.RLIMIT_CORE, 0, 0)]
    if limits.memory_mb:
        wanted.append((resource.RLIMIT_AS, limits.memory_mb * MIB, limits.memory_mb * MIB))
    if limits.file_size_mb:
        wanted.append((resource.RLIMIT_FSIZE, limits.file_size_mb * MIB, limits.file_size_mb * MIB))
    if limits.open_files:
        wanted.append((resource.RLIMIT_NOFILE, limits.open_files, limits.open_files))
    if limits.cpu_s:
        # The soft limit sends SIGXCPU, which the result reports; the hard one, a second later, SIGKILL.
        wanted.append((resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 1))
    if limits.processes and cgroup_procs is None and os.geteuid() != 0:
        nproc = limits.processes + tasks_of(os.getuid())
        wanted.append((resource.RLIMIT_NPROC, nproc, nproc))
    settings = [(which, capped(which, soft, hard)) for which, soft, hard in wanted]
    pid_files = [str(p) for p in [*([] if cgroup_procs is None else [cgroup_procs]), *more_cgroups]]

    def setup() -> None:
        for pid_file in pid_files:
            fd = os.open(pid_file, os.O_WRONLY)
            try:
                os.write(fd, str(os.getpid()).encode())
            finally:
                os.close(fd)
        for which, values in settings:
            resource.setrlimit(which, values)

    return setup


def capped(which: int, soft: int, hard: int) -> tuple[int, int]:
    """Soft and hard values this process may set: not above its hard limit unless it is root."""
    current = resource.getrlimit(which)[1]
    if current == resource.RLIM_INFINITY or os.geteuid() == 0:
        return soft, hard
    return min(soft, current), min(hard, current)


def tasks_of(uid: int) -> int:
    """How many tasks (threads included) ``uid`` runs now; RLIMIT_NPROC counts them all."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in lines if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            count += int(fields.get("Threads", "1"))
    return count
