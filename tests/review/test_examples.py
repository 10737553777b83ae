"""Every rule's own examples: VALID code gives no finding of the rule, INVALID code at least one."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pytest

from agentspec.review import Example, ReviewConfig, Rule, all_rules, review_source


def _cases(kind: Literal["VALID", "INVALID"]) -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.id}-{kind.lower()}-{number}")
        for rule in all_rules()
        for number, example in enumerate(rule.examples(kind), start=1)
    ]


def _review(rule: type[Rule], example: Example) -> list[tuple[int, str]]:
    config = replace(example.config or ReviewConfig(), rules={rule.id}, properties=False)
    findings = review_source(example.source, example.path, config)
    return [(finding.line, finding.message) for finding in findings if finding.rule == rule.id]


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_gives_no_finding(rule: type[Rule], example: Example) -> None:
    assert _review(rule, example) == []


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_gives_a_finding(rule: type[Rule], example: Example) -> None:
    findings = _review(rule, example)
    assert findings, f"{rule.id} found nothing in:\n{example.source}"
    if example.line is not None:
        assert example.line in [line for line, _ in findings], findings


@pytest.mark.parametrize("rule", all_rules(), ids=[rule.id for rule in all_rules()])
def test_rule_is_documented_with_enough_examples(rule: type[Rule]) -> None:
    assert rule.__doc__ and rule.__doc__.strip().split("\n")[0].endswith(".")
    assert rule.severity in ("error", "warning", "info")
    assert len(rule.examples("VALID")) >= 6
    assert len(rule.examples("INVALID")) >= 6


def test_rules_are_sorted_by_id_and_ids_are_the_contract() -> None:
    ids = [rule.id for rule in all_rules()]
    assert ids == sorted(ids)
    assert set(ids) == {
        "thread-safety",
        "sql-injection",
        "quadratic",
        "leaked-reasoning",
        "test-gaming",
        "placeholder",
        "docstrings",
        "syntax-error",
    }
