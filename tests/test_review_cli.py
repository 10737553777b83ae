"""`agentspec review` on the seed tasks' code: the contract's JSON shape and exit codes."""

from __future__ import annotations

import json

from tests.conftest import SPECS, RunCli


def test_starters_have_the_problems_the_tasks_are_about(cli: RunCli) -> None:
    done = cli("review", SPECS / "find-duplicates" / "starter", SPECS / "sql-injection" / "starter", "--format", "json")
    assert done.returncode == 1
    findings = json.loads(done.stdout)["findings"]
    assert {tuple(sorted(f)) for f in findings} == {("column", "data", "line", "message", "path", "rule", "severity")}
    failing = {(f["rule"], f["path"].rsplit("/", 1)[-1]) for f in findings if f["severity"] != "info"}
    assert failing == {("quadratic", "records.py"), ("sql-injection", "userdb.py")}
    assert sum(f["rule"] == "sql-injection" for f in findings) == 3


def test_reference_solutions_are_clean(cli: RunCli) -> None:
    done = cli("review", SPECS / "find-duplicates" / "solution", SPECS / "sql-injection" / "solution")
    assert done.returncode == 0, done.stdout
    assert done.stdout == ""


def test_rule_selection_and_usage_errors(cli: RunCli) -> None:
    only_sql = cli("review", SPECS / "find-duplicates" / "starter", "--rule", "sql-injection")
    assert only_sql.returncode == 0
    unknown = cli("review", SPECS, "--rule", "sql_injection")
    assert unknown.returncode == 2 and "unknown rule 'sql_injection'" in unknown.stderr
    missing = cli("review", SPECS / "nope")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
