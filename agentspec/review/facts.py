"""What a finding measured, as data: the keys rules put in `Finding.data`, and the one place they are read.

A finding's message is for people and may be reworded in any release; whatever a program derives
from a finding (is this class thread-safe, how many definitions are documented, what growth was
measured) comes from its ``data``, set by the rule that found it:

* ``thread-safety``, each class's statement (info) and each fault: ``class``, ``thread_safe``,
  ``cause`` (``"unguarded-write"``, ``"no-lock"``, ``"fresh-lock"`` or null), ``guards`` (the lock
  names), ``unguarded`` (how many writes hold no lock); a fault on one write adds ``method`` and ``field``.
* ``docstrings``, the file's coverage (info, line 1): ``documented``, ``total``; a definition without
  a docstring: ``definition`` (``"module"``, ``"class"``, ``"function"``, ``"method"``) and ``name``.
* ``quadratic``, a growth measured past the spec's bound (added by the runner): ``function``,
  ``growth``, ``exponent``, ``sizes``, ``allowed``, ``error``.

Findings stored before findings carried data have no ``data`` key at all. For those only, the readers
here fall back to the message wording those versions wrote; nothing else in agentspec reads a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Cause: TypeAlias = Literal["unguarded-write", "no-lock", "fresh-lock"]

# The wording of findings stored before `data` existed (agentspec <= the release that added it).
_OLD_STATEMENT = re.compile(r"^class (\S+) is (not )?thread-safe\b")
_OLD_COVERAGE = re.compile(r"^docstring coverage (\d+)/(\d+)")


@dataclass(frozen=True)
class ThreadSafety:
    """What one ``thread-safety`` finding says about a class.

    Attributes:
        class_name: The class, when the finding names one.
        thread_safe: Whether the class is thread-safe; a fault always says no.
        cause: Why not: a write outside the lock, no lock at all, or a lock created in place.
        statement: True for the class's info statement, False for a fault (warning or error).
    """

    class_name: str | None
    thread_safe: bool
    cause: Cause | None
    statement: bool


def thread_safety_data(
    class_name: str | None,
    *,
    thread_safe: bool,
    cause: Cause | None,
    guards: Sequence[str] = (),
    unguarded: int = 0,
    **extra: str,
) -> dict[str, Any]:
    """The ``data`` of a ``thread-safety`` finding."""
    facts = {"class": class_name, "thread_safe": thread_safe, "cause": cause, "guards": list(guards)}
    return {**facts, "unguarded": unguarded, **extra}


def coverage_data(documented: int, total: int) -> dict[str, Any]:
    """The ``data`` of a ``docstrings`` coverage finding."""
    return {"documented": documented, "total": total}


def thread_safety_of(finding: Mapping[str, Any]) -> ThreadSafety | None:
    """What a stored finding says about a class's thread-safety (None: not such a finding)."""
    if finding.get("rule") != "thread-safety":
        return None
    statement = finding.get("severity") == "info"
    data = finding.get("data")
    if isinstance(data, Mapping):
        if "thread_safe" not in data:
            return None
        cause = data.get("cause")
        name = data.get("class")
        return ThreadSafety(
            name if isinstance(name, str) else None,
            bool(data["thread_safe"]),
            cause if cause in ("unguarded-write", "no-lock", "fresh-lock") else None,
            statement,
        )
    return _old_thread_safety(str(finding.get("message", "")), statement)


def docstring_coverage_of(finding: Mapping[str, Any]) -> tuple[int, int] | None:
    """(documented, total) from a stored ``docstrings`` coverage finding (None: not such a finding)."""
    if finding.get("rule") != "docstrings":
        return None
    data = finding.get("data")
    if isinstance(data, Mapping):
        documented, total = data.get("documented"), data.get("total")
        return (documented, total) if isinstance(documented, int) and isinstance(total, int) else None
    match = _OLD_COVERAGE.match(str(finding.get("message", "")))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _old_thread_safety(message: str, statement: bool) -> ThreadSafety | None:
    """A finding stored without data, read from the wording of its time."""
    no_lock: Cause = "no-lock"
    unguarded: Cause = "unguarded-write"
    if not statement:
        said_no_lock = "no lock" in message or "without a lock" in message
        return ThreadSafety(None, False, no_lock if said_no_lock else unguarded, statement=False)
    match = _OLD_STATEMENT.match(message)
    if match is None:
        return None
    safe = match.group(2) is None
    cause = None if safe else no_lock if "no lock" in message else unguarded
    return ThreadSafety(match.group(1), safe, cause, statement=True)
