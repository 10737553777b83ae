"""The public API: every name in `agentspec.__all__` resolves, to the object its home module defines."""

from __future__ import annotations

import importlib
import subprocess
import sys

import agentspec


def test_all_is_sorted_and_complete() -> None:
    assert agentspec.__all__ == sorted(agentspec.__all__)
    assert set(agentspec.__all__) == {*agentspec._EXPORTS, "__version__"}
    for name in agentspec.__all__:
        value = getattr(agentspec, name)
        if name != "__version__":
            home = importlib.import_module(agentspec._EXPORTS[name])
            assert value is getattr(home, name), name


def test_import_is_light() -> None:
    # The CLI and `import agentspec` must not pay for subsystems they do not use.
    code = "import sys, agentspec; print(sorted(m for m in ('libcst', 'httpx', 'mkdocs') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_command_line_parser_is_light() -> None:
    # `agentspec --help`, `validate` and `report` start without the agents, providers, reviewers or MkDocs;
    # `run` and `site` import them when they run.
    code = (
        "import sys; from agentspec.cli.main import build_parser; build_parser(); "
        "print(sorted(m for m in ('libcst', 'mkdocs', 'agentspec.agents', 'agentspec.runner.run') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
