"""The result channel of a grading run: pytest's verdicts streamed over an inherited socket, checked as they come.

No report file exists and no path is named anywhere the code under test can see (command line,
environment, workspace). The grader makes a Unix socket pair, gives one end to the test process
under a random descriptor number, and hands the grading plugin (agentspec/pytest_run/plugin.py)
its source, the descriptor number and a fresh nonce on standard input, which the plugin reads to the
end before pytest imports anything under test. The grader reads every message as it arrives (the
event loop watches the socket), with the sender's pid that the kernel attaches (SO_PASSCRED), and
once the run is over (every process of it killed) it drains what is left and judges the stream:
the first message is the plugin's hello, and every later one must come from that same pid, carry
the nonce, be numbered one more than the last, report each test phase once, and come before the
``end`` message. Anything else is a forgery (`Stream.forgery` says what). See docs/grading.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import json
import os
import re
import secrets
import socket
import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agentspec.pytest_run import plugin as grading_plugin
from agentspec.sandbox import Completed, Sandbox

TestOutcome = Literal["passed", "failed", "error", "skipped"]
# pytest's own crash (INTERNALERROR) is recorded as this pseudo-test.
INTERNAL_ERROR_ID = "pytest::internal"
_PLUGIN_SOURCE = Path(grading_plugin.__file__)
_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid
_MAX_MESSAGE = 1 << 16
_MAX_MESSAGES = 200_000
_MAX_BYTES = 64 << 20
_KINDS = frozenset({"test", "collect", "internal", "sealed", "end"})


@dataclass(frozen=True)
class TestResult:
    """One test's verdict, as the grading channel reported it."""

    __test__ = False
    id: str
    outcome: TestOutcome
    message: str = ""
    # Why, in one line: "failed: <assertion>", "collection error: <exception>", "skipped: <reason>".
    reason: str = ""


@dataclass
class Stream:
    """What one run's channel said, once judged.

    Attributes:
        tests: Per-test verdicts, in the order they were first reported (ids as ``module::name``).
        ended: The plugin's ``end`` message arrived: pytest returned normally.
        status: pytest's exit status from the ``end`` message.
        forgery: Why the stream is not what the plugin alone would have sent; empty when it is.
        sealed_reads: Sealed test files the code under test read or imported, as ``"<how> <path>"``.
    """

    tests: list[TestResult] = field(default_factory=list)
    ended: bool = False
    status: int | None = None
    forgery: str = ""
    sealed_reads: list[str] = field(default_factory=list)


@functools.cache
def _plugin_source() -> str:
    return _PLUGIN_SOURCE.read_text(encoding="utf-8")


def test_id(nodeid: str) -> str:
    """A pytest node id as agentspec records it: ``sub/test_x.py::TestA::test_b`` -> ``sub.test_x.TestA::test_b``."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return "::".join([".".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


async def run_streamed(
    pytest_args: Sequence[str],
    workdir: Path,
    sandbox: Sandbox,
    timeout_s: float,
    env: Mapping[str, str],
    sealed: Mapping[str, str] | None = None,
) -> tuple[Completed, Stream]:
    """Run pytest on `pytest_args` in `workdir` under the sandbox; return how it ended and its judged stream.

    `sealed` maps test files (relative to `workdir`, which holds placeholders for them) to the source
    pytest is to run; it reaches the plugin only through standard input.
    """
    nonce = secrets.token_hex(16)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    ours.setblocking(False)
    # A number the code under test cannot guess in advance (it can still look in /proc/self/fd).
    fd = fcntl.fcntl(theirs.fileno(), fcntl.F_DUPFD_CLOEXEC, 100 + secrets.randbelow(800))
    theirs.close()
    inbox = _Inbox(ours)
    loop = asyncio.get_running_loop()
    loop.add_reader(ours.fileno(), inbox.read)
    header = json.dumps({"fd": fd, "nonce": nonce, "sealed": dict(sealed or {})})
    argv = [sys.executable, "-s", "-P", "-c", grading_plugin.BOOTSTRAP, *pytest_args]
    try:
        done = await sandbox.run(
            argv, cwd=workdir, timeout_s=timeout_s, env=env, stdin=f"{header}\n{_plugin_source()}", pass_fds=[fd]
        )
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
        loop.remove_reader(ours.fileno())
        inbox.read()  # every writer is dead now: what is left in the buffer is final
        ours.close()
    return done, judge(inbox.messages, nonce, inbox.overflow)


class _Inbox:
    """Messages as they arrive, each with the pid of the process that sent it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.messages: list[tuple[int, bytes]] = []
        self.size = 0
        self.overflow = False

    def read(self) -> None:
        while not self.overflow:
            try:
                data, ancillary, flags, _ = self.sock.recvmsg(_MAX_MESSAGE, socket.CMSG_SPACE(_UCRED.size))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if not data and not ancillary:
                return  # end of stream
            pid = -1
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = _UCRED.unpack(payload[: _UCRED.size])[0]
            self.messages.append((pid, data if not flags & socket.MSG_TRUNC else b"<truncated>"))
            self.size += len(data)
            if len(self.messages) > _MAX_MESSAGES or self.size > _MAX_BYTES:
                self.overflow = True


