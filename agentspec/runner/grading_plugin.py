"""A pytest plugin loaded into every grading run (copied as ``agentspec_grading``; see grade.py).

It works around one crash: CPython can give a traceback entry no line number (``tb_lineno``
is None), for instance when a signal handler raises between two instructions, as a CPU-time
budget built on ``signal.setitimer`` does. pytest then fails while rendering the failure
(``INTERNALERROR ... TypeError: unsupported operand type(s) for -: 'NoneType' and 'int'``)
and the whole session ends, so a plain test failure would be recorded as a grading error and
the tests after it would not run. Before pytest builds a report, the entries without a line
are unlinked from every traceback in the exception's chain; the failure is reported as usual.

The module imports nothing from agentspec: it is loaded from a copy of this file, so the Python
that runs the tests need not have agentspec installed.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> None:
    """Drop line-less traceback entries from the call's exception before any report is made."""
    if call.excinfo is None:
        return
    value = call.excinfo.value
    if _drop_lineless_entries(value) and value.__traceback__ is not None:
        call.excinfo = pytest.ExceptionInfo.from_exception(value)


def _drop_lineless_entries(exception: BaseException) -> bool:
    """Unlink entries without a line number from `exception`'s traceback and its chain's; True if any."""
    changed = False
    seen: set[int] = set()
    pending = [exception]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        entries = _entries(current.__traceback__)
        kept = [entry for entry in entries if entry.tb_lineno is not None]
        if len(kept) < len(entries):
            changed = True
            for entry, following in zip(kept, [*kept[1:], None], strict=True):
                entry.tb_next = following
            current.__traceback__ = kept[0] if kept else None
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
    return changed


def _entries(head: TracebackType | None) -> list[TracebackType]:
    """The entries of a traceback, outermost first."""
    entries = []
    while head is not None:
        entries.append(head)
        head = head.tb_next
    return entries
