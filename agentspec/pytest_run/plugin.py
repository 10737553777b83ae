"""The grading plugin: run pytest and stream each test's result to the grader as it happens.

The grader (agentspec/runner/grade.py) does not import this module. It hands its source, with a
secret header, to a fixed bootstrap (`BOOTSTRAP`, given to ``python -c``) on standard input. The
bootstrap reads it all, points standard input at /dev/null, and runs the source as a module object
of its own that is in no folder and under no name in ``sys.modules``, so no file in the workspace
can stand in for it. `main` then, before pytest imports any test or code under test:

- makes the result socket (an inherited descriptor whose number only the header says) close on
  exec, and sends a hello: the grader takes the sender's pid, which the kernel attaches to every
  message (SO_PASSCRED), as the only pid allowed to report;
- runs ``pytest.main`` with this module registered as a plugin; every test report goes out at
  once, numbered and carrying the run's nonce; an ``end`` message closes the stream.

It also works around one crash: CPython can give a traceback entry no line number (``tb_lineno``
is None), for instance when a signal handler raises between two instructions. pytest then fails
while rendering the failure (INTERNALERROR) and the whole session ends; the entries without a
line are unlinked from every traceback in the exception's chain before pytest builds a report.

The module imports nothing from agentspec: the Python that runs the tests need not have it.
What code under test can still do to this channel, and what it cannot, is in docs/grading.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from types import TracebackType
from typing import Any

import pytest

# Runs as `python -c BOOTSTRAP pytest-args...`; the plugin source and its header come on stdin.
BOOTSTRAP = """\
import os, sys, types
chunks = []
while True:
    chunk = os.read(0, 1 << 16)
    if not chunk:
        break
    chunks.append(chunk)
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
header, _, source = b"".join(chunks).partition(b"\\n")
plugin = types.ModuleType("_agentspec_grading_run")
exec(compile(source, "<agentspec grading plugin>", "exec"), plugin.__dict__)
del chunks, source
sys.exit(plugin.main(plugin, header, sys.argv[1:]))
"""

_channel: _Channel | None = None


class _Channel:
    """The numbered, nonce-carrying messages of one run, sent on the inherited socket."""

    def __init__(self, fd: int, nonce: str) -> None:
        os.set_inheritable(fd, False)
        self.socket = socket.socket(fileno=fd)
        self.nonce = nonce
        self.sequence = 0

    def send(self, kind: str, **fields: Any) -> None:
        message = {"nonce": self.nonce, "seq": self.sequence, "kind": kind, **fields}
        self.sequence += 1
        with contextlib.suppress(OSError):  # the grader is gone: nothing to tell
            self.socket.send(json.dumps(message).encode("utf-8"))


def main(module: Any, header: bytes, args: list[str]) -> int:
    """Run pytest on `args` with `module` (this source's module object) as a plugin; return its exit status."""
    global _channel
    settings = json.loads(header)
    _channel = _Channel(int(settings["fd"]), str(settings["nonce"]))
    _channel.send("hello")
    status = int(pytest.main(args, plugins=[module]))
    _channel.send("end", status=status)
    return status


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Send one phase (setup, call, teardown) of one test."""
    if _channel is None:
        return
    skipped_xfail = report.skipped and hasattr(report, "wasxfail")
    _channel.send(
        "test",
        nodeid=report.nodeid[:4000],
        when=report.when,
        outcome=report.outcome,
        xfail=skipped_xfail,
        message=_message(report),
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """Send a collection error (a test module that cannot be imported, say) or a module skipped whole."""
    if _channel is not None and (report.failed or report.skipped):
        _channel.send("collect", nodeid=report.nodeid[:4000], outcome=report.outcome, message=_message(report))


def pytest_internalerror(excrepr: Any, excinfo: Any) -> None:
    """Send pytest's own crash."""
    if _channel is not None:
        _channel.send("internal", message=_error_lines(str(excrepr)))


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The short reason of a failure or skip: the assertion or exception line, never the test's source."""
    if report.passed:
        return ""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])[:2000]  # a skip: (path, line, reason)
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)[:2000]
    return _error_lines(str(longrepr))


def _error_lines(text: str) -> str:
    """The ``E   ...`` lines of a long report (the exception, not the source lines around it), else its last line."""
    lines = text.strip().splitlines()
    errors = [line for line in lines if line.startswith("E ")]
    return "\n".join(errors)[-2000:] if errors else (lines[-1][:2000] if lines else "")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> None:
    """Drop line-less traceback entries from the call's exception before any report is made."""
    if call.excinfo is None:
        return
    value = call.excinfo.value
    if _drop_lineless_entries(value) and value.__traceback__ is not None:
        call.excinfo = pytest.ExceptionInfo.from_exception(value)


def _drop_lineless_entries(exception: BaseException) -> bool:
    """Unlink entries without a line number from `exception`'s traceback and its chain's; True if any."""
    changed = False
    seen: set[int] = set()
    pending = [exception]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        entries = _entries(current.__traceback__)
        kept = [entry for entry in entries if entry.tb_lineno is not None]
        if len(kept) < len(entries):
            changed = True
            for entry, following in zip(kept, [*kept[1:], None], strict=True):
                entry.tb_next = following
            current.__traceback__ = kept[0] if kept else None
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
    return changed


def _entries(head: TracebackType | None) -> list[TracebackType]:
    """The entries of a traceback, outermost first."""
    entries = []
    while head is not None:
        entries.append(head)
        head = head.tb_next
    return entries
