"""The library API: `agentspec.run`, `check` and `report` behave as the commands, with one config precedence."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import agentspec
from agentspec.api.options import RunOptions, resolve
from agentspec.api.project import Project
from agentspec.errors import ConfigError
from agentspec.serve import serve_in_thread
from agentspec.spec.suite import load_specs
from agentspec.store.sqlite import Store
from tests.conftest import SPECS

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    """The Python block under README's "From Python" heading, verbatim."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### From Python") :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, "README's From Python section has no python block"
    return found.group(1)


def test_the_readme_example_runs_against_agentspec_serve(tmp_path: Path) -> None:
    example = readme_example()
    assert len(example.strip().splitlines()) <= 10
    (tmp_path / "specs").mkdir()
    shutil.copy(SPECS / "validators.toml", tmp_path / "specs")
    with serve_in_thread(load_specs([tmp_path / "specs"])) as server:
        env = {**os.environ, "OLLAMA_HOST": server.url}
        done = subprocess.run(
            [sys.executable, "-c", example], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0, done.stderr
    assert "builtin ollama/reference: 1/1 passed, pass@1 100%" in done.stdout
    assert "| builtin | ollama/reference | 1/1 | 100% |" in done.stdout
    assert (tmp_path / "results" / "results.sqlite").is_file()


def test_flags_win_over_the_config_and_the_config_over_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "agentspec.toml").write_text(
        '[run]\ntrials = 3\nresults = "out"\nsandbox = "none"\nendpoint_concurrency = 2\n'
        '[[matrix]]\nagent = "builtin"\nmodels = ["ollama/m"]\nbase_url = "http://127.0.0.1:9"\ntrials = 2\n'
    )
    project = Project.find(tmp_path)
    from_config = resolve(RunOptions(), project)
    assert [(c.agent, c.model, c.endpoint and c.endpoint.base_url, c.trials) for c in from_config.cells] == [
        ("builtin", "ollama/m", "http://127.0.0.1:9", 2)
    ]
    assert (from_config.results, from_config.sandbox, from_config.endpoint_concurrency) == (tmp_path / "out", "none", 2)
    given = RunOptions(models=["ollama/m"], base_url="http://127.0.0.1:8", trials=1, results=Path("r"), sandbox="auto")
    from_flags = resolve(given, project)
    assert [(c.model, c.endpoint and c.endpoint.base_url, c.trials) for c in from_flags.cells] == [
        ("ollama/m", "http://127.0.0.1:8", 1)
    ]
    assert (from_flags.results, from_flags.sandbox) == (Path("r"), "auto")
    nothing = resolve(RunOptions(), Project())
    assert (nothing.results, nothing.sandbox, nothing.executor, nothing.default_cells) == (
        Path("results"),
        "auto",
        "local",
        True,
    )


def test_the_environment_comes_after_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "from-env:6379")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:7")
    (tmp_path / "agentspec.toml").write_text('[run]\nray_address = "from-config:6379"\n')
    setup = resolve(RunOptions(models=["ollama/m"]), Project.find(tmp_path))
    assert setup.ray_address == "from-config:6379"
    assert setup.cells[0].endpoint is not None and setup.cells[0].endpoint.base_url == "http://127.0.0.1:7"
    assert resolve(RunOptions(), Project()).ray_address == "from-env:6379"
    assert resolve(RunOptions(ray_address="flag:1"), Project()).ray_address == "flag:1"


def test_a_bad_matrix_is_one_located_config_error(tmp_path: Path) -> None:
    (tmp_path / "agentspec.toml").write_text('[[matrix]]\nagent = "builtin"\nmodels = ["nope"]\n')
    with pytest.raises(ConfigError, match=r"agentspec.toml:3:\d+: matrix\[0\]\.models\[0\]"):
        resolve(RunOptions(), Project.find(tmp_path))


def test_check_and_report_answer_as_the_commands_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agentspec.toml").write_text('[run]\nresults = "store"\nsandbox = "none"\n')
    health = agentspec.check([SPECS / "validators.toml"])
    assert health.healthy and health.sandbox == "none"
    result = agentspec.run([SPECS / "validators.toml"], agent="none")
    assert (result.results, result.planned, result.ran) == (tmp_path / "store", 1, 1)
    again = agentspec.run([SPECS / "validators.toml"], agent="none")
    assert again.ran == 0 and again.run_id is None
    found = agentspec.report()
    assert [(r.agent, r.outcome) for r in found.records] == [("none", "failed")]
    assert found.pass_rate == 0.0 and '"attempts"' in found.json()


def test_a_named_results_folder_does_not_read_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agentspec.toml").write_text("[run\n")
    with Store(tmp_path / "named"):
        pass
    assert agentspec.report(tmp_path / "named").records == []
    with pytest.raises(ConfigError, match="agentspec.toml:1"):
        agentspec.report()
