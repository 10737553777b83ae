"""Statistics a sceptic accepts: pass^k, and a paired exact test between two agent+model entries.

pass@k is the chance that at least one of k trials passes; pass^k (tau-bench's) that all k do: a
model that passes a task in 2 of 3 trials has pass@1 = 0.67 but pass^3 = 0. The paired comparison
looks at the tasks both entries attempted: per task, each entry's pass rate over its trials; the tasks
where one did better than the other are the disagreements, and an exact two-sided sign test (McNemar's
exact test when there is one trial each) says how likely so lopsided a split would be if neither entry
were better.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentspec.store.sqlite import AttemptRecord


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased pass^k from n trials with c passes: the chance that k trials drawn without replacement all pass."""
    if k > n:
        return 0.0
    return math.comb(c, k) / math.comb(n, k)


def entry_label(agent: str, model: str) -> str:
    """How an agent+model entry is named on the command line: `agent:model`, or the agent alone without model."""
    return agent if model == "-" else f"{agent}:{model}"


def sign_test(better: int, worse: int) -> float:
    """Exact two-sided sign test p-value for `better` against `worse` discordant pairs."""
    n = better + worse
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(better, worse) + 1)) / 2**n
    return float(min(1.0, 2 * tail))


@dataclass(frozen=True)
class TaskPair:
    """One task both entries attempted: each entry's passes over its trials."""

    task: str
    a_passed: int
    a_trials: int
    b_passed: int
    b_trials: int

    @property
    def difference(self) -> float:
        """A's pass rate minus B's."""
        return self.a_passed / self.a_trials - self.b_passed / self.b_trials


@dataclass(frozen=True)
class Comparison:
    """The paired comparison of entries A and B on their shared tasks."""

    a: str
    b: str
    pairs: list[TaskPair]
    only_a: list[str]
    only_b: list[str]

    @property
    def a_better(self) -> int:
        """Shared tasks on which A's pass rate is higher."""
        return sum(1 for p in self.pairs if p.difference > 0)

    @property
    def b_better(self) -> int:
        """Shared tasks on which B's pass rate is higher."""
        return sum(1 for p in self.pairs if p.difference < 0)

    @property
    def p_value(self) -> float:
        """The exact two-sided sign test over the disagreements."""
        return sign_test(self.a_better, self.b_better)

    @property
    def disagreements(self) -> list[TaskPair]:
        """The shared tasks where the two entries did differently."""
        return [p for p in self.pairs if p.difference != 0]


def compare(records: Sequence[AttemptRecord], a: str, b: str) -> Comparison:
    """Pair entries `a` and `b` (as `entry_label` names them) task by task.

    Raises:
        KeyError: An entry has no attempts among `records`; the message lists the entries there are.
    """
    by_entry: dict[str, dict[str, list[AttemptRecord]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        by_entry[entry_label(record.agent, record.model)][record.task].append(record)
    for name in (a, b):
        if name not in by_entry:
            raise KeyError(f"no attempts of {name!r}; entries recorded: {', '.join(sorted(by_entry)) or 'none'}")
    tasks_a, tasks_b = by_entry[a], by_entry[b]
    pairs = [
        TaskPair(
            task,
            sum(r.outcome == "passed" for r in tasks_a[task]),
            len(tasks_a[task]),
            sum(r.outcome == "passed" for r in tasks_b[task]),
            len(tasks_b[task]),
        )
        for task in sorted(tasks_a.keys() & tasks_b.keys())
    ]
    return Comparison(a, b, pairs, sorted(tasks_a.keys() - tasks_b.keys()), sorted(tasks_b.keys() - tasks_a.keys()))


def render_comparison(comparison: Comparison) -> str:
    """The per-task disagreements and the test's result, as plain text."""
    c = comparison
    lines = [
        f"Paired comparison on {len(c.pairs)} shared tasks: A = {c.a}, B = {c.b}",
        f"A better on {c.a_better}, B better on {c.b_better}, equal on {len(c.pairs) - len(c.disagreements)}",
        f"exact sign test (McNemar): p = {c.p_value:.4g}",
    ]
    if c.disagreements:
        width = max(len(p.task) for p in c.disagreements)
        lines.append("")
        lines.append(f"{'task'.ljust(width)}  A        B")
        for p in c.disagreements:
            lines.append(
                f"{p.task.ljust(width)}  {p.a_passed}/{p.a_trials}".ljust(width + 11) + f"{p.b_passed}/{p.b_trials}"
            )
    for label, only in (("A", c.only_a), ("B", c.only_b)):
        if only:
            lines.append(f"only {label} attempted: {', '.join(only)}")
    return "\n".join(lines)
