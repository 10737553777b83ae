"""One pids cgroup per run: it caps the number of tasks and lists every one of them, to kill them all."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import signal
from pathlib import Path

from agentspec.errors import SandboxError

log = logging.getLogger("agentspec.sandbox")

_runs = itertools.count()


class PidsCgroup:
    """The pids cgroup of one run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.procs_file = path / "cgroup.procs"

    @classmethod
    def create(cls, max_tasks: int) -> PidsCgroup | None:
        """A new cgroup capped at ``max_tasks`` tasks, or None when cgroups cannot be made here.

        Raises:
            SandboxError: Cgroups work here but this one could not be made.
        """
        base = pids_base()
        if base is None:
            return None
        path = base / f"run-{os.getpid()}-{next(_runs)}"
        try:
            path.mkdir()
            # Two more for bwrap's own processes: the outer one and the pid namespace's init.
            (path / "pids.max").write_text(str(max_tasks + 2))
        except OSError as exc:
            _rmdir(path)
            raise SandboxError(f"cannot create the pids cgroup {path}: {exc}") from exc
        return cls(path)

    def pids(self) -> list[int]:
        """The processes in the cgroup now."""
        try:
            return [int(pid) for pid in self.procs_file.read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        """SIGKILL every task, again until none is left (a fork bomb refills its quota in between)."""
        killer = self.path / "cgroup.kill"
        if killer.exists():
            with contextlib.suppress(OSError):
                killer.write_text("1")
            return
        for _ in range(100):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def limit_was_hit(self) -> bool:
        """Whether a fork was refused because the cgroup was full."""
        try:
            text = (self.path / "pids.events").read_text()
        except OSError:
            return False
        events = dict(line.split(maxsplit=1) for line in text.splitlines() if line.strip())
        return events.get("max", "0").strip() != "0"

    async def remove(self) -> None:
        """Kill what is left, and remove the cgroup once its tasks have exited (milliseconds)."""
        for _ in range(200):
            self.kill()
            if _rmdir(self.path):
                return
            await asyncio.sleep(0.01)
        log.debug("could not remove %s: tasks still alive", self.path)


@functools.cache
def pids_base() -> Path | None:
    """The folder in which this process can create pids cgroups, or None when it cannot."""
    v1 = v2 = None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        after = fields[fields.index("-") + 1 :]
        if after[0] == "cgroup" and "pids" in after[2].split(","):
            v1 = Path(fields[4])
        elif after[0] == "cgroup2":
            v2 = Path(fields[4])
    if v1 is not None:
        return _make_base(v1, version=1)
    if v2 is not None:
        return _make_base(v2, version=2)
    return None


def _make_base(root: Path, *, version: int) -> Path | None:
    """Make ``agentspec/`` in the hierarchy at ``root`` with the pids controller on; sweep stale runs."""
    base = root / "agentspec"
    try:
        if version == 2:
            if "pids" not in (root / "cgroup.controllers").read_text().split():
                return None
            (root / "cgroup.subtree_control").write_text("+pids")
            base.mkdir(exist_ok=True)
            (base / "cgroup.subtree_control").write_text("+pids")
        else:
            base.mkdir(exist_ok=True)
        probe = base / f"probe-{os.getpid()}"
        probe.mkdir(exist_ok=True)
        works = (probe / "pids.max").exists()
        probe.rmdir()
    except OSError:
        return None
    for stale in base.glob("run-*-*"):
        owner = stale.name.split("-")[1]
        if owner.isdigit() and not Path("/proc", owner).exists():
            PidsCgroup(stale).kill()
            _rmdir(stale)
    return base if works else None


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
