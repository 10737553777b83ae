"""A program found through a pyenv shim runs as the interpreter or tool the shim stands for.

A shim is a shell script that runs pyenv's own files from the user's HOME; the sandbox shows neither, so
a `command:python3 ...` agent found `~/.pyenv/shims/python3` and could not start. These tests build a
pyenv root of their own, so they do not depend on pyenv being installed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentspec.agents.base import AgentTask
from agentspec.agents.cli import find_cli, unshimmed
from agentspec.agents.command import CommandAgent
from agentspec.runner.workspace import make_workspace
from agentspec.sandbox import Sandbox
from agentspec.spec.suite import load_specs
from tests.conftest import SPECS
from tests.harness.conftest import spec_named


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def pyenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A pyenv root whose shim `mytool` stands for a real program elsewhere; the shim itself always fails."""
    real = executable(tmp_path / "versions" / "9.9" / "bin" / "mytool", "#!/bin/sh\necho real mytool ran\n")
    root = tmp_path / "pyenv"
    shim = executable(root / "shims" / "mytool", "#!/bin/sh\necho 'pyenv: No such file or directory' >&2\nexit 127\n")
    executable(root / "libexec" / "pyenv", f'#!/bin/sh\n[ "$1" = which ] && [ "$2" = mytool ] && echo {real}\n')
    monkeypatch.setenv("PATH", f"{root / 'shims'}:/usr/bin:/bin")
    return shim, real


def test_a_shim_is_replaced_by_the_program_it_stands_for(pyenv: tuple[Path, Path]) -> None:
    shim, real = pyenv
    assert unshimmed(str(shim)) == str(real)
    assert find_cli("mytool", None, ["mytool"], "install it") == str(real)
    assert CommandAgent("mytool --flag").executable == str(real)


def test_a_shim_pyenv_cannot_resolve_is_kept(pyenv: tuple[Path, Path], tmp_path: Path) -> None:
    shim, _ = pyenv
    other = executable(shim.parent / "othertool", "#!/bin/sh\nexit 127\n")
    assert unshimmed(str(other)) == str(other)  # `pyenv which othertool` prints nothing
    plain = executable(tmp_path / "bin" / "tool", "#!/bin/sh\n")
    assert unshimmed(str(plain)) == str(plain)  # not in a shims folder of a pyenv root


def test_the_command_agent_runs_the_real_program_in_the_sandbox(pyenv: tuple[Path, Path], tmp_path: Path) -> None:

    spec = spec_named(load_specs([SPECS]), "validators")
    make_workspace(spec, tmp_path / "workspace")
    (tmp_path / "scratch").mkdir()
    task = AgentTask(spec, tmp_path / "workspace", tmp_path / "scratch", Sandbox("auto"), None)
    result = asyncio.run(CommandAgent("mytool").act(task))
    assert result.failure_kind is None, result.error
    assert "real mytool ran" in str(result.transcript)
