"""`agentspec check` on a synthetic suite against plain pytest on the same folders.

Writes N small specs (default 100; each a stub, one test module of three tests, a reference solution),
then times `agentspec check SUITE --format json` (which grades every starter and every reference, each
in the sandbox with the canary) and, as the floor, plain `pytest -q` on each spec's starter and reference
folder, one process per folder as `check` runs them. Prints both wall times and the ratio.

    python benchmarks/check_suite.py [--specs 100] [--concurrency 2] [--sandbox auto]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SPEC = '''\
id = "task-{n:03d}"
title = "Synthetic task {n}"
kind = "bug-fix"
instructions = "scale() must multiply by {n}."

[[files]]
path = "mod{n}.py"
content = "def scale(x):\\n    return x\\n"

[[tests]]
path = "test_mod{n}.py"
content = """
from mod{n} import scale


def test_one():
    assert scale(1) == {n}


def test_zero():
    assert scale(0) == 0


def test_two():
    assert scale(2) == 2 * {n}
"""

[[solution]]
path = "mod{n}.py"
content = "def scale(x):\\n    return x * {n}\\n"
'''


def write_suite(folder: Path, count: int) -> None:
    """`count` specs, task-002 ... (the factor 1 would make the starter pass)."""
    for n in range(2, count + 2):
        (folder / f"task-{n:03d}.toml").write_text(SPEC.format(n=n))


def plain_folders(folder: Path, count: int) -> list[Path]:
    """Each spec's starter and reference as plain folders, for pytest alone."""
    folders = []
    for n in range(2, count + 2):
        test = f"from mod{n} import scale\n\n\ndef test_one():\n    assert scale(1) == {n}\n"
        for name, body in (("starter", "return x"), ("reference", f"return x * {n}")):
            place = folder / f"{n}-{name}"
            place.mkdir(parents=True)
            (place / f"mod{n}.py").write_text(f"def scale(x):\n    {body}\n")
            (place / f"test_mod{n}.py").write_text(test)
            folders.append(place)
    return folders


def main() -> None:
    """Time both and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentspec-bench-check-") as scratch:
        root = Path(scratch)
        suite = root / "suite"
        suite.mkdir()
        write_suite(suite, args.specs)
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "agentspec",
                "check",
                str(suite),
                "--format",
                "json",
                "--sandbox",
                args.sandbox,
                "--concurrency",
                str(args.concurrency),
            ],
            capture_output=True,
            text=True,
        )
        check_s = time.perf_counter() - started
        healthy = sum(s["healthy"] for s in json.loads(done.stdout)["specs"]) if done.stdout else 0

        folders = plain_folders(root / "plain", args.specs)
        started = time.perf_counter()

        def pytest_in(place: Path) -> int:
            argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            # Plugin autoload off, as in grading: the floor is pytest itself, not whatever plugins are installed.
            env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
            return subprocess.run(argv, cwd=place, capture_output=True, env=env).returncode

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(pytest_in, folders))
        plain_s = time.perf_counter() - started
    print(f"specs: {args.specs}, concurrency {args.concurrency}, sandbox {args.sandbox}")
    print(f"agentspec check: {check_s:.1f} s ({healthy}/{args.specs} healthy, exit {done.returncode})")
    print(f"plain pytest on the same {len(folders)} folders: {plain_s:.1f} s")
    print(f"ratio: {check_s / plain_s:.2f}x")


if __name__ == "__main__":
    main()
