"""The test suite's own set-up: isolated from the user's HOME and variables, and no skip allowed in CI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import REPO

CONFTEST = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from tests.conftest import isolated_from_the_user, pytest_make_collect_report, pytest_runtest_makereport
"""

TESTS = """
import os, tempfile
from pathlib import Path
import pytest

def test_sees_a_fresh_home_and_no_user_variables():
    assert not (Path.home() / ".ray" / "auth_token").exists()
    assert "RAY_ADDRESS" not in os.environ and "ANTHROPIC_API_KEY" not in os.environ
    assert not list(Path(tempfile.gettempdir()).glob("agentspec-run-*"))

def test_needs_a_tool():
    pytest.skip("the tool is not installed")
"""


def _run_suite(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (folder / "test_sample.py").write_text(TESTS, encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # The user's state the suite must not see: a stray Ray token, variables, a leftover run folder.
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text("stale", encoding="utf-8")
    temp = tmp_path / "temp"
    (temp / "agentspec-run-1-x").mkdir(parents=True)
    variables = {**os.environ, "HOME": str(home), "TMPDIR": str(temp), "RAY_ADDRESS": "10.0.0.1:6379"}
    variables.pop("AGENTSPEC_NO_SKIP", None)
    variables |= {"ANTHROPIC_API_KEY": "sk-user", **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=variables,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_tests_see_a_fresh_home_and_a_skip_is_only_a_skip_outside_ci(tmp_path: Path) -> None:
    done = _run_suite(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 1 skipped" in done.stdout
    assert "the tool is not installed" in done.stdout


def test_in_ci_a_skip_fails_the_run_with_its_reason(tmp_path: Path) -> None:
    done = _run_suite(tmp_path, AGENTSPEC_NO_SKIP="1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "AGENTSPEC_NO_SKIP=1 (CI) allows no skip: Skipped: the tool is not installed" in done.stdout


def test_this_session_runs_isolated() -> None:
    assert not (Path.home() / ".ray").exists()
    assert Path(tempfile.gettempdir()).name.startswith("agentspec-tests-")
    assert not any(name.startswith(("RAY_", "ANTHROPIC_", "OPENAI_", "OLLAMA_")) for name in os.environ)
