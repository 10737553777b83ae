"""Shared fixtures: the seed suite, and running the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "specs"

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> RunCli:
    """Run `python -m agentspec ARGS` in `tmp_path` (so no project config applies) and return the result."""

    def run(*args: str | Path, cwd: Path | None = None, check: bool = False, timeout: float = 300) -> Any:
        env = {**os.environ, "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "agentspec", *map(str, args)],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            env=env,
        )

    return run


def report_json(cli: RunCli, results: Path, *extra: str) -> list[dict[str, Any]]:
    """The attempts `agentspec report --format json` prints."""
    done = cli("report", "--results", results, "--format", "json", *extra, check=True)
    attempts: list[dict[str, Any]] = json.loads(done.stdout)["attempts"]
    return attempts
