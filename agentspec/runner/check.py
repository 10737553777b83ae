"""Task health: the reference passes every test it defines as required, and some of them fail on the starter.

The same grading of the starter and the reference gives a run its test set (agentspec/runner/testset.py).
"""

from __future__ import annotations

import asyncio
import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agentspec.failures import FailureKind
from agentspec.runner.complexity import Measurement, measure
from agentspec.runner.grade import INTERNAL_ERROR_ID, Grade, run_tests
from agentspec.runner.testset import TestSet
from agentspec.runner.workspace import reference_files
from agentspec.sandbox import Sandbox
from agentspec.spec.materialise import write_files
from agentspec.spec.model import Spec


@dataclass(frozen=True)
class Health:
    """A spec's health: the starter's and the reference's grades, and what is wrong, if anything."""

    spec: Spec
    starter: Grade
    reference: Grade
    starter_scaling: tuple[Measurement, ...] = ()
    reference_scaling: tuple[Measurement, ...] = ()
    # More gradings of the reference (`check --repeat N`): a test whose outcome varies among them is flaky.
    repeats: tuple[Grade, ...] = ()

    @property
    def flaky(self) -> dict[str, str]:
        """Tests whose outcome on the reference varied between gradings: id -> 'passed 2 of 3'."""
        gradings = (self.reference, *self.repeats)
        if len(gradings) < 2:
            return {}
        seen = [{t.id: t.outcome for t in grade.tests} for grade in gradings]
        flaky = {}
        for test_id in sorted({test_id for outcomes in seen for test_id in outcomes}):
            found = [outcomes.get(test_id, "missing") for outcomes in seen]
            if len(set(found)) > 1:
                flaky[test_id] = f"passed {found.count('passed')} of {len(gradings)}"
        return flaky

    @functools.cached_property
    def test_set(self) -> TestSet:
        """What the reference defines: required, excluded, fail-to-pass and pass-to-pass tests."""
        return TestSet.from_grades(self.starter, self.reference)

    @property
    def fail_to_pass(self) -> list[str]:
        """Required tests not passing on the starter: the ones an agent must make pass."""
        return sorted(self.test_set.fail_to_pass)

    @property
    def pass_to_pass(self) -> list[str]:
        """Required tests that already pass on the starter and must keep passing."""
        return sorted(self.test_set.pass_to_pass)

    @property
    def excluded(self) -> dict[str, str]:
        """Tests the test file itself skips on the reference, with the reason: they count neither way."""
        return dict(self.test_set.excluded)

    @property
    def problems(self) -> list[str]:
        """Why the spec is unhealthy, one line each; empty when healthy."""
        found = self.test_set.problems
        found += [f"flaky on the reference: {test_id} ({times})" for test_id, times in self.flaky.items()]
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
        """True when the reference passes every required test and some fail on the starter."""
        return not self.problems


async def grade_starter_and_reference(spec: Spec, sandbox: Sandbox, scratch: Path) -> tuple[Grade, Grade]:
    """Grade the untouched starter and the reference solution, each with every test, in folders under `scratch`."""
    tests = list(spec.tests)
    starter_dir, reference_dir = scratch / "starter", scratch / "reference"
    write_files(starter_dir, [*spec.files, *tests])
    write_files(reference_dir, [*reference_files(spec), *tests])
    starter = await run_tests(spec, starter_dir, scratch / "starter-report", sandbox)
    reference = await run_tests(spec, reference_dir, scratch / "reference-report", sandbox)
    return starter, reference


def complete(grade: Grade) -> bool:
    """Whether a grade lists every test (not cut short by a timeout or a pytest crash)."""
    return grade.failure_kind != FailureKind.TEST_TIMEOUT and not any(t.id == INTERNAL_ERROR_ID for t in grade.tests)


async def check_spec(spec: Spec, sandbox: Sandbox, scratch: Path, repeat: int = 1) -> Health:
    """Grade the starter and the reference solution of one spec, each with every test; the reference `repeat` times."""
    starter, reference = await grade_starter_and_reference(spec, sandbox, scratch)
    starter_dir, reference_dir = scratch / "starter", scratch / "reference"
    starter_scaling = tuple([await measure(s, starter_dir, sandbox) for s in spec.review.scaling])
    reference_scaling = tuple([await measure(s, reference_dir, sandbox) for s in spec.review.scaling])
    repeats = []
    for number in range(1, repeat):
        again = scratch / f"reference-{number}"
        write_files(again, [*reference_files(spec), *spec.tests])
        repeats.append(await run_tests(spec, again, scratch / f"reference-{number}-report", sandbox))
    return Health(spec, starter, reference, starter_scaling, reference_scaling, tuple(repeats))


async def check_specs(specs: list[Spec], sandbox: Sandbox, concurrency: int = 2, repeat: int = 1) -> list[Health]:
    """Check every spec, `concurrency` at a time, in the given order."""
    gate = asyncio.Semaphore(concurrency)
    with tempfile.TemporaryDirectory(prefix="agentspec-check-") as scratch:

        async def one(index: int, spec: Spec) -> Health:
            async with gate:
                return await check_spec(spec, sandbox, Path(scratch) / f"{index}-{spec.id}", repeat)

        return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(specs))))
