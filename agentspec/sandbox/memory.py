"""One memory cgroup per run: it caps the total memory of every process the run starts, not each one's.

RLIMIT_AS caps each process's address space; a run that forks 200 processes of 1 GB each is under it.
The memory cgroup counts them together, and the kernel's OOM killer ends processes of the run (never
agentspec's) once the total passes ``total_memory_mb``. It is made under agentspec's own memory cgroup
(cgroup v1's ``memory`` hierarchy, or v2 with the memory controller), so a container's limit still
holds around it. Where none can be made (not root, a read-only cgroupfs), the run goes on with the
per-process limit only, logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger("agentspec.sandbox")
_runs = itertools.count()


class MemoryCgroup:
    """The memory cgroup of one run."""

    def __init__(self, path: Path, version: int) -> None:
        self.path = path
        self.version = version
        self.procs_file = path / "cgroup.procs"

    @classmethod
    def create(cls, limit_mb: int) -> MemoryCgroup | None:
        """A new cgroup capped at ``limit_mb`` MiB (swap included where the kernel counts it), or None."""
        found = memory_base()
        if found is None:
            return None
        base, version = found
        path = base / f"run-{os.getpid()}-{next(_runs)}"
        limit = str(limit_mb * 1024 * 1024)
        try:
            path.mkdir()
            if version == 1:
                (path / "memory.limit_in_bytes").write_text(limit)
                with contextlib.suppress(OSError):  # no swap accounting: nothing to cap
                    (path / "memory.memsw.limit_in_bytes").write_text(limit)
            else:
                (path / "memory.max").write_text(limit)
                with contextlib.suppress(OSError):
                    (path / "memory.swap.max").write_text("0")
        except OSError as exc:
            _rmdir(path)
            log.warning("cannot create the memory cgroup %s: %s", path, exc)
            return None
        return cls(path, version)

    def limit_was_hit(self) -> bool:
        """Whether the run reached its memory cap (an allocation failed or the OOM killer ran)."""
        try:
            if self.version == 1:
                failed = int((self.path / "memory.failcnt").read_text())
                events = (self.path / "memory.oom_control").read_text()
            else:
                failed, events = 0, (self.path / "memory.events").read_text()
            counts = dict(line.split() for line in events.splitlines() if len(line.split()) == 2)
            return failed > 0 or int(counts.get("oom_kill", "0")) > 0 or int(counts.get("max", "0")) > 0
        except (OSError, ValueError):
            return False

    def pids(self) -> list[int]:
        """The processes in the cgroup now."""
        try:
            return [int(pid) for pid in self.procs_file.read_text().split()]
        except OSError:
            return []

    async def remove(self) -> None:
        """Kill what is left, and remove the cgroup once its tasks have exited."""
        for _ in range(200):
            for pid in self.pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if _rmdir(self.path):
                return
            await asyncio.sleep(0.01)
        log.debug("could not remove %s: tasks still alive", self.path)


@functools.cache
def memory_base() -> tuple[Path, int] | None:
    """Where this process can make memory cgroups (inside its own), and the cgroup version; None if nowhere."""
    v1 = v2 = None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        after = fields[fields.index("-") + 1 :]
        if after[0] == "cgroup" and "memory" in after[2].split(","):
            v1 = Path(fields[4])
        elif after[0] == "cgroup2":
            v2 = Path(fields[4])
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, where = line.split(":", 2)
        own[controllers] = where.lstrip("/")
    if v1 is not None:
        where = next((w for c, w in own.items() if "memory" in c.split(",")), "")
        return _make_base(v1 / where, version=1)
    if v2 is not None:
        try:
            if "memory" not in (v2 / own.get("", "") / "cgroup.controllers").read_text().split():
                return None
        except OSError:
            return None
        return _make_base(v2 / own.get("", ""), version=2)
    return None


def _make_base(root: Path, *, version: int) -> tuple[Path, int] | None:
    base = root / "agentspec-memory"
    try:
        if version == 2:
            (root / "cgroup.subtree_control").write_text("+memory")
        base.mkdir(exist_ok=True)
        if version == 2:
            (base / "cgroup.subtree_control").write_text("+memory")
        works = (base / ("memory.limit_in_bytes" if version == 1 else "memory.max")).exists()
    except OSError:
        return None
    for stale in base.glob("run-*-*"):
        owner = stale.name.split("-")[1]
        if owner.isdigit() and not Path("/proc", owner).exists():
            _rmdir(stale)
    return (base, version) if works else None


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
