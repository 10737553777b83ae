"""What the harness agents (coding-agent CLIs run as programs) share: lookup, sandbox, environment, verdict.

Finding the CLI, building its sandbox and environment, checking the model server answers, and turning how
the process ended into an `AgentResult` are the same for Claude Code, aider and `command:`.

A harness runs in the attempt's sandbox with the host read-only, only the workspace and the attempt's
scratch folder writable, and the host's network shared so that it reaches a loopback model server. Its
HOME is a fresh folder in the scratch folder, so no state leaks between attempts and nothing is written
to the real home. At the spec's time limit its whole process tree is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from agentspec.agents.base import Agent, AgentResult, AgentTask
from agentspec.errors import SandboxError, UsageError
from agentspec.sandbox import Completed, Sandbox, default_env, program_paths
from agentspec.sandbox.limits import MIB

Parser = Callable[[Completed], AgentResult]

# A harness's stream of JSON events must not be cut: its result comes last.
HARNESS_OUTPUT_BYTES = 64 * MIB
CONNECT_TIMEOUT_S = 5.0
TEXT_LIMIT = 4000
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
        return str(Path(found).absolute())
    for name in names:
        found = shutil.which(name)
        if found is not None:
            return str(Path(found).absolute())
    for path in fallbacks:
        if _is_program(path):
            return path
    where = " or ".join([*(f"`{n}` on PATH" for n in names), *fallbacks])
    setting = f", or set {variable} to its path" if variable else ""
    raise UsageError(f"{label} is not installed (no {where}); {install}{setting}")


def _is_program(path: str) -> bool:
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

    An agent is built on the driver, where a missing CLI stops the run before any attempt. Sent to
    another machine (a Ray worker unpickles it), it looks the CLI up again there when the driver's
    path is not a program on that machine, so nodes may install it elsewhere (or name it in their own
    `$AGENTSPEC_CLAUDE` / `$AGENTSPEC_AIDER`). Not found there either, the driver's path stays, and
    the attempt records that the CLI could not start.
    """

    executable: str
    # None when the program was given explicitly: then it is used as is everywhere.
    cli_lookup: CliLookup | None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the agent; find its CLI again if the path found on the driver is not a program here."""
        self.__dict__.update(state)
        if self.cli_lookup is not None and not _is_program(self.executable):
            with contextlib.suppress(UsageError):
                self.executable = self.cli_lookup.find()


class HarnessAgent(FoundCli, Agent):
    """An agent that runs a known harness CLI; subclasses set `cli` (how to find it) and `args_variable`."""

    cli: ClassVar[CliLookup]
    # The environment variable whose (shell-split) words are added to the CLI's flags.
    args_variable: ClassVar[str]

    def __init__(
        self, executable: str | None = None, args: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> None:
        """Find the CLI now, so that a missing one stops the run before any attempt.

        Args:
            executable: The program; default: found as the class's `cli` says (its variable, PATH, fallbacks).
            args: More command-line flags (after them come those in the class's `args_variable`).
            env: More environment variables for the CLI (they win over agentspec's).

        Raises:
            UsageError: The CLI is not installed.
        """
        self.cli_lookup = None if executable else self.cli
        self.executable = executable or self.cli.find()
        self.args = extra_args(self.args_variable, args)
        self.env = dict(env or {})


def extra_args(variable: str, given: Sequence[str]) -> list[str]:
    """Extra command-line arguments: those given in code, then those in `$variable` (shell-split)."""
    try:
        return [*given, *shlex.split(os.environ.get(variable, ""))]
    except ValueError as exc:
        raise UsageError(f"{variable}: {exc}") from None


def harness_sandbox(task: AgentTask) -> Sandbox:
    """A sandbox in the task's mode whose limits suit a harness: no address-space cap, room for its output."""
    limits = task.sandbox.limits
    # Node, Bun and Python runtimes reserve far more address space than they use; RLIMIT_AS breaks them.
    limits = replace(limits, memory_mb=None, output_bytes=max(limits.output_bytes, HARNESS_OUTPUT_BYTES))
    return Sandbox(task.sandbox.mode, limits)


def harness_home(task: AgentTask) -> Path:
    """The attempt's own HOME for the harness, in its scratch folder (created empty)."""
    home = task.scratch / "home"
    for folder in (home, home / ".config", home / ".cache", home / ".local" / "share", home / ".local" / "state"):
        folder.mkdir(parents=True, exist_ok=True)
    return home


def harness_env(
    task: AgentTask, home: Path, extra: Mapping[str, str] | None = None, program: str | None = None
) -> dict[str, str]:
    """The harness's whole environment: the sandbox default, its own HOME and XDG folders, then `extra`.

    The folder of `program` goes at the end of PATH, for what a CLI installed there runs (npm's `node`).
    """
    env = default_env()
    if program is not None and str(Path(program).parent) not in env["PATH"].split(":"):
        env["PATH"] += f":{Path(program).parent}"
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        NO_COLOR="1",
        TERM="dumb",
    )
    if task.sandbox.mode == "none":
        # Without bwrap /tmp is the host's: keep the harness's temporary files with the attempt.
        tmp = task.scratch / "tmp"
        tmp.mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmp)
    env.update(extra or {})
    return env