def judge(messages: list[tuple[int, bytes]], nonce: str, overflow: bool = False) -> Stream:
    """Check a run's messages against the channel's rules and fold them into per-test verdicts."""
    stream = Stream()
    if overflow:
        stream.forgery = "the result channel was flooded with messages"
        return stream
    if not messages:
        return stream
    plugin_pid = -1
    phases: dict[str, dict[str, dict[str, Any]]] = {}
    for index, (pid, data) in enumerate(messages):
        try:
            message = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            message = None
        if not isinstance(message, dict):
            stream.forgery = "a message on the result channel is not the plugin's"
            return stream
        if index == 0:
            if message.get("kind") != "hello" or message.get("nonce") != nonce or message.get("seq") != 0:
                stream.forgery = "the result channel did not open with the plugin's hello"
                return stream
            plugin_pid = pid
            continue
        problem = _problem(message, pid, plugin_pid, nonce, index, stream.ended)
        if problem:
            stream.forgery = problem
            return stream
        kind = message["kind"]
        if kind == "end":
            stream.ended, stream.status = True, _int(message.get("status"))
        elif kind == "test":
            nodeid, when = str(message.get("nodeid")), str(message.get("when"))
            seen = phases.setdefault(nodeid, {})
            if when in seen:
                stream.forgery = f"the same test phase was reported twice ({nodeid}, {when})"
                return stream
            if when != "setup" and "setup" not in seen:
                stream.forgery = f"a test was reported without its setup ({nodeid}, {when})"
                return stream
            seen[when] = message
        elif kind == "sealed":
            stream.sealed_reads.append(f"{str(message.get('how'))[:20]} {str(message.get('path'))[:500]}")
        elif kind == "collect":
            phases.setdefault(str(message.get("nodeid")), {})["collect"] = message
        else:
            phases.setdefault(INTERNAL_ERROR_ID, {})["internal"] = message
    stream.tests = [result for nodeid, seen in phases.items() if (result := _fold(nodeid, seen)) is not None]
    return stream


def _problem(message: dict[str, Any], pid: int, plugin_pid: int, nonce: str, index: int, ended: bool) -> str:
    if pid != plugin_pid:
        return f"a process other than the grading plugin's (pid {pid}) wrote to the result channel"
    if message.get("nonce") != nonce:
        return "a message on the result channel does not carry the run's nonce"
    if message.get("seq") != index:
        return "the result channel's messages are out of sequence"
    if ended:
        return "a message came after the plugin's end of the run"
    if message.get("kind") not in _KINDS:
        return "a message on the result channel is not the plugin's"
    return ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fold(nodeid: str, seen: Mapping[str, Mapping[str, Any]]) -> TestResult | None:
    """One test's phases into one verdict, as pytest's JUnit report would give it."""

    def message(phase: str) -> str:
        return str(seen[phase].get("message", ""))[:2000]

    if "internal" in seen:
        return TestResult(INTERNAL_ERROR_ID, "error", message("internal"), "error: pytest crashed (INTERNALERROR)")
    if "collect" in seen:
        text = message("collect")
        if seen["collect"].get("outcome") == "skipped":
            return TestResult(test_id(nodeid), "skipped", text, _reason("skipped", text))
        return TestResult(test_id(nodeid), "error", text, f"collection error: {_exception_line(text)}")
    setup, call, teardown = seen.get("setup"), seen.get("call"), seen.get("teardown")
    outcome: TestOutcome
    label = ""
    if setup is not None and setup.get("outcome") == "failed":
        outcome, text = "error", message("setup")
    elif setup is not None and setup.get("outcome") == "skipped":
        outcome, text = "skipped", message("setup")
    elif call is None:
        return None if setup is None else TestResult(test_id(nodeid), "error", "the test never ran", "error")
    elif call.get("outcome") in ("failed", "skipped"):
        outcome, text = call["outcome"], message("call")
        if call.get("xfail"):
            label = "expected to fail (xfail)"
    else:
        outcome, text = "passed", ""
    if teardown is not None and teardown.get("outcome") == "failed" and outcome == "passed":
        outcome, text = "error", message("teardown")
    reason = "" if outcome == "passed" else _reason(label or outcome, text)
    return TestResult(test_id(nodeid), outcome, text, reason)


def _reason(label: str, text: str) -> str:
    why = next((line.strip() for line in text.splitlines() if line.strip()), "")
    why = why.removeprefix("Skipped: ")  # pytest's own word before a skip's reason
    why = why if len(why) <= 300 else why[:299] + "…"
    return f"{label}: {why}" if why else label


def _exception_line(text: str) -> str:
    """The last ``E   ...`` line of a collection error that names an exception (else its last line)."""
    lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
    named = [line for line in lines if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line)]
    found = (named or lines or [text.strip().splitlines()[-1] if text.strip() else ""])[-1]
    return (found if len(found) <= 300 else found[:299] + "…") or "the module could not be imported"
