"""What a review produces: one `Finding` per problem or property, located in a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

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
        message: One sentence for the reader.
    """

    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str

    def to_dict(self) -> dict[str, str | int]:
        """Return the JSON shape ``{rule, severity, path, line, column, message}``."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule} ({self.severity}) {self.message}"
