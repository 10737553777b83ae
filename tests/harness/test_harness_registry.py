"""A harness is one module in agentspec/agents: found by walking the package, registered by name."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import agentspec.agents
from agentspec.agents import agent_names
from agentspec.agents.harness import harness_classes


def test_every_harness_module_is_discovered_and_registered() -> None:
    harnesses = harness_classes()
    assert {"claude-code", "aider", "codex", "opencode"} <= set(harnesses)
    assert set(harnesses) <= set(agent_names())
    modules = {m.name for m in pkgutil.iter_modules(agentspec.agents.__path__)}
    for name, cls in harnesses.items():
        assert cls.__module__.rsplit(".", 1)[-1] in modules
        assert cls.title and cls.cli.install and cls.args_variable.startswith("AGENTSPEC_"), name


def test_a_harness_declares_what_the_sandbox_must_show(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    program = venv / "bin" / "mycli"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    npm = tmp_path / "lib" / "node_modules" / "@scope" / "cli"
    (npm / "bin").mkdir(parents=True)
    (npm / "bin" / "cli.js").write_text("")
    link = tmp_path / "cli"
    link.symlink_to(npm / "bin" / "cli.js")
    aider = harness_classes()["aider"]
    assert aider(str(program)).install_paths() == [venv]
    assert aider(str(link)).install_paths() == [npm]
