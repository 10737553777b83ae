"""`agentspec run` and `agentspec report` on the seed suite, through the real CLI."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

from tests.conftest import SPECS, RunCli, report_json

CONTRACT = {
    "task",
    "agent",
    "model",
    "trial",
    "outcome",
    "failure_kind",
    "tests_passed",
    "tests_total",
    "duration_s",
    "findings",
}


def test_reference_passes_everything_and_none_nothing(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    first = cli("run", SPECS, "--results", results)
    assert first.returncode == 0, first.stderr
    assert "No agent or model given: running the reference solutions" in first.stderr
    assert "reference" in first.stdout and "8/8" in first.stdout

    again = cli("run", SPECS, "--results", results)
    assert again.returncode == 0
    assert "Nothing new to run: all 8 attempts are already recorded" in again.stderr

    none = cli("run", SPECS, "--results", results, "--agent", "none")
    assert none.returncode == 0, none.stderr
    assert "0/8" in none.stdout

    attempts = report_json(cli, results)
    assert len(attempts) == 16
    for attempt in attempts:
        assert attempt.keys() >= CONTRACT
        assert attempt["tests_total"] > 0
    by_agent = Counter((a["agent"], a["outcome"], a["failure_kind"]) for a in attempts)
    assert by_agent == {("reference", "passed", None): 8, ("none", "failed", "tests_failed"): 8}
    tasks = {a["task"] for a in attempts if a["agent"] == "reference"}
    assert len(tasks) == 8

    reference = next(a for a in attempts if a["agent"] == "reference" and a["task"] == "merge-sorted-lists")
    assert reference["fail_to_pass"] and set(reference["fail_to_pass"].values()) == {"passed"}
    assert reference["changed_files"] == ["merge.py"] or reference["changed_files"]
    artifacts = results / "artifacts" / reference["key"]
    assert "+++ b/" in (artifacts / "diff.patch").read_text()
    assert "passed" in (artifacts / "test-output.txt").read_text()

    runs = {a["run_id"] for a in attempts}
    assert len(runs) == 2
    only_none = report_json(cli, results, "--run", next(a["run_id"] for a in attempts if a["agent"] == "none"))
    assert {a["agent"] for a in only_none} == {"none"} and len(only_none) == 8


def test_editing_a_spec_makes_its_attempts_new_and_rerun_forces(cli: RunCli, tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    shutil.copytree(SPECS, suite)
    results = tmp_path / "results"
    assert (
        cli("run", suite / "validators.toml", suite / "merge-sorted-lists.toml", "--results", results).returncode == 0
    )

    spec = suite / "validators.toml"
    spec.write_text(spec.read_text().replace('title = "', 'title = "Edited: ', 1))
    second = cli("run", suite / "validators.toml", suite / "merge-sorted-lists.toml", "--results", results)
    assert (
        "Running 1 attempt (2 specs x 1 agent x 1 trial)" in second.stderr
        and "1 already recorded, skipped" in second.stderr
    )

    forced = cli("run", suite / "validators.toml", "--results", results, "--rerun")
    assert "Running 1 attempt (1 spec x 1 agent x 1 trial)" in forced.stderr
    attempts = report_json(cli, results)
    assert len(attempts) == 3
    assert Counter(a["task"] for a in attempts) == {"validators": 2, "merge-sorted-lists": 1}


def test_project_config_declares_the_matrix(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "agentspec.toml").write_text(
        '[run]\ntrials = 2\nresults = "out"\n\n[[matrix]]\nagent = "reference"\n\n[[matrix]]\nagent = "none"\n'
    )
    done = cli("run", SPECS / "validators.toml", SPECS / "ttl-cache.toml")
    assert done.returncode == 0, done.stderr
    attempts = report_json(cli, tmp_path / "out")
    assert Counter((a["agent"], a["trial"]) for a in attempts) == {
        ("reference", 1): 2,
        ("reference", 2): 2,
        ("none", 1): 2,
        ("none", 2): 2,
    }
    markdown = cli("report", "--results", tmp_path / "out", "--format", "markdown", check=True).stdout
    assert "| reference | - | 4/4 | 100% |" in markdown


def test_bad_config_is_located(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "agentspec.toml").write_text('[[matrix]]\nagent = "none"\nmodel = "ollama/x"\n')
    done = cli("run", SPECS / "validators.toml")
    assert done.returncode == 1
    assert (
        f"{tmp_path / 'agentspec.toml'}:3:1: matrix[0].model: unknown key 'model'; did you mean 'models'?"
        in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_user_mistakes_are_one_clear_message(cli: RunCli, tmp_path: Path) -> None:
    bad_agent = cli("run", SPECS, "--agent", "gpt-pilot", "--results", tmp_path / "r")
    assert bad_agent.returncode == 2 and "unknown agent 'gpt-pilot'" in bad_agent.stderr
    bad_model = cli("run", SPECS, "--agent", "none", "--model", "ollama/x", "--results", tmp_path / "r")
    assert bad_model.returncode == 2 and "uses no model" in bad_model.stderr
    no_results = cli("report", "--results", tmp_path / "nothing")
    assert no_results.returncode == 2 and "no results in" in no_results.stderr
    for done in (bad_agent, bad_model, no_results):
        assert "Traceback" not in done.stderr


def test_store_is_wal_sqlite(cli: RunCli, tmp_path: Path) -> None:
    results = tmp_path / "results"
    cli("run", SPECS / "validators.toml", "--results", results, check=True)
    with sqlite3.connect(results / "results.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT task, outcome FROM attempts").fetchall() == [("validators", "passed")]
