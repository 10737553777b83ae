"""Failure kinds: the one list of why an attempt did not pass, each with the category that says whose it was.

An attempt that did not pass carries a `failure_kind`. Its category answers the question a reader asks
first: is this the model's doing, the harness's, the machine's, or a verdict that could not be trusted?

| category | meaning | retried by `run --retry-errors` |
| --- | --- | --- |
| `model` | the model (through its agent) did not solve the task | no |
| `harness` | the harness CLI could not drive the model (tool format, crash) | only `harness_error` |
| `infrastructure` | the backend, the sandbox or the cluster failed; says nothing about the model | yes |
| `grading` | the verdict could not be reached or was forged | no |

A kind not listed here (a newer agentspec's, or a harness's own) is `model` unless its outcome was
`error`, in which case it is `infrastructure`: an unknown error is never blamed on the model.

In code a kind is a `FailureKind` member, never a bare string, so that mypy rejects a misspelt one; a
kind agentspec did not make (a `command:` agent's own, a newer store's) is wrapped as a `ForeignKind`
by `as_kind`, which is how records and agent results are typed: `Kind = FailureKind | ForeignKind`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType, TypeAlias


class Category(StrEnum):
    """Whose failure a failure kind is."""

    MODEL = "model"
    HARNESS = "harness"
    INFRASTRUCTURE = "infrastructure"
    GRADING = "grading"


class FailureKind(StrEnum):
    """Why an attempt did not pass (the `failure_kind` of its record)."""

    TESTS_FAILED = "tests_failed"
    TESTS_MISSING = "tests_missing"
    NO_TESTS = "no_tests"
    MAX_TURNS = "max_turns"
    MAX_TOKENS = "max_tokens"
    OUTPUT_TRUNCATED = "output_truncated"
    CONTEXT_EXCEEDED = "context_exceeded"
    CONTEXT_TRUNCATED = "context_truncated"
    AGENT_TIMEOUT = "agent_timeout"
    TEST_TIMEOUT = "test_timeout"
    TAMPERED = "tampered"
    TOOL_FORMAT = "tool_format"
    NO_TOOL_SUPPORT = "no_tool_support"
    HARNESS_ERROR = "harness_error"
    AGENT_CRASH = "agent_crash"
    BACKEND_ERROR = "backend_error"
    BACKEND_TIMEOUT = "backend_timeout"
    MODEL_NOT_FOUND = "model_not_found"
    SANDBOX_ERROR = "sandbox_error"
    WORKER_LOST = "worker_lost"
    WORKSPACE_ERROR = "workspace_error"
    ARTIFACT_ERROR = "artifact_error"
    REVIEW_ERROR = "review_error"
    STORE_ERROR = "store_error"
    EXECUTOR_ERROR = "executor_error"
    GRADING_ERROR = "grading_error"
    FORGED_REPORT = "forged_report"

    @property
    def category(self) -> Category:
        """Whose failure this kind is."""
        return _CATEGORIES[self]


# A failure kind agentspec does not define: a harness's own, or one read from a newer agentspec's store.
ForeignKind = NewType("ForeignKind", str)
Kind: TypeAlias = FailureKind | ForeignKind


def as_kind(value: str) -> Kind:
    """A kind read from outside the code (a stored record, an agent's JSON): the member when agentspec knows it."""
    try:
        return FailureKind(value)
    except ValueError:
        return ForeignKind(value)


_CATEGORIES: dict[FailureKind, Category] = {
    **dict.fromkeys(
        (
            FailureKind.TESTS_FAILED,
            FailureKind.TESTS_MISSING,
            FailureKind.NO_TESTS,
            FailureKind.MAX_TURNS,
            FailureKind.MAX_TOKENS,
            FailureKind.OUTPUT_TRUNCATED,
            FailureKind.CONTEXT_EXCEEDED,
            FailureKind.CONTEXT_TRUNCATED,
            FailureKind.AGENT_TIMEOUT,
            FailureKind.TEST_TIMEOUT,
            FailureKind.TAMPERED,
        ),
        Category.MODEL,
    ),
    **dict.fromkeys(
        (FailureKind.TOOL_FORMAT, FailureKind.NO_TOOL_SUPPORT, FailureKind.HARNESS_ERROR, FailureKind.AGENT_CRASH),
        Category.HARNESS,
    ),
    **dict.fromkeys(
        (
            FailureKind.BACKEND_ERROR,
            FailureKind.BACKEND_TIMEOUT,
            FailureKind.MODEL_NOT_FOUND,
            FailureKind.SANDBOX_ERROR,
            FailureKind.WORKER_LOST,
            FailureKind.WORKSPACE_ERROR,
            FailureKind.ARTIFACT_ERROR,
            FailureKind.REVIEW_ERROR,
            FailureKind.STORE_ERROR,
            FailureKind.EXECUTOR_ERROR,
        ),
        Category.INFRASTRUCTURE,
    ),
    **dict.fromkeys((FailureKind.GRADING_ERROR, FailureKind.FORGED_REPORT), Category.GRADING),
}

# Errors worth running again: they say nothing about the model (a harness crash included).
RETRYABLE = frozenset(
    {kind for kind, category in _CATEGORIES.items() if category is Category.INFRASTRUCTURE}
    | {FailureKind.HARNESS_ERROR, FailureKind.AGENT_CRASH}
)


def category_of(kind: str | None, outcome: str = "failed") -> Category | None:
    """The category of a recorded failure kind (None for a pass); unknown kinds follow the module's rule."""
    if kind is None:
        return None if outcome == "passed" else Category.MODEL
    try:
        return FailureKind(kind).category
    except ValueError:
        return Category.INFRASTRUCTURE if outcome == "error" else Category.MODEL


# Kinds whose attempt could not be judged at all: its outcome is `error`, not `failed`.
ERROR_KINDS = frozenset(
    {
        FailureKind.BACKEND_ERROR,
        FailureKind.MODEL_NOT_FOUND,
        FailureKind.NO_TOOL_SUPPORT,
        FailureKind.HARNESS_ERROR,
        FailureKind.SANDBOX_ERROR,
        FailureKind.AGENT_CRASH,
        FailureKind.GRADING_ERROR,
        FailureKind.WORKSPACE_ERROR,
        FailureKind.ARTIFACT_ERROR,
        FailureKind.REVIEW_ERROR,
        FailureKind.STORE_ERROR,
        FailureKind.EXECUTOR_ERROR,
    }
)


def is_retryable(outcome: str, kind: str | None) -> bool:
    """Whether `run --retry-errors` runs an attempt with this outcome and kind again (never a model failure)."""
    if kind is None:
        return False
    try:
        return FailureKind(kind) in RETRYABLE
    except ValueError:
        return outcome == "error"
