"""A folder of article-like code: exactly the findings a careful reviewer would make, none on clean code."""

from __future__ import annotations

from pathlib import Path

from agentspec.review import ReviewConfig, review_paths

CORPUS = Path(__file__).parent / "corpus"

EXPECTED = {
    "cache_unsafe.py": [
        ("thread-safety", 24),  # move_to_end after the with block
        ("thread-safety", 25),  # hits += 1 outside the lock
        ("thread-safety", 33),  # popitem outside the lock
        ("thread-safety", 37),  # with threading.Lock(): a fresh lock
        ("thread-safety", 38),  # ... so clear() is unguarded
    ],
    "duplicates_quadratic.py": [
        ("quadratic", 10),  # for j in range(i + 1, len(items)) inside for i in range(len(items))
        ("quadratic", 11),  # items[i] not in duplicates (a list)
        ("quadratic", 21),  # item not in duplicates, the single-pass variant
    ],
    "users_fstring.py": [
        ("sql-injection", 10),  # f-string in the call
        ("sql-injection", 17),  # f-string through a local variable
        ("sql-injection", 22),  # + concatenation
    ],
    "validators.py": [
        ("leaked-reasoning", 19),  # "# Wait, the tests don't explicitly check..."
        ("test-gaming", 19),
    ],
}
CLEAN = {
    "cache_locked.py",
    "cache_compact.py",
    "duplicates_linear.py",
    "paginator.py",
    "users_parameterized.py",
    "validators_clean.py",
}


def test_corpus_gives_exactly_the_expected_findings() -> None:
    found: dict[str, list[tuple[str, int]]] = {}
    for finding in review_paths([CORPUS], ReviewConfig(properties=False)):
        found.setdefault(Path(finding.path).name, []).append((finding.rule, finding.line))
    assert found == EXPECTED
    assert {path.name for path in CORPUS.glob("*.py")} == set(EXPECTED) | CLEAN


def test_clean_versions_stay_clean_when_the_task_requires_thread_safety_except_the_lockless_cache() -> None:
    config = ReviewConfig(thread_safety_required=True, properties=False)
    clean = [finding for finding in review_paths([CORPUS / name for name in sorted(CLEAN)], config)]
    assert [(Path(f.path).name, f.rule, f.line) for f in clean] == [("cache_compact.py", "thread-safety", 9)]


def test_properties_tell_the_thread_safe_cache_from_the_others() -> None:
    findings = review_paths([CORPUS])
    messages = {Path(f.path).name: f.message for f in findings if f.rule == "thread-safety" and f.severity == "info"}
    assert messages == {
        "cache_locked.py": "class Cache is thread-safe: every mutation holds self._lock",
        "cache_unsafe.py": "class Cache is not thread-safe: 4 mutation(s) outside self._lock",
        "cache_compact.py": "class Cache is not thread-safe: no lock guards its mutable state",
    }
