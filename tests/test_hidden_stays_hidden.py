"""What an agent sees of the host: its workspace and the system's runtime, never the spec suite around it."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.agents.command import CommandAgent
from agentspec.runner.attempt import AttemptContext, run_attempt
from agentspec.runner.plan import Attempt
from agentspec.sandbox import Sandbox, bwrap_available, program_paths
from agentspec.sandbox.paths import python_paths
from agentspec.spec import load_spec
from tests.conftest import SPECS

needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap (bwrap) is not installed")
BUILD = Path(__file__).resolve().parents[1] / "build"


@pytest.fixture
def suite_outside_tmp() -> Iterator[Path]:
    """The seed suite copied under the checkout's build/ folder: outside /tmp, which the sandbox makes private."""
    folder = BUILD / f"hidden-{uuid.uuid4().hex}"
    shutil.copytree(SPECS, folder / "specs")
    yield folder / "specs"
    shutil.rmtree(folder)


@needs_bwrap
def test_an_agent_searching_the_whole_filesystem_finds_no_spec_hidden_test_or_solution(
    suite_outside_tmp: Path, tmp_path: Path
) -> None:
    spec = load_spec(suite_outside_tmp / "paginator-off-by-one.toml")
    script = (
        "find / \\( -name '*.toml' -o -name 'test_*.py' \\) 2>/dev/null > found.txt; "
        f"ls -d {shlex.quote(str(suite_outside_tmp))} /root/* /home/* /work/* >> seen.txt 2>&1; true"
    )
    agent = CommandAgent(f"/bin/sh -c {shlex.quote(script)}")
    context = AttemptContext(Sandbox("bwrap"), tmp_path / "work", keep_workspaces=True)
    record, _ = asyncio.run(run_attempt(Attempt(spec, agent.name, None, 1), agent, context))
    workspace = tmp_path / "work" / record.key / "workspace"
    found = (workspace / "found.txt").read_text().splitlines()
    assert found, "find printed nothing: the agent did not run"
    # The same paths on the host (the sandbox binds each at its own path): none holds a spec, hidden test or solution.
    specs = [load_spec(s) for s in SPECS.glob("*.toml")]
    secret = {t.text for s in specs for t in s.tests if t.hidden} | {f.text for s in specs for f in s.solution}
    secret |= {p.read_text() for p in SPECS.glob("*.toml")}
    assert len(secret) > 10
    leaked = [line for line in found if Path(line).is_file() and _text(Path(line)) in secret]
    assert leaked == []
    # Of /root, /home and /work only this Python's installation shows (it may live there, as pyenv's does).
    python = tuple(f"{p}/" for p in python_paths())
    private = [line for line in found if line.startswith(("/work", "/root", "/home")) and not line.startswith(python)]
    assert private == []
    assert not [line for line in found if str(suite_outside_tmp) in line]
    # Of the spec's own tests, the agent finds the visible ones in its workspace and nothing else.
    mine = sorted(Path(line).name for line in found if line.startswith(f"{workspace}/"))
    assert mine == sorted(Path(t.path).name for t in spec.tests if not t.hidden)
    seen = (workspace / "seen.txt").read_text()
    assert "No such file or directory" in seen and str(suite_outside_tmp) not in seen.replace(
        f"ls: cannot access '{suite_outside_tmp}'", ""
    )


def test_a_harness_declares_its_install_read_only(tmp_path: Path) -> None:
    venv = tmp_path / "opt" / "tool-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    program = venv / "bin" / "tool"
    program.write_text("#!/bin/sh\necho hi\n")
    data = tmp_path / "data.txt"
    data.write_text("x")
    paths = program_paths([str(program), "--input", str(data), "--flag", "/no/such/file"])
    assert paths == (data, venv)
    assert program_paths(["/usr/bin/env", "true"]) == ()  # the system's own folders are always there


@needs_bwrap
def test_a_declared_path_is_visible_read_only_and_nothing_else_of_the_host(tmp_path: Path) -> None:
    outside = BUILD / f"readonly-{uuid.uuid4().hex}"
    (outside / "shown").mkdir(parents=True)
    (outside / "hidden").mkdir()
    (outside / "shown" / "file.txt").write_text("visible")
    (outside / "hidden" / "file.txt").write_text("secret")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    try:
        script = f"cat {outside}/shown/file.txt; cat {outside}/hidden/file.txt; echo x > {outside}/shown/file.txt"
        done = Sandbox("bwrap").run_sync(
            ["sh", "-c", script], cwd=workspace, timeout_s=30, readonly=[outside / "shown"]
        )
        assert done.stdout == "visible"
        assert "No such file or directory" in done.stderr and "Read-only file system" in done.stderr
        assert (outside / "shown" / "file.txt").read_text() == "visible"
    finally:
        shutil.rmtree(outside)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
