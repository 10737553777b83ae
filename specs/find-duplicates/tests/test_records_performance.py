"""Performance guard: the nightly import calls find_duplicates on ~50,000 rows.

The budget is CPU time, not wall-clock time, so a busy CI machine does not make
the test flaky. A linear-time find_duplicates needs a few milliseconds here;
a quadratic one needs many seconds, so the budget sits far from both.
"""

import signal
from contextlib import contextmanager

import pytest

from records import find_duplicates

ROWS = 50_000
CPU_BUDGET_S = 0.25

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")


@contextmanager
def cpu_budget(seconds):
    """Raise TimeoutError inside the block once the process has used `seconds` of CPU time in it."""

    def expire(signum, frame):
        raise TimeoutError

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def test_find_duplicates_handles_a_nightly_import_quickly():
    customer_ids = list(range(ROWS)) + list(range(0, ROWS, 1000))  # 50 ids appear twice
    over_budget = False
    try:
        with cpu_budget(CPU_BUDGET_S):
            result = find_duplicates(customer_ids)
    except TimeoutError:
        over_budget = True  # fail outside the handler, so the report does not carry the interrupted traceback
    if over_budget:
        pytest.fail(
            f"find_duplicates on {len(customer_ids)} items used more than {CPU_BUDGET_S} s of CPU time; "
            "it should run in linear time"
        )
    assert result == list(range(0, ROWS, 1000))
