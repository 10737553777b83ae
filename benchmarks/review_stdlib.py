"""Review the whole Python standard library in one run and compare with parsing alone (and bandit).

Usage: python benchmarks/review_stdlib.py [--step N] [--positions] [--no-bandit]

Prints files, lines, the time libcst takes to parse them, the time the review takes (parse
included), lines per second and the ratio; optionally the cost libcst's PositionProvider
would add, and bandit's time on the same files when bandit is installed. CPU time is the
figure to compare on a shared machine; wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import collections
import resource
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from agentspec.review import ReviewConfig, review_source


def stdlib_files(step: int) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        path
        for path in root.rglob("*.py")
        if not {"site-packages", "dist-packages"} & set(path.relative_to(root).parts)
    )
    return files[::step]


def read(files: list[Path]) -> dict[Path, str]:
    texts = {}
    for path in files:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
    return texts


class Clock:
    """CPU seconds (this process and its children) and wall seconds of a block."""

    def __enter__(self) -> Clock:
        self._cpu, self._wall = self._cpu_now(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = self._cpu_now() - self._cpu
        self.wall = time.perf_counter() - self._wall

    @staticmethod
    def _cpu_now() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime


def time_parse(texts: dict[Path, str], positions: bool) -> tuple[Clock, int]:
    failures = 0
    with Clock() as clock:
        for text in texts.values():
            try:
                module = cst.parse_module(text)
                if positions:
                    MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
            except (cst.ParserSyntaxError, RecursionError):
                failures += 1
    return clock, failures


def time_review(texts: dict[Path, str]) -> tuple[Clock, collections.Counter[tuple[str, str]]]:
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    config = ReviewConfig()
    with Clock() as clock:
        for path, text in texts.items():
            for finding in review_source(text, str(path), config):
                counts[finding.rule, finding.severity] += 1
    return clock, counts


def time_bandit(files: list[Path]) -> Clock | None:
    bandit = shutil.which("bandit")
    if bandit is None:
        return None
    with Clock() as clock:
        command = [bandit, "-q", "-f", "json", "-o", "/dev/null", *map(str, files)]
        subprocess.run(command, check=False, stderr=subprocess.DEVNULL)
    return clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--step", type=int, default=1, help="review every Nth file (default: all)")
    parser.add_argument("--positions", action="store_true", help="also time parse + PositionProvider")
    parser.add_argument("--no-bandit", action="store_true", help="skip the bandit comparison")
    args = parser.parse_args()

    files = stdlib_files(args.step)
    texts = read(files)
    lines = sum(text.count("\n") + 1 for text in texts.values())
    print(f"python      {sys.version.split()[0]}, libcst {cst._version.__version__}")
    print(f"files       {len(texts)} ({len(files) - len(texts)} not UTF-8, skipped)")
    print(f"lines       {lines}")

    parse, failures = time_parse(texts, positions=False)
    print(f"parse       {parse.cpu:8.2f} s CPU {parse.wall:8.2f} s wall  ({lines / parse.cpu:,.0f} lines/s CPU)")
    print(f"            ({failures} files do not parse)")
    if args.positions:
        with_positions, _ = time_parse(texts, positions=True)
        print(f"parse+pos   {with_positions.cpu:8.2f} s CPU  (adding libcst PositionProvider, which the engine avoids)")
    review, counts = time_review(texts)
    print(f"review      {review.cpu:8.2f} s CPU {review.wall:8.2f} s wall  ({lines / review.cpu:,.0f} lines/s CPU)")
    print(f"ratio       {review.cpu / parse.cpu:8.2f} x  review / parse alone, CPU (target <= 2)")
    print(f"            {review.wall / parse.wall:8.2f} x  wall")
    bandit = None if args.no_bandit else time_bandit(list(texts))
    if bandit is not None:
        print(f"bandit      {bandit.cpu:8.2f} s CPU {bandit.wall:8.2f} s wall  ({lines / bandit.cpu:,.0f} lines/s CPU)")
    else:
        print("bandit      not run (not installed, or --no-bandit)")
    print("findings by rule and severity:")
    for (rule, severity), count in sorted(counts.items()):
        print(f"  {rule:18} {severity:8} {count}")


if __name__ == "__main__":
    main()
