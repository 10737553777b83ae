"""Evidence that a value is a list or a string when its type is not written down: helpers of ``quadratic``.

A parameter or an attribute has no visible constructor in the loop that searches it, so the
``quadratic`` rule looks at how the code uses it: methods only lists have, attributes a class
assigns list displays to, and ``+`` chains that mix in text.
"""

from __future__ import annotations

import libcst as cst

from agentspec.review.bindings import Binding
from agentspec.review.sequences import is_list_expression

# Methods that sequences have and sets, dicts and strings do not (deque has them too, and is as slow to search).
LIST_ONLY_METHODS = frozenset({"append", "extend", "insert", "sort", "reverse"})
_TEXT_CALLS = frozenset({"str", "repr", "chr", "format", "ascii"})
_TEXT_METHODS = frozenset({"join", "format", "upper", "lower", "strip", "replace", "decode"})


def add_operands(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Return the operands of a chain of ``+`` (``a + b + c`` gives ``[a, b, c]``)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return add_operands(node.left) + add_operands(node.right)
    return [node]


def is_text(node: cst.BaseExpression) -> bool:
    """Tell whether an expression certainly makes a string: a literal, an f-string, ``str(x)``, ``s.join(...)``."""
    if isinstance(node, cst.SimpleString | cst.FormattedString | cst.ConcatenatedString):
        return not (isinstance(node, cst.SimpleString) and node.prefix.lower().startswith("b"))
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name):
            return func.value in _TEXT_CALLS
        return isinstance(func, cst.Attribute) and func.attr.value in _TEXT_METHODS
    return False


def is_text_binding(binding: Binding) -> bool:
    """Tell whether a binding gives its name a string (``text = ""``)."""
    return binding.kind in ("assign", "annassign") and binding.value is not None and is_text(binding.value)


def list_attributes(klass: cst.ClassDef) -> frozenset[str]:
    """Return the ``self`` attributes of a class that hold lists.

    An attribute holds a list when every ``self.x = ...`` in the class assigns a list (a
    display, a comprehension, ``list(...)``, ``sorted(...)``), or when the class only ever
    grows it with ``append``, ``extend`` or ``insert``.
    """
    visitor = _SelfAttributes()
    klass.visit(visitor)
    listed = {name for name, values in visitor.assigned.items() if all(values)}
    grown = visitor.grown - set(visitor.assigned)
    return frozenset(listed | grown)


class _SelfAttributes(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.assigned: dict[str, list[bool]] = {}
        self.grown: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = _self_attribute(target.target)
            if name is not None:
                self.assigned.setdefault(name, []).append(is_list_expression(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = _self_attribute(node.target)
        if name is not None and node.value is not None:
            self.assigned.setdefault(name, []).append(is_list_expression(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend", "insert"):
            name = _self_attribute(func.value)
            if name is not None:
                self.grown.add(name)


def _self_attribute(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


def rebinds_fresh(body: cst.CSTNode, name: str) -> bool:
    """Tell whether a loop body gives ``name`` a fresh value (not built from itself), so nothing accumulates."""
    visitor = _FreshBindings(name)
    body.visit(visitor)
    return visitor.fresh


class _FreshBindings(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.fresh = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [target.target for target in node.targets]
        if any(self._binds(target) for target in targets):
            operands = add_operands(node.value)
            self.fresh |= not any(isinstance(side, cst.Name) and side.value == self.name for side in operands)

    def visit_For(self, node: cst.For) -> None:
        self.fresh |= self._binds(node.target)

    def _binds(self, target: cst.BaseExpression) -> bool:
        return binds(target, self.name)


def binds(target: cst.BaseExpression, name: str) -> bool:
    """Tell whether an assignment or loop target binds ``name`` (``x``, ``x, y``, ``*x``)."""
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, cst.Tuple | cst.List):
        return any(binds(element.value, name) for element in target.elements)
    return isinstance(target, cst.StarredElement) and binds(target.value, name)
