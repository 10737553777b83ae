"""Running a harness CLI on a workspace: its sandbox, its fresh HOME and environment, and how it ended.

A harness runs in the attempt's sandbox with only the workspace and the attempt's scratch folder
writable. Under bubblewrap it has a network of its own in which only the model endpoint answers, through
a relay (`harness_route`; agentspec/sandbox/routes.py says where it listens and which URL the harness
is given); without bubblewrap it has the host's network. Its HOME is a fresh folder in the scratch
folder, so no state leaks between attempts and nothing is written to the real home. At the spec's time
limit its whole process tree is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from agentspec.agents.base import AgentResult, AgentTask
from agentspec.agents.output import tail
from agentspec.errors import SandboxError
from agentspec.failures import FailureKind
from agentspec.sandbox import Completed, Sandbox, default_env, program_paths
from agentspec.sandbox.limits import MIB
from agentspec.sandbox.routes import EndpointRoute, route_endpoint

Parser = Callable[[Completed], AgentResult]

# A harness's stream of JSON events must not be cut: its result comes last.
HARNESS_OUTPUT_BYTES = 64 * MIB
CONNECT_TIMEOUT_S = 5.0


def harness_sandbox(task: AgentTask) -> Sandbox:
    """A sandbox in the task's mode whose limits suit a harness: no address-space cap, room for its output."""
    limits = task.sandbox.limits
    # Node, Bun and Python runtimes reserve far more address space than they use; RLIMIT_AS breaks them.
    limits = replace(limits, memory_mb=None, output_bytes=max(limits.output_bytes, HARNESS_OUTPUT_BYTES))
    return Sandbox(task.sandbox.mode, limits)


def harness_route(task: AgentTask) -> EndpointRoute | None:
    """How the harness reaches the task's endpoint: a relay under bubblewrap; None for the host's network.

    Raises:
        ValueError: The endpoint's URL has no host or a bad port.
    """
    if task.endpoint is None or task.sandbox.mode != "bwrap":
        return None
    return route_endpoint(task.endpoint.base_url)


def as_seen_inside(task: AgentTask, route: EndpointRoute | None) -> AgentTask:
    """`task` with its endpoint's URL as the harness must be given it in its sandbox (the route's)."""
    if route is None or task.endpoint is None or route.url == task.endpoint.base_url:
        return task
    return replace(task, endpoint=replace(task.endpoint, base_url=route.url))


def network_details(task: AgentTask, route: EndpointRoute | None, done: Completed) -> dict[str, Any]:
    """What the attempt records of the harness's network: what it could reach and what went through."""
    if task.sandbox.mode != "bwrap":
        return {"network": "host"}
    if route is None:
        return {"network": "none"}
    details: dict[str, Any] = {"network": "endpoint only"}
    if task.endpoint is not None and route.url != task.endpoint.base_url:
        details["endpoint_in_sandbox"] = route.url
    if done.relay is not None:
        details["relay_connections"] = done.relay.connections
        if done.relay.failures:
            details["relay_failures"] = list(done.relay.failures)
    return details


def home_of(task: AgentTask) -> Path:
    """Where the harness's HOME is for this attempt (see `harness_home`)."""
    return task.scratch / "home"


def harness_home(task: AgentTask) -> Path:
    """The attempt's own HOME for the harness, in its scratch folder (created empty)."""
    home = home_of(task)
    for folder in (home, home / ".config", home / ".cache", home / ".local" / "share", home / ".local" / "state"):
        folder.mkdir(parents=True, exist_ok=True)
    return home


