"""Summaries of recorded attempts: the leaderboard (per agent and model) and the task x model grid."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentspec.store import findings
from agentspec.store.sqlite import AttemptRecord
from agentspec.store.stats import pass_hat_k

# The report's JSON keys per attempt (DESIGN.md contract first, then the rest of the record).
CONTRACT_KEYS = (
    "task",
    "agent",
    "model",
    "trial",
    "outcome",
    "failure_kind",
    "tests_passed",
    "tests_total",
    "duration_s",
    "findings",
)
CSV_KEYS = (*CONTRACT_KEYS[:-1], "turns", "tokens_in", "tokens_out", "agent_duration_s", "run_id", "key")


@dataclass(frozen=True)
class Row:
    """One leaderboard line: an agent with a model."""

    agent: str
    model: str
    tasks: int
    passed: int
    attempts: int
    errors: int
    avg_time_s: float
    avg_turns: float
    tokens: int
    pass_at_1: float
    interval: tuple[float, float]
    # pass^k with k the fewest trials any task had (None with a single trial): every trial passes.
    pass_all: float | None = None
    k: int = 1

    @property
    def backend(self) -> str:
        """The provider part of the model, or '-' for model-less agents."""
        return self.model.split("/", 1)[0] if "/" in self.model else "-"

    @property
    def pass_all_text(self) -> str:
        """pass^k as 'pass^3 67%', or '-' with a single trial."""
        return "-" if self.pass_all is None else f"pass^{self.k} {self.pass_all:.0%}"

    @property
    def score(self) -> str:
        """Passed attempts over attempts, the article's '24/24'."""
        return f"{self.passed}/{self.attempts}"


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n trials with c passes (Chen et al., 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def wilson_interval(passed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a pass rate."""
    if total == 0:
        return (0.0, 0.0)
    rate = passed / total
    denominator = 1 + z * z / total
    centre = (rate + z * z / (2 * total)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def leaderboard(records: Sequence[AttemptRecord]) -> list[Row]:
    """One row per (agent, model), best pass rate first."""
    groups: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
    for record in records:
        groups[(record.agent, record.model)].append(record)
    rows = []
    for (agent, model), group in groups.items():
        passed = sum(1 for r in group if r.outcome == "passed")
        by_task: dict[str, list[AttemptRecord]] = defaultdict(list)
        for r in group:
            by_task[r.task].append(r)
        per_task = [pass_at_k(len(rs), sum(r.outcome == "passed" for r in rs), 1) for rs in by_task.values()]
        k = min(len(rs) for rs in by_task.values())
        all_k = [pass_hat_k(len(rs), sum(r.outcome == "passed" for r in rs), k) for rs in by_task.values()]
        rows.append(
            Row(
                agent=agent,
                model=model,
                tasks=len(by_task),
                passed=passed,
                attempts=len(group),
                errors=sum(1 for r in group if r.outcome == "error"),
                avg_time_s=sum(r.duration_s for r in group) / len(group),
                avg_turns=sum(r.turns for r in group) / len(group),
                tokens=sum(r.tokens_in + r.tokens_out for r in group),
                pass_at_1=sum(per_task) / len(per_task),
                interval=wilson_interval(passed, len(group)),
                pass_all=sum(all_k) / len(all_k) if k > 1 else None,
                k=k,
            )
        )
    return sorted(rows, key=lambda r: (-r.pass_at_1, r.avg_time_s, r.agent, r.model))


def review_summary(records: Sequence[AttemptRecord]) -> list[tuple[str, str, list[str]]]:
    """What the review saw, per (agent, model) in leaderboard order; entries with nothing to say are left out.

    Each phrase counts attempts: "thread-safe in 1 of 1", "leaked reasoning in 1 of 8".
    """
    groups: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
    for record in records:
        groups[(record.agent, record.model)].append(record)
    said = [(row.agent, row.model, findings.summary(groups[(row.agent, row.model)])) for row in leaderboard(records)]
    return [(agent, model, phrases) for agent, model, phrases in said if phrases]


def grid(records: Sequence[AttemptRecord]) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    """Tasks x (agent model) cells, each 'passed/attempts' (with a '!' when an attempt errored)."""
    tasks = sorted({r.task for r in records})
    columns = [f"{row.agent} {row.model}" if row.model != "-" else row.agent for row in leaderboard(records)]
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in records:
        column = f"{r.agent} {r.model}" if r.model != "-" else r.agent
        cell = counts[(r.task, column)]
        cell[0] += r.outcome == "passed"
        cell[1] += 1
        cell[2] += r.outcome == "error"
    cells = {key: f"{p}/{n}" + ("!" if e else "") for key, (p, n, e) in counts.items()}
    return tasks, columns, cells


def attempt_json(record: AttemptRecord) -> dict[str, Any]:
    """One attempt in the report's JSON shape: the contract keys first, then everything else recorded."""
    data = record.as_dict()
    return {
        **{k: data[k] for k in CONTRACT_KEYS},
        **{k: v for k, v in data.items() if k not in CONTRACT_KEYS},
    }


def render_json(records: Sequence[AttemptRecord]) -> str:
    """`{"attempts": [...]}` as promised in DESIGN.md."""
    return json.dumps({"attempts": [attempt_json(r) for r in records]}, indent=2)


def render_csv(records: Sequence[AttemptRecord]) -> str:
    """One CSV line per attempt."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_KEYS)
    for record in records:
        data = record.as_dict()
        writer.writerow([data[k] for k in CSV_KEYS])
    return out.getvalue()


def render_markdown(records: Sequence[AttemptRecord]) -> str:
    """The leaderboard, the grid and what the review saw, as Markdown tables."""
    lines = [
        "| Agent | Model | Score | pass@1 | 95% CI | pass^k | Avg time | Avg turns | Tokens | Backend |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in leaderboard(records):
        low, high = row.interval
        lines.append(
            f"| {row.agent} | {row.model} | {row.score} | {row.pass_at_1:.0%} | {low:.0%}-{high:.0%} "
            f"| {row.pass_all_text} | {row.avg_time_s:.1f}s | {row.avg_turns:.1f} | {row.tokens} | {row.backend} |"
        )
    tasks, columns, cells = grid(records)
    lines += ["", "| Task | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for task in tasks:
        lines.append(f"| {task} | " + " | ".join(cells.get((task, c), "") for c in columns) + " |")
    models, harnesses, matrix = harness_matrix(records)
    if len(harnesses) > 1:
        lines += ["", "| Model | " + " | ".join(harnesses) + " |", "|---|" + "---|" * len(harnesses)]
        lines += [f"| {m} | " + " | ".join(matrix.get((m, h), "") for h in harnesses) + " |" for m in models]
    reviewed = review_summary(records)
    if reviewed:
        lines += ["", "| Agent | Model | Review |", "|---|---|---|"]
        lines += [f"| {agent} | {model} | {'; '.join(phrases)} |" for agent, model, phrases in reviewed]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class HarnessCell:
    """One model through one harness: how many attempts passed, of how many, and the commonest failure kind."""

    passed: int
    attempts: int
    failure: str | None

    @property
    def pass_rate(self) -> float:
        """The share of attempts that passed."""
        return self.passed / self.attempts if self.attempts else 0.0

    def __str__(self) -> str:
        """'passed/attempts', then the commonest failure kind of the rest, e.g. '0/4 tool_format'."""
        return f"{self.passed}/{self.attempts}" + (f" {self.failure}" if self.failure else "")


def harness_cells(
    records: Sequence[AttemptRecord],
) -> tuple[list[str], list[str], dict[tuple[str, str], HarnessCell]]:
    """Models x harnesses: the models, the harnesses (agents), and a cell per (model, harness) that ran.

    The article's "not every model works through every harness" table: a model that fails through one
    harness with `tool_format` may pass through another. Agents without a model are left out.
    """
    with_model = [r for r in records if r.model not in {"", "-"}]
    models = sorted({r.model for r in with_model})
    harnesses = sorted({r.agent for r in with_model})
    groups: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
    for record in with_model:
        groups[(record.model, record.agent)].append(record)
    cells = {}
    for key, group in groups.items():
        kinds = Counter(r.failure_kind or r.outcome for r in group if r.outcome != "passed")
        dominant = kinds.most_common(1)[0][0] if kinds else None
        cells[key] = HarnessCell(sum(r.outcome == "passed" for r in group), len(group), dominant)
    return models, harnesses, cells


def harness_matrix(records: Sequence[AttemptRecord]) -> tuple[list[str], list[str], dict[tuple[str, str], str]]:
    """`harness_cells` with each cell as text: 'passed/attempts' and the commonest failure kind of the rest."""
    models, harnesses, cells = harness_cells(records)
    return models, harnesses, {key: str(cell) for key, cell in cells.items()}
