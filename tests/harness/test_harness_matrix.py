"""One model through several harnesses side by side in one run, declared in the project config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentspec.agents.aider import AiderAgent
from agentspec.agents.claude_code import ClaudeCodeAgent
from agentspec.serve import ModelServer
from tests.conftest import SPECS
from tests.harness.conftest import AIDER_INSTALL, CLAUDE_INSTALL, FAKES, require

CONFIG = """\
[run]
concurrency = 3

[[matrix]]
agent = "claude-code"
models = ["ollama/reference"]
base_url = "{url}"

[[matrix]]
agent = "aider"
models = ["ollama/reference"]
base_url = "{url}"

[[matrix]]
agent = "builtin"
models = ["ollama/reference"]
base_url = "{url}"

[[matrix]]
agent = '''{command}'''
models = ["ollama/reference"]
base_url = "{url}"
"""


@pytest.mark.slow
def test_the_same_model_through_four_harnesses(harness_server: ModelServer, tmp_path: Path) -> None:
    require(ClaudeCodeAgent, CLAUDE_INSTALL)
    require(AiderAgent, AIDER_INSTALL)
    mini = f"{sys.executable} {FAKES / 'mini_agent.py'}"
    command = f"command:--parser=json {mini} --prompt-file {{prompt_file}} --model {{model}} --url {{base_url}}"
    (tmp_path / "agentspec.toml").write_text(CONFIG.format(url=harness_server.url, command=command))
    # One task (three files in a package) shows the side-by-side; the harness suites run every task.
    specs = [str(SPECS / "rename-user-manager.toml")]
    run = subprocess.run(
        [sys.executable, "-m", "agentspec", "run", *specs], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    shown = subprocess.run(
        [sys.executable, "-m", "agentspec", "report", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    attempts = json.loads(shown.stdout)["attempts"]
    outcomes = sorted((a["agent"].split(":")[0], a["task"], a["outcome"]) for a in attempts)
    agents = ["aider", "builtin", "claude-code", "command"]
    tasks = ["rename-user-manager"]
    assert outcomes == [(agent, task, "passed") for agent in agents for task in tasks]
