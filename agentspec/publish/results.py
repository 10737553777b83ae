"""What the site is made from: the store's attempts and runs, the current spec files, and per-attempt artifacts."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from agentspec.errors import UsageError
from agentspec.publish.names import short_agent, short_model
from agentspec.selection import selects
from agentspec.spec.model import Spec
from agentspec.spec.suite import load_suite
from agentspec.store import report
from agentspec.store.sqlite import AttemptRecord, Run, Store

# Artifacts past these sizes are cut for display: one runaway attempt must not make a page of gigabytes.
FILE_LIMIT = 400_000
OUTPUT_LIMIT = 60_000
TRANSCRIPT_LIMIT = 2_000_000
BASELINES = frozenset({"reference", "none"})
NO_RESULTS_HINT = (
    "make some with `agentspec run specs/` (the reference solutions), or e.g. "
    "`agentspec run specs/ --agent claude-code --model ollama/qwen3.5:27b`"
)


def entry_label(agent: str, model: str) -> str:
    """How an agent with a model is named across the site (the report's grid columns, the same way)."""
    return agent if model == "-" else f"{agent} {model}"


def slug(value: str) -> str:
    """A file name for a page: lowercase letters, digits, '.', '-', and a short hash when anything was dropped."""
    simple = re.sub(r"[^a-z0-9.]+", "-", value.lower()).strip("-.")[:60] or "page"
    if simple != value:
        simple += "-" + hashlib.sha256(value.encode()).hexdigest()[:6]
    return simple


def task_page(task: str) -> str:
    """The Markdown path of a task's page."""
    return f"tasks/{slug(task)}.md"


def entry_anchor(index: int) -> str:
    """The id of an agent and model's code on a task page, by the entry's place in `SiteData.entries`."""
    return f"c{index}"


def attempt_anchor(record: AttemptRecord) -> str:
    """The id of an attempt's block on its agent and model's page."""
    return f"attempt-{record.key}"


@dataclass(frozen=True)
class Entry:
    """An agent with a model: one leaderboard row, one column of the grid, one page."""

    agent: str
    model: str
    row: report.Row
    names: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def full_label(self) -> str:
        """The whole agent (a `command:` template in full) and model."""
        return entry_label(self.agent, self.model)

    @property
    def agent_name(self) -> str:
        """The agent's short display name."""
        return short_agent(self.agent, self.names)

    @property
    def model_name(self) -> str:
        """The model's short display name ('-' for none)."""
        return self.model if self.model == "-" else short_model(self.model, self.names)

    @property
    def label(self) -> str:
        """The short name shown in tables, tabs, nav and charts."""
        return self.agent_name if self.model == "-" else f"{self.agent_name} {self.model_name}"

    @property
    def baseline(self) -> bool:
        """The reference and none agents: the task's ceiling and floor, not contenders."""
        return self.agent in BASELINES

    @property
    def slug(self) -> str:
        """The page's file name, without extension."""
        if self.label == self.full_label:
            return slug(self.full_label)
        # A short name in the file name too; the full one's hash keeps two configured alike names apart.
        return slug(self.label) + "-" + hashlib.sha256(self.full_label.encode()).hexdigest()[:6]

    @property
    def page(self) -> str:
        """The Markdown path of this agent and model's page."""
        return f"models/{self.slug}.md"


@dataclass
class Artifacts:
    """What one attempt left on disk: final versions of changed files, diff, test output, transcript."""

    files: dict[str, str] = field(default_factory=dict)
    diff: str = ""
    test_output: str = ""
    transcript: list[Any] = field(default_factory=list)


def _inside(path: str) -> bool:
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def _read(path: Path, limit: int, *, tail: bool = False) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    if len(data) > limit:
        cut = f"\n[... {len(data) - limit} more bytes not shown ...]\n"
        data = data[-limit:] if tail else data[:limit]
        decoded = data.decode("utf-8", "replace")
        return cut + decoded if tail else decoded + cut
    return data.decode("utf-8", "replace")


@dataclass
class SiteData:
    """Everything a build reads, loaded once."""

    records: list[AttemptRecord]
    runs: list[Run]
    specs: dict[str, Spec]
    artifacts_root: Path
    entries: list[Entry] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.entries = [Entry(row.agent, row.model, row, self.names) for row in report.leaderboard(self.records)]

    @property
    def tasks(self) -> list[str]:
        """Task ids with attempts, sorted, then specs that have none yet."""
        seen = sorted({r.task for r in self.records})
        return seen + sorted(set(self.specs) - set(seen))

    def by_task(self) -> dict[str, list[AttemptRecord]]:
        """Attempts grouped by task."""
        groups: dict[str, list[AttemptRecord]] = defaultdict(list)
        for record in self.records:
            groups[record.task].append(record)
        return groups

    def by_entry(self) -> dict[tuple[str, str], list[AttemptRecord]]:
        """Attempts grouped by (agent, model)."""
        groups: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
        for record in self.records:
            groups[(record.agent, record.model)].append(record)
        return groups

    def entry(self, agent: str, model: str) -> Entry:
        """The entry of an agent with a model."""
        return next(e for e in self.entries if (e.agent, e.model) == (agent, model))

    def artifacts(self, record: AttemptRecord, *, transcript: bool = True) -> Artifacts:
        """Read an attempt's artifacts (missing ones are empty)."""
        folder = self.artifacts_root / record.key
        found = Artifacts(
            files={
                path: _read(folder / "files" / path, FILE_LIMIT)
                for path in record.changed_files
                if _inside(path) and (folder / "files" / path).is_file()
            },
            diff=_read(folder / "diff.patch", FILE_LIMIT),
            test_output=_read(folder / "test-output.txt", OUTPUT_LIMIT, tail=True),
        )
        if transcript:
            found.transcript = read_transcript(folder / "transcript.json")
        return found


def read_transcript(path: Path) -> list[Any]:
    """An attempt's transcript: a list of messages, or one entry saying why it could not be read."""
    raw = _read(path, TRANSCRIPT_LIMIT)
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [{"role": "note", "content": "The transcript is too large or not valid JSON; its start:\n" + raw[:4000]}]
    return data if isinstance(data, list) else [data]


def representative(records: Sequence[AttemptRecord]) -> AttemptRecord:
    """The attempt shown for a task and model: the first trial that passed, else the first trial."""
    return min(records, key=lambda r: (r.outcome != "passed", r.trial, -r.finished_at))


def load(
    results: Path,
    spec_paths: Iterable[Path],
    run_id: str | None = None,
    names: Mapping[str, str] | None = None,
    tasks: Sequence[str] = (),
) -> SiteData:
    """Load a results folder (and the specs, where found); a folder without attempts is a usage error.

    `names` maps agents and models to the short names shown for them (see `agentspec.publish.names`);
    `tasks` are `--task` patterns (agentspec.selection) choosing which tasks' attempts are published.
    """
    if not (results / "results.sqlite").is_file():
        raise UsageError(f"no results in {results}/ to publish: {NO_RESULTS_HINT}, or pass --results DIR")
    with Store(results) as store:
        runs = store.runs()
        if run_id is not None and run_id not in {r.id for r in runs}:
            raise UsageError(f"no run {run_id!r} in {results}/")
        records = store.attempts(run_id)
        if tasks:
            labels = {h: store.spec(h) or {} for h in {r.spec_hash for r in records}}
            records = [
                r
                for r in records
                if selects(tasks, r.task, labels[r.spec_hash].get("tags", []), labels[r.spec_hash].get("kind"))
            ]
    if not records:
        raise UsageError(f"{results}/ holds no attempts yet: {NO_RESULTS_HINT}")
    if run_id is not None:
        runs = [r for r in runs if r.id == run_id]
    existing = [p for p in spec_paths if p.exists()]
    suite = load_suite(existing) if existing else None
    specs = {spec.id: spec for _, spec in suite.specs} if suite else {}
    return SiteData(records, runs, specs, results / "artifacts", names=dict(names or {}))
