"""What a loop iterates over and which names hold lists: helpers of the ``quadratic`` rule."""

from __future__ import annotations

import libcst as cst

from agentspec.review.bindings import Binding

_PASS_THROUGH = frozenset({"enumerate", "reversed", "sorted", "list", "iter", "tuple"})
_LIST_MAKERS = frozenset({"list", "sorted"})
_LIST_METHODS = frozenset({"split", "rsplit", "splitlines", "readlines"})
_LIST_ANNOTATIONS = frozenset({"list", "List", "MutableSequence"})


def dotted(node: cst.BaseExpression) -> str | None:
    """Return ``a.b.c`` for a chain of names and attributes, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def sequence_key(node: cst.BaseExpression) -> str | None:
    """Name the sequence a loop walks: ``xs`` for ``xs``, ``enumerate(xs)``, ``range(i + 1, len(xs))``, ``xs[1:]``.

    Returns ``None`` for anything else, including ``range(n)``, a fixed-size slice such as
    ``xs[:3]`` and an element such as ``grid[i]``.
    """
    name = dotted(node)
    if name is not None:
        return name
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        func = node.func.value
        if func == "range":
            for arg in node.args:
                key = _length_of(arg.value)
                if key is not None:
                    return key
        elif func in _PASS_THROUGH and node.args:
            return sequence_key(node.args[0].value)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and not node.args
        and node.func.attr.value in ("items", "keys", "values")
    ):
        return dotted(node.func.value)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
        bounds = node.slice[0].slice
        fixed = isinstance(bounds.upper, cst.Integer) and (
            bounds.lower is None or isinstance(bounds.lower, cst.Integer)
        )
        return None if fixed else dotted(node.value)
    return None


def _length_of(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len" and node.args:
        return dotted(node.args[0].value)
    if isinstance(node, cst.BinaryOperation):
        return _length_of(node.left) or _length_of(node.right)
    return None


def is_list_binding(binding: Binding) -> bool:
    """Tell whether a binding certainly gives its name a list."""
    if binding.annotation is not None and _is_list_annotation(binding.annotation):
        return True
    value = binding.value
    if binding.kind == "augassign":
        return isinstance(binding.operator, cst.AddAssign)
    if binding.kind not in ("assign", "annassign") or value is None:
        return False
    return is_list_expression(value)


def is_literal_list(binding: Binding) -> bool:
    """Tell whether a binding is a non-empty list display of constants (small and fixed)."""
    return binding.kind == "assign" and isinstance(binding.value, cst.List) and is_constant_display(binding.value)


def is_constant_display(value: cst.BaseExpression | None) -> bool:
    """Tell whether ``value`` is a non-empty list, tuple or set display of constants."""
    if not isinstance(value, cst.List | cst.Tuple | cst.Set) or not value.elements:
        return False
    return all(_is_constant(element.value) for element in value.elements)


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.Attribute):
        return dotted(node) is not None
    return isinstance(node, cst.SimpleString | cst.Integer | cst.Float | cst.Imaginary | cst.ConcatenatedString)


def is_list_expression(value: cst.BaseExpression) -> bool:
    """Tell whether an expression certainly makes a list: a display, a comprehension, ``list()``, ``split()``."""
    if isinstance(value, cst.List | cst.ListComp):
        return True
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Name):
            return func.value in _LIST_MAKERS
        return isinstance(func, cst.Attribute) and func.attr.value in _LIST_METHODS
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add | cst.Multiply):
        return isinstance(value.left, cst.List | cst.ListComp) or isinstance(value.right, cst.List | cst.ListComp)
    return False


def _is_list_annotation(annotation: cst.BaseExpression) -> bool:
    base = annotation.value if isinstance(annotation, cst.Subscript) else annotation
    name = dotted(base)
    return name is not None and name.rsplit(".", 1)[-1] in _LIST_ANNOTATIONS
