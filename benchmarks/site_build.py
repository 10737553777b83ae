"""Site build time as results grow: `agentspec site` over synthetic stores of increasing size.

Each store holds T tasks x E agent/models x N trials of plausible attempts (the seed specs' code,
diffs, findings, test results, transcripts; made-up tasks past the seed suite), written through
`Store.record`. The build is the `agentspec site` itself, run in a fresh process (imports included),
with the repo's mkdocs.yml. Default: 100 tasks x 20 entries x 1 and 5 trials, so the largest build is
the 10,000-attempt figure. Target: under 30 s on a 2-core machine, growing linearly. Wall time moves
with whatever else the machine runs; the CPU time of the build process is the steadier figure.

    python benchmarks/site_build.py [--tasks 100] [--entries 20] [--trials 1 5] [--repeat 1] [--specs specs/]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentspec.publish.sample import write_sample
from agentspec.spec import load_specs

REPO = Path(__file__).resolve().parents[1]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(results: Path, output: Path, specs: Path) -> tuple[float, float, str]:
    """Time `agentspec site` as a user runs it, in a fresh process: (wall seconds, CPU seconds, its summary)."""
    argv = [sys.executable, "-m", "agentspec", "site", "--results", str(results), "-o", str(output)]
    argv += ["--specs", str(specs), "--config", str(REPO / "mkdocs.yml")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=results.parent)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--trials", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--specs", type=Path, default=REPO / "specs")
    parser.add_argument("--target", type=float, default=30.0, help="seconds allowed for the largest build")
    parser.add_argument("--repeat", type=int, default=1, help="builds per size; the fastest is reported")
    args = parser.parse_args()
    specs = load_specs([args.specs])
    print(f"{'attempts':>8} {'wall':>7} {'cpu':>7} {'ms/attempt':>10} {'site MB':>8}  steps (from agentspec site)")
    totals: list[tuple[int, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="agentspec-bench-") as scratch:
        # A first build warms the disk cache (packages, theme assets), which would otherwise count against one size.
        write_sample(Path(scratch) / "results", specs, tasks=2, entries=1, trials=1)
        build(Path(scratch) / "results", Path(scratch) / "site", args.specs.resolve())
    for trials in args.trials:
        with tempfile.TemporaryDirectory(prefix="agentspec-bench-") as scratch:
            results, output = Path(scratch) / "results", Path(scratch) / "site"
            count = write_sample(results, specs, tasks=args.tasks, entries=args.entries, trials=trials)
            seconds, cpu, said = min(build(results, output, args.specs.resolve()) for _ in range(args.repeat))
            steps = said[said.find("(") + 1 : said.find(")")]
            size = folder_size(output) / 1e6
            line = f"{count:>8} {seconds:>6.1f}s {cpu:>6.1f}s {seconds / count * 1000:>10.1f} {size:>8.1f}  {steps}"
            print(line, flush=True)
            totals.append((count, seconds, cpu))
    (small, small_s, small_cpu), (large, large_s, large_cpu) = min(totals), max(totals)
    per_attempt = (large_cpu - small_cpu) / (large - small) * 1000 if large > small else 0.0
    fixed = small_cpu - per_attempt * small / 1000
    print(
        f"growth: {large / small:.1f}x the attempts took {large_s / small_s:.1f}x the wall time, "
        f"{large_cpu / small_cpu:.1f}x the CPU time: about {fixed:.1f}s fixed (imports, theme, reviewer pages) "
        f"+ {per_attempt:.1f} ms per attempt"
    )
    if large_s > args.target:
        # Wall time on a busy machine says little: the CPU time is printed beside it.
        said = f"over target: {large_s:.1f}s wall (CPU {large_cpu:.1f}s) > {args.target:.0f}s for {large} attempts"
        print(said, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
