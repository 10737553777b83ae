"""Harness agents find their CLI again where they are unpickled (a Ray worker) when the driver's path is not there."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from agentspec.agents.aider import AiderAgent
from agentspec.agents.claude_code import ClaudeCodeAgent
from agentspec.agents.command import CommandAgent


def program(folder: Path, name: str) -> Path:
    """An executable script `name` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\necho 1.0\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two bin folders: the driver's (on PATH first) and a worker's (not on PATH yet)."""
    for variable in ("AGENTSPEC_CLAUDE", "AGENTSPEC_AIDER", "AGENTSPEC_CLAUDE_ARGS", "AGENTSPEC_AIDER_ARGS"):
        monkeypatch.delenv(variable, raising=False)
    driver, worker = tmp_path / "driver-bin", tmp_path / "worker-bin"
    driver.mkdir()
    worker.mkdir()
    monkeypatch.setenv("PATH", str(driver))
    return driver, worker


def move_to_worker(driver: Path, worker: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The driver's CLI is gone; the worker has it in its own folder, on its PATH."""
    (driver / name).unlink()
    monkeypatch.setenv("PATH", str(worker))
    return program(worker, name)


@pytest.mark.parametrize(("make", "name"), [(ClaudeCodeAgent, "claude"), (AiderAgent, "aider")])
def test_a_worker_finds_the_cli_on_its_own_path(
    make: type[ClaudeCodeAgent | AiderAgent], name: str, machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    driver, worker = machines
    on_driver = program(driver, name)
    agent = make()
    assert agent.executable == str(on_driver)
    shipped = pickle.dumps(agent)
    on_worker = move_to_worker(driver, worker, name, monkeypatch)
    assert pickle.loads(shipped).executable == str(on_worker)


def test_a_worker_honours_its_own_variable(machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    driver, worker = machines
    program(driver, "claude")
    shipped = pickle.dumps(ClaudeCodeAgent())
    (driver / "claude").unlink()
    elsewhere = program(worker / "node-local", "claude-2.1")
    monkeypatch.setenv("AGENTSPEC_CLAUDE", str(elsewhere))
    assert pickle.loads(shipped).executable == str(elsewhere)


def test_the_driver_path_is_kept_where_it_exists(machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    driver, worker = machines
    on_driver = program(driver, "claude")
    shipped = pickle.dumps(ClaudeCodeAgent())
    program(worker, "claude")
    monkeypatch.setenv("PATH", f"{worker}{os.pathsep}{driver}")
    assert pickle.loads(shipped).executable == str(on_driver)


def test_an_explicit_path_is_used_as_given(machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    driver, worker = machines
    shipped = pickle.dumps(AiderAgent(executable="/opt/tools/aider"))
    program(worker, "aider")
    monkeypatch.setenv("PATH", str(worker))
    assert pickle.loads(shipped).executable == "/opt/tools/aider"


def test_a_cli_missing_on_the_worker_keeps_the_driver_path(
    machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The attempt then records that the CLI could not start, naming the path; unpickling never fails.
    driver, _worker = machines
    on_driver = program(driver, "claude")
    shipped = pickle.dumps(ClaudeCodeAgent())
    on_driver.unlink()
    assert pickle.loads(shipped).executable == str(on_driver)


def test_a_command_agent_finds_its_program_again(machines: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    driver, worker = machines
    program(driver, "mycli")
    agent = CommandAgent("mycli --task {prompt_file} --model {model}")
    shipped = pickle.dumps(agent)
    on_worker = move_to_worker(driver, worker, "mycli", monkeypatch)
    moved = pickle.loads(shipped)
    assert moved.executable == str(on_worker)
    assert moved.arguments == ["--task", "{prompt_file}", "--model", "{model}"]
