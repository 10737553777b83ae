"""Run one command confined: bubblewrap, resource limits, a timeout that kills the whole process tree.

Grading (pytest on model-written code), agents' tools (shell commands a model asks for) and harness CLIs
all run their commands through `Sandbox.run` (or `Sandbox.run_sync`, which is ``asyncio.run`` around it).

- **Confinement** (mode ``"bwrap"``): the root is empty and read-only but for the system's runtime folders
  (``/usr``, ``/bin``, ``/lib*``, a minimal ``/etc``), this Python's installation and the ``readonly`` paths
  (`program_paths` gives a program's install; agentspec/sandbox/paths.py): no /root, /home, /work, /opt,
  so no spec suite, results store or checkout. Only the working directory and the ``writable`` paths are
  bound read-write; ``/tmp`` and ``/dev/shm`` are private tmpfs
  of at most ``tmp_mb`` each and the rest of ``/dev`` is read-only; every namespace is new (pid, net, ipc,
  uts, cgroup, user), so there is no network unless ``network=True`` shares the host's, or
  ``endpoints`` names servers reached through a relay and nothing else (agentspec/sandbox/relay.py).
  The command runs as uid/gid 1000 in a user namespace that maps it back to the caller's uid, with no
  capabilities and no nested user namespaces; files it writes belong to the caller.
- **Processes** (fork bombs): one pids cgroup per run (the cgroup v1 ``pids`` hierarchy, or cgroup v2),
  under ``agentspec/``, capped at ``processes`` tasks (threads count). We run as root, and the kernel
  does not enforce RLIMIT_NPROC for uid 0, not even in a user namespace whose uid maps back to 0:
  measured, a Python fork bomb under ``RLIMIT_NPROC=64`` reached 500 tasks, while the pids cgroup held it
  at its limit; the cgroup also lists every task to kill, setsid ones included. Where no cgroup can be
  made (not root, or a read-only cgroupfs), a caller that is not root gets RLIMIT_NPROC set to
  ``processes`` plus the tasks it already runs (the kernel counts them all; measured, it held a fork bomb
  at 64 as uid 12345); root without a cgroup gets no process limit, logged once.
- **Memory, file size, CPU, open files**: setrlimit (AS, FSIZE, CPU, NOFILE; no core dumps) in the child
  before exec, so each process gets them. The memory cgroup is left to whoever runs agentspec.
- **Timeout**: the command starts in a new session; at the timeout, and also as soon as it exits, its
  process group and its cgroup are killed with SIGKILL. Under bwrap the pid namespace ends with bwrap
  (``--die-with-parent``), so double-forked and setsid grandchildren go too, even if agentspec dies.
  Without bwrap and without a cgroup, a grandchild that left the process group survives.
- **Output**: the first ``output_bytes`` of each stream are kept; the rest is read and dropped, and the
  text ends with a note saying so.
- **Environment**: ``env`` replaces the environment; `default_env` is used when it is None.
- **Errors**: a program that cannot be run (not found, not executable) gives a `Completed` with return
  code 127 or 126 and the reason in stderr, as a shell would. `agentspec.errors.SandboxError` means the
  sandbox itself failed (bwrap could not set up, the working directory is missing); `UsageError` means
  ``mode="bwrap"`` where bwrap cannot be used. Running without bwrap is logged once per process, as a
  warning on the ``agentspec.sandbox`` logger.
"""

from __future__ import annotations

from agentspec.sandbox.bwrap import bwrap_available
from agentspec.sandbox.command import Completed, Sandbox, default_env
from agentspec.sandbox.limits import SandboxLimits
from agentspec.sandbox.paths import program_paths

__all__ = ["Completed", "Sandbox", "SandboxLimits", "bwrap_available", "default_env", "program_paths"]
