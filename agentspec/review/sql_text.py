"""How a piece of SQL text was built: the analysis behind the ``sql-injection`` rule."""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst

from agentspec.review.bindings import Binding

_PLACEHOLDERS = re.compile(r"^[\s,()]*(?:(?:\?|%s|:\w+|\$\d+|%\(\w+\)s)[\s,()]*)+$")
_SEPARATOR = re.compile(r"^[\s,]*$")
_FRAGMENT_NAME = re.compile(r"sql|query|clause|where|stmt|statement|fragment|columns|select", re.IGNORECASE)
_NUMERIC_CALLS = frozenset({"len", "int", "float", "bool", "round", "abs"})

Lookup = Callable[[str], list[Binding] | None]


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return str(node.evaluated_value)
    return None


class QueryText:
    """Follows one query expression back through local variables to how its text was built.

    Attributes:
        literals: The literal text met on the way (to tell SQL from other strings).
        via: The local variable through which an unsafe piece arrived, if any.
    """

    def __init__(self, lookup: Lookup) -> None:
        self.literals: list[str] = []
        self.via: str | None = None
        self._lookup = lookup
        self._seen: set[str] = set()

    def unsafe(self, node: cst.BaseExpression, fragment: bool = False) -> str | None:
        """Return how ``node`` interpolates values into SQL text (e.g. ``"an f-string"``), or ``None``.

        ``fragment`` marks a piece concatenated or joined into a query, where an unknown
        name is a value rather than a query passed in.
        """
        if isinstance(node, cst.SimpleString):
            self.literals.append(node.value)
            return None
        if isinstance(node, cst.ConcatenatedString):
            left, right = self.unsafe(node.left, fragment), self.unsafe(node.right, fragment)
            return left or right
        if isinstance(node, cst.FormattedString):
            return self._formatted(node)
        if isinstance(node, cst.BinaryOperation):
            return self._operation(node)
        if isinstance(node, cst.Call):
            return self._call(node, fragment)
        if isinstance(node, cst.Name):
            return self._name(node.value, fragment)
        if fragment and not self.safe_value(node):
            return "+ concatenation"
        return None

    def safe_value(self, node: cst.BaseExpression) -> bool:
        """Tell whether an interpolated value cannot change the query: a constant, number or placeholder list."""
        if isinstance(node, cst.SimpleString | cst.Integer | cst.Float) or self.placeholder(node):
            return True
        if isinstance(node, cst.ConcatenatedString):
            return self.safe_value(node.left) and self.safe_value(node.right)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
            if node.func.value in _NUMERIC_CALLS:
                return True
            if node.func.value == "str" and len(node.args) == 1:
                return self.safe_value(node.args[0].value)
        if isinstance(node, cst.Name):
            bindings = self._resolve(node.value)
            return bool(bindings) and all(
                b.kind in ("assign", "annassign") and b.value is not None and self.safe_value(b.value)
                for b in bindings or ()
            )
        return False

    def placeholder(self, node: cst.BaseExpression) -> bool:
        """Tell whether ``node`` builds only placeholders (``",".join("?" * len(ids))``)."""
        text = _string_value(node)
        if text is not None:
            return bool(_PLACEHOLDERS.match(text))
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Multiply):
                return self._placeholder_items(node.left) or self._placeholder_items(node.right)
            if isinstance(node.operator, cst.Add):
                return self.placeholder(node.left) and self.placeholder(node.right)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "join":
            separator = _string_value(node.func.value)
            return (
                separator is not None
                and bool(_SEPARATOR.match(separator))
                and len(node.args) == 1
                and self._placeholder_items(node.args[0].value)
            )
        if isinstance(node, cst.FormattedString):
            return all(
                bool(_PLACEHOLDERS.match(part.value) or _SEPARATOR.match(part.value))
                if isinstance(part, cst.FormattedStringText)
                else isinstance(part, cst.FormattedStringExpression) and self.placeholder(part.expression)
                for part in node.parts
            )
        if isinstance(node, cst.Name):
            bindings = self._resolve(node.value)
            return bool(bindings) and all(b.value is not None and self.placeholder(b.value) for b in bindings or ())
        return False

    def _placeholder_items(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.List | cst.Tuple):
            return bool(node.elements) and all(self.placeholder(element.value) for element in node.elements)
        if isinstance(node, cst.GeneratorExp | cst.ListComp):
            return self.placeholder(node.elt)
        return self.placeholder(node)

    def _formatted(self, node: cst.FormattedString) -> str | None:
        reason = None
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                self.literals.append(part.value)
            elif isinstance(part, cst.FormattedStringExpression) and not self.safe_value(part.expression):
                reason = "an f-string"
        return reason

    def _operation(self, node: cst.BinaryOperation) -> str | None:
        if isinstance(node.operator, cst.Modulo):
            template = self.unsafe(node.left)
            values = node.right
            items = [e.value for e in values.elements] if isinstance(values, cst.Tuple) else [values]
            if isinstance(values, cst.Dict):
                items = [e.value for e in values.elements if isinstance(e, cst.DictElement)]
            if self.literals and not all(self.safe_value(item) for item in items):
                return template or "% formatting"
            return template
        if isinstance(node.operator, cst.Add):
            left = self.unsafe(node.left, fragment=True)
            right = self.unsafe(node.right, fragment=True)
            return left or right
        return None

    def _call(self, node: cst.Call, fragment: bool) -> str | None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "format":
            template = self.unsafe(func.value)
            if not all(self.safe_value(arg.value) for arg in node.args):
                return template or "str.format()"
            return template
        if isinstance(func, cst.Attribute) and func.attr.value == "join" and len(node.args) == 1:
            self.unsafe(func.value)
            return None if self._safe_pieces(node.args[0].value) else "join()"
        if fragment and not self.safe_value(node):
            return "+ concatenation"
        return None

    def _safe_pieces(self, node: cst.BaseExpression) -> bool:
        """Tell whether the pieces given to ``join`` are free of values (unknown pieces pass)."""
        if self._placeholder_items(node):
            return True
        if isinstance(node, cst.List | cst.Tuple):
            return all(self.unsafe(element.value, fragment=True) is None for element in node.elements)
        if isinstance(node, cst.GeneratorExp | cst.ListComp):
            return self.unsafe(node.elt, fragment=True) is None
        if isinstance(node, cst.Name):
            return all(self._safe_binding_pieces(binding) for binding in self._resolve(node.value) or ())
        return True

    def _safe_binding_pieces(self, binding: Binding) -> bool:
        value = binding.value
        if binding.kind == "grow" and isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            if not value.args:
                return True
            added = value.args[-1].value
            if value.func.attr.value == "extend":
                return self._safe_pieces(added)
            return self.unsafe(added, fragment=True) is None
        if binding.kind in ("assign", "annassign", "augassign") and value is not None:
            return self._safe_pieces(value)
        return True

    def _name(self, name: str, fragment: bool) -> str | None:
        bindings = self._resolve(name)
        if bindings is None or any(b.kind == "param" for b in bindings):
            unknown_value = fragment and not _FRAGMENT_NAME.search(name)
            return "+ concatenation" if unknown_value else None
        for binding in bindings:
            if binding.kind in ("assign", "annassign", "augassign") and binding.value is not None:
                reason = self.unsafe(binding.value, fragment=fragment or binding.kind == "augassign")
                if reason is not None:
                    self.via = self.via or name
                    return reason
        return None

    def _resolve(self, name: str) -> list[Binding] | None:
        if name in self._seen:
            return []
        self._seen.add(name)
        try:
            return self._lookup(name)
        finally:
            self._seen.discard(name)
