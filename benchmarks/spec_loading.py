"""How fast specs load: one 10 MB spec, and a suite of 1,000 small ones (targets: under 1 s and under 3 s).

Run: python benchmarks/spec_loading.py [--size-mb 10] [--count 1000]
It prints the time of the key locator alone and of the whole validation, for each case.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from agentspec.spec.load import try_load_spec
from agentspec.spec.locate import locate_keys
from agentspec.spec.suite import load_suite

SPECS = Path(__file__).resolve().parents[1] / "specs"


def big_spec(size_mb: float) -> str:
    """A valid spec of about `size_mb` MB: many starter files, long strings, arrays and comments."""
    head = (
        'id = "big"\ntitle = "A big spec"\nkind = "bug-fix"\ninstructions = "Make the tests pass."\n'
        'tags = ["a", "b"]\n\n[[tests]]\npath = "test_big.py"\ncontent = "def test_x():\\n    assert True\\n"\n'
    )
    chunk = (
        "\n# a comment about this file\n[[files]]\npath = \"pkg/module_{n}.py\"\ncontent = '''\n"
        + "def function_{n}(values):\n    return [v * 2 for v in values]  # doubled, a \\\\ kept as is\n" * 20
        + "'''\n"
    )
    parts = [head]
    size, n = len(head), 0
    while size < size_mb * 2**20:
        part = chunk.replace("{n}", str(n))
        parts.append(part)
        size += len(part)
        n += 1
    return "".join(parts)


def timed(label: str, action: object) -> float:
    # CPU time too: on a busy machine the wall clock mostly measures the other processes.
    start, cpu = time.perf_counter(), time.process_time()
    action()  # type: ignore[operator]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<40} {seconds:7.3f} s wall {cpu_seconds:7.3f} s CPU")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=float, default=10)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = big_spec(args.size_mb)
        big = root / "big.toml"
        big.write_text(text, encoding="utf-8")
        print(f"one spec of {len(text) / 2**20:.1f} MB ({text.count(chr(10)):,} lines)")
        timed("  key locator alone", lambda: locate_keys(text))
        timed("  validation (try_load_spec)", lambda: try_load_spec(big))

        suite = root / "suite"
        suite.mkdir()
        seed = sorted(p for p in SPECS.glob("*.toml") if not (SPECS / p.stem).is_dir())
        for number in range(args.count):
            source = seed[number % len(seed)].read_text(encoding="utf-8")
            spec_id = source.split('id = "', 1)[1].split('"', 1)[0]
            (suite / f"spec-{number}.toml").write_text(
                source.replace(f'id = "{spec_id}"', f'id = "spec-{number}"', 1), encoding="utf-8"
            )
        print(f"{args.count} specs")
        timed("  validation (load_suite)", lambda: load_suite([suite]))


if __name__ == "__main__":
    main()
