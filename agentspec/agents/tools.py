"""The builtin agent's tools: list, read, write and edit files, run the visible tests, run a shell command.

File tools work on the workspace only: absolute paths, `..` and symlinks that lead out are refused.
Commands (tests, shell) run in the runner's sandbox, in the workspace, without network.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from agentspec.agents.base import AgentTask
from agentspec.providers import ToolCall, ToolSpec
from agentspec.pytest_run.invoke import run_pytest
from agentspec.sandbox import Completed, default_env

_SKIP = {"__pycache__", ".pytest_cache", ".git", ".mypy_cache"}
_MAX_LISTED = 500
_READ_BYTES = 512_000


def _schema(properties: dict[str, str], required: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: {"type": "string", "description": text} for name, text in properties.items()},
        "required": list(required),
    }


TOOL_SPECS = (
    ToolSpec(
        "list_files",
        "List the files under a folder of the workspace (recursively), with their sizes in bytes.",
        _schema({"path": "A folder relative to the workspace root; default '.'."}, ()),
    ),
    ToolSpec(
        "read_file",
        "Read a text file of the workspace.",
        _schema({"path": "The file's path relative to the workspace root."}, ("path",)),
    ),
    ToolSpec(
        "write_file",
        "Create or overwrite a file of the workspace with the given content (folders are created).",
        _schema(
            {"path": "The file's path relative to the workspace root.", "content": "The whole new content."},
            ("path", "content"),
        ),
    ),
    ToolSpec(
        "edit_file",
        "Replace one exact occurrence of `old` by `new` in a file of the workspace.",
        _schema(
            {
                "path": "The file's path relative to the workspace root.",
                "old": "The exact text to replace; it must occur exactly once in the file.",
                "new": "The replacement text.",
            },
            ("path", "old", "new"),
        ),
    ),
    ToolSpec("run_tests", "Run the task's tests with pytest and report which pass and fail.", _schema({}, ())),
    ToolSpec(
        "run_shell",
        "Run a shell command (sh -c) in the workspace, without network; returns its exit status and output.",
        _schema({"command": "The command line."}, ("command",)),
    ),
)
TOOL_NAMES = tuple(spec.name for spec in TOOL_SPECS)


class ToolFormatError(Exception):
    """The call itself is malformed: unknown tool, arguments that are not JSON, missing or mistyped."""


class ToolRefused(Exception):
    """The call is well-formed but cannot be done (a path outside the workspace, a missing file...)."""


@dataclass(frozen=True)
class ToolOutcome:
    """One tool call's result, as the model will read it."""

    text: str
    ok: bool
    format_error: bool = False
    duration_s: float = 0.0


