"""What names a function or module binds, read from its statements (no scope metadata needed).

The sql-injection and quadratic rules ask "how was this local variable built?" only at the few
places that matter, so this reads one scope's statements on demand instead of resolving
libcst's ``ScopeProvider`` for every file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst


@dataclass(frozen=True)
class Binding:
    """One way a name gets its value in a scope.

    Attributes:
        kind: ``assign``, ``augassign``, ``annassign``, ``param``, ``loop``, ``with``,
            ``unpack``, ``import``, ``def`` or ``except``.
        value: The assigned expression (a parameter's default), when there is one.
        annotation: The annotation of a parameter or annotated assignment.
        operator: The operator of an augmented assignment.
    """

    kind: str
    value: cst.BaseExpression | None = None
    annotation: cst.BaseExpression | None = None
    operator: cst.BaseAugOp | None = None


@dataclass
class Scope:
    """The bindings of one function or module, and the method calls made on its names.

    Attributes:
        bindings: Every binding of each name, in source order.
        calls: Statement-level calls ``name.method(...)`` on each name, as ``(method, call)``.
    """

    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    calls: dict[str, list[tuple[str, cst.Call]]] = field(default_factory=dict)

    def bind(self, name: str, binding: Binding) -> None:
        """Record a binding of ``name``."""
        self.bindings.setdefault(name, []).append(binding)


def scope_of(owner: cst.Module | cst.FunctionDef) -> Scope:
    """Return the bindings made directly in a module or function (not in nested ones)."""
    scope = Scope()
    if isinstance(owner, cst.FunctionDef):
        params = owner.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            annotation = param.annotation.annotation if param.annotation else None
            scope.bind(param.name.value, Binding("param", param.default, annotation))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.bind(star.name.value, Binding("param"))
        _statements(_body(owner.body), scope)
    else:
        _statements(owner.body, scope)
    return scope


def _body(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement | cst.BaseSmallStatement]:
    return suite.body


def _statements(body: Sequence[cst.BaseStatement | cst.BaseSmallStatement], scope: Scope) -> None:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                _small(small, scope)
        elif isinstance(statement, cst.BaseSmallStatement):
            _small(statement, scope)
        elif isinstance(statement, cst.FunctionDef | cst.ClassDef):
            scope.bind(statement.name.value, Binding("def"))
        else:
            _compound(statement, scope)


def _compound(statement: cst.BaseStatement, scope: Scope) -> None:
    if isinstance(statement, cst.For):
        _targets(statement.target, Binding("loop"), scope)
    elif isinstance(statement, cst.With):
        for item in statement.items:
            if item.asname is not None:
                _targets(item.asname.name, Binding("with"), scope)
    elif isinstance(statement, cst.Try | cst.TryStar):
        for handler in statement.handlers:
            if handler.name is not None:
                _targets(handler.name.name, Binding("except"), scope)
            _statements(_body(handler.body), scope)
    elif isinstance(statement, cst.Match):
        for case in statement.cases:
            _statements(_body(case.body), scope)
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        _statements(_body(body), scope)
    for name in ("orelse", "finalbody"):
        extra = getattr(statement, name, None)
        if isinstance(extra, cst.If):
            _compound(extra, scope)
        elif extra is not None and isinstance(getattr(extra, "body", None), cst.BaseSuite):
            _statements(_body(extra.body), scope)


def _small(small: cst.BaseSmallStatement, scope: Scope) -> None:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            _targets(target.target, Binding("assign", small.value), scope)
    elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        scope.bind(small.target.value, Binding("augassign", small.value, operator=small.operator))
    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        binding = Binding("annassign", small.value, small.annotation.annotation)
        scope.bind(small.target.value, binding)
    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            scope.calls.setdefault(func.value.value, []).append((func.attr.value, small.value))
    elif isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:
            bound = alias.asname.name if alias.asname else alias.name
            if isinstance(bound, cst.Name):
                scope.bind(bound.value, Binding("import"))
            elif isinstance(bound, cst.Attribute):
                root: cst.BaseExpression = bound
                while isinstance(root, cst.Attribute):
                    root = root.value
                if isinstance(root, cst.Name):
                    scope.bind(root.value, Binding("import"))


def _targets(target: cst.BaseExpression, binding: Binding, scope: Scope) -> None:
    if isinstance(target, cst.Name):
        scope.bind(target.value, binding)
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            _targets(element.value, Binding("unpack"), scope)
    elif isinstance(target, cst.StarredElement):
        _targets(target.value, Binding("unpack"), scope)
