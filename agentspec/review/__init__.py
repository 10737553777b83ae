"""The reviewer: libcst rules that read the code an agent wrote, in one batched pass per file.

>>> from agentspec.review import ReviewConfig, review_source
>>> config = ReviewConfig(rules={"sql-injection"})
>>> for finding in review_source('cur.execute(f"SELECT * FROM t WHERE id = {uid}")', "db.py", config):
...     print(finding)
db.py:1:13: sql-injection (error) SQL built with an f-string reaches execute(); pass the values as parameters
"""

from __future__ import annotations

from agentspec.review.config import ReviewConfig
from agentspec.review.engine import review_paths, review_source
from agentspec.review.finding import Finding, Severity
from agentspec.review.properties import docstring_coverage, thread_safety
from agentspec.review.rule import Example, Rule
from agentspec.review.rules import ALL_RULES

__all__ = [
    "ALL_RULES",
    "Example",
    "Finding",
    "ReviewConfig",
    "Rule",
    "Severity",
    "docstring_coverage",
    "review_paths",
    "review_source",
    "thread_safety",
]
