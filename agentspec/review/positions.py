"""Where nodes start, from line numbers counted during the walk and columns computed on demand.

libcst's ``PositionProvider`` generates the code of the whole file to locate every node,
which costs more than parsing it. Rules report a few nodes per file, so the engine instead
counts lines as it walks (newlines only live in whitespace and string tokens) and notes
where each statement starts. A reported node's column comes from generating the code of
the one statement that holds it, in a module of its own.
"""

from __future__ import annotations

import bisect

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement | cst.ExceptHandler | cst.ExceptStarHandler
_HEADED = (
    cst.If,
    cst.For,
    cst.While,
    cst.With,
    cst.FunctionDef,
    cst.ClassDef,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
)
_PASS = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


class Positions:
    """Line and column of the nodes of one parsed file.

    Attributes:
        line_of: The line on which the walk reached each node, keyed by ``id(node)``.
        statement_lines: Start lines of the statements, in source order.
        statements: The statements, in the same order.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.module: cst.Module | None = None
        self.line_of: dict[int, int] = {}
        self.statement_lines: list[int] = []
        self.statements: list[Statement] = []
        self._generated: dict[int, tuple[dict[cst.CSTNode, CodeRange], list[str]]] = {}

    def add_statement(self, statement: Statement, line: int) -> None:
        """Note that ``statement`` was reached on ``line`` (before its leading blank lines)."""
        self.statement_lines.append(line + len(statement.leading_lines))
        self.statements.append(statement)

    def locate(self, node: cst.CSTNode) -> tuple[int, int]:
        """Return the 1-based line and column where ``node`` starts (after its leading blank lines)."""
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            line = self.line_of.get(id(node.name), 1)
            return line, self._indent_column(line)
        line = self.line_of.get(id(node), 1) + len(getattr(node, "leading_lines", ()))
        if isinstance(node, _STATEMENTS):
            return line, self._indent_column(line)
        if isinstance(node, cst.Comment):
            return line, self._line(line).rfind(node.value) + 1
        exact = self._exact(node, line)
        return (line, exact) if exact is not None else (line, self._indent_column(line))

    def _exact(self, node: cst.CSTNode, line: int) -> int | None:
        index = bisect.bisect_right(self.statement_lines, line) - 1
        if index < 0 or self.module is None:
            return None
        statement, start = self.statements[index], self.statement_lines[index]
        generated = self._generated.get(id(statement))
        if generated is None:
            generated = self._generated[id(statement)] = self._generate(statement)
        ranges, code_lines = generated
        found = ranges.get(node)
        handler = isinstance(statement, cst.ExceptHandler | cst.ExceptStarHandler)
        first = len(statement.leading_lines) + (3 if handler else 1)
        if found is None or found.start.line - first + start != line or found.start.line > len(code_lines):
            return None
        # The statement's own lines differ from the generated ones only by leading text: the
        # enclosing blocks' indentation (and "el" for an elif generated as "if").
        shift = len(self._line(line)) - len(code_lines[found.start.line - 1])
        return found.start.column + shift + 1

    def _generate(self, statement: cst.CSTNode) -> tuple[dict[cst.CSTNode, CodeRange], list[str]]:
        """Generate one statement as a module of its own (a handler goes under a ``try``), with positions."""
        assert self.module is not None
        if isinstance(statement, _HEADED) and isinstance(statement.body, cst.IndentedBlock):
            # Any node located through this statement is in its header (its body's statements
            # are located through themselves), so the body need not be generated.
            statement = statement.with_changes(body=_PASS)
            if isinstance(statement, cst.If | cst.For | cst.While):
                statement = statement.with_changes(orelse=None)
        if isinstance(statement, cst.ExceptHandler):
            statement = cst.Try(body=_PASS, handlers=[statement])
        elif isinstance(statement, cst.ExceptStarHandler):
            statement = cst.TryStar(body=_PASS, handlers=[statement])
        alone = self.module.with_changes(body=[statement], header=[], footer=[])
        try:
            ranges = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
            return dict(ranges), alone.code.splitlines()
        except Exception:  # a statement that cannot be generated on its own: no exact column
            return {}, []

    def _line(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def _indent_column(self, line: int) -> int:
        text = self._line(line)
        return len(text) - len(text.lstrip()) + 1
