"""What a review produces: one `Finding` per problem or property, located in a file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

Severity: TypeAlias = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """One reviewer result: which rule, how severe, where, and what a reviewer would say.

    Attributes:
        rule: The rule id, e.g. ``"sql-injection"``.
        severity: ``"error"``, ``"warning"`` or ``"info"``; info findings never fail a review.
        path: The reviewed file, as given to the reviewer.
        line: 1-based line.
        column: 1-based column.
        message: One sentence for the reader; its wording may change, so programs read `data`.
        data: What the rule measured, JSON-ready (e.g. ``{"documented": 3, "total": 4}``); the keys
            each rule sets are listed in `agentspec.review.facts`. Empty for most findings.
    """

    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape ``{rule, severity, path, line, column, message, data}``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "data": dict(self.data),
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule} ({self.severity}) {self.message}"
