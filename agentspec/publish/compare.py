"""The task page's comparison table: one row per agent and model, one column per thing the review measured.

Trials are folded into one row: each cell says how many trials had the property ("✔ locked 2/3").
Positive properties are shown as well as defects. A defect counts against the agent only where it
wrote the code, or where it left starter code unfixed that the task asked it to fix: a finding on a
line the agent did not touch is "not fixed", never "wrote ..." (the untouched starter of `none`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agentspec.publish.escape import text
from agentspec.review import ReviewConfig, review_source
from agentspec.review.facts import docstring_coverage_of, thread_safety_of
from agentspec.spec.model import Spec
from agentspec.store.sqlite import AttemptRecord

# A link to a line in an entry's code: (trial record, path, line) -> href, or "" when the line is not shown.
LineLink = Callable[[AttemptRecord, str, int], str]


@dataclass
class Mark:
    """One trial's verdict in one column: good, bad or neutral, in words, with the line it points at."""

    good: bool | None
    words: str
    path: str = ""
    line: int = 0


@dataclass
class Cell:
    """The marks of every trial of one entry in one column."""

    marks: list[tuple[AttemptRecord, Mark]] = field(default_factory=list)


def changed_lines(starter: str, final: str) -> set[int]:
    """Line numbers of `final` (from 1) that the agent added or rewrote relative to `starter`."""
    old, new = starter.splitlines(), final.splitlines()
    touched: set[int] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            touched.update(range(j1 + 1, j2 + 1))
    return touched


def wrote(
    finding: Mapping[str, Any], record: AttemptRecord, starter: Mapping[str, str], final: Mapping[str, str]
) -> bool:
    """Whether a finding points at code the agent wrote (False: code it left as the starter had it)."""
    path = str(finding.get("path", ""))
    if path not in record.changed_files:
        return False
    if path not in starter or path not in final:
        return True
    line = finding.get("line")
    return not isinstance(line, int) or line in changed_lines(starter[path], final[path])


@lru_cache(maxsize=256)
def _starter_review(source: str, path: str, rules: tuple[str, ...] | None, required: bool) -> tuple[str, ...]:
    config = ReviewConfig(rules=set(rules) if rules is not None else None, thread_safety_required=required)
    found = review_source(source, path, config)
    return tuple(sorted({f.rule for f in found if f.severity in ("warning", "error")}))


def starter_problems(spec: Spec | None) -> dict[str, set[str]]:
    """The warning/error rules the reviewer raises on each starter Python file: what 'not fixed' means."""
    if spec is None:
        return {}
    rules = tuple(sorted(spec.review.rules)) if spec.review.rules is not None else None
    required = spec.review.thread_safety == "required"
    return {f.path: set(_starter_review(f.text, f.path, rules, required)) for f in spec.files if f.path.endswith(".py")}


def _rule_runs(spec: Spec | None, rule: str) -> bool:
    return spec is None or spec.review.rules is None or rule in spec.review.rules


class TrialFacts:
    """What one trial's record, its final files and the spec say, column by column."""

    def __init__(
        self,
        record: AttemptRecord,
        spec: Spec | None,
        final: Mapping[str, str],
        diff: str,
        starter_bad: dict[str, set[str]],
    ) -> None:
        self.record, self.spec, self.final, self.diff = record, spec, final, diff
        self.starter = {f.path: f.text for f in spec.files} if spec else {}
        self.starter_bad = starter_bad

    def _problem(self, rule: str, label_bad: str, label_good: str) -> Mark | None:
        found = [f for f in self.record.findings if f.get("rule") == rule and f.get("severity") in ("warning", "error")]
        mine = [f for f in found if wrote(f, self.record, self.starter, self.final)]
        if mine:
            first = mine[0]
            return Mark(False, label_bad, str(first.get("path", "")), int(first.get("line") or 0))
        if found:
            first = found[0]
            return Mark(False, "not fixed", str(first.get("path", "")), int(first.get("line") or 0))
        if any(rule in rules and path not in self.final for path, rules in self.starter_bad.items()):
            return Mark(False, "not fixed")
        if not _rule_runs(self.spec, rule):
            return None
        return Mark(True, label_good) if self.record.changed_files else None

    def thread_safety(self) -> Mark | None:
        """Locked or not, from the thread-safety rule's statements and warnings."""
        said = [(f, fact) for f in self.record.findings if (fact := thread_safety_of(f)) is not None]
        bad = [(f, fact) for f, fact in said if not fact.thread_safe]
        if bad:
            first, fact = bad[0]
            words = "no lock" if fact.cause == "no-lock" else "unlocked writes"
            # A verdict on a whole class is the agent's when it changed the class's file.
            if str(first.get("path", "")) not in self.record.changed_files:
                words = "not fixed"
            return Mark(False, words, str(first.get("path", "")), int(first.get("line") or 0))
        safe = [f for f, fact in said if fact.thread_safe]
        if safe:
            return Mark(True, "locked", str(safe[0].get("path", "")), int(safe[0].get("line") or 0))
        return None

    def docstrings(self) -> Mark | None:
        """Docstring coverage over the files the agent changed."""
        documented = total = 0
        for coverage in map(docstring_coverage_of, self.record.findings):
            if coverage is not None:
                documented, total = documented + coverage[0], total + coverage[1]
        if not total:
            return None
        return Mark(documented == total if documented in (0, total) else None, f"{documented}/{total}")

    def growth(self) -> Mark | None:
        """The spec's scaling check: measured growth, and whether the agent touched the measured code."""
        for measurement in self.record.scaling:
            module = str(measurement.get("function", "")).split(":", 1)[0]
            path = module.replace(".", "/") + ".py"
            growth = measurement.get("growth")
            if growth is None:
                return Mark(False, "not measured")
            if measurement.get("passed"):
                return Mark(True, str(growth))
            return Mark(False, f"{growth}, not fixed" if path not in self.record.changed_files else str(growth), path)
        return None

    def sql(self) -> Mark | None:
        """Parameterised queries, or values built into SQL (written, or left from the starter)."""
        relevant = any("sql-injection" in rules for rules in self.starter_bad.values()) or any(
            f.get("rule") == "sql-injection" for f in self.record.findings
        )
        if not relevant:
            return None
        return self._problem("sql-injection", "built from values", "parameterised")

    def leaked(self) -> Mark | None:
        """Reasoning left in comments."""
        return self._problem("leaked-reasoning", "leaked", "none")

    def placeholders(self) -> Mark | None:
        """TODOs, stubs and elided code."""
        return self._problem("placeholder", "placeholder", "none")

    def lines(self) -> Mark:
        """Lines added and removed, from the diff."""
        added = removed = 0
        for line in self.diff.splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                added += 1
            elif line.startswith("-") and not line.startswith("---"):
                removed += 1
        return Mark(None, f"+{added} −{removed}")


