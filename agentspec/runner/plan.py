"""Planning: which attempts a run makes, each keyed so a finished one is never run twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agentspec.providers.endpoint import Endpoint
from agentspec.spec.model import Spec

# How an attempt without a model names its model in keys, records and reports.
NO_MODEL = "-"


def model_label(endpoint: Endpoint | None) -> str:
    """`provider/name`, or `-` for no model: the model as keys, records and reports spell it."""
    return endpoint.model if endpoint is not None else NO_MODEL


@dataclass(frozen=True)
class Cell:
    """One agent with one model endpoint (or none), tried `trials` times on every spec."""

    agent: str
    endpoint: Endpoint | None = None
    trials: int = 1
    # What a worker must offer to run these attempts on a cluster, e.g. (("claude", 1.0),); not part of the key.
    resources: tuple[tuple[str, float], ...] = ()

    @property
    def model(self) -> str:
        """The model as `provider/name`, `-` for none."""
        return model_label(self.endpoint)


@dataclass(frozen=True)
class Attempt:
    """One (spec, agent, endpoint, trial)."""

    spec: Spec
    agent: str
    endpoint: Endpoint | None
    trial: int
    resources: tuple[tuple[str, float], ...] = ()

    @property
    def model(self) -> str:
        """The model as `provider/name`, `-` for none."""
        return model_label(self.endpoint)

    @property
    def key(self) -> str:
        """Stable identity: the spec's content hash, the agent, the model and the trial number.

        The base URL is not part of it (a model moved to another server is the same attempt), and the
        bytes hashed are those of every earlier version, so existing results stores resume.
        """
        raw = "\0".join([self.spec.id, self.spec.content_hash(), self.agent, self.model, str(self.trial)])
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def plan(specs: Sequence[Spec], cells: Iterable[Cell]) -> list[Attempt]:
    """Every attempt of the matrix, trial-major so early results cover every task."""
    attempts = []
    for cell in cells:
        for trial in range(1, cell.trials + 1):
            for spec in specs:
                attempts.append(Attempt(spec, cell.agent, cell.endpoint, trial, cell.resources))
    return attempts
