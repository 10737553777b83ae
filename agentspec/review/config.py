"""What a review is asked to do: which rules run and what the task requires of the code."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentspec.review.rule import Rule


@dataclass(frozen=True)
class ReviewConfig:
    """Settings for one review.

    Attributes:
        rules: Ids of the rules to run; ``None`` runs every rule.
        thread_safety_required: The task asks for thread-safe code, so a class with shared
            mutable state and no lock is a warning rather than an info property.
        properties: Emit info findings that describe the code rather than fault it: each
            class's thread-safety (rule ``thread-safety``) and each file's docstring
            coverage (rule ``docstrings``).
        extra_rules: Rule classes to run besides the built-in ones (``all_rules()``); ``rules``
            selects among both.
    """

    rules: Collection[str] | None = None
    thread_safety_required: bool = False
    properties: bool = True
    extra_rules: Sequence[type[Rule]] = ()

    def __post_init__(self) -> None:
        if self.rules is not None:
            object.__setattr__(self, "rules", frozenset(self.rules))

    def runs(self, rule_id: str) -> bool:
        """Tell whether the rule with this id is enabled."""
        return self.rules is None or rule_id in self.rules
