"""Running pytest for agentspec: the arguments, the fixed environment, and the sandboxed run with its result channel.

Grading and the builtin agent's `run_tests` tool both run the spec's tests this way, so it sits below
both (agentspec/runner and agentspec/agents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from agentspec.pytest_run.channel import Stream, run_streamed
from agentspec.sandbox import Completed, Sandbox
from agentspec.spec.model import Grading, Spec

DEFAULT_COMMAND = Grading().command


class GradingCommandError(ValueError):
    """The spec's grading command is not one agentspec can run pytest from."""


def pytest_args(spec: Spec) -> list[str]:
    """The arguments of pytest for the spec's grading command, with agentspec's own flags appended.

    With the default command, only the spec's test files are collected, so tests the agent
    added of its own can neither help nor hurt it.

    Raises:
        GradingCommandError: The command does not run pytest (``python -m pytest ...`` or ``pytest ...``).
    """
    command = list(spec.grading.command)
    if command[:3] in (["python", "-m", "pytest"], ["python3", "-m", "pytest"]):
        args = command[3:]
    elif command[0] == "pytest":
        args = command[1:]
    else:
        raise GradingCommandError(f"the grading command {command!r} does not start with `python -m pytest` or `pytest`")
    if command == DEFAULT_COMMAND:
        args += [t.path for t in spec.tests if is_test_module(t.path)]
    # --continue-on-collection-errors: one module that cannot import (normal on a TDD starter) must not hide the rest.
    flags = ["-o", "pythonpath=.", "--rootdir=.", "--continue-on-collection-errors", "-p", "no:cacheprovider"]
    return [*args, *flags, "-q"]


def is_test_module(path: str) -> bool:
    """Whether `path` names a pytest test module (test_*.py or *_test.py)."""
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def grading_env() -> dict[str, str]:
    """A small, fixed environment: no plugin autoload, no bytecode, UTF-8; nothing about the grader."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


async def run_pytest(
    spec: Spec,
    workdir: Path,
    sandbox: Sandbox,
    timeout_s: float,
    *,
    tracebacks: bool = True,
    extra_args: Sequence[str] = (),
    sealed: Mapping[str, str] | None = None,
) -> tuple[Completed, Stream]:
    """Run the spec's test command in `workdir` under the sandbox; return how it ended and the judged stream.

    Args:
        spec: Whose command and tests.
        workdir: The folder to test (already holding the tests).
        sandbox: Where to run.
        timeout_s: Wall-clock limit.
        tracebacks: Keep pytest's tracebacks in its output; grading turns them off, so that no
            test's source (a hidden one's) reaches stored output.
        extra_args: More pytest arguments (``--collect-only``: collection errors come back as
            ``error`` results whose reason is ``collection error: <exception>``).
        sealed: Test files to serve from memory (path relative to `workdir` -> source); their files in
            `workdir` hold placeholders (see agentspec/pytest_run/plugin.py).
    """
    args = pytest_args(spec) + ([] if tracebacks else ["--tb=no", "-rN"]) + list(extra_args)
    return await run_streamed(args, workdir, sandbox, timeout_s, grading_env(), sealed)
