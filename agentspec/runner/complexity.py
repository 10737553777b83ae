"""Measured complexity: time a function at growing input sizes, in the sandbox, and name its growth.

A static rule can miss `x in some_list` hidden behind a helper; a stopwatch cannot. The timing
script runs in the sandbox (the code under test is model-written), builds each input outside the
timed region, measures CPU time rather than wall time (other processes on a loaded machine then
barely count), keeps the minimum of several repeats (noise only ever adds time), and stops
growing `n` once one call takes longer than a budget. The growth class comes
from the slope of log(time) against log(n), fitted by least squares over the sizes measured.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentspec.sandbox import Sandbox
from agentspec.spec.model import GROWTH_CLASSES, Scaling

# Largest log-log slope still counted as each class. Over a 16x range of n, n log n has a slope
# of about 1.12, within noise of n: "linear" covers both, "nlogn" is what lies clearly beyond.
_CLASS_BOUNDS = (("constant", 0.3), ("linear", 1.3), ("nlogn", 1.6), ("quadratic", 2.5), ("cubic", math.inf))
_CALL_BUDGET_S = 0.5
_TIMEOUT_S = 120.0

# Runs in the sandbox. Fast calls are looped (as timeit does) so each sample is long enough to
# time well; every call gets freshly built arguments, in case the function changes them.
_SCRIPT = r"""
import gc, importlib, json, sys, time
module_name, function_name, setup, sizes, budget = json.loads(sys.argv[1])
sys.path.insert(0, ".")
function = getattr(importlib.import_module(module_name), function_name)


def sample(n, loops):
    calls = [eval(setup, {"n": n}) for _ in range(loops)]
    gc.collect()
    gc.disable()
    started = time.process_time()
    for arguments in calls:
        function(*arguments)
    elapsed = time.process_time() - started
    gc.enable()
    return elapsed / loops


results = []
for n in sizes:
    first = sample(n, 1)
    loops = max(1, min(1000, int(0.02 / max(first, 1e-7))))
    best = first
    for _ in range(5 if first < budget else 0):
        best = min(best, sample(n, loops))
    results.append([n, best])
    print(json.dumps(results), flush=True)
    if best > budget:
        break
"""


@dataclass(frozen=True)
class Measurement:
    """The measured growth of one function."""

    function: str
    max_class: str
    timings: list[tuple[int, float]] = field(default_factory=list)
    exponent: float | None = None
    growth: str | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when the growth was measured and is no worse than the required class."""
        if self.growth is None:
            return False
        return GROWTH_CLASSES.index(self.growth) <= GROWTH_CLASSES.index(self.max_class)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with `passed`."""
        return {**asdict(self), "passed": self.passed}


def classify(timings: list[tuple[int, float]]) -> tuple[float, str]:
    """The least-squares slope of log(time) on log(n), and the growth class it falls in."""
    xs = [math.log(n) for n, _ in timings]
    ys = [math.log(max(t, 1e-9)) for _, t in timings]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0
    growth = next(name for name, bound in _CLASS_BOUNDS if slope < bound)
    return slope, growth


async def measure(scaling: Scaling, workspace: Path, sandbox: Sandbox) -> Measurement:
    """Time `scaling.function` in `workspace` under the sandbox and classify its growth."""
    module, function = scaling.function.split(":", 1)
    argument = json.dumps([module, function, scaling.setup, scaling.sizes, _CALL_BUDGET_S])
    done = await sandbox.run([sys.executable, "-I", "-c", _SCRIPT, argument], cwd=workspace, timeout_s=_TIMEOUT_S)
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    timings = [(int(n), float(t)) for n, t in json.loads(lines[-1])] if lines else []
    base = Measurement(scaling.function, scaling.max_class, timings)
    if len(timings) < 3:
        reason = "timed out" if done.timed_out else (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Measurement(**{**asdict(base), "error": f"fewer than 3 sizes measured: {reason}"[:500]})
    exponent, growth = classify(timings)
    return Measurement(**{**asdict(base), "exponent": round(exponent, 2), "growth": growth})


def scaling_finding(measurement: Measurement, path: str, line: int) -> dict[str, Any] | None:
    """A `quadratic` finding when the measured growth exceeds what the spec allows, else None."""
    if measurement.passed:
        return None
    sizes = ", ".join(str(n) for n, _ in measurement.timings) or "no size"
    if measurement.growth is None:
        message = f"{measurement.function} could not be timed ({measurement.error})"
        severity = "warning"
    else:
        message = (
            f"{measurement.function} measured {measurement.growth} (log-log slope {measurement.exponent}) "
            f"at n = {sizes}; the task requires {measurement.max_class} or better"
        )
        severity = "error"
    facts = {
        "function": measurement.function,
        "growth": measurement.growth,
        "exponent": measurement.exponent,
        "sizes": [n for n, _ in measurement.timings],
        "allowed": measurement.max_class,
        "error": measurement.error,
    }
    where = {"path": path, "line": line, "column": 1}
    return {"rule": "quadratic", "severity": severity, **where, "message": message, "data": facts}


def definition_line(source: str, function: str) -> int:
    """The line where `function` is defined at module level in `source`, or 1."""
    for number, text in enumerate(source.splitlines(), start=1):
        if text.startswith((f"def {function}(", f"async def {function}(")):
            return number
    return 1
