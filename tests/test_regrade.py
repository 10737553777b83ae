"""`agentspec regrade`: a spec's tests change, stored attempts get a new verdict, and no agent runs."""

from __future__ import annotations

from pathlib import Path

from agentspec.serve import serve_in_thread
from tests.conftest import RunCli, report_json

SPEC = """
id = "adder"
title = "Implement add"
kind = "implement"
instructions = "Make add() add."

[[files]]
path = "calc.py"
content = '''
def add(a, b):
    return 0
'''

[[tests]]
path = "test_calc.py"
content = '''
from calc import add


def test_add():
    assert add(1, 2) == 3
{extra}
'''

[[solution]]
path = "calc.py"
content = '''
def add(a, b):
    return a + b
'''
"""
NEGATIVES = """

def test_add_negative():
    assert add(-1, -1) == -2
"""
# A half-right solution: positive numbers only.
HALF = "command:sh -c 'printf \"def add(a, b):\\n    return a + b if a > 0 else 0\\n\" > calc.py'"


def test_regrade_changes_verdicts_after_a_test_changes(cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "adder.toml"
    spec.write_text(SPEC.replace("{extra}", NEGATIVES))
    results = tmp_path / "results"
    # The command ignores its model; one is named because command agents are model-driven.
    with serve_in_thread([]) as server:
        model = ("--model", "openai/nop", "--base-url", f"{server.url}/v1", "--no-preflight")
        assert cli("run", spec, "--agent", HALF, *model, "--results", results).returncode == 0
    assert cli("run", spec, "--agent", "none", "--results", results).returncode == 0
    before = {a["agent"]: a for a in report_json(cli, results)}
    assert before[HALF]["outcome"] == "failed"

    spec.write_text(SPEC.replace("{extra}", ""))  # the negative-number test is dropped
    done = cli("regrade", spec, "--results", results)
    assert done.returncode == 0, done.stderr
    assert "failed/tests_failed -> passed (grade 1" in done.stdout
    assert "Regraded 2 of 2 attempts; 1 changed." in done.stdout

    after = {a["agent"]: a for a in report_json(cli, results)}
    half = after[HALF]
    assert half["outcome"] == "passed" and half["regraded"]["number"] == 1
    assert half["turns"] == before[HALF]["turns"] and half["key"] == before[HALF]["key"]
    assert after["none"]["outcome"] == "failed" and after["none"]["regraded"]["number"] == 1
    artifacts = results / "artifacts" / half["key"]
    assert (artifacts / "test-output-grade-1.txt").is_file()
    import sqlite3

    with sqlite3.connect(results / "results.sqlite") as db:
        grades = db.execute("SELECT number, outcome FROM grades WHERE attempt_key = ? ORDER BY number", (half["key"],))
        assert grades.fetchall() == [(0, "failed"), (1, "passed")]
    site = tmp_path / "site"
    assert cli("site", "--results", results, "-o", site).returncode == 0
    assert "regraded (grade 1)" in "".join(p.read_text(errors="replace") for p in site.rglob("*.html"))
    again = cli("regrade", spec, "--results", results)
    assert "unchanged (grade 2" in again.stdout
