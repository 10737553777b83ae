"""Rule ``quadratic``: linear work repeated inside a loop, making the whole O(n²)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from agentspec.review.bindings import Scope, scope_of
from agentspec.review.examples import quadratic as examples
from agentspec.review.list_evidence import (
    LIST_ONLY_METHODS,
    add_operands,
    binds,
    is_text,
    is_text_binding,
    list_attributes,
    rebinds_fresh,
)
from agentspec.review.rule import Rule
from agentspec.review.sequences import dotted, is_constant_display, is_list_binding, is_literal_list, sequence_key
from agentspec.review.source import SourceFile

_SEARCHES = frozenset({"count", "index", "remove"})
_WHOLE_SEQUENCE_CALLS = frozenset({"max", "min", "sum", "sorted", "set", "list", "tuple", "frozenset", "Counter"})
_LIST_GROWERS = frozenset({"append", "extend", "insert", "__setitem__"})
_Comprehension = cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp


@dataclass(eq=False)
class _Frame:
    kind: str
    keys: frozenset[str] = frozenset()
    owner: cst.Module | cst.FunctionDef | None = None
    hides: _Frame | None = None
    body: cst.BaseSuite | None = None
    target: cst.BaseExpression | None = None


class QuadraticRule(Rule):
    """Linear work inside a loop over the same data: accidental O(n²).

    The article's optimize task is the classic case: finding duplicates with ``if item not
    in duplicates`` on a list is O(n) per check. Tests on small inputs pass; production data
    does not.

    What counts, inside a loop or comprehension of the same function:

    * ``x in L`` / ``x not in L`` where ``L`` is known to be a list that can grow: a local
      built from ``list()``, ``sorted()``, ``split()``, a list comprehension or annotated
      ``list``, or any list the code appends to (a module-level list it never grows is a
      constant table); a parameter the function also uses as a list (``append``,
      ``extend``, ``insert``, ``sort``, ``reverse``); an attribute ``self.x`` that its class
      only ever assigns lists to or grows with ``append``;
    * ``L.count``, ``L.index``, ``L.remove``, ``L.pop(0)`` and ``L.insert(0, x)`` on such a
      list (``count``, ``index`` and ``remove`` also on the very sequence being looped over);
      ``count(x)`` and ``index(x)`` also on any parameter or ``self`` attribute, since they
      are linear on every type that has them, and ``pop(0)`` / ``insert(0, x)`` too, which
      only lists have;
    * a loop or comprehension nested in another over the same sequence (``for a in xs: for b
      in xs``, ``range(i + 1, len(xs))``), and ``max``, ``min``, ``sum``, ``sorted``, ``set``,
      ``list`` or ``Counter`` of the sequence being looped over;
    * ``L = L + [...]`` (or ``(x,)``), and ``s = s + ...`` on a string (a literal, an
      f-string, ``str()`` or ``join`` among the parts, or a local first bound to a string),
      which copy the whole value each time, unless the loop gives the name a fresh value on
      every iteration;

    and anywhere: ``sum(lists, [])``.

    What does not count: membership in sets, dicts, ``range`` or a constant list or tuple
    (``c in "aeiou"``, ``x in (1, 2, 3)``), ``in`` or ``remove`` on a parameter with no sign
    of being a list (``if x in seen: seen.remove(x)`` is a set idiom), ``count`` or
    ``index`` on each element (``line.count(",")`` for each line), numbers added up with
    ``total = total + x``, loops over the rows and then the cells of a grid,
    ``deque.popleft()``, ``L.pop()``, and sorting each element's own value (``sorted(word)``
    for each word).
    """

    severity = "warning"
    message = "linear work inside a loop makes this O(n²)"

    VALID = examples.VALID
    INVALID = examples.INVALID

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        self._stack: list[_Frame] = []
        self._scopes: dict[int, Scope] = {}
        self._classes: list[cst.ClassDef] = []
        self._list_attributes: dict[int, frozenset[str]] = {}

    def visit_Module(self, node: cst.Module) -> None:
        """Open the module scope."""
        self._stack.append(_Frame("scope", owner=node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Open a function scope: loops outside it do not repeat its body."""
        self._stack.append(_Frame("scope", owner=node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Close a function scope."""
        self._stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Open a class scope."""
        self._stack.append(_Frame("scope"))
        self._classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Close a class scope."""
        self._stack.pop()
        self._classes.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        """Open a lambda scope."""
        self._stack.append(_Frame("scope"))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        """Close a lambda scope."""
        self._stack.pop()

    def visit_While(self, node: cst.While) -> None:
        """Enter a while loop (its test repeats too)."""
        self._stack.append(_Frame("while", body=node.body))

    def leave_While(self, original_node: cst.While) -> None:
        """Leave a while loop."""
        self._stack.pop()

    def visit_For(self, node: cst.For) -> None:
        """Check the loop's sequence against enclosing loops; its body repeats, its iterable does not."""
        key = sequence_key(node.iter)
        self._check_nested(node, key)
        frame = _Frame("for", frozenset({key} if key else ()), body=node.body, target=node.target)
        self.file.watch(node.body, lambda: self._stack.append(frame), self._stack.pop)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        """Check a comprehension's ``for`` like a loop; its own iterable is evaluated outside it."""
        key = sequence_key(node.iter)
        self._check_nested(node, key)
        frame = _Frame("for", frozenset({key} if key else ()))
        self._stack.append(frame)
        self.file.watch(node.iter, lambda: self._stack.append(_Frame("mask", hides=frame)), self._stack.pop)

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        """Leave a comprehension's ``for``."""
        self._stack.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        """Make the element part of the comprehension's loop."""
        self._comprehension(node, (node.elt,))

    def visit_SetComp(self, node: cst.SetComp) -> None:
        """Make the element part of the comprehension's loop."""
        self._comprehension(node, (node.elt,))

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        """Make the element part of the generator's loop."""
        self._comprehension(node, (node.elt,))

    def visit_DictComp(self, node: cst.DictComp) -> None:
        """Make the key and value part of the comprehension's loop."""
        self._comprehension(node, (node.key, node.value))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        """Report ``x in L`` inside a for loop, on a growable list or a parameter or attribute used as a list."""
        if not any(frame.kind == "for" for frame in self._loops()):
            return
        for target in node.comparisons:
            if not isinstance(target.operator, cst.In | cst.NotIn):
                continue
            name = dotted(target.comparator)
            if name is not None and self._known_list(name):
                self.report(node, f"`in {name}` searches a list inside a loop: O(n) each time; use a set")
                return

    def visit_Call(self, node: cst.Call) -> None:
        """Report ``sum(..., [])`` and linear calls on the looped-over or growable list."""
        func = node.func
        if isinstance(func, cst.Name) and func.value == "sum" and len(node.args) == 2:
            start = node.args[1].value
            if isinstance(start, cst.List) and not start.elements:
                self.report(node, "sum(..., []) copies the list at every step; use itertools.chain")
                return
        loops = self._loops()
        if not loops:
            return
        keys = frozenset().union(*(frame.keys for frame in loops))
        if isinstance(func, cst.Attribute):
            self._list_method(node, func, keys)
        elif isinstance(func, cst.Name) and func.value in _WHOLE_SEQUENCE_CALLS and node.args:
            key = sequence_key(node.args[0].value)
            if key is not None and key in keys:
                self.report(node, f"{func.value}({key}) inside a loop over `{key}` is O(n) each time: O(n²)")

    def visit_Assign(self, node: cst.Assign) -> None:
        """Report ``L = L + [...]`` and ``s = s + "..."`` inside a loop: each step copies the whole value."""
        loops = self._loops()
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name) or not loops:
            return
        name = node.targets[0].target.value
        operands = add_operands(node.value)
        if len(operands) < 2 or not any(isinstance(side, cst.Name) and side.value == name for side in operands):
            return
        loop = loops[0]
        fresh = loop.target is not None and binds(loop.target, name)
        if fresh or (loop.body is not None and rebinds_fresh(loop.body, name)):  # reset every iteration
            return
        if any(isinstance(side, cst.List | cst.ListComp | cst.Tuple) for side in operands) or self._growable_list(name):
            self.report(node, f"`{name} = {name} + ...` copies the list on every iteration; use append or extend")
        elif any(is_text(side) for side in operands) or self._text(name):
            self.report(
                node, f"`{name} = {name} + ...` copies the string on every iteration; collect the parts, join once"
            )

    def _list_method(self, node: cst.Call, func: cst.Attribute, keys: frozenset[str]) -> None:
        method = func.attr.value
        name = dotted(func.value)
        first = node.args[0].value if node.args else None
        at_front = isinstance(first, cst.Integer) and first.value == "0"
        if method in _SEARCHES:
            key = sequence_key(func.value)
            # index and count are linear on every type that has them; remove is O(1) on a set
            unknown = method != "remove" and len(node.args) == 1 and name is not None and self._untyped(name)
            if (key is not None and key in keys) or (name is not None and self._known_list(name)) or unknown:
                self.report(node, f"`.{method}()` on `{key or name}` inside a loop is O(n) each time: O(n²)")
        elif method in ("pop", "insert") and at_front and name is not None and self._front_of_list(name):
            call, fix = (
                ("pop(0)", "collections.deque and popleft()")
                if method == "pop"
                else ("insert(0, ...)", "append, then reverse once")
            )
            self.report(node, f"`{name}.{call}` inside a loop shifts the whole list: O(n²); use {fix}")

    def _comprehension(self, node: _Comprehension, parts: tuple[cst.BaseExpression, ...]) -> None:
        keys: set[str] = set()
        comp: cst.CompFor | None = node.for_in
        while isinstance(comp, cst.CompFor):
            key = sequence_key(comp.iter)
            if key:
                keys.add(key)
            comp = comp.inner_for_in
        frame = _Frame("for", frozenset(keys))
        for part in parts:
            self.file.watch(part, lambda: self._stack.append(frame), self._stack.pop)

    def _check_nested(self, node: cst.For | cst.CompFor, key: str | None) -> None:
        if key is None or not any(key in frame.keys for frame in self._loops()):
            return
        if not self._constant_sequence(key):
            self.report(node, f"nested loop over `{key}` inside a loop over `{key}`: O(n²)")

    def _loops(self) -> list[_Frame]:
        loops: list[_Frame] = []
        hidden: _Frame | None = None
        for frame in reversed(self._stack):
            if frame.kind == "scope":
                break
            if hidden is not None:
                hidden = None if frame is hidden else hidden
            elif frame.kind == "mask":
                hidden = frame.hides
            else:
                loops.append(frame)
        return loops

    def _constant_sequence(self, name: str) -> bool:
        scope = self._scope_binding(name)
        return scope is not None and all(is_constant_display(b.value) for b in scope.bindings[name])

    def _growable_list(self, name: str) -> bool:
        scope = self._scope_binding(name)
        if scope is None or not all(is_list_binding(binding) for binding in scope.bindings[name]):
            return False
        bindings = scope.bindings[name]
        grown = any(method in _LIST_GROWERS for method, _ in scope.calls.get(name, ())) or any(
            binding.kind == "augassign" for binding in bindings
        )
        if grown:
            return True
        # A module-level list that the module never grows is a constant table, not data.
        return scope is not self._module_scope() and not all(is_literal_list(binding) for binding in bindings)

    def _known_list(self, name: str) -> bool:
        """Tell whether ``name`` (a local, a parameter or ``self.x``) is known to hold a list."""
        if name.startswith("self.") and name.count(".") == 1:
            return self._list_attribute(name[5:])
        if "." in name:
            return False
        if self._growable_list(name):
            return True
        scope = self._scope_binding(name)
        return (
            scope is not None
            and all(binding.kind == "param" for binding in scope.bindings[name])
            and any(method in LIST_ONLY_METHODS for method, _ in scope.calls.get(name, ()))
        )

    def _front_of_list(self, name: str) -> bool:
        """Tell whether ``name`` is a list or a sequence from outside (only lists have ``pop(0)``, ``insert(0, x)``)."""
        return self._known_list(name) or self._untyped(name)

    def _untyped(self, name: str) -> bool:
        """Tell whether ``name`` is a parameter never rebound, or an attribute of ``self``: a sequence from outside."""
        if name.startswith("self.") and name.count(".") == 1:
            return bool(self._classes)
        scope = self._scope_binding(name) if "." not in name else None
        return scope is not None and all(binding.kind == "param" for binding in scope.bindings[name])

    def _list_attribute(self, attribute: str) -> bool:
        if not self._classes:
            return False
        klass = self._classes[-1]
        if id(klass) not in self._list_attributes:
            self._list_attributes[id(klass)] = list_attributes(klass)
        return attribute in self._list_attributes[id(klass)]

    def _text(self, name: str) -> bool:
        scope = self._scope_binding(name)
        return scope is not None and any(is_text_binding(binding) for binding in scope.bindings[name])

    def _module_scope(self) -> Scope | None:
        module = self._stack[0].owner if self._stack else None
        return self._scopes.get(id(module))

    def _scope_binding(self, name: str) -> Scope | None:
        """Return the innermost function's scope, or else the module's, that binds ``name``."""
        owners = [frame.owner for frame in reversed(self._stack) if frame.owner is not None]
        for owner in dict.fromkeys(owners[:1] + owners[-1:]):
            scope = self._scopes.get(id(owner))
            if scope is None:
                scope = self._scopes[id(owner)] = scope_of(owner)
            if name in scope.bindings:
                return scope
        return None