def clip(text: str, limit: int) -> str:
    """`text` cut to about `limit` characters, keeping its head and tail, with a note of what was cut."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    return f"{head}\n[... {len(text) - len(head) - len(tail)} characters cut ...]\n{tail}"


Handler = Callable[[Mapping[str, Any], float], Coroutine[Any, Any, str]]


class Toolbox:
    """The tools of one attempt, bound to its workspace and sandbox."""

    def __init__(self, task: AgentTask, *, shell_timeout_s: float = 120.0, output_chars: int = 30_000) -> None:
        """Bind the tools to `task`; command output is clipped to `output_chars`."""
        self.task = task
        self.root = task.workspace.resolve()
        self.shell_timeout_s = shell_timeout_s
        self.output_chars = output_chars
        self._handlers: dict[str, Handler] = {
            "list_files": self.list_files,
            "read_file": self.read_file,
            "write_file": self.write_file,
            "edit_file": self.edit_file,
            "run_tests": self.run_tests,
            "run_shell": self.run_shell,
        }

    async def call(self, call: ToolCall, remaining_s: float) -> ToolOutcome:
        """Run one tool call; every failure becomes an error result the model can read."""
        started = time.perf_counter()
        try:
            if call.name not in self._handlers:
                raise ToolFormatError(f"unknown tool {call.name!r}; the tools are {', '.join(TOOL_NAMES)}")
            if call.arguments is None:
                raise ToolFormatError(f"the call to {call.name} was not run: {call.error or 'bad arguments'}")
            text = await self._handlers[call.name](call.arguments, remaining_s)
        except ToolFormatError as exc:
            return ToolOutcome(f"error: {exc}", False, True, time.perf_counter() - started)
        except ToolRefused as exc:
            return ToolOutcome(f"error: {exc}", False, False, time.perf_counter() - started)
        return ToolOutcome(clip(text, self.output_chars), True, False, time.perf_counter() - started)

    def resolve(self, path: Any, *, must_exist: bool = False) -> Path:
        """The workspace path `path` names; refuses absolute paths, `..` and symlinks that lead out."""
        if not isinstance(path, str) or not path.strip() or "\0" in path:
            raise ToolFormatError(f"path must be a non-empty string, not {path!r}")
        relative = PurePosixPath(path.strip())
        if relative.is_absolute() or ".." in relative.parts:
            raise ToolRefused(f"{path!r} is outside the workspace: use a path relative to its root, without '..'")
        real = (self.root / relative).resolve()
        if real != self.root and self.root not in real.parents:
            raise ToolRefused(f"{path!r} leads outside the workspace (through a symlink)")
        if must_exist and not real.exists():
            raise ToolRefused(f"{path!r} does not exist")
        return real

    def _name(self, real: Path) -> str:
        return real.relative_to(self.root).as_posix() or "."

    async def list_files(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """Every file under the folder, one `path (N bytes)` a line."""
        folder = self.resolve(_text(arguments, "path", default="."), must_exist=True)
        if folder.is_file():
            return f"{self._name(folder)} ({folder.stat().st_size} bytes)"
        found = []
        for top, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP)
            for name in sorted(files):
                path = Path(top) / name
                size = path.lstat().st_size
                found.append(f"{self._name(path)} ({size} bytes)")
        if not found:
            return "(no files)"
        more = f"\n[... and {len(found) - _MAX_LISTED} more]" if len(found) > _MAX_LISTED else ""
        return "\n".join(found[:_MAX_LISTED]) + more

    async def read_file(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """The file's text (undecodable bytes replaced)."""
        path = self.resolve(_text(arguments, "path"), must_exist=True)
        if not path.is_file():
            raise ToolRefused(f"{self._name(path)} is not a file")
        with path.open("rb") as handle:
            data = handle.read(_READ_BYTES + 1)
        text = data[:_READ_BYTES].decode("utf-8", errors="replace")
        return text + (f"\n[... file longer than {_READ_BYTES} bytes, cut]" if len(data) > _READ_BYTES else "")

    async def write_file(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """Write the whole file."""
        path = self.resolve(_text(arguments, "path"))
        content = _text(arguments, "content", empty=True)
        if path.is_dir():
            raise ToolRefused(f"{self._name(path)} is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return f"wrote {self._name(path)} ({len(content.encode('utf-8'))} bytes)"

    async def edit_file(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """Replace exactly one occurrence of `old`."""
        path = self.resolve(_text(arguments, "path"), must_exist=True)
        old, new = _text(arguments, "old"), _text(arguments, "new", empty=True)
        if not path.is_file():
            raise ToolRefused(f"{self._name(path)} is not a file")
        text = path.read_text(encoding="utf-8", errors="replace")
        count = text.count(old)
        if count != 1:
            problem = "does not occur" if count == 0 else f"occurs {count} times"
            where = self._name(path)
            raise ToolRefused(f"`old` {problem} in {where}; it must match exactly once (read the file first)")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return f"edited {self._name(path)}"

    async def run_tests(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """Run the spec's visible tests (never the hidden ones) with pytest, in the sandbox."""
        spec = self.task.spec
        visible = spec.model_copy(update={"tests": [t for t in spec.tests if not t.hidden]})
        timeout_s = max(1.0, min(spec.grading.timeout_s, remaining_s))
        done, stream = await run_pytest(visible, self.task.workspace, self.task.sandbox, timeout_s)
        tests = stream.tests
        counts: dict[str, int] = {}
        for test in tests:
            counts[test.outcome] = counts.get(test.outcome, 0) + 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests ran"
        head = f"pytest {'timed out' if done.timed_out else f'exit status {done.returncode}'}: {summary}"
        return f"{head}\n{_output(done, self.output_chars)}"

    async def run_shell(self, arguments: Mapping[str, Any], remaining_s: float) -> str:
        """Run `sh -c COMMAND` in the workspace, in the sandbox, without network."""
        command = _text(arguments, "command")
        done = await self.task.sandbox.run(
            ["/bin/sh", "-c", command],
            cwd=self.task.workspace,
            timeout_s=max(1.0, min(self.shell_timeout_s, remaining_s)),
            env=default_env(),
            network=False,
        )
        status = f"timed out after {done.duration_s:.0f}s" if done.timed_out else f"exit status {done.returncode}"
        return f"{status}\n{_output(done, self.output_chars)}"


def _text(arguments: Mapping[str, Any], key: str, *, default: str | None = None, empty: bool = False) -> str:
    value = arguments.get(key, default)
    if value is None:
        raise ToolFormatError(f"missing argument {key!r}")
    if not isinstance(value, str):
        raise ToolFormatError(f"argument {key!r} must be a string, not {type(value).__name__}")
    if not value and not empty:
        raise ToolFormatError(f"argument {key!r} must not be empty")
    return value


def _output(done: Completed, limit: int) -> str:
    parts = []
    if done.stdout.strip():
        parts.append(f"--- stdout ---\n{done.stdout.rstrip()}")
    if done.stderr.strip():
        parts.append(f"--- stderr ---\n{done.stderr.rstrip()}")
    return clip("\n".join(parts), limit) if parts else "(no output)"
