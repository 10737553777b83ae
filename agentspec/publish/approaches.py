"""Distinct approaches to a task: final solutions grouped by their structure, names and literals set aside.

Two solutions have the same approach when their Python files have the same syntax tree once every
name, attribute, argument, literal and docstring is replaced by a placeholder and comments are dropped
(``ast`` forgets comments and formatting by itself). A lock added, a loop turned into a dict lookup, a
helper split out: each changes the shape; renaming a variable or rewording a message does not.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache


class _Abstract(ast.NodeTransformer):
    """Replace names and literals with placeholders; drop docstrings."""

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 (ast's visitor names)
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:  # noqa: N802
        return ast.copy_location(ast.Constant(value=type(node.value).__name__), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:  # noqa: N802
        self.generic_visit(node)
        node.attr = "_"
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg, node.annotation = "_", None
        return node

    def _body(self, node: ast.AST) -> ast.AST:
        body = getattr(node, "body", [])
        first = body[0] if body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        self.generic_visit(node)
        for attribute in ("name", "returns"):
            if hasattr(node, attribute):
                setattr(node, attribute, "_" if attribute == "name" else None)
        return node

    visit_Module = _body  # noqa: N815
    visit_FunctionDef = _body  # noqa: N815
    visit_AsyncFunctionDef = _body  # noqa: N815
    visit_ClassDef = _body  # noqa: N815

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        node.arg = "_" if node.arg else None
        return node

    def visit_alias(self, node: ast.alias) -> ast.AST:
        # What is imported is part of the approach (threading, bisect); what it is called locally is not.
        node.asname = None
        return node


def shape(files: Mapping[str, str]) -> str | None:
    """A short fingerprint of the Python files' abstract structure; None when there is none (or none parses)."""
    digest = hashlib.sha256()
    found = False
    for path, source in sorted(files.items()):
        if not path.endswith(".py") or "test" in path.rsplit("/", 1)[-1]:
            continue
        digest.update(path.encode() + b"\0" + _file_shape(source).encode() + b"\n")
        found = True
    return digest.hexdigest()[:12] if found else None


@lru_cache(maxsize=2048)
def _file_shape(source: str) -> str:
    """One file's abstract syntax tree as text (the same text for every copy of a file: computed once)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return "unparsable"
    return hashlib.sha256(ast.dump(_Abstract().visit(tree)).encode()).hexdigest()


@dataclass
class Approach:
    """One distinct structure and the entries whose final code has it."""

    letter: str
    fingerprint: str
    members: list[str] = field(default_factory=list)


def group(solutions: Sequence[tuple[str, Mapping[str, str]]]) -> list[Approach]:
    """(label, final files) pairs grouped by shape, the largest group first, each given a letter."""
    found: dict[str, list[str]] = {}
    for label, files in solutions:
        fingerprint = shape(files)
        if fingerprint is not None:
            found.setdefault(fingerprint, []).append(label)
    ordered = sorted(found.items(), key=lambda item: -len(item[1]))
    return [Approach(_letter(index), fingerprint, members) for index, (fingerprint, members) in enumerate(ordered)]


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def summary(approaches: Sequence[Approach]) -> str:
    """'4 distinct approaches: A (2 models), B (1), ...'."""
    if not approaches:
        return "No Python solution to compare."
    noun = "approach" if len(approaches) == 1 else "distinct approaches"
    counts = [
        f"{a.letter} ({len(a.members)}{_noun(len(a.members)) if i == 0 else ''})" for i, a in enumerate(approaches)
    ]
    return f"{len(approaches)} {noun}: " + ", ".join(counts)


def _noun(count: int) -> str:
    return " model" if count == 1 else " models"
