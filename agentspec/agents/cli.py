"""Finding a harness CLI on a machine, its install folder, and its version.

An agent is built on the driver, where a missing CLI stops the run before any attempt; sent to another
machine (a Ray worker), it looks the CLI up again there (`FoundCli`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentspec.errors import UsageError

_versions: dict[str, str] = {}
_versions_lock = threading.Lock()


def find_cli(
    label: str, variable: str | None, names: Sequence[str], install: str, fallbacks: Sequence[str] = ()
) -> str:
    """The absolute path of a harness CLI: `$variable`, else the first of `names` on PATH, else a fallback.

    Raises:
        UsageError: The CLI is nowhere; the message says how to install it.
    """
    wanted = os.environ.get(variable) if variable else None
    if wanted:
        found = shutil.which(wanted)
        if found is None:
            raise UsageError(f"{variable}={wanted!r} is not an executable program ({label}); {install}")
        return unshimmed(str(Path(found).absolute()))
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return unshimmed(str(Path(found).absolute()))
    for path in fallbacks:
        if is_program(path):
            return path
    where = " or ".join([*(f"`{n}` on PATH" for n in names), *fallbacks])
    setting = f", or set {variable} to its path" if variable else ""
    raise UsageError(f"{label} is not installed (no {where}); {install}{setting}")


def unshimmed(program: str) -> str:
    """The program a pyenv shim stands for, else `program` itself.

    A shim (`$PYENV_ROOT/shims/NAME`) is a shell script that runs pyenv's own files to choose an interpreter;
    the sandbox shows neither them nor the user's HOME, so inside it the shim fails ("pyenv: No such file").
    The program it would run is a real file that the sandbox can show.
    """
    path = Path(program)
    root = path.parent.parent
    pyenv = root / "libexec" / "pyenv"
    if path.parent.name != "shims" or not is_program(str(pyenv)):
        return program
    try:
        done = subprocess.run(
            [str(pyenv), "which", path.name],
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYENV_ROOT": str(root)},
        )
    except (OSError, subprocess.SubprocessError):
        return program
    real = done.stdout.strip()
    return real if done.returncode == 0 and is_program(real) else program


def is_program(path: str) -> bool:
    """Whether `path` is an executable file."""
    return os.access(path, os.X_OK) and Path(path).is_file()


@dataclass(frozen=True)
class CliLookup:
    """How to find a harness CLI on a machine (see `find_cli`)."""

    label: str
    variable: str | None
    names: tuple[str, ...]
    install: str
    fallbacks: tuple[str, ...] = ()

    def find(self) -> str:
        """The CLI's absolute path on this machine; `UsageError` when it is not installed."""
        return find_cli(self.label, self.variable, self.names, self.install, self.fallbacks)


class FoundCli:
    """Mixin for agents that run a CLI found on the machine that built them.

    Sent to another machine (a Ray worker unpickles it), the agent looks the CLI up again there when the
    driver's path is not a program on that machine, so nodes may install it elsewhere (or name it in
    their own `$AGENTSPEC_...` variable). Not found there either, the driver's path stays, and the
    attempt records that the CLI could not start.
    """

    executable: str
    # None when the program was given explicitly: then it is used as is everywhere.
    cli_lookup: CliLookup | None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the agent; find its CLI again if the path found on the driver is not a program here."""
        self.__dict__.update(state)
        if self.cli_lookup is not None and not is_program(self.executable):
            with contextlib.suppress(UsageError):
                self.executable = self.cli_lookup.find()


def install_folder(executable: str) -> Path:
    """The folder a CLI is installed in, for a sandbox that must show it read-only.

    npm links `bin/NAME` to `lib/node_modules/PACKAGE/...`: the package folder is the install. A
    program in a virtual environment's `bin/` belongs to that environment. Anything else: its folder.
    """
    real = Path(executable).resolve()
    # The outermost package: a CLI's native binary may sit in a package nested inside it.
    for parent in reversed(real.parents):
        scope = parent.parent
        in_scope = scope.name.startswith("@") and scope.parent.name == "node_modules"
        if in_scope or (scope.name == "node_modules" and not parent.name.startswith("@")):
            return parent
    if real.parent.name == "bin" and (real.parent.parent / "pyvenv.cfg").is_file():
        return real.parent.parent
    return real.parent


def extra_args(variable: str, given: Sequence[str]) -> list[str]:
    """Extra command-line arguments: those given in code, then those in `$variable` (shell-split)."""
    try:
        return [*given, *shlex.split(os.environ.get(variable, ""))]
    except ValueError as exc:
        raise UsageError(f"{variable}: {exc}") from None


# aider's and OpenCode's `--version` take 1.6 CPU-s: on 2 loaded cores (parallel attempts, parallel tests) that is
# 30 s of wall time or more, and a probe cut short records the version as "unknown".
VERSION_TIMEOUT_S = 90.0


async def cli_version(executable: str, env: dict[str, str] | None = None) -> str:
    """The first line `EXECUTABLE --version` prints ("unknown" if none), asked once per program.

    Args:
        executable: The program.
        env: Its environment (a throwaway HOME: CLIs write dot-folders even for `--version`).
    """
    return await asyncio.to_thread(_version, executable, env)


def _version(executable: str, env: dict[str, str] | None) -> str:
    with _versions_lock:
        if executable not in _versions:
            try:
                done = subprocess.run(
                    [executable, "--version"],
                    capture_output=True,
                    text=True,
                    timeout=VERSION_TIMEOUT_S,
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
                lines = done.stdout.strip().splitlines()
            except (OSError, subprocess.SubprocessError):
                lines = []
            _versions[executable] = lines[0].strip() if lines else "unknown"
        return _versions[executable]
