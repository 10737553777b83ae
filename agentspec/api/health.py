"""`check`: what `agentspec check` does, as a function: each spec's starter and reference graded, its health told."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agentspec.api.project import Project, sandbox_mode
from agentspec.runner.check import Health, check_specs
from agentspec.sandbox import Sandbox
from agentspec.sandbox.command import Mode
from agentspec.spec.suite import load_specs


@dataclass(frozen=True)
class SuiteHealth:
    """Each spec's health, and the sandbox mode the checks ran in (`bwrap` or `none`)."""

    specs: list[Health]
    sandbox: str

    @property
    def healthy(self) -> bool:
        """Whether every spec is healthy."""
        return all(h.healthy for h in self.specs)


def check(
    paths: Sequence[str | Path],
    *,
    sandbox: Mode | None = None,
    concurrency: int = 2,
    repeat: int = 1,
    project: Project | None = None,
) -> SuiteHealth:
    """Grade each spec's starter and reference: healthy when the starter fails and the reference passes.

    Args:
        paths: Spec files or folders.
        sandbox: `auto`, `bwrap` or `none`; default: `[run].sandbox` of the project config, else `auto`.
        concurrency: Specs checked at once.
        repeat: Times the reference is graded; a test whose outcome varies is flaky (and the spec unhealthy).
        project: The project config; default: the one governing the current folder.

    Raises:
        UserError: A spec that does not load, or a sandbox mode this machine cannot honour.
    """
    specs = load_specs([Path(p) for p in paths])
    confinement = Sandbox(sandbox_mode(sandbox, project))
    health = asyncio.run(check_specs(specs, confinement, max(1, concurrency), max(1, repeat)))
    return SuiteHealth(health, confinement.mode)
