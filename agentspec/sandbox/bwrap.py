"""The bubblewrap command line, and whether bubblewrap works on this machine."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from agentspec.sandbox.paths import ETC_ENTRIES, SYSTEM_DIRS, python_paths

SANDBOX_UID = 1000


def bwrap_available() -> bool:
    """Whether bubblewrap is installed and can create a sandbox on this machine."""
    return bwrap_problem() is None


@functools.cache
def bwrap_problem() -> str | None:
    """Why bwrap cannot be used here, or None when a trial sandbox ran."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bwrap is not installed"
    trial = bwrap_argv(bwrap, ["true"], Path("/"), (), network=False, tmp_bytes=1 << 20)
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap could not start: {exc}"
    if done.returncode != 0:
        return f"bwrap does not work here: {done.stderr.strip() or f'exit status {done.returncode}'}"
    return None


def bwrap_argv(
    bwrap: str,
    argv: Sequence[str],
    cwd: Path,
    writable: Sequence[Path],
    *,
    network: bool,
    tmp_bytes: int,
    readonly: Sequence[Path] = (),
    mounts: Sequence[tuple[Path, Path]] = (),
) -> list[str]:
    """The bwrap command line that runs ``argv`` in ``cwd``, with only ``cwd`` and ``writable`` writable.

    The root is an empty read-only folder showing only the system's runtime, this Python, ``readonly``
    and the writable paths (agentspec/sandbox/paths.py says what and why); ``mounts`` are ``(outside,
    inside)`` read-only binds made last, so they may cover what came before (the relay's /etc/hosts).
    """
    uid, size = str(SANDBOX_UID), str(tmp_bytes)
    command = [bwrap, "--unshare-all", *(["--share-net"] if network else [])]
    command += ["--unshare-user", "--uid", uid, "--gid", uid, "--disable-userns"]
    command += ["--die-with-parent", "--new-session"]
    for name in SYSTEM_DIRS:
        system = Path(name)
        if system.is_symlink():
            command += ["--symlink", os.readlink(system), name]
        elif system.is_dir():
            command += ["--ro-bind", name, name]
    command += ["--dir", "/etc"]
    for entry in ETC_ENTRIES:
        command += ["--ro-bind-try", f"/etc/{entry}", f"/etc/{entry}"]
    command += ["--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    command += ["--size", size, "--tmpfs", "/tmp"]
    # This Python's installation shows even under /tmp or /root; a source checkout (an editable install, a CI
    # clone) does not: nothing in the sandbox imports agentspec, and a checkout holds the spec suite.
    shown = [*python_paths(), *(Path(p) for p in readonly)]
    for path in sorted(set(shown), key=lambda p: len(p.parts)):
        command += ["--ro-bind", str(path), str(path)]
    # Parents before children, so that a nested writable path is not hidden by its parent's bind.
    for path in sorted({cwd, *writable}, key=lambda p: len(p.parts)):
        if path != Path("/"):
            command += ["--bind", str(path), str(path)]
    for outside, inside in mounts:
        command += ["--ro-bind", str(outside), str(inside)]
    return [*command, "--remount-ro", "/", "--chdir", str(cwd), "--", *argv]
