"""`report`: what `agentspec report` reads, as a function: a results store's attempts, selected and rendered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agentspec.api.project import Project, results_folder
from agentspec.errors import UsageError
from agentspec.selection import selects
from agentspec.store import report as render
from agentspec.store.sqlite import AttemptRecord, Run, Store


@dataclass(frozen=True)
class Report:
    """Recorded attempts, with the leaderboard and the formats `agentspec report` prints.

    Attributes:
        records: The attempts, in the store's order.
        run: The run they were narrowed to, if any.
    """

    records: list[AttemptRecord] = field(default_factory=list)
    run: Run | None = None

    @property
    def pass_rate(self) -> float:
        """Passed attempts over attempts (0 with none)."""
        return sum(r.outcome == "passed" for r in self.records) / len(self.records) if self.records else 0.0

    def leaderboard(self) -> list[render.Row]:
        """One row per agent + model, best pass rate first."""
        return render.leaderboard(self.records)

    def json(self) -> str:
        """`{"attempts": [...]}`, the contract `agentspec report --format json` prints."""
        return render.render_json(self.records)

    def markdown(self) -> str:
        """The leaderboard, the task x model grid and what the review saw, as Markdown tables."""
        return render.render_markdown(self.records)

    def csv(self) -> str:
        """One CSV row per attempt."""
        return render.render_csv(self.records)


def report(
    results: str | Path | None = None,
    *,
    run: str | None = None,
    tasks: Sequence[str] = (),
    project: Project | None = None,
) -> Report:
    """The attempts a results store holds, as `agentspec report` selects them.

    Args:
        results: The results folder; default: `[run].results` of the project config, else `results/`.
        run: Only this run's attempts.
        tasks: Task selectors (id globs, `tag:NAME`, `kind:NAME`); empty selects every task.
        project: The project config; default: the one governing the current folder.

    Raises:
        UsageError: No results store there, or no such run in it.
    """
    folder = results_folder(Path(results) if results is not None else None, project)
    with open_results(folder) as store:
        return Report(select_records(store, folder, run, tasks), _run(store, folder, run))


def open_results(folder: Path) -> Store:
    """The results store in `folder`, which must exist."""
    if not (folder / "results.sqlite").is_file():
        raise UsageError(f"no results in {folder}/ (run `agentspec run` first, or pass --results DIR)")
    return Store(folder)


def select_records(store: Store, folder: Path, run_id: str | None, tasks: Sequence[str]) -> list[AttemptRecord]:
    """The attempts of run `run_id` (every run's when None) whose task matches `tasks`."""
    _run(store, folder, run_id)
    return [r for r in store.attempts(run_id) if selects(tasks, r.task, *spec_labels(store, r.spec_hash))]


def spec_labels(store: Store, spec_hash: str) -> tuple[list[str], str | None]:
    """The tags and kind of a recorded spec version (empty when the store does not hold it)."""
    spec = store.spec(spec_hash) or {}
    return list(spec.get("tags", [])), spec.get("kind")


def _run(store: Store, folder: Path, run_id: str | None) -> Run | None:
    if run_id is None:
        return None
    found = next((r for r in store.runs() if r.id == run_id), None)
    if found is None:
        raise UsageError(f"no run {run_id!r} in {folder}/")
    return found
