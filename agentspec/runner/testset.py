"""The test set a spec version's reference defines, and the verdict on an attempt against it.

As SWE-bench's FAIL_TO_PASS/PASS_TO_PASS: the starter and the reference are graded once per spec
version. The tests that pass on the reference are *required*; those the test file itself skips there
are *excluded* (listed with the reason); required tests not passing on the starter (failed, errored,
or absent because their module could not even be imported there, the normal shape of a TDD task)
are *fail-to-pass*, the rest *pass-to-pass*. An attempt passes when every required test passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentspec.failures import FailureKind
from agentspec.runner.grade import Grade, TestResult

# Grade failure kinds that void the per-test list: the verdict is that kind, whatever the tests say.
VOIDING_KINDS = frozenset(
    {FailureKind.FORGED_REPORT, FailureKind.TEST_TIMEOUT, FailureKind.GRADING_ERROR, FailureKind.NO_TESTS}
)


@dataclass(frozen=True)
class Unmet:
    """A required test that did not pass in an attempt, and why, in one line."""

    id: str
    outcome: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """The record's shape."""
        return {"id": self.id, "outcome": self.outcome, "reason": self.reason}

    def line(self) -> str:
        """`id: reason`, for messages."""
        return f"{self.id}: {self.reason}"


@dataclass(frozen=True)
class TestSet:
    """What the reference defines for one spec version (stored in the results store as `as_dict()`)."""

    __test__ = False
    required: tuple[str, ...] = ()
    excluded: Mapping[str, str] = field(default_factory=dict)
    fail_to_pass: tuple[str, ...] = ()
    pass_to_pass: tuple[str, ...] = ()
    # One line each: a reference test that fails or errors (with its reason), or a reference run that broke.
    reference_problems: tuple[str, ...] = ()
    starter: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_grades(cls, starter: Grade, reference: Grade) -> TestSet:
        """The test set from the starter's and the reference's grades."""
        required: list[str] = []
        excluded: dict[str, str] = {}
        problems: list[str] = []
        if reference.failure_kind in VOIDING_KINDS:
            problems.append(f"the reference's test run ended with {reference.failure_kind}")
        for test in reference.tests:
            if test.outcome == "passed":
                required.append(test.id)
            elif test.outcome == "skipped":
                excluded[test.id] = test.reason or "skipped"
            else:
                problems.append(f"{test.id}: {test.reason or test.outcome}")
        outcomes = {t.id: t.outcome for t in starter.tests}
        fail_to_pass = tuple(t for t in required if outcomes.get(t) != "passed")
        pass_to_pass = tuple(t for t in required if outcomes.get(t) == "passed")
        return cls(tuple(required), excluded, fail_to_pass, pass_to_pass, tuple(problems), outcomes)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestSet:
        """The inverse of `as_dict`."""
        return cls(
            tuple(data["required"]),
            dict(data["excluded"]),
            tuple(data["fail_to_pass"]),
            tuple(data["pass_to_pass"]),
            tuple(data["reference_problems"]),
            dict(data["starter"]),
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "required": list(self.required),
            "excluded": dict(self.excluded),
            "fail_to_pass": list(self.fail_to_pass),
            "pass_to_pass": list(self.pass_to_pass),
            "reference_problems": list(self.reference_problems),
            "starter": dict(self.starter),
        }

    @property
    def problems(self) -> list[str]:
        """Why the spec is unhealthy, one line each; empty when healthy."""
        found = [f"the reference solution does not pass {line}" for line in self.reference_problems]
        if not self.required:
            found.append("no test passes on the reference solution, so there is nothing to require")
        elif not self.fail_to_pass:
            found.append("every required test passes on the untouched starter, so they test nothing the agent must do")
        return found

    def unmet(self, grade: Grade) -> list[Unmet]:
        """The required tests that did not pass in `grade`, each with its reason."""
        by_id = {t.id: t for t in grade.tests}
        collection_errors = [t for t in grade.tests if t.outcome == "error" and t.reason.startswith("collection error")]
        found = []
        for test_id in self.required:
            test = by_id.get(test_id)
            if test is None:
                found.append(Unmet(test_id, "missing", _missing_reason(test_id, collection_errors)))
            elif test.outcome != "passed":
                found.append(Unmet(test_id, test.outcome, test.reason or test.outcome))
        return found

    def outcomes(self, grade: Grade, ids: Sequence[str]) -> dict[str, str]:
        """Each of `ids`' outcome in `grade` ("missing" when it did not run)."""
        by_id = {t.id: t.outcome for t in grade.tests}
        return {test_id: by_id.get(test_id, "missing") for test_id in ids}


def _missing_reason(test_id: str, collection_errors: Sequence[TestResult]) -> str:
    """Why a required test did not run: its module failed to import, or it was not collected at all."""
    module = test_id.split("::", 1)[0]
    for error in collection_errors:
        if module == error.id or module.startswith(error.id + "."):
            why = error.reason.removeprefix("collection error").removeprefix(": ")
            return f"missing: its module {error.id} could not be collected ({why})"
    return "missing: not collected (renamed, deleted or deselected?)"
