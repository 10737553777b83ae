"""The rules the reviewer knows: the built-in ones, one module each, and any registered from outside.

A built-in rule's id is its module's name with dashes (``rules/thread_safety.py`` is ``thread-safety``):
defined once, by the file. The ids are known without importing a rule (so that loading a spec stays
quick); the rule classes are imported on first use. A rule written elsewhere joins with
``@register_rule`` and then reaches `agentspec review`, the spec schema and the site's rules pages.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from agentspec.review.ids import BUILTIN_PACKAGE, id_of_module

if TYPE_CHECKING:
    from agentspec.review.rule import Rule

_BUILTIN_FOLDER = Path(__file__).with_name("rules")
_registered: dict[str, type[Rule]] = {}
R = TypeVar("R", bound="type[Rule]")


def _builtin_modules() -> list[str]:
    return sorted(p.stem for p in _BUILTIN_FOLDER.glob("*.py") if not p.name.startswith("_"))


def rule_ids() -> list[str]:
    """Every rule id, sorted: the built-in modules' and the registered rules'."""
    return sorted({id_of_module(name) for name in _builtin_modules()} | set(_registered))


def register_rule(rule: R) -> R:
    """Add a rule class to the reviewer (a decorator); its `id` must be new.

    Raises:
        ValueError: The rule has no id, or its id is taken by another rule.
    """
    rule_id = getattr(rule, "id", "")
    if not rule_id:
        raise ValueError(f'{rule.__name__} has no id: set `id = "my-rule"` on the class')
    taken = rule_id in {id_of_module(name) for name in _builtin_modules()} or _registered.get(rule_id, rule) is not rule
    if taken:
        raise ValueError(f"rule id {rule_id!r} is taken; choose another for {rule.__name__}")
    _registered[rule_id] = rule
    return rule


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by id (imports the built-in rule modules on first call)."""
    from agentspec.review.rule import Rule

    found: dict[str, type[Rule]] = {}
    for name in _builtin_modules():
        module = importlib.import_module(f"{BUILTIN_PACKAGE}.{name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Rule) and value.__module__ == module.__name__:
                found[value.id] = value
    found.update(_registered)
    return tuple(found[rule_id] for rule_id in sorted(found))
