"""Print each reviewer rule's precision and recall on the labelled corpus, and its findings on the stdlib.

Usage: python benchmarks/review_precision.py [--stdlib fixed|all|none] [--show]

The labelled corpus is tests/review/labelled (labels.toml says which findings a careful
reviewer makes in each file). The standard library is code people wrote and reviewed: the
prose rules should find nothing there, the code rules only a known few (``--show`` lists them).
``--stdlib fixed`` reviews the modules the tests use; ``all`` every stdlib module (slow).
"""

from __future__ import annotations

import argparse
import collections
import sysconfig
from pathlib import Path

from agentspec.review import all_rules
from agentspec.review.scoring import review_human_code, score_corpus, stdlib_paths

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "review" / "labelled"


def all_stdlib() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    skipped = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3"}
    return sorted(path for path in root.rglob("*.py") if not skipped & set(path.relative_to(root).parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stdlib", choices=("fixed", "all", "none"), default="fixed")
    parser.add_argument("--show", action="store_true", help="list the stdlib findings and the corpus misses")
    args = parser.parse_args()

    scores = score_corpus(LABELLED)
    paths = {"fixed": stdlib_paths, "all": all_stdlib, "none": list}[args.stdlib]()
    human = []
    for path in paths:
        try:
            human += review_human_code([path])
        except (UnicodeDecodeError, OSError):
            continue
    counts = collections.Counter(finding.rule for finding in human)

    print(f"labelled corpus: {LABELLED}; stdlib: {len(paths)} files ({args.stdlib})")
    print(f"{'rule':18} {'precision':>9} {'recall':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'stdlib findings':>16}")
    for rule in sorted(rule.id for rule in all_rules()):
        score = scores[rule]
        stdlib = "-" if rule == "docstrings" else str(counts[rule])
        print(
            f"{rule:18} {score.precision:9.2f} {score.recall:7.2f} {score.true:4} {score.false:4} {score.missed:4}"
            f" {stdlib:>16}"
        )
        if args.show and score.misses:
            print(f"  corpus misses: {', '.join(score.misses)}")
    if args.show:
        for finding in human:
            print(f"  {finding.rule:16} {finding.path}:{finding.line}  {finding.message}")


if __name__ == "__main__":
    main()
