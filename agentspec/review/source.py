"""One file under review, as the rules see it: text, tree, positions, metadata and findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import libcst as cst

from agentspec.review.config import ReviewConfig
from agentspec.review.finding import Finding, Severity
from agentspec.review.positions import Positions


class SourceFile:
    """The file being reviewed, shared by every rule during one batched pass.

    Positions come from the engine's single walk (see `agentspec.review.positions`); findings
    reported at a node are located once the walk is over.

    Attributes:
        path: The file's path as given to the reviewer.
        text: The source text.
        lines: The source split into lines, without line endings.
        config: The review's settings.
        module: The parsed tree, or ``None`` when the file does not parse.
        metadata: Resolved libcst metadata, keyed by provider, for the providers the
            enabled rules declared.
    """

    def __init__(self, path: str, text: str, config: ReviewConfig) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.config = config
        self.module: cst.Module | None = None
        self.metadata: Mapping[Any, Mapping[cst.CSTNode, object]] = {}
        self.findings: list[Finding] = []
        self.pending: list[tuple[str, Severity, cst.CSTNode, str, Mapping[str, Any]]] = []
        self.positions = Positions(self.lines)
        self.enter_hooks: dict[int, list[Callable[[], object]]] = {}
        self.leave_hooks: dict[int, list[Callable[[], object]]] = {}

    def watch(
        self,
        node: cst.CSTNode,
        enter: Callable[[], object] | None = None,
        leave: Callable[[], object] | None = None,
    ) -> None:
        """Call ``enter`` when the traversal reaches ``node`` and ``leave`` when it is done with it."""
        if enter is not None:
            self.enter_hooks.setdefault(id(node), []).append(enter)
        if leave is not None:
            self.leave_hooks.setdefault(id(node), []).append(leave)

    def add(
        self, rule: str, severity: Severity, line: int, column: int, message: str, data: Mapping[str, Any] = {}
    ) -> None:
        """Record a finding at a 1-based line and column, with what the rule measured (`data`)."""
        self.findings.append(Finding(rule, severity, self.path, line, column, message, dict(data)))

    def add_at(
        self, rule: str, severity: Severity, node: cst.CSTNode, message: str, data: Mapping[str, Any] = {}
    ) -> None:
        """Record a finding at ``node``, located once the traversal has seen the whole tree."""
        self.pending.append((rule, severity, node, message, data))

    def locate_pending(self) -> None:
        """Turn the findings recorded at nodes into located findings."""
        for rule, severity, node, message, data in self.pending:
            line, column = self.position(node)
            self.add(rule, severity, line, column, message, data)
        self.pending.clear()

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line, or ``""`` past the end."""
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        """Return the 1-based line and column where ``node`` starts (after its leading blank lines)."""
        return self.positions.locate(node)