COLUMNS: tuple[tuple[str, Callable[[TrialFacts], Mark | None]], ...] = (
    ("Thread-safe", TrialFacts.thread_safety),
    ("Docstrings", TrialFacts.docstrings),
    ("Measured growth", TrialFacts.growth),
    ("SQL", TrialFacts.sql),
    ("Leaked reasoning", TrialFacts.leaked),
    ("Placeholders", TrialFacts.placeholders),
    ("Lines changed", TrialFacts.lines),
)


def _mark_html(mark: Mark, href: str, count: str) -> str:
    icon = "✔" if mark.good is True else "✘" if mark.good is False else ""
    kind = "as-good" if mark.good is True else "as-bad" if mark.good is False else "as-plain"
    label = f"{icon} {mark.words}{count}".strip()
    where = f" (line {mark.line})" if mark.line else ""
    body = f'<a href="{text(href)}" title="{text(mark.path + where)}">{text(label)}</a>' if href else text(label)
    return f'<span class="as-mark {kind}">{body}</span>'


def cell_html(cell: Cell, link: LineLink, trials: int) -> str:
    """A cell: each distinct verdict once, with the number of trials it holds for when trials differ."""
    groups: dict[tuple[bool | None, str], list[tuple[AttemptRecord, Mark]]] = {}
    for record, mark in cell.marks:
        groups.setdefault((mark.good, mark.words), []).append((record, mark))
    if not groups:
        return "–"
    ordered = sorted(groups.values(), key=lambda g: (g[0][1].good is not False, -len(g)))
    parts = []
    for group in ordered:
        record, mark = next(((r, m) for r, m in group if m.line), group[0])
        count = f" {len(group)}/{trials}" if trials > 1 and (len(groups) > 1 or len(group) < trials) else ""
        href = link(record, mark.path, mark.line) if mark.path and mark.line else ""
        parts.append(_mark_html(mark, href, count))
    return " ".join(parts)


def comparison_rows(
    trials: Mapping[str, Sequence[TrialFacts]],
) -> tuple[list[str], dict[str, list[Cell]]]:
    """The columns with something to say for this task, and each entry's cells in that order."""
    cells: dict[str, list[Cell]] = {}
    used = [False] * len(COLUMNS)
    for label, facts in trials.items():
        row = [Cell() for _ in COLUMNS]
        for fact in facts:
            for index, (_, column) in enumerate(COLUMNS):
                mark = column(fact)
                if mark is not None:
                    row[index].marks.append((fact.record, mark))
                    used[index] = True
        cells[label] = row
    keep = [i for i, flag in enumerate(used) if flag]
    return [COLUMNS[i][0] for i in keep], {label: [row[i] for i in keep] for label, row in cells.items()}


def passed_html(records: Sequence[AttemptRecord]) -> str:
    """Trials passed, coloured like the grid, with the failure kinds of the others."""
    passed = sum(r.outcome == "passed" for r in records)
    kinds = sorted({r.failure_kind or r.outcome for r in records if r.outcome != "passed"})
    kind = "as-good" if passed == len(records) else "as-bad" if not passed else "as-plain"
    why = f" <small>{text(', '.join(kinds))}</small>" if kinds else ""
    return f'<span class="as-mark {kind}">{passed}/{len(records)}</span>{why}'
