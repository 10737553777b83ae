"""Small promises of the command line: closed pipes, --version, help text, defaults, honest messages."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agentspec import __version__
from agentspec.cli.main import build_parser
from agentspec.store.sqlite import Store
from tests.conftest import SPECS, RunCli

BUGGY = "def find(items, wanted):\n    # Wait, I need a loop\n    return [i for i in wanted if i in items]\n"


def _closed_early(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI with its stdout a pipe whose reader has already gone, as `... | head -c 0` would leave it."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the command writes a byte: its first write gets EPIPE
    try:
        return subprocess.run(
            [sys.executable, "-m", "agentspec", *args],
            cwd=cwd,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", ["validate", "report", "review"])
def test_a_reader_that_closes_early_gets_no_traceback(command: str, tmp_path: Path) -> None:
    if command == "validate":
        args = ["validate", "--format", "json", str(SPECS)]
    elif command == "report":
        with Store(tmp_path / "results"):
            pass
        args = ["report", "--format", "json", "--results", str(tmp_path / "results")]
    else:
        (tmp_path / "counter.py").write_text(BUGGY, encoding="utf-8")
        args = ["review", "--format", "json", str(tmp_path / "counter.py")]
    done = _closed_early(args, tmp_path)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 141


def test_version(cli: RunCli) -> None:
    done = cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"agentspec {__version__}"


def _options(parser: argparse.ArgumentParser, path: str = "agentspec") -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_options(sub, f"{path} {name}"))
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_has_help_text() -> None:
    missing = [f"{path} {'/'.join(a.option_strings) or a.dest}" for path, a in _options(build_parser()) if not a.help]
    assert missing == []


def test_new_writes_into_the_current_folder_not_the_suite(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    done = cli("new", "my-task", "--kind", "bug-fix")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "my-task.toml").is_file()
    assert list((tmp_path / "specs").iterdir()) == []
    assert cli("validate", "my-task.toml").returncode == 0


def test_report_reads_the_results_folder_the_config_names(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "agentspec.toml").write_text('[run]\nresults = "out"\nsandbox = "none"\n', encoding="utf-8")
    ran = cli("run", SPECS / "validators.toml")
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "results.sqlite").is_file() and not (tmp_path / "results").exists()
    done = cli("report", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert '"task": "validators"' in done.stdout


def test_the_run_line_counts_trials(cli: RunCli) -> None:
    done = cli("run", SPECS / "validators.toml", "--trials", "2", "--sandbox", "none", "--results", "r")
    assert done.returncode == 0, done.stderr
    assert "Running 2 attempts (1 spec x 1 agent x 2 trials)" in done.stderr


def test_sandbox_none_does_not_ask_for_bubblewrap(cli: RunCli) -> None:
    done = cli("run", SPECS / "validators.toml", "--sandbox", "none", "--results", "r")
    assert done.returncode == 0, done.stderr
    assert "without a sandbox" in done.stderr
    assert "install bubblewrap" not in done.stderr


def test_ctrl_c_under_rerun_does_not_promise_resuming(tmp_path: Path) -> None:
    results = tmp_path / "results"
    argv = [sys.executable, "-m", "agentspec", "run", str(SPECS), "--rerun", "--concurrency", "1"]
    argv += ["--sandbox", "none", "--results", str(results), "--agent", "command:sleep 2"]  # slow: see test_hostile
    process = subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Interrupt inside the run proper: once the first attempt is recorded.
    for _ in range(2400):
        if _recorded(results / "results.sqlite") >= 1 or process.poll() is not None:
            break
        threading.Event().wait(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Run it again without --rerun to resume." in err
    assert "Run the same command again" not in err


def _recorded(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM attempts").fetchone()[0])
    except sqlite3.Error:
        return 0
