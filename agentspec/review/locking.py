"""What the ``thread-safety`` rule tracks: locks, guarded regions and mutations of ``self``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from agentspec.review.sequences import dotted

SETUP_METHODS = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__", "__setstate__", "__del__"})
LOCK_TYPES = frozenset({"Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore"})
MUTATORS = frozenset(
    {
        "append", "extend", "insert", "pop", "popitem", "remove", "clear", "update", "setdefault",
        "move_to_end", "add", "discard", "sort", "reverse", "appendleft", "popleft", "extendleft",
        "rotate", "difference_update", "intersection_update", "symmetric_difference_update",
        "__setitem__", "__delitem__",
    }
)  # fmt: skip
_HEAP_FUNCTIONS = frozenset(
    {"heappush", "heappop", "heapify", "heapreplace", "heappushpop", "insort", "insort_left", "insort_right"}
)
_LOCKISH = re.compile(r"(?:^|_)(?:r?lock|mutex|cond|condition|cv|sem|semaphore)$", re.IGNORECASE)
_Site = tuple[str, str, frozenset[str], bool]


def is_lockish(key: str) -> bool:
    """Tell whether a name (``self._lock``, ``write_mutex``) says it is a lock."""
    return bool(_LOCKISH.search(key.rsplit(".", 1)[-1]))


def is_lock_constructor(node: cst.BaseExpression | None) -> bool:
    """Tell whether ``node`` creates a lock: ``threading.Lock()``, ``field(default_factory=RLock)``..."""
    if not isinstance(node, cst.Call):
        return False
    name = dotted(node.func) or ""
    if name.rsplit(".", 1)[-1] in LOCK_TYPES:
        return True
    return any(
        arg.keyword is not None
        and arg.keyword.value == "default_factory"
        and (dotted(arg.value) or "").rsplit(".", 1)[-1] in LOCK_TYPES
        for arg in node.args
    )


def self_rooted(target: cst.BaseExpression, method: Method) -> str | None:
    """Return the attribute of ``self`` that ``target`` reaches (``_data`` for ``self._data[k]``)."""
    attribute = None
    node = target
    while isinstance(node, cst.Attribute | cst.Subscript):
        if isinstance(node, cst.Attribute):
            attribute = node.attr.value
        node = node.value
    if attribute is not None and isinstance(node, cst.Name) and node.value == method.self_name:
        return attribute
    return None


def mutating_call_target(call: cst.Call) -> cst.BaseExpression | None:
    """Return what a call mutates (``x`` in ``x.append(1)`` or ``heapq.heappush(x, 1)``), if it mutates."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
        return func.value
    name = dotted(func)
    if name is not None and name.rsplit(".", 1)[-1] in _HEAP_FUNCTIONS and call.args:
        return call.args[0].value
    return None


def lock_id(node: cst.BaseExpression, method: Method | None) -> str | None:
    """Name what a ``with`` item or an ``acquire()`` receiver refers to: ``self._lock``, ``LOCK``."""
    name = dotted(node)
    if name is None:
        return None
    if method is not None and method.self_name and name.startswith(method.self_name + "."):
        return "self." + name[len(method.self_name) + 1 :]
    return name


@dataclass(frozen=True)
class Mutation:
    """One change to ``self``'s state, with the locks held when it happens."""

    node: cst.CSTNode
    field: str
    method: str
    held: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    """What the ``thread-safety`` rule concludes about one class.

    Attributes:
        own_locks: The class's own locks (``self._lock``), sorted.
        guards: Every lock seen guarding it, its own and module-level ones, sorted.
        mutations: Mutations of its state after construction.
        unguarded: Those made without any lock held.
        flagged: The unguarded ones a reviewer would fault in a class that owns a lock: all
            of them if the lock is never used, else those of fields the lock guards
            elsewhere or made in methods that take the lock.
    """

    own_locks: list[str]
    guards: list[str]
    mutations: list[Mutation]
    unguarded: list[Mutation]
    flagged: list[Mutation]


@dataclass(eq=False)
class ClassState:
    """What one class's methods do with locks and state, judged when the class ends."""

    node: cst.ClassDef
    locks: set[str] = field(default_factory=set)
    method_locks: dict[str, set[str]] = field(default_factory=dict)
    mutations: list[Mutation] = field(default_factory=list)
    calls: list[_Site] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        """Tell whether this is a test class, which the rule leaves alone."""
        bases = [dotted(base.value) or "" for base in self.node.bases]
        return self.node.name.value.startswith("Test") or any(base.endswith("TestCase") for base in bases)

    def holds(self, method: str, keys: set[str] | frozenset[str]) -> None:
        """Record that ``method`` holds (``with`` or ``acquire``) the objects named ``keys``."""
        self.method_locks.setdefault(method, set()).update(keys)

    def judge(self, module_locks: set[str]) -> Verdict:
        """Decide which locks guard this class and which mutations escape them."""
        used = set().union(*self.method_locks.values())
        own = {f"self.{name}" for name in self.locks}
        own |= {key for key in used if key.startswith("self.") and is_lockish(key)}
        guards = own | {key for key in used if key in module_locks or is_lockish(key)}
        helpers = self._helpers(lambda held, setup, caller, ctx: bool(held & guards) or setup or caller in ctx)
        setup_only = self._helpers(lambda held, setup, caller, ctx: setup or caller in ctx)
        mutations = [m for m in self.mutations if m.method not in setup_only]
        unguarded = [m for m in mutations if not m.held & guards and m.method not in helpers]
        locking = {name for name, keys in self.method_locks.items() if keys & guards}
        protected = {m.field for m in mutations if m not in unguarded}
        flagged = [m for m in unguarded if not locking or m.field in protected or m.method in locking]
        return Verdict(sorted(own), sorted(guards), mutations, unguarded, flagged if own else [])

    def _helpers(self, ok: Callable[[frozenset[str], bool, str, set[str]], bool]) -> set[str]:
        sites: dict[str, list[_Site]] = {}
        for site in self.calls:
            if site[0].startswith("_") and not site[0].endswith("__") and site[0] != site[1]:
                sites.setdefault(site[0], []).append(site)
        context: set[str] = set()
        changed = True
        while changed:
            changed = False
            for callee, calls in sites.items():
                if callee not in context and all(ok(held, setup, caller, context) for _, caller, held, setup in calls):
                    context.add(callee)
                    changed = True
        return context


@dataclass(eq=False)
class Method:
    """A method being traversed (or a function nested in one): its ``self`` and the locks it holds."""

    owner: ClassState
    name: str
    self_name: str | None
    setup: bool
    withs: list[frozenset[str]] = field(default_factory=list)
    acquired: list[set[str]] = field(default_factory=lambda: [set()])

    @classmethod
    def of(cls, node: cst.FunctionDef, owner: ClassState) -> Method:
        """Start tracking the method ``node`` of the class ``owner``."""
        decorators = {dotted(decorator.decorator) for decorator in node.decorators}
        params = [*node.params.posonly_params, *node.params.params]
        static = "staticmethod" in decorators
        self_name = params[0].name.value if params and not static else None
        return cls(owner, node.name.value, self_name, node.name.value in SETUP_METHODS)

    def nested(self) -> Method:
        """Track a function defined inside this method: it runs later, holding no lock."""
        return Method(self.owner, self.name, self.self_name, setup=False)

    def held(self) -> frozenset[str]:
        """Return the ids of the locks held at this point."""
        return frozenset().union(*self.withs, self.acquired[-1])