def home_env(home: Path) -> dict[str, str]:
    """HOME and the XDG folders inside it, so that a CLI writes nothing outside the attempt."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }


def harness_env(
    task: AgentTask, home: Path, extra: Mapping[str, str] | None = None, program: str | None = None
) -> dict[str, str]:
    """The harness's whole environment: the sandbox default, its own HOME and XDG folders, then `extra`.

    The folder of `program` goes at the end of PATH, for what a CLI installed there runs (npm's `node`).
    """
    env = default_env()
    if program is not None and str(Path(program).parent) not in env["PATH"].split(":"):
        env["PATH"] += f":{Path(program).parent}"
    env.update(home_env(home), NO_COLOR="1", TERM="dumb")
    if task.sandbox.mode == "none":
        # Without bwrap /tmp is the host's: keep the harness's temporary files with the attempt.
        tmp = task.scratch / "tmp"
        tmp.mkdir(exist_ok=True)
        env["TMPDIR"] = str(tmp)
    env.update(extra or {})
    return env


def write_prompt(task: AgentTask) -> Path:
    """The task's instructions in a file in the scratch folder, for CLIs that read the prompt from a file."""
    path = task.scratch / "prompt.md"
    path.write_text(task.instructions, encoding="utf-8")
    return path


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
    route: EndpointRoute | None = None,
) -> AgentResult:
    """Run a harness CLI on the task's workspace and return what happened; raises nothing for its failures.

    Args:
        task: The attempt's task (workspace, scratch folder, sandbox, limits).
        label: The harness's name in messages, e.g. "Claude Code".
        argv: The command, its program an absolute path.
        env: Its whole environment.
        parse: Reads the process's output into a result (turns, tokens, transcript, failure kind).
        server_url: The model server to check for a listener first (its real URL), or None.
        stdin: Text for its standard input.
        route: How it reaches the endpoint from its sandbox (`harness_route`); with None it has no network
            under bubblewrap, and without bubblewrap always the host's.
    """
    if server_url is not None:
        problem = await unreachable(server_url)
        if problem is not None:
            return AgentResult(error=problem, failure_kind=FailureKind.BACKEND_ERROR)
    try:
        done = await harness_sandbox(task).run(
            argv,
            cwd=task.workspace,
            timeout_s=task.limits.time_s,
            env=env,
            writable=[task.scratch],
            stdin=stdin,
            readonly=program_paths(argv),
            endpoints=() if route is None else (route,),
        )
    except SandboxError as exc:
        return AgentResult(error=f"{label}: {exc}", failure_kind=FailureKind.SANDBOX_ERROR)
    try:
        result = parse(done)
    except Exception as exc:  # a harness that prints something unexpected is that attempt's error
        result = AgentResult(error=f"cannot read {label}'s output: {exc!r}", failure_kind=FailureKind.HARNESS_ERROR)
    result.duration_s = done.duration_s
    result.details = {
        "returncode": done.returncode,
        "sandbox": done.sandbox,
        **network_details(task, route, done),
        "limits_hit": list(done.limits_hit),
        **({"stderr": tail(done.stderr)} if done.stderr.strip() else {}),
        **result.details,
    }
    result = ended(result, done, label, task.limits.time_s)
    if done.relay is not None and done.relay.failures and result.failure_kind == FailureKind.HARNESS_ERROR:
        # The harness failed after the model server refused it: the backend's failure, not the harness's.
        result.failure_kind = FailureKind.BACKEND_ERROR
        result.error = f"{result.error} (the model server could not be reached: {done.relay.failures[0]})"
    return result


def ended(result: AgentResult, done: Completed, label: str, time_s: float) -> AgentResult:
    """`result` with the failures the process itself shows (timeout, could not start, crash) put first."""
    if done.timed_out:
        result.error = f"{label} was still running after {time_s:g}s; its processes were killed"
        result.failure_kind = FailureKind.AGENT_TIMEOUT
    elif done.returncode in (126, 127) and not done.stdout.strip():
        result.error = f"{label} could not start: {tail(done.stderr, 5) or f'exit status {done.returncode}'}"
        result.failure_kind = FailureKind.HARNESS_ERROR
    elif done.returncode != 0 and result.failure_kind is None:
        result.error = f"{label} exited with status {done.returncode}: {tail(done.stderr or done.stdout, 5)}"
        result.failure_kind = FailureKind.HARNESS_ERROR
    return result
