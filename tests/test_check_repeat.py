"""`agentspec check --repeat N`: a test whose outcome on the reference varies is named flaky and fails the check."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunCli

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
import os

from calc import add


def test_add():
    assert add(1, 2) == 3


def test_depends_on_where_it_runs():
    # Flaky in a way a test can be: it depends on its surroundings (here, the folder it runs in).
    assert add(2, 2) == 4 and not os.getcwd().endswith("reference-1")
'''

[[solution]]
path = "calc.py"
content = '''
def add(a, b):
    return a + b
'''
"""


def test_repeat_names_flaky_tests(cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "adder.toml"
    spec.write_text(SPEC)
    once = cli("check", spec, "--format", "json")
    assert once.returncode == 0, once.stdout + once.stderr
    assert json.loads(once.stdout)["specs"][0]["flaky"] == {}

    repeated = cli("check", spec, "--repeat", "3", "--format", "json")
    assert repeated.returncode == 1
    health = json.loads(repeated.stdout)["specs"][0]
    assert health["flaky"] == {"test_calc::test_depends_on_where_it_runs": "passed 2 of 3"}
    assert "flaky on the reference: test_calc::test_depends_on_where_it_runs (passed 2 of 3)" in health["problems"]
    table = cli("check", spec, "--repeat", "3")
    assert "flaky on the reference" in table.stdout + table.stderr
