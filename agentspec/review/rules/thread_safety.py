"""Rule ``thread-safety``: shared state mutated outside the lock of a class that owns one."""

from __future__ import annotations

import libcst as cst

from agentspec.review.examples import thread_safety as examples
from agentspec.review.facts import Cause, thread_safety_data
from agentspec.review.locking import (
    ClassState,
    Method,
    Mutation,
    is_lock_constructor,
    is_lockish,
    lock_id,
    mutating_call_target,
    self_rooted,
)
from agentspec.review.rule import Rule
from agentspec.review.sequences import dotted
from agentspec.review.source import SourceFile


class ThreadSafetyRule(Rule):
    """State mutated outside the lock, in a class that owns a lock; and each class's thread-safety.

    A class that creates a lock (``threading.Lock``, ``RLock``, ``Condition``, ``Semaphore``)
    promises that its state only changes while the lock is held. One mutation outside it
    breaks the promise: a race that no single-threaded test will show.

    What counts as a mutation, in methods other than ``__init__`` (and ``__new__``,
    ``__post_init__``, ``__setstate__``): assigning or augmenting ``self.x``, assigning or
    deleting ``self.x[k]``, and mutating calls such as ``self.x.append()``, ``pop``, ``clear``,
    ``update``, ``setdefault``, ``move_to_end`` or ``heapq.heappush(self.x, ...)``. Reads and
    local variables are not mutations. A mutation is guarded inside ``with self._lock:`` (or
    the class's condition or semaphore, or a module-level lock), after
    ``self._lock.acquire()`` (typically ``try: ... finally: self._lock.release()``), or in a
    private helper only ever called with the lock held. ``with threading.Lock():`` creates a
    fresh lock that protects nothing and is reported wherever it appears.

    A class without a lock is not faulted unless the task requires thread safety
    (``ReviewConfig(thread_safety_required=True)``): then a class whose methods mutate its
    state gets a warning. Whatever the setting, with ``ReviewConfig(properties=True)`` every
    class that has mutable state or a lock gets one info finding stating its thread-safety,
    so results can show which models made a class thread-safe: its ``data`` says
    ``thread_safe`` (see `agentspec.review.facts`), which `agentspec.review.thread_safety`
    reads. Test classes are skipped.
    """

    severity = "warning"
    message = "shared state mutated outside the lock"

    VALID = examples.VALID
    INVALID = examples.INVALID

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        self._frames: list[ClassState | Method | None] = []
        self._module_locks: set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Start tracking a class."""
        self._frames.append(ClassState(node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Judge the class that ends."""
        state = self._frames.pop()
        if isinstance(state, ClassState) and not state.skipped:
            self._judge(state)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Enter a method, or a function nested in one."""
        top = self._frames[-1] if self._frames else None
        if isinstance(top, ClassState):
            self._frames.append(Method.of(node, top))
        else:
            self._frames.append(top.nested() if isinstance(top, Method) else None)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._frames.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Open a block: an ``acquire()`` inside it lasts until it ends."""
        method = self._method()
        if method is not None:
            method.acquired.append(set(method.acquired[-1]))

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        """Close a block."""
        method = self._method()
        if method is not None:
            method.acquired.pop()

    def visit_With(self, node: cst.With) -> None:
        """Hold the ``with`` items; report a lock created in place."""
        method = self._method()
        held = set()
        for item in node.items:
            if is_lock_constructor(item.item):
                message = "`with` on a lock created in place protects nothing; share one lock (self._lock)"
                owner = method.owner.node.name.value if method is not None else None
                self.report(item, message, data=thread_safety_data(owner, thread_safe=False, cause="fresh-lock"))
            key = lock_id(item.item, method)
            if key is not None:
                held.add(key)
        if method is not None:
            method.withs.append(frozenset(held))
            method.owner.holds(method.name, held)

    def leave_With(self, original_node: cst.With) -> None:
        """Release the ``with`` items."""
        method = self._method()
        if method is not None:
            method.withs.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        """Record a lock being created, or a mutation of ``self``."""
        for target in node.targets:
            self._assigned(node, target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        """Record a lock being created, or a mutation of ``self``."""
        if node.value is not None:
            self._assigned(node, node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        """Record a mutation of ``self``."""
        self._mutation(node, node.target)

    def visit_Del(self, node: cst.Del) -> None:
        """Record deletions from ``self``."""
        target = node.target
        for element in target.elements if isinstance(target, cst.Tuple) else [target]:
            self._mutation(node, element.value if isinstance(element, cst.BaseElement) else element)

    def visit_Call(self, node: cst.Call) -> None:
        """Record ``acquire``/``release``, calls of the class's own methods, and mutating calls."""
        method = self._method()
        if method is None:
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("acquire", "release"):
            key = lock_id(func.value, method)
            if key is not None and func.attr.value == "acquire":
                method.acquired[-1].add(key)
                method.owner.holds(method.name, {key})
            elif key is not None:
                method.acquired[-1].discard(key)
        elif isinstance(func, cst.Attribute) and method.self_name and dotted(func.value) == method.self_name:
            method.owner.calls.append((func.attr.value, method.name, method.held(), method.setup))
        else:
            target = mutating_call_target(node)
            if target is not None:
                self._mutation(node, target)

    def _assigned(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        top = self._frames[-1] if self._frames else None
        if is_lock_constructor(value):
            attribute = self_rooted(target, top) if isinstance(top, Method) else None
            if not self._frames and isinstance(target, cst.Name):
                self._module_locks.add(target.value)
            elif isinstance(top, ClassState) and isinstance(target, cst.Name):
                top.locks.add(target.value)
            elif isinstance(top, Method) and attribute is not None:
                top.owner.locks.add(attribute)
            return
        if isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._mutation(node, element.value)
        else:
            self._mutation(node, target)

    def _mutation(self, node: cst.CSTNode, target: cst.BaseExpression) -> None:
        method = self._method()
        if method is None or method.setup:
            return
        field = self_rooted(target, method)
        if field is not None and field not in method.owner.locks and not is_lockish(field):
            method.owner.mutations.append(Mutation(node, field, method.name, method.held()))

    def _method(self) -> Method | None:
        top = self._frames[-1] if self._frames else None
        return top if isinstance(top, Method) else None

    def _judge(self, state: ClassState) -> None:
        verdict = state.judge(self._module_locks)
        name = state.node.name.value
        guards = ", ".join(verdict.guards)
        count = len(verdict.unguarded)
        for mutation in verdict.flagged:
            where = f"{name}.{mutation.method}"
            facts = thread_safety_data(
                name,
                thread_safe=False,
                cause="unguarded-write",
                guards=verdict.guards,
                unguarded=count,
                method=mutation.method,
                field=mutation.field,
            )
            self.report(mutation.node, f"{where} mutates self.{mutation.field} outside the lock ({guards})", data=facts)
        if not verdict.own_locks and verdict.unguarded and self.config.thread_safety_required:
            fields = ", ".join(sorted({f"self.{m.field}" for m in verdict.unguarded}))
            facts = thread_safety_data(name, thread_safe=False, cause="no-lock", guards=verdict.guards, unguarded=count)
            self.report(
                state.node, f"class {name} mutates {fields} without a lock; the task requires thread safety", data=facts
            )
        if self.config.properties and (verdict.own_locks or verdict.mutations):
            if not verdict.unguarded:
                text = f"class {name} is thread-safe: every mutation holds {guards or 'its lock'}"
                cause: Cause | None = None
            elif verdict.own_locks:
                text = f"class {name} is not thread-safe: {count} mutation(s) outside {guards}"
                cause = "unguarded-write"
            else:
                text = f"class {name} is not thread-safe: no lock guards its mutable state"
                cause = "no-lock"
            facts = thread_safety_data(
                name, thread_safe=cause is None, cause=cause, guards=verdict.guards, unguarded=count
            )
            self.report(state.node, text, severity="info", data=facts)
