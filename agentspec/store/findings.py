"""Review findings summed up over attempts: "thread-safe in 1 of 1", "leaked reasoning in 1 of 8"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from agentspec.review.facts import docstring_coverage_of, thread_safety_of
from agentspec.store.sqlite import AttemptRecord


def rule_words(rule: str) -> str:
    """A rule id as words: 'leaked-reasoning' -> 'leaked reasoning'."""
    return rule.replace("-", " ")


def problems(record: AttemptRecord) -> list[str]:
    """The rules that found a warning or an error in one attempt."""
    return sorted({f["rule"] for f in record.findings if f.get("severity") in ("warning", "error")})


def thread_safety(records: Sequence[AttemptRecord]) -> tuple[int, int]:
    """(attempts whose classes are all thread-safe, attempts that have classes with state)."""
    judged = safe = 0
    for record in records:
        facts = [fact for fact in map(thread_safety_of, record.findings) if fact is not None]
        said_safe = any(fact.thread_safe for fact in facts)
        said_unsafe = any(not fact.thread_safe for fact in facts)
        if said_safe or said_unsafe:
            judged += 1
            safe += said_safe and not said_unsafe
    return safe, judged


def docstring_coverage(records: Sequence[AttemptRecord]) -> tuple[int, int]:
    """(documented, public definitions) over every file reviewed, from the docstrings rule's info findings."""
    documented = total = 0
    for record in records:
        for coverage in map(docstring_coverage_of, record.findings):
            if coverage is not None:
                documented += coverage[0]
                total += coverage[1]
    return documented, total


def summary(records: Sequence[AttemptRecord]) -> list[str]:
    """One phrase per thing the review saw across these attempts, the properties first."""
    phrases = []
    safe, judged = thread_safety(records)
    if judged:
        phrases.append(f"thread-safe in {safe} of {judged}")
    documented, total = docstring_coverage(records)
    if total:
        phrases.append(f"docstrings on {documented} of {total} public definitions")
    counts = Counter(rule for record in records for rule in problems(record))
    for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        phrases.append(f"{rule_words(rule)} in {count} of {len(records)}")
    return phrases


def severity_counts(records: Sequence[AttemptRecord]) -> dict[tuple[str, str], int]:
    """How many findings each (rule, severity) has over these attempts."""
    return dict(Counter((str(f.get("rule")), str(f.get("severity"))) for r in records for f in r.findings))
