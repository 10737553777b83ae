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

**Sealed test modules.** The grader sends the source of every Python test module (and conftest) on
standard input too; in the grading folder their files hold only a placeholder. An import finder
placed ahead of pytest's own serves those modules from memory (with pytest's assertion rewriting),
so a file read by the code under test, or by any process it starts, finds no test source. An audit
hook (which code in the process cannot remove) reports each read of such a file, and each import of a
test module, made while code from the grading folder is on the stack.

It also works around one crash: CPython can give a traceback entry no line number (``tb_lineno``
is None), for instance when a signal handler raises between two instructions. pytest then fails
while rendering the failure (INTERNALERROR) and the whole session ends; the entries without a
line are unlinked from every traceback in the exception's chain before pytest builds a report.

The module imports nothing from agentspec: the Python that runs the tests need not have it.
What code under test can still do to this channel, and what it cannot, is in docs/grading.md.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import socket
import sys
import threading
from collections.abc import Sequence
from types import FrameType, ModuleType, TracebackType
from typing import Any

import pytest
from _pytest.assertion.rewrite import rewrite_asserts
from _pytest.pathlib import fnmatch_ex

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
box = [header]
del chunks, source, header
sys.exit(plugin.main(plugin, box, sys.argv[1:]))
"""

_channel: _Channel | None = None
_sealed: _Sealed | None = None


class _Channel:
    """The numbered, nonce-carrying messages of one run, sent on the inherited socket."""

    def __init__(self, fd: int, nonce: str) -> None:
        os.set_inheritable(fd, False)
        self.socket = socket.socket(fileno=fd)
        self.nonce = nonce
        self.sequence = 0
        self.pid = os.getpid()
        self.lock = threading.Lock()  # the audit hook can report from any thread

    def send(self, kind: str, **fields: Any) -> None:
        with self.lock:
            message = {"nonce": self.nonce, "seq": self.sequence, "kind": kind, **fields}
            self.sequence += 1
            with contextlib.suppress(OSError):  # the grader is gone: nothing to tell
                self.socket.send(json.dumps(message).encode("utf-8"))


def main(module: Any, box: list[bytes], args: list[str]) -> int:
    """Run pytest on `args` with `module` (this source's module object) as a plugin; return its exit status.

    `box` holds the header; it is emptied, so the sealed sources are not left in the bootstrap's globals.
    """
    global _channel, _sealed
    settings = json.loads(box.pop())
    _channel = _Channel(int(settings["fd"]), str(settings["nonce"]))
    _channel.send("hello")
    if settings.get("sealed"):
        _sealed = _Sealed(dict(settings["sealed"]), os.getcwd())
        sys.addaudithook(_audit)
    del settings
    status = int(pytest.main(args, plugins=[module]))
    _channel.send("end", status=status)
    return status


class _Sealed:
    """The test modules served from memory, and the watch on their placeholder files."""

    def __init__(self, sources: dict[str, str], root: str) -> None:
        self.root = os.path.realpath(root)
        self.sources = {os.path.join(self.root, path): text for path, text in sources.items()}
        self.names = {os.path.basename(path) for path in self.sources}
        self.stems = {_stem(path) for path in self.sources}
        self.files = {_file_id(path): path for path in self.sources if _file_id(path) is not None}
        self.reported: set[str] = set()
        self.config: pytest.Config | None = None
        self._ours: dict[str, bool] = {}

    # The finder: ahead of pytest's own, it hands a sealed module to `_SealedLoader`.
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.rpartition(".")[2] not in self.stems:
            return None
        found = importlib.machinery.PathFinder.find_spec(fullname, path)
        if found is None or found.origin is None or os.path.realpath(found.origin) not in self.sources:
            return None
        origin = os.path.realpath(found.origin)
        if self.from_code_under_test():
            self.report(origin, "imported")
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return importlib.util.spec_from_file_location(
            fullname, origin, loader=_SealedLoader(self), submodule_search_locations=found.submodule_search_locations
        )

    def compile(self, path: str) -> Any:
        """The module's code, with pytest's assertion rewriting where pytest would apply it."""
        source = self.sources[path]
        tree = ast.parse(source, filename=path)
        if self.rewrites(path):
            rewrite_asserts(tree, source.encode("utf-8"), path, self.config)
        return compile(tree, path, "exec", dont_inherit=True)

    def rewrites(self, path: str) -> bool:
        config = self.config
        if config is None or config.getoption("assertmode") != "rewrite":
            return False
        patterns = [str(p) for p in config.getini("python_files")]
        return os.path.basename(path) == "conftest.py" or any(fnmatch_ex(p, path) for p in patterns)

    def opened(self, target: object) -> None:
        """An `open` audit event: report it when it is a sealed file (by any name or link) and code under test asked."""
        if isinstance(target, int):
            return
        try:
            path = self.files.get(_file_id(os.fsdecode(target)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        if path is not None and self.from_code_under_test():
            self.report(path, "opened")

    def started(self, argv: object) -> None:
        """A program started (subprocess, os.system, exec): report it when its command line names a sealed file."""
        words = argv if isinstance(argv, (list, tuple)) else [argv]
        text = " ".join(os.fsdecode(w) for w in words if isinstance(w, (str, bytes, os.PathLike)))
        named = [path for path in self.sources if os.path.basename(path) in text]
        if named and self.from_code_under_test():
            for path in named:
                self.report(path, "had a program read")

    def from_code_under_test(self) -> bool:
        """Whether a frame on the current stack runs code from the grading folder that is not a test module."""
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            ours = self._ours.get(filename)
            if ours is None:
                real = os.path.realpath(filename) if os.path.isabs(filename) else ""
                ours = real.startswith(self.root + os.sep) and real not in self.sources
                self._ours[filename] = ours
            if ours:
                return True
            frame = frame.f_back
        return False

    def report(self, path: str, how: str) -> None:
        if path in self.reported or _channel is None or os.getpid() != _channel.pid:
            return  # a forked child's report would read as a forgery: the parent's is the one that counts
        self.reported.add(path)
        _channel.send("sealed", path=os.path.relpath(path, self.root), how=how)


class _SealedLoader(importlib.abc.Loader):
    """Executes a sealed module from the source the grader sent, never from its file."""

    def __init__(self, sealed: _Sealed) -> None:
        self.sealed = sealed

    def exec_module(self, module: ModuleType) -> None:
        origin = module.__spec__.origin if module.__spec__ is not None else None
        exec(self.sealed.compile(str(origin)), module.__dict__)


def _stem(path: str) -> str:
    name = os.path.basename(path)
    return os.path.basename(os.path.dirname(path)) if name == "__init__.py" else name.removesuffix(".py")


def _file_id(path: str) -> tuple[int, int] | None:
    """The file's device and inode, following links (None when it cannot be looked at)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return (found.st_dev, found.st_ino)


# Audit events that start a program, and the position of its command line among their arguments.
_PROGRAM_EVENTS = {"subprocess.Popen": 1, "os.system": 0, "os.exec": 1, "os.posix_spawn": 1, "os.spawn": 2}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _sealed is None or not args:
        return
    if event == "open":
        _sealed.opened(args[0])
    elif event in _PROGRAM_EVENTS and len(args) > _PROGRAM_EVENTS[event]:
        _sealed.started(args[_PROGRAM_EVENTS[event]])


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Put the sealed modules' finder ahead of pytest's assertion rewriter, before any conftest loads."""
    if _sealed is not None:
        _sealed.config = early_config
        sys.meta_path.insert(0, _sealed)


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
