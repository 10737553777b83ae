"""Planning: which attempts a run makes, each keyed so a finished one is never run twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agentspec.spec.model import Spec

NO_MODEL = "-"


@dataclass(frozen=True)
class Cell:
    """One agent with one model (or none), tried `trials` times on every spec."""

    agent: str
    model: str = NO_MODEL
    base_url: str | None = None
    trials: int = 1
    # What a worker must offer to run these attempts on a cluster, e.g. (("claude", 1.0),); not part of the key.
    resources: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Attempt:
    """One (spec, agent, model, trial)."""

    spec: Spec
    agent: str
    model: str
    trial: int
    base_url: str | None = None
    resources: tuple[tuple[str, float], ...] = ()

    @property
    def key(self) -> str:
        """Stable identity: the spec's content hash, the agent, the model and the trial number."""
        raw = "\0".join([self.spec.id, self.spec.content_hash(), self.agent, self.model, str(self.trial)])
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def plan(specs: Sequence[Spec], cells: Iterable[Cell]) -> list[Attempt]:
    """Every attempt of the matrix, trial-major so early results cover every task."""
    attempts = []
    for cell in cells:
        for trial in range(1, cell.trials + 1):
            for spec in specs:
                attempts.append(Attempt(spec, cell.agent, cell.model, trial, cell.base_url, cell.resources))
    return attempts
