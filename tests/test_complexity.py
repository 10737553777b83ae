"""Measured complexity: growth classes from timings, and real functions timed in the sandbox."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from agentspec.runner.complexity import classify, measure, scaling_finding
from agentspec.sandbox import Sandbox
from agentspec.spec.model import Scaling

SIZES = [1000, 2000, 4000, 8000, 16000]


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (lambda n: 3e-6, "constant"),
        (lambda n: 1e-6 * n, "linear"),
        (lambda n: 1e-7 * n * math.log(n), "linear"),
        (lambda n: 1e-8 * n**1.5, "nlogn"),
        (lambda n: 1e-9 * n * n, "quadratic"),
        (lambda n: 1e-12 * n**3, "cubic"),
    ],
    ids=["constant", "linear", "nlogn-reads-as-linear", "n^1.5", "quadratic", "cubic"],
)
def test_classify(cost: object, expected: str) -> None:
    timings = [(n, cost(n)) for n in SIZES]  # type: ignore[operator]
    assert classify(timings)[1] == expected


def test_noise_that_only_adds_time_keeps_the_class() -> None:
    noisy = [(n, 1e-9 * n * n * (1.3 if i % 2 else 1.0)) for i, n in enumerate(SIZES)]
    assert classify(noisy)[1] == "quadratic"


CODE = """
def pairs_quadratic(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def pairs_linear(items):
    return list(dict.fromkeys(items))


def broken(items):
    raise ValueError("nope")
"""


@pytest.mark.parametrize(
    ("function", "growth", "passed"),
    [("pairs_quadratic", "quadratic", False), ("pairs_linear", "linear", True)],
)
def test_measured_in_the_sandbox(tmp_path: Path, function: str, growth: str, passed: bool) -> None:
    (tmp_path / "dedupe.py").write_text(CODE)
    scaling = Scaling(function=f"dedupe:{function}", setup="(list(range(n)),)", sizes=[2000, 4000, 8000, 16000, 32000])
    measurement = asyncio.run(measure(scaling, tmp_path, Sandbox()))
    assert (measurement.growth, measurement.passed) == (growth, passed), measurement
    finding = scaling_finding(measurement, "dedupe.py", 2)
    assert (finding is None) == passed
    if finding:
        assert finding["rule"] == "quadratic" and finding["severity"] == "error"
        assert "measured quadratic" in finding["message"] and "requires linear" in finding["message"]


def test_a_function_that_fails_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "dedupe.py").write_text(CODE)
    scaling = Scaling(function="dedupe:broken", setup="(list(range(n)),)")
    measurement = asyncio.run(measure(scaling, tmp_path, Sandbox()))
    assert measurement.growth is None and not measurement.passed
    assert "ValueError: nope" in (measurement.error or "")
    finding = scaling_finding(measurement, "dedupe.py", 14)
    assert finding is not None and finding["severity"] == "warning"