async def unreachable(base_url: str) -> str | None:
    """Why no connection can be made to the server at `base_url`, or None when one can."""
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        reason = "no answer in time" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        return f"cannot reach the model server at {base_url} ({reason}); start it, or pass --base-url"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


async def run_harness(
    task: AgentTask,
    label: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    parse: Parser,
    *,
    server_url: str | None,
    stdin: str | None = None,
) -> AgentResult:
    """Run a harness CLI on the task's workspace and return what happened; raises nothing for its failures.

    Args:
        task: The attempt's task (workspace, scratch folder, sandbox, limits).
        label: The harness's name in messages, e.g. "Claude Code".
        argv: The command, its program an absolute path.
        env: Its whole environment.
        parse: Reads the process's output into a result (turns, tokens, transcript, failure kind).
        server_url: The model server to check for a listener first, or None.
        stdin: Text for its standard input.
    """
    if server_url is not None:
        problem = await unreachable(server_url)
        if problem is not None:
            return AgentResult(error=problem, failure_kind="backend_error")
    try:
        done = await harness_sandbox(task).run(
            argv,
            cwd=task.workspace,
            timeout_s=task.limits.time_s,
            env=env,
            network=True,
            writable=[task.scratch],
            stdin=stdin,
            readonly=program_paths(argv),
        )
    except SandboxError as exc:
        return AgentResult(error=f"{label}: {exc}", failure_kind="sandbox_error")
    try:
        result = parse(done)
    except Exception as exc:  # a harness that prints something unexpected is that attempt's error
        result = AgentResult(error=f"cannot read {label}'s output: {exc!r}", failure_kind="harness_error")
    result.duration_s = done.duration_s
    result.details = {
        "returncode": done.returncode,
        "sandbox": done.sandbox,
        "limits_hit": list(done.limits_hit),
        **({"stderr": tail(done.stderr)} if done.stderr.strip() else {}),
        **result.details,
    }
    return ended(result, done, label, task.limits.time_s)


def ended(result: AgentResult, done: Completed, label: str, time_s: float) -> AgentResult:
    """`result` with the failures the process itself shows (timeout, could not start, crash) put first."""
    if done.timed_out:
        result.error = f"{label} was still running after {time_s:g}s; its processes were killed"
        result.failure_kind = "agent_timeout"
    elif done.returncode in (126, 127) and not done.stdout.strip():
        result.error = f"{label} could not start: {tail(done.stderr, 5) or f'exit status {done.returncode}'}"
        result.failure_kind = "harness_error"
    elif done.returncode != 0 and result.failure_kind is None:
        result.error = f"{label} exited with status {done.returncode}: {tail(done.stderr or done.stdout, 5)}"
        result.failure_kind = "harness_error"
    return result


def tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of `text`, stripped."""
    return "\n".join(text.strip().splitlines()[-lines:])


def clipped(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """`value` (parsed JSON) with every string longer than `limit` characters cut, for transcripts."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... [{len(value) - limit} more characters]"
    if isinstance(value, list):
        return [clipped(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: clipped(item, limit) for key, item in value.items()}
    return value


def write_prompt(task: AgentTask) -> Path:
    """The task's instructions in a file in the scratch folder, for CLIs that read the prompt from a file."""
    path = task.scratch / "prompt.md"
    path.write_text(task.instructions, encoding="utf-8")
    return path


async def cli_version(executable: str) -> str:
    """The first line `EXECUTABLE --version` prints ("unknown" if none), asked once per program."""
    return await asyncio.to_thread(_version, executable)


def _version(executable: str) -> str:
    with _versions_lock:
        if executable not in _versions:
            try:
                done = subprocess.run(
                    [executable, "--version"], capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL
                )
                lines = done.stdout.strip().splitlines()
            except (OSError, subprocess.SubprocessError):
                lines = []
            _versions[executable] = lines[0].strip() if lines else "unknown"
        return _versions[executable]
