"""Figures several pages show, computed with the report's own functions (pass@k, leaderboard rows)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agentspec.store import report
from agentspec.store.sqlite import AttemptRecord
from agentspec.store.stats import pass_hat_k


def common_trials(records: Sequence[AttemptRecord]) -> int:
    """The number of trials every (task, agent, model) has at least: the k of pass@k."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in records:
        counts[(r.task, r.agent, r.model)] += 1
    return min(counts.values(), default=0)


def entry_pass_at_k(records: Sequence[AttemptRecord], k: int) -> float:
    """pass@k of one agent and model: the report's per-task estimate, averaged over tasks like pass@1."""
    by_task: dict[str, list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_task[r.task].append(r)
    scores = [report.pass_at_k(len(rs), sum(r.outcome == "passed" for r in rs), k) for rs in by_task.values()]
    return sum(scores) / len(scores) if scores else 0.0


def entry_pass_hat_k(records: Sequence[AttemptRecord], k: int) -> float:
    """pass^k of one agent and model: the chance that k trials of a task all pass, averaged over tasks."""
    by_task: dict[str, list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_task[r.task].append(r)
    scores = [pass_hat_k(len(rs), sum(r.outcome == "passed" for r in rs), k) for rs in by_task.values()]
    return sum(scores) / len(scores) if scores else 0.0


def backend_facts(record: AttemptRecord) -> dict[str, Any]:
    """What the server told about itself and the model: the record's backend, or the agent's details of it."""
    if record.backend:
        return record.backend
    found = record.details.get("backend")
    return found if isinstance(found, dict) else {}


def backend_text(records: Sequence[AttemptRecord]) -> str:
    """The servers an agent and model ran against, e.g. 'ollama 0.12.3', from what the attempts recorded."""
    seen = []
    for r in records:
        facts = backend_facts(r)
        name = " ".join(str(facts[k]) for k in ("server", "server_version") if facts.get(k))
        if name and name not in seen:
            seen.append(name)
    return ", ".join(seen)


def backend_label(provider: str, records: Sequence[AttemptRecord]) -> str:
    """The backend column: the server and its version when recorded, else the model's provider."""
    server = backend_text(records)
    if not server:
        return provider
    return server if server.startswith(provider) or provider == "-" else f"{provider} ({server})"
