"""The reviewer rules, one per module; `ALL_RULES` lists them sorted by id."""

from __future__ import annotations

from agentspec.review.rule import Rule
from agentspec.review.rules.docstrings import DocstringsRule
from agentspec.review.rules.leaked_reasoning import LeakedReasoningRule
from agentspec.review.rules.placeholder import PlaceholderRule
from agentspec.review.rules.quadratic import QuadraticRule
from agentspec.review.rules.sql_injection import SqlInjectionRule
from agentspec.review.rules.syntax_error import SyntaxErrorRule
from agentspec.review.rules.test_gaming import TestGamingRule
from agentspec.review.rules.thread_safety import ThreadSafetyRule

ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (
            DocstringsRule,
            LeakedReasoningRule,
            PlaceholderRule,
            QuadraticRule,
            SqlInjectionRule,
            SyntaxErrorRule,
            TestGamingRule,
            ThreadSafetyRule,
        ),
        key=lambda rule: rule.id,
    )
)

__all__ = [
    "ALL_RULES",
    "DocstringsRule",
    "LeakedReasoningRule",
    "PlaceholderRule",
    "QuadraticRule",
    "SqlInjectionRule",
    "SyntaxErrorRule",
    "TestGamingRule",
    "ThreadSafetyRule",
]
