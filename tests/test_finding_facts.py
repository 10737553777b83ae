"""Findings carry what their rule measured as data: the store and the site read that, never the message wording."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from agentspec.publish.compare import TrialFacts
from agentspec.review import ReviewConfig, docstring_coverage, review_source, thread_safety
from agentspec.store.findings import summary
from agentspec.store.findings import thread_safety as stored_thread_safety
from agentspec.store.sqlite import AttemptRecord, Store

LOCKED = '''"""Caches."""

import threading


class Cache:
    """A cache."""

    def __init__(self):
        self._lock = threading.Lock()
        self._data = {}

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
'''

HALF_LOCKED = """import threading


class Counter:
    def __init__(self):
        self._lock = threading.Lock()
        self.n = 0

    def add(self):
        with self._lock:
            self.n += 1

    def reset(self):
        self.n = 0
"""

UNLOCKED = '''"""Stores."""


class Store:
    """A store."""

    def put(self, key, value):
        self.items[key] = value

    def get(self, key):
        return self.items[key]
'''

REQUIRED = ReviewConfig(thread_safety_required=True)


def _record(findings: list[dict[str, Any]], *, key: str = "k", changed: tuple[str, ...] = ()) -> AttemptRecord:
    return AttemptRecord(
        key, "t", "h", "a", "m", 1, "passed", None, 1, 1, 1.0, findings=findings, changed_files=list(changed)
    )


def _reviewed(source: str, path: str, config: ReviewConfig | None = None) -> list[dict[str, Any]]:
    return [f.to_dict() for f in review_source(source, path, config)]


def _derived(records: list[AttemptRecord]) -> tuple[object, ...]:
    """Everything the store and the comparison table derive from the findings."""
    marks = []
    for record in records:
        facts = TrialFacts(record, None, {}, "", {})
        marks.append((facts.thread_safety(), facts.docstrings()))
    return summary(records), stored_thread_safety(records), marks


def _reworded(record: AttemptRecord) -> AttemptRecord:
    return replace(record, findings=[{**f, "message": "reworded"} for f in record.findings])


def test_the_rules_set_what_they_measured() -> None:
    (safe,) = [f for f in review_source(LOCKED, "cache.py") if f.rule == "thread-safety"]
    assert safe.data == {"class": "Cache", "thread_safe": True, "cause": None, "guards": ["self._lock"], "unguarded": 0}
    statement, fault = sorted(
        (f for f in review_source(HALF_LOCKED, "counter.py") if f.rule == "thread-safety"), key=lambda f: f.severity
    )
    assert fault.severity == "warning" and fault.line == 14
    assert fault.data["cause"] == "unguarded-write" and (fault.data["method"], fault.data["field"]) == ("reset", "n")
    assert statement.data["thread_safe"] is False and statement.data["unguarded"] == 1
    no_lock = [f for f in review_source(UNLOCKED, "store.py", REQUIRED) if f.rule == "thread-safety"]
    assert {f.data["cause"] for f in no_lock} == {"no-lock"}
    coverage = [f for f in review_source(HALF_LOCKED, "counter.py") if f.message.startswith("docstring coverage")]
    assert [f.data for f in coverage] == [{"documented": 0, "total": 4}]


def test_rewording_every_message_changes_nothing_the_store_or_the_site_derive() -> None:
    records = [
        _record(_reviewed(LOCKED, "cache.py"), changed=("cache.py",)),
        _record(_reviewed(HALF_LOCKED, "counter.py"), changed=("counter.py",)),
        _record(_reviewed(UNLOCKED, "store.py", REQUIRED), changed=("store.py",)),
        _record(_reviewed(UNLOCKED, "store.py", REQUIRED)),
    ]
    derived = _derived(records)
    assert derived[0][:2] == ["thread-safe in 1 of 4", "docstrings on 6 of 15 public definitions"]
    assert [(m.good, m.words) for m, _ in derived[2] if m] == [
        (True, "locked"),
        (False, "unlocked writes"),
        (False, "no lock"),
        (False, "not fixed"),
    ]
    assert _derived([_reworded(r) for r in records]) == derived


def test_the_review_api_reads_data_not_wording() -> None:
    findings = review_source(LOCKED, "cache.py") + review_source(HALF_LOCKED, "counter.py")
    reworded = [replace(f, message="reworded") for f in findings]
    assert (
        thread_safety(reworded)
        == thread_safety(findings)
        == {("cache.py", "Cache"): True, ("counter.py", "Counter"): False}
    )
    assert docstring_coverage(reworded) == docstring_coverage(findings) == {"cache.py": (2, 3), "counter.py": (0, 4)}


def _old(rule: str, severity: str, message: str, path: str = "x.py") -> dict[str, Any]:
    """A finding as stores written before findings carried data hold it: no `data` key."""
    return {"rule": rule, "severity": severity, "path": path, "line": 1, "column": 1, "message": message}


def test_an_old_store_shows_what_it_showed_before(tmp_path: Path) -> None:
    store = Store(tmp_path)
    run = store.start_run("agentspec run")
    old = [
        [_old("thread-safety", "info", "class Cache is thread-safe: every mutation holds self._lock")],
        [_old("thread-safety", "info", "class Cache is not thread-safe: no lock guards its mutable state")],
        [
            _old("thread-safety", "warning", "Counter.reset mutates self.n outside the lock (self._lock)"),
            _old("thread-safety", "info", "class Counter is not thread-safe: 1 mutation(s) outside self._lock"),
        ],
        [_old("docstrings", "info", "docstring coverage 2/4 (50%)"), _old("docstrings", "info", "public x")],
    ]
    for number, findings in enumerate(old):
        store.record(replace(_record(findings, key=f"k{number}", changed=("x.py",)), run_id=run.id))
    records = sorted(store.attempts(), key=lambda r: r.key)
    assert all("data" not in f for r in records for f in r.findings)
    texts, counts, marks = _derived(records)
    assert texts == ["thread-safe in 1 of 3", "docstrings on 2 of 4 public definitions", "thread safety in 1 of 4"]
    assert counts == (1, 3)
    assert [(m.good, m.words) if m else None for m, _ in marks] == [
        (True, "locked"),
        (False, "no lock"),
        (False, "unlocked writes"),
        None,
    ]
    assert marks[3][1] is not None and marks[3][1].words == "2/4"


def test_the_data_is_stored_with_the_finding(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.record(replace(_record(_reviewed(LOCKED, "cache.py")), run_id=store.start_run("agentspec run").id))
    (record,) = Store(tmp_path).attempts()
    facts = [f["data"] for f in record.findings if f["rule"] == "thread-safety"]
    assert facts == [{"class": "Cache", "thread_safe": True, "cause": None, "guards": ["self._lock"], "unguarded": 0}]
