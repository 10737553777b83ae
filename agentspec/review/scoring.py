"""Measure each rule's precision and recall: on a labelled corpus, and on real human code (the stdlib).

A labelled corpus is a folder of Python files and a ``labels.toml`` that lists, per file, the
rules it is scored on and exactly the ``[rule, line]`` findings a careful reviewer makes there.
The standard library is the unlabelled part: code written and reviewed by people, on which the
prose rules must stay silent and the code rules may only report a known few.
"""

from __future__ import annotations

import importlib.util
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agentspec.review.config import ReviewConfig
from agentspec.review.engine import review_source
from agentspec.review.finding import Finding

# Modules present from Python 3.11 on, chosen for breadth (parsers, networking, concurrency,
# numerics, tooling), not for what the rules find in them.
STDLIB_MODULES = (
    "_pydecimal",
    "_pyio",
    "argparse",
    "ast",
    "asyncio.base_events",
    "asyncio.tasks",
    "calendar",
    "collections",
    "concurrent.futures.thread",
    "configparser",
    "csv",
    "dataclasses",
    "datetime",
    "difflib",
    "doctest",
    "email.feedparser",
    "email.message",
    "enum",
    "fractions",
    "functools",
    "gettext",
    "heapq",
    "http.client",
    "http.cookiejar",
    "inspect",
    "ipaddress",
    "json.decoder",
    "json.encoder",
    "logging",
    "mailbox",
    "multiprocessing.pool",
    "os",
    "pickle",
    "pprint",
    "queue",
    "random",
    "sched",
    "shlex",
    "shutil",
    "smtplib",
    "sqlite3.dump",
    "statistics",
    "string",
    "subprocess",
    "tarfile",
    "textwrap",
    "threading",
    "tokenize",
    "trace",
    "typing",
    "unittest.case",
    "urllib.parse",
    "urllib.request",
    "uuid",
    "zoneinfo._common",
)


@dataclass
class Score:
    """True positives, false positives and false negatives of one rule.

    Attributes:
        true: Findings that match a label.
        false: Findings that match no label.
        missed: Labels that no finding matches.
        misses: Where the false findings and the missed labels are, as ``path:line``.
    """

    true: int = 0
    false: int = 0
    missed: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Return the share of findings that are right (1.0 when there are none)."""
        found = self.true + self.false
        return self.true / found if found else 1.0

    @property
    def recall(self) -> float:
        """Return the share of labels that were found (1.0 when there are none)."""
        labelled = self.true + self.missed
        return self.true / labelled if labelled else 1.0


def score_corpus(folder: Path) -> dict[str, Score]:
    """Review every file ``folder/labels.toml`` lists and score each rule against the labels."""
    labels = tomllib.loads((folder / "labels.toml").read_text(encoding="utf-8"))["files"]
    scores: dict[str, Score] = {}
    for name, entry in sorted(labels.items()):
        rules = set(entry["rules"])
        config = ReviewConfig(rules=rules, properties=False)
        found = Counter(
            (f.rule, f.line) for f in review_source((folder / name).read_text(encoding="utf-8"), name, config)
        )
        expected = Counter((rule, line) for rule, line in entry["expect"])
        for rule in rules:
            score = scores.setdefault(rule, Score())
            for kind, line in sorted(found | expected):
                if kind != rule:
                    continue
                hits = min(found[kind, line], expected[kind, line])
                score.true += hits
                score.false += found[kind, line] - hits
                score.missed += expected[kind, line] - hits
                if found[kind, line] != expected[kind, line]:
                    score.misses.append(f"{name}:{line}")
    return scores


def stdlib_paths(modules: Iterable[str] = STDLIB_MODULES) -> list[Path]:
    """Return the source files of the named standard-library modules that this Python has."""
    paths = []
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin is not None and spec.origin.endswith(".py"):
            paths.append(Path(spec.origin))
    return paths


def review_human_code(paths: Iterable[Path]) -> list[Finding]:
    """Review files written by people with every rule (no info findings), for counting false positives."""
    config = ReviewConfig(properties=False)
    findings: list[Finding] = []
    for path in paths:
        findings += [
            f for f in review_source(path.read_text(encoding="utf-8"), str(path), config) if f.rule != "docstrings"
        ]
    return findings
