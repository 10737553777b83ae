"""Harness overhead: `agentspec run --agent reference` against plain pytest over the same task folders.

Prints wall times and ratios. Targets: ratio <= 1.5 at concurrency 1; faster than the plain
baseline at concurrency 2. "cold" runs start from an empty results folder (each spec's starter
is graded once to learn its fail-to-pass tests); "warm" ones rerun with those baselines known.

    python benchmarks/run_overhead.py [--repeat 3] [--specs specs/]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentspec.runner.workspace import reference_files
from agentspec.spec import load_specs
from agentspec.spec.materialise import write_files


def timed(argv: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def plain_pytest(specs_dir: Path, scratch: Path) -> float:
    folders = []
    for spec in load_specs([specs_dir]):
        folder = scratch / spec.id
        write_files(folder, [*reference_files(spec), *spec.tests])
        folders.append(folder)
    started = time.perf_counter()
    for folder in folders:
        subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - started


def agentspec_run(specs_dir: Path, results: Path, concurrency: int, *extra: str) -> float:
    argv = [sys.executable, "-m", "agentspec", "run", str(specs_dir), "--agent", "reference"]
    argv += ["--concurrency", str(concurrency), "--results", str(results), *extra]
    return timed(argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--specs", type=Path, default=Path(__file__).resolve().parents[1] / "specs")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            figures.setdefault("plain pytest, one after the other", []).append(plain_pytest(args.specs, root / "plain"))
            for concurrency in (1, 2):
                results = root / f"results-{concurrency}"
                cold = agentspec_run(args.specs, results, concurrency)
                warm = agentspec_run(args.specs, results, concurrency, "--rerun")
                figures.setdefault(f"agentspec run, concurrency {concurrency}, cold", []).append(cold)
                figures.setdefault(f"agentspec run, concurrency {concurrency}, warm", []).append(warm)
    baseline = statistics.median(figures["plain pytest, one after the other"])
    print(f"{'':44} {'median s':>9} {'ratio':>6}   (runs: {args.repeat})")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"{name:44} {median:9.2f} {median / baseline:6.2f}")


if __name__ == "__main__":
    main()
