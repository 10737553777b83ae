"""A rule written outside agentspec joins by registration alone: review, the spec schema and the site see it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

from agentspec.cli.main import main
from agentspec.publish import rules_page
from agentspec.review import Rule, all_rules, register_rule, registry, rule_ids
from agentspec.spec.schema import spec_schema_text


class NoPrintRule(Rule):
    """Flags print() calls: output belongs in logging."""

    id = "no-print"
    severity = "warning"
    message = "print() in library code; use logging"
    VALID = ["import logging\nlogging.info('x')\n"]
    INVALID = ["print('x')\n"]

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node)


@pytest.fixture
def registered() -> Iterator[type[Rule]]:
    register_rule(NoPrintRule)
    yield NoPrintRule
    registry._registered.pop("no-print", None)


def test_builtin_ids_are_their_module_names() -> None:
    for rule in all_rules():
        assert rule.__module__ == f"agentspec.review.rules.{rule.id.replace('-', '_')}"
    assert rule_ids() == [rule.id for rule in all_rules()]


def test_a_registered_rule_reaches_review_schema_and_site(
    registered: type[Rule], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "lib.py"
    source.write_text("def f():\n    print('hi')\n")
    assert main(["review", str(source), "--rule", "no-print", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("no-print", 2)]

    schema = json.loads(spec_schema_text())
    assert "no-print" in json.dumps(schema["$defs"]["Review"])
    assert "no-print" in rules_page.index_markdown()
    assert registered in all_rules()


def test_a_spec_may_name_a_registered_rule_and_no_unknown_one(registered: type[Rule], tmp_path: Path) -> None:
    from agentspec.errors import SpecError
    from agentspec.spec.load import load_spec

    body = 'id = "t"\ntitle = "t"\nkind = "implement"\ninstructions = "x"\n[[tests]]\npath = "test_x.py"\n'
    body += "content = 'def test_x():\\n    pass\\n'\n[review]\nrules = [{rules}]\n"
    good = tmp_path / "good.toml"
    good.write_text(body.replace("{rules}", '"no-print", "quadratic"'))
    assert load_spec(good).review.rules == ["no-print", "quadratic"]
    bad = tmp_path / "bad.toml"
    bad.write_text(body.replace("{rules}", '"no-prnt"'))
    with pytest.raises(SpecError, match="unknown rule 'no-prnt'"):
        load_spec(bad)


def test_an_id_cannot_be_taken_twice() -> None:
    class Again(NoPrintRule):
        id = "quadratic"

    with pytest.raises(ValueError, match="taken"):
        register_rule(Again)
