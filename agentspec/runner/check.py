"""Task health: the tests must fail on the untouched starter and pass on the reference solution."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agentspec.review.complexity import Measurement, measure
from agentspec.runner.grade import Grade, run_tests
from agentspec.runner.workspace import reference_files, write_files
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Spec


@dataclass(frozen=True)
class Health:
    """A spec's health: the starter's and the reference's grades, and what is wrong, if anything."""

    spec: Spec
    starter: Grade
    reference: Grade
    starter_scaling: tuple[Measurement, ...] = ()
    reference_scaling: tuple[Measurement, ...] = ()

    @property
    def fail_to_pass(self) -> list[str]:
        """Tests that fail on the starter: the ones an agent must make pass."""
        return sorted(self.starter.failing())

    @property
    def pass_to_pass(self) -> list[str]:
        """Tests that already pass on the starter and must keep passing."""
        return sorted({t.id for t in self.starter.tests} - self.starter.failing())

    @property
    def problems(self) -> list[str]:
        """Why the spec is unhealthy; empty when healthy."""
        found = []
        if self.starter.passed:
            found.append("the tests pass on the untouched starter, so they test nothing the agent must do")
        elif self.starter.failure_kind == "no_tests":
            found.append("no tests ran on the starter (collection failed?)")
        if not self.reference.passed:
            failing = ", ".join(sorted(self.reference.failing())[:5]) or self.reference.failure_kind or "?"
            found.append(f"the reference solution does not pass its tests ({failing})")
        for measurement in self.reference_scaling:
            if not measurement.passed:
                measured = measurement.growth or measurement.error
                found.append(
                    f"the reference's {measurement.function} measures {measured}, "
                    f"beyond the required {measurement.max_class}"
                )
        return found

    @property
    def healthy(self) -> bool:
        """True when the starter fails and the reference passes."""
        return not self.problems


async def check_spec(spec: Spec, sandbox: Sandbox, scratch: Path) -> Health:
    """Grade the starter and the reference solution of one spec, each with every test."""
    tests = list(spec.tests)
    starter_dir, reference_dir = scratch / "starter", scratch / "reference"
    write_files(starter_dir, [*spec.files, *tests])
    write_files(reference_dir, [*reference_files(spec), *tests])
    starter = await run_tests(spec, starter_dir, scratch / "starter-report", sandbox)
    reference = await run_tests(spec, reference_dir, scratch / "reference-report", sandbox)
    starter_scaling = tuple([await measure(s, starter_dir, sandbox) for s in spec.review.scaling])
    reference_scaling = tuple([await measure(s, reference_dir, sandbox) for s in spec.review.scaling])
    return Health(spec, starter, reference, starter_scaling, reference_scaling)


async def check_specs(specs: list[Spec], sandbox: Sandbox, concurrency: int = 2) -> list[Health]:
    """Check every spec, `concurrency` at a time, in the given order."""
    gate = asyncio.Semaphore(concurrency)
    with tempfile.TemporaryDirectory(prefix="agentspec-check-") as scratch:

        async def one(index: int, spec: Spec) -> Health:
            async with gate:
                return await check_spec(spec, sandbox, Path(scratch) / f"{index}-{spec.id}")

        return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(specs))))
