"""Wall and CPU time of the test suite, one slice at a time: each folder under tests/, then the top-level files.

Runs `python -m pytest SLICE -q` for each slice (with the project's own addopts, so with xdist's workers when
pyproject enables them) and prints a table of wall time, CPU time of pytest and everything it waited for
(harness CLIs, sandboxed pytest, Chromium), the tests' count, the exit code and the load average at the start.
Extra arguments go to every pytest, e.g. `-n 0` to time the slices without workers.

    python benchmarks/test_suite_time.py                     # every slice
    python benchmarks/test_suite_time.py tests/site tests/harness -- -n 0
    python benchmarks/test_suite_time.py --whole              # the README's command, once, as CI runs it
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
SUMMARY = re.compile(r"^=* ?(?P<text>\d+ (passed|failed|error|skipped|deselected).*?) in [\d.]+s", re.MULTILINE)


def slices() -> list[str]:
    """Each test folder, then the top-level test files as one slice."""
    folders = sorted(p for p in TESTS.iterdir() if p.is_dir() and any(p.glob("test_*.py")))
    tops = sorted(TESTS.glob("test_*.py"))
    return [*(str(f.relative_to(REPO)) for f in folders), " ".join(str(t.relative_to(REPO)) for t in tops)]


def children_cpu() -> float:
    """User plus system seconds of every child reaped so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuAccount:
    """CPU seconds of a process tree, from a cgroup v1 `cpuacct` group of its own when one can be made (as root).

    Reaped children alone miss what the sandbox kills (bwrap's pid namespace), so a cgroup counts better.
    """

    ROOT = Path("/sys/fs/cgroup/cpuacct")

    def __init__(self) -> None:
        self.group: Path | None = self.ROOT / f"test-suite-time-{os.getpid()}"
        try:
            self.group.mkdir(exist_ok=True)
        except OSError:
            self.group = None
        self.before = 0.0

    def enter(self) -> None:
        """Run in the child before exec: join the group (its descendants follow)."""
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def start(self) -> None:
        self.before = self.seconds()

    def seconds(self) -> float:
        if self.group is not None:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        return children_cpu()

    def close(self) -> None:
        if self.group is not None:
            with contextlib.suppress(OSError):  # a process the suite left behind keeps it
                self.group.rmdir()


def time_slice(
    paths: list[str], extra: list[str], log: Path | None, cpu: CpuAccount
) -> tuple[float, float, str, int, float]:
    """Wall seconds, CPU seconds, pytest's summary, exit code and 1-minute load at the start of one slice."""
    load = os.getloadavg()[0]
    cpu.start()
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=cpu.enter,
    )
    wall, used = time.perf_counter() - start, cpu.seconds() - cpu.before
    if log is not None:
        log.mkdir(parents=True, exist_ok=True)
        (log / (Path(paths[0]).stem if len(paths) == 1 else "top-level" if paths else "whole")).with_suffix(
            ".log"
        ).write_text(done.stdout + done.stderr)
    found = SUMMARY.search(done.stdout)
    return wall, used, found.group("text") if found else done.stdout.strip()[-200:], done.returncode, load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("slices", nargs="*", help="test folders or files (default: every folder, then the rest)")
    parser.epilog = "Arguments after `--` go to every pytest run."
    parser.add_argument("--whole", action="store_true", help="time `python -m pytest` once, as CI runs it")
    parser.add_argument("--log", type=Path, help="write each slice's pytest output into this folder")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args, extra = parser.parse_args(argv[:split]), argv[split + 1 :]
    chosen = [[]] if args.whole else [s.split() for s in (args.slices or slices())]
    print(f"{os.cpu_count()} cores; pytest args: {' '.join(extra) or '(project addopts)'}", flush=True)
    print(f"{'slice':<34} {'wall s':>8} {'cpu s':>8} {'load':>5}  rc  result", flush=True)
    total_wall = total_cpu = 0.0
    failed = 0
    account = CpuAccount()
    for paths in chosen:
        wall, cpu, summary, code, load = time_slice(paths, extra, args.log, account)
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        failed += code != 0
        name = "whole suite" if not paths else paths[0] if len(paths) == 1 else "tests/test_*.py"
        print(f"{name:<34} {wall:8.1f} {cpu:8.1f} {load:5.1f} {code:3d}  {summary}", flush=True)
    account.close()
    print(f"{'total':<34} {total_wall:8.1f} {total_cpu:8.1f}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
