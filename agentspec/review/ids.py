"""How a built-in rule's id comes from its module: ``agentspec.review.rules.thread_safety`` is ``thread-safety``."""

from __future__ import annotations

BUILTIN_PACKAGE = "agentspec.review.rules"


def id_of_module(module: str) -> str:
    """The id of the built-in rule defined in `module` (its last name, with dashes)."""
    return module.rsplit(".", 1)[-1].replace("_", "-")
