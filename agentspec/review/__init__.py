"""The reviewer: libcst rules that read the code an agent wrote, in one batched pass per file.

>>> from agentspec.review import ReviewConfig, review_source
>>> config = ReviewConfig(rules={"sql-injection"})
>>> for finding in review_source('cur.execute(f"SELECT * FROM t WHERE id = {uid}")', "db.py", config):
...     print(finding)
db.py:1:13: sql-injection (error) SQL built with an f-string reaches execute(); pass the values as parameters
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it; loaded on first use, so that `agentspec.review.registry`
# (read while loading specs) does not pull in libcst.
_EXPORTS = {
    "Example": "agentspec.review.rule",
    "Finding": "agentspec.review.finding",
    "ReviewConfig": "agentspec.review.config",
    "Rule": "agentspec.review.rule",
    "Severity": "agentspec.review.finding",
    "all_rules": "agentspec.review.registry",
    "docstring_coverage": "agentspec.review.properties",
    "register_rule": "agentspec.review.registry",
    "review_paths": "agentspec.review.engine",
    "review_source": "agentspec.review.engine",
    "rule_ids": "agentspec.review.registry",
    "thread_safety": "agentspec.review.properties",
}

__all__ = [
    "Example",
    "Finding",
    "ReviewConfig",
    "Rule",
    "Severity",
    "all_rules",
    "docstring_coverage",
    "register_rule",
    "review_paths",
    "review_source",
    "rule_ids",
    "thread_safety",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from agentspec.review.config import ReviewConfig
    from agentspec.review.engine import review_paths, review_source
    from agentspec.review.finding import Finding, Severity
    from agentspec.review.properties import docstring_coverage, thread_safety
    from agentspec.review.registry import all_rules, register_rule, rule_ids
    from agentspec.review.rule import Example, Rule
