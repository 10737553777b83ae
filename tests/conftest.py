"""Shared fixtures: the seed suite, and running the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "specs"

RunCli = Callable[..., subprocess.CompletedProcess[str]]

# Set by .ci/run: a skipped test is a failure there, so a missing install turns the build red.
NO_SKIP = "AGENTSPEC_NO_SKIP"
# Variables of model clients, harnesses and Ray that would steer tests towards the user's own setup.
LEAKY_PREFIXES = (
    "RAY_",
    "ANTHROPIC_",
    "OPENAI_",
    "OLLAMA_",
    "AIDER_",
    "CLAUDE_",
    "CODEX_",
    "OPENCODE_",
    "QWEN_",
    "MISTRAL_",
    "GEMINI_",
    "VLLM_",
    "LITELLM_",
    "HF_",
)


@pytest.fixture(scope="session", autouse=True)
def isolated_from_the_user(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A fresh HOME, XDG folders and temp folder for the session, without the user's model or Ray variables.

    So `~/.ray/auth_token`, `~/.claude`, `~/.aider*` and leftover `agentspec-run-*` folders of earlier runs
    cannot change what a test sees; subprocesses (the CLI, Ray nodes, harnesses) inherit the same.
    """
    home = tmp_path_factory.mktemp("home")
    scratch = Path(tempfile.mkdtemp(prefix="agentspec-tests-"))
    patch = pytest.MonkeyPatch()
    real_home = Path.home()
    if (real_home / ".pyenv").is_dir():
        # pyenv's `python` shims find their interpreters through HOME unless PYENV_ROOT says where.
        patch.setenv("PYENV_ROOT", os.environ.get("PYENV_ROOT", str(real_home / ".pyenv")))
    patch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        patch.setenv(name, str(home / name.lower()))
    patch.setenv("TMPDIR", str(scratch))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The workers of this session share their test-set cache (entries are written whole, by rename), so a
        # spec's starter and reference are graded once per session, not once per worker. The folder above the
        # worker's basetemp is this session's own.
        patch.setenv("AGENTSPEC_CACHE_DIR", str(tmp_path_factory.getbasetemp().parent / "agentspec-cache"))
    patch.setattr(tempfile, "tempdir", None)  # gettempdir() caches its answer; make it read TMPDIR again
    for name in list(os.environ):
        if name.startswith(LEAKY_PREFIXES):
            patch.delenv(name)
    # Started as a background job (`cmd &` in a script, nohup), a process inherits SIGINT ignored, and so would
    # every command a test starts, which the Ctrl-C tests then could not interrupt. A handler is not inherited
    # across exec, so with one here the commands start with SIGINT's default, as from a terminal.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        patch.undo()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under AGENTSPEC_NO_SKIP=1 (CI), report a skipped test as failed, with the skip's reason."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get(NO_SKIP) == "1" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and {NO_SKIP}=1 (CI) allows no skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while collecting (`pytest.importorskip` at its top)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get(NO_SKIP) == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and {NO_SKIP}=1 (CI) allows no skip: {reason}"


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


# Under pytest-xdist (`-n`, `--dist loadgroup` in pyproject) a test file runs whole on one worker, so its module
# fixtures (a harness's run of the seed suite) are made once. Session fixtures are made once per worker, so the files
# that use an expensive one share a group, and these folders run whole on one worker (a Ray cluster whose processes
# its tests count; a llama server).
WHOLE_FOLDER_GROUPS = ("ray", "real_server")
SHARED_SESSION_FIXTURES = ("compared", "hostile_site")


def xdist_group_of(path: Path, fixtures: set[str]) -> str:
    """The worker group of a test file (given every fixture its tests use): folder, shared fixture, or the file."""
    relative = path.relative_to(REPO / "tests") if path.is_relative_to(REPO / "tests") else path
    if relative.parts[0] in WHOLE_FOLDER_GROUPS:
        return relative.parts[0]
    shared = sorted(fixtures.intersection(SHARED_SESSION_FIXTURES))
    return f"fixture:{shared[0]}" if shared else relative.as_posix()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its xdist group (before xdist reads the marks), unless the test names its own."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    fixtures: dict[Path, set[str]] = {}
    for item in items:
        fixtures.setdefault(item.path, set()).update(getattr(item, "fixturenames", ()))
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(xdist_group_of(item.path, fixtures[item.path])))


# Hypothesis's 200 ms deadline per example measures the machine's load, not the code: on 2 cores shared by parallel
# workers an example's first call (lazy imports) took 521 ms. Tests that want a deadline still set their own.
hypothesis.settings.register_profile("agentspec", deadline=None)
hypothesis.settings.load_profile("agentspec")
