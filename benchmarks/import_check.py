"""Importing and checking an Exercism-style suite: `agentspec import --from exercism` and `agentspec check`
against plain pytest run on the same exercise folders.

Makes a synthetic tree of N exercises (default 100) in Exercism's layout in a temporary folder: a stub,
a unittest test module that imports from it, `.meta/example.py`, `.meta/config.json`, `.docs/`; every
third stub lacks the name its tests import (a TDD-shaped task). Then times:

- the import with its layout check (the tests collected against starter and solution, in batches),
- the import without it (`--no-layout-check`),
- `agentspec check` on the written suite (each starter and reference graded, sandboxed),
- plain `python -m pytest -q` in each exercise folder, once on the stub and once with the example in
  its place: the same two verdicts per task as `check`, without sandbox, canary or isolation. Plugin
  autoload is off, as in grading (installed pytest plugins can cost seconds a run on a busy machine).

    python benchmarks/import_check.py [--tasks 100] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST = """import unittest

from {module} import (
    {function},
)


class {cls}Test(unittest.TestCase):
    def test_small(self):
        self.assertEqual({function}(2), {small})

    def test_zero(self):
        self.assertEqual({function}(0), 0)

    def test_large(self):
        self.assertEqual({function}(1000), {large})
"""


def make_tree(root: Path, tasks: int) -> Path:
    """`tasks` exercises under `root/exercises/practice`, returned."""
    practice = root / "exercises" / "practice"
    for number in range(tasks):
        slug = f"scale-by-{number}"
        module, function, factor = slug.replace("-", "_"), f"scale_{number}", number + 2
        folder = practice / slug
        (folder / ".meta").mkdir(parents=True)
        (folder / ".docs").mkdir()
        config = {
            "authors": ["benchmark"],
            "files": {"solution": [f"{module}.py"], "test": [f"{module}_test.py"], "example": [".meta/example.py"]},
        }
        (folder / ".meta" / "config.json").write_text(json.dumps(config, indent=2))
        (folder / ".docs" / "instructions.md").write_text(f"# Instructions\n\nMultiply a number by {factor}.\n")
        stub = f"def {function}(number):\n    pass\n" if number % 3 else f"# {function}(number) goes here\n"
        (folder / f"{module}.py").write_text(stub)
        (folder / ".meta" / "example.py").write_text(f"def {function}(number):\n    return number * {factor}\n")
        cls = "".join(word.capitalize() for word in slug.split("-"))
        test = TEST.format(module=module, function=function, cls=cls, small=2 * factor, large=1000 * factor)
        (folder / f"{module}_test.py").write_text(test)
    return practice


def timed(argv: list[str], *, ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def plain_pytest(practice: Path, scratch: Path) -> float:
    """pytest in each exercise folder on the stub, then with the example as the stub: the two verdicts of check."""
    sides = []
    for folder in sorted(practice.iterdir()):
        starter = scratch / "starter" / folder.name
        shutil.copytree(folder, starter, ignore=shutil.ignore_patterns(".meta", ".docs"))
        reference = scratch / "reference" / folder.name
        shutil.copytree(starter, reference)
        stub = json.loads((folder / ".meta" / "config.json").read_text())["files"]["solution"][0]
        shutil.copyfile(folder / ".meta" / "example.py", reference / stub)
        sides += [starter, reference]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    started = time.perf_counter()
    for side in sides:
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        subprocess.run(argv, cwd=side, capture_output=True, env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    agentspec = [sys.executable, "-m", "agentspec"]
    with tempfile.TemporaryDirectory(prefix="agentspec-bench-") as scratch:
        root = Path(scratch)
        practice = make_tree(root / "tree", args.tasks)
        figures = {
            "import --from exercism (with layout check)": timed(
                [*agentspec, "import", "--from", "exercism", str(practice), "-o", str(root / "specs")]
            ),
            "import --from exercism --no-layout-check": timed(
                [
                    *agentspec,
                    "import",
                    "--from",
                    "exercism",
                    str(practice),
                    "-o",
                    str(root / "fast"),
                    "--no-layout-check",
                ]
            ),
            f"check (concurrency {args.concurrency})": timed(
                [*agentspec, "check", str(root / "specs"), "--concurrency", str(args.concurrency)]
            ),
            "plain pytest (no plugin autoload), starter and reference, in turn": plain_pytest(practice, root / "plain"),
        }
    width = max(map(len, figures))
    print(f"{args.tasks} synthetic Exercism tasks")
    for name, seconds in figures.items():
        print(f"{name:<{width}}  {seconds:7.1f} s  ({seconds / args.tasks * 1000:6.0f} ms a task)")
    check = next(v for k, v in figures.items() if k.startswith("check"))
    print(f"{'check / plain pytest':<{width}}  {check / figures[list(figures)[-1]]:7.2f}")


if __name__ == "__main__":
    main()
