"""What the terminal shows: a live progress bar during a run, tables after it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from agentspec.store.report import grid, harness_matrix, leaderboard, review_summary
from agentspec.store.sqlite import AttemptRecord
from agentspec.store.why import why_not_passed

_STYLE = {"passed": "green", "failed": "red", "error": "yellow"}


def make_console(*, stderr: bool = False) -> Console:
    """A console that does not wrap lines mid-sentence when writing to a file or pipe (logs, CI)."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        columns = os.environ.get("COLUMNS", "")
        width = max(160, int(columns)) if columns.isdigit() else 160
        console = Console(stderr=stderr, highlight=False, width=width, soft_wrap=True)
    return console


class AttemptProgress:
    """A progress bar with passed/failed/error counts; one line per attempt when not on a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.counts: Counter[str] = Counter()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @contextmanager
    def live(self, total: int) -> Iterator[None]:
        """Show the bar while the block runs."""
        if not self.console.is_terminal:
            yield
            return
        self._progress = Progress(
            TextColumn("[bold]attempts"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._task = self._progress.add_task(self._description(), total=total)
        with self._progress:
            yield

    def _description(self) -> str:
        return " ".join(f"[{_STYLE[k]}]{k} {self.counts[k]}[/]" for k in ("passed", "failed", "error"))

    def update(self, record: AttemptRecord) -> None:
        """Count one finished attempt."""
        self.counts[record.outcome] += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=self._description())
        else:
            kind = f" ({record.failure_kind})" if record.failure_kind else ""
            self.console.print(
                f"[{_STYLE[record.outcome]}]{record.outcome}[/]{kind} {record.task} {record.agent} "
                f"{record.model} #{record.trial} {record.tests_passed}/{record.tests_total} tests "
                f"{record.duration_s:.1f}s"
            )
            for line in why_not_passed(record, limit=3):
                self.console.print(f"    {line}", markup=False)


def print_summary(console: Console, records: Sequence[AttemptRecord]) -> None:
    """The leaderboard, the task x model grid, and what the review saw in each model's code."""
    if not records:
        console.print("No attempts recorded.")
        return
    board = Table(title="Results")
    rows = leaderboard(records)
    several = any(row.pass_all is not None for row in rows)
    headers = ("agent", "model", "score", "pass@1", "95% CI", *(("pass^k",) if several else ()))
    for column in (*headers, "avg time", "avg turns", "tokens", "backend"):
        board.add_column(column)
    for row in rows:
        low, high = row.interval
        board.add_row(
            row.agent,
            row.model,
            row.score,
            f"{row.pass_at_1:.0%}",
            f"{low:.0%}-{high:.0%}",
            *((row.pass_all_text,) if several else ()),
            f"{row.avg_time_s:.1f}s",
            f"{row.avg_turns:.1f}",
            f"{row.tokens:,}",
            row.backend,
        )
    console.print(board)
    tasks, columns, cells = grid(records)
    table = Table(title="Tasks")
    table.add_column("task")
    for column in columns:
        table.add_column(column)
    for task in tasks:
        values = [cells.get((task, c), "") for c in columns]
        styled = [
            f"[green]{v}[/]" if v and v.split("/")[0] == v.split("/")[1].rstrip("!") else f"[red]{v}[/]" for v in values
        ]
        table.add_row(task, *styled)
    console.print(table)
    print_harness_matrix(console, records)
    reviewed = review_summary(records)
    if reviewed:
        review = Table(title="Review")
        for column in ("agent", "model", "what the review saw (attempts)"):
            review.add_column(column)
        for agent, model, phrases in reviewed:
            review.add_row(agent, model, "; ".join(phrases))
        console.print(review)
    _print_why(console, records)


def _print_why(console: Console, records: Sequence[AttemptRecord], limit: int = 20) -> None:
    """Why attempts did not pass: one line per reason, the first `limit` attempts."""
    shown = [(r, why_not_passed(r, limit=3)) for r in records if r.outcome != "passed"]
    shown = [(r, lines) for r, lines in shown if lines]
    if not shown:
        return
    console.print("Why attempts did not pass:")
    for record, lines in shown[:limit]:
        heading = f"  {record.task} {record.agent} {record.model} #{record.trial} ({record.failure_kind}):"
        console.print(heading, markup=False)
        for line in lines:
            console.print(f"    {line}", markup=False)
    if len(shown) > limit:
        console.print(f"  ... and {len(shown) - limit} more (agentspec report --format json has every reason)")


def print_harness_matrix(console: Console, records: Sequence[AttemptRecord]) -> None:
    """Models x harnesses (score and dominant failure kind), when more than one harness ran."""
    models, harnesses, cells = harness_matrix(records)
    if len(harnesses) < 2:
        return
    table = Table(title="Harnesses (model x harness: passed/attempts, commonest failure)")
    table.add_column("model")
    for harness in harnesses:
        table.add_column(harness)
    for model in models:
        table.add_row(model, *(cells.get((model, h), "") for h in harnesses))
    console.print(table)
