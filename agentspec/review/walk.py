"""The engine's one pass: a read-only walk of a libcst tree, in source order, calling every rule.

``CSTNode.visit`` rebuilds every node it passes (it is built for transformers), which costs
more than the rules themselves. Reviewing only reads, so the engine walks the tree directly:
each node class's children are listed once, in the order its ``_visit_and_replace_children``
visits them (that order is the source order, which line counting relies on). A class whose
source cannot be read falls back to ``CSTNode.children``. ``tests/review/test_engine.py``
checks that the walk visits exactly the nodes libcst's visitor does, in the same order.

On the way, `BatchedWalk` counts lines for `agentspec.review.positions` and calls the
``visit_<Node>`` and ``leave_<Node>`` methods of every enabled rule.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterator

import libcst as cst

from agentspec.review.rule import Rule
from agentspec.review.source import SourceFile

_VISITED_FIELD = re.compile(r"visit_\w+\(\s*self,\s*\"(\w+)\"")
_FIELDS: dict[type[cst.CSTNode], tuple[str, ...] | None] = {}
_Hook = Callable[[cst.CSTNode], None]
_LEAVE = object()
_STATEMENT_TYPES = frozenset(
    {cst.SimpleStatementLine, cst.If, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.FunctionDef, cst.ClassDef}
    | {cst.Match, cst.ExceptHandler, cst.ExceptStarHandler}
)


def child_fields(kind: type[cst.CSTNode]) -> tuple[str, ...] | None:
    """Return the names of the fields of ``kind`` that hold children, in visiting order.

    Returns:
        The field names, or ``None`` when they cannot be read from libcst's source.
    """
    if kind in _FIELDS:
        return _FIELDS[kind]
    try:
        source = inspect.getsource(kind._visit_and_replace_children)
    except (OSError, TypeError):
        names: tuple[str, ...] | None = None
    else:
        names = tuple(dict.fromkeys(_VISITED_FIELD.findall(source)))
        known = {field.name for field in dataclasses.fields(kind)}
        if not set(names) <= known:
            names = None
    _FIELDS[kind] = names
    return names


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Yield the children of ``node`` in source order."""
    names = child_fields(type(node))
    if names is None:
        yield from node.children
        return
    for name in names:
        child = getattr(node, name)
        if isinstance(child, cst.CSTNode):
            yield child
        elif isinstance(child, tuple | list):
            for item in child:
                if isinstance(item, cst.CSTNode):
                    yield item


class BatchedWalk:
    """One walk over the tree that counts lines and calls every rule's visit and leave methods.

    A rule that raises is dropped for the rest of the file and leaves an info finding saying
    so; the other rules carry on.
    """

    def __init__(self, file: SourceFile, rules: list[Rule]) -> None:
        self.file = file
        self.line = 1
        self.rules = rules
        self.visits: dict[type[cst.CSTNode], list[_Hook]] = {}
        self.leaves: dict[type[cst.CSTNode], list[_Hook]] = {}
        self._dispatch(rules)

    def _dispatch(self, rules: list[Rule]) -> None:
        self.visits.clear()
        self.leaves.clear()
        for rule in rules:
            for kind, node_type, name in _hooks_of(type(rule)):
                table = self.visits if kind == "visit" else self.leaves
                table.setdefault(node_type, []).append(getattr(rule, name))

    def walk(self, root: cst.CSTNode) -> None:
        """Visit ``root`` and its subtree, depth first, in source order.

        The walk keeps its own stack rather than recursing, so that long chains (a thousand
        implicitly concatenated strings, say) cannot exhaust Python's recursion limit. A node
        is pushed back, under a marker, only when something waits for its leave.
        """
        stack: list[object] = [root]
        pop, push, extend = stack.pop, stack.append, stack.extend
        leaves, leave_hooks = self.leaves, self.file.leave_hooks
        while stack:
            node = pop()
            if node is _LEAVE:
                self._leave(pop())  # type: ignore[arg-type]
                continue
            assert isinstance(node, cst.CSTNode)
            kind = type(node)
            self._enter(node, kind)
            if kind in leaves or (leave_hooks and id(node) in leave_hooks):
                push(node)
                push(_LEAVE)
            names = child_fields(kind)
            if names is None:
                extend(reversed(node.children))
                continue
            children: list[cst.CSTNode] = []
            for name in names:
                child = getattr(node, name)
                if isinstance(child, cst.CSTNode):
                    children.append(child)
                elif isinstance(child, tuple | list):
                    children.extend(element for element in child if isinstance(element, cst.CSTNode))
            children.reverse()
            extend(children)

    def _enter(self, node: cst.CSTNode, kind: type[cst.CSTNode]) -> None:
        file = self.file
        positions = file.positions
        positions.line_of[id(node)] = self.line
        if kind in _STATEMENT_TYPES:
            positions.add_statement(node, self.line)  # type: ignore[arg-type]
        if kind is cst.Newline:
            self.line += 1
        elif kind is cst.SimpleWhitespace or kind is cst.SimpleString or kind is cst.FormattedStringText:
            value: str = node.value  # type: ignore[attr-defined]
            if "\n" in value:
                self.line += value.count("\n")
        if file.enter_hooks and id(node) in file.enter_hooks:
            for hook in file.enter_hooks.pop(id(node)):
                hook()
        for visit in self.visits.get(kind, ()):
            self._call(visit, node)

    def _leave(self, node: cst.CSTNode) -> None:
        for leave in self.leaves.get(type(node), ()):
            self._call(leave, node)
        file = self.file
        if file.leave_hooks and id(node) in file.leave_hooks:
            for hook in reversed(file.leave_hooks.pop(id(node))):
                hook()

    def _call(self, hook: _Hook, node: cst.CSTNode) -> None:
        try:
            hook(node)
        except Exception as error:  # a rule's bug must not sink the other rules' findings
            rule = getattr(hook, "__self__", None)
            if not isinstance(rule, Rule) or rule not in self.rules:
                raise
            self.rules.remove(rule)
            self._dispatch(self.rules)
            line = self.line
            rule.report_at(line, 1, f"the rule failed on this file ({type(error).__name__}: {error})", severity="info")


_HOOKS: dict[type[Rule], list[tuple[str, type[cst.CSTNode], str]]] = {}


def _hooks_of(rule: type[Rule]) -> list[tuple[str, type[cst.CSTNode], str]]:
    """List a rule class's ``visit_<Node>`` and ``leave_<Node>`` methods with their node types."""
    if rule in _HOOKS:
        return _HOOKS[rule]
    hooks = []
    for name in dir(rule):
        kind, _, node_name = name.partition("_")
        node_type = getattr(cst, node_name, None)
        if kind in ("visit", "leave") and isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
            hooks.append((kind, node_type, name))
    _HOOKS[rule] = hooks
    return hooks
