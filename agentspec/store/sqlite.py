"""The results store: one SQLite file (WAL) beside a folder of per-attempt artifacts.

An attempt is written in one transaction after its artifacts are in place, so a run killed at
any moment leaves each attempt either fully recorded or absent (and re-run on resume).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentspec.failures import Kind, as_kind

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    started_at REAL NOT NULL,
    finished_at REAL,
    command TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS attempts (
    key TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    task TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    agent TEXT NOT NULL,
    model TEXT NOT NULL,
    trial INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed', 'error')),
    failure_kind TEXT,
    tests_passed INTEGER NOT NULL,
    tests_total INTEGER NOT NULL,
    duration_s REAL NOT NULL,
    finished_at REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_run ON attempts(run_id);
CREATE TABLE IF NOT EXISTS findings (
    attempt_key TEXT NOT NULL REFERENCES attempts(key) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER NOT NULL,
    "column" INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_attempt ON findings(attempt_key);
CREATE TABLE IF NOT EXISTS specs (spec_hash TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grades (
    attempt_key TEXT NOT NULL REFERENCES attempts(key) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    graded_at REAL NOT NULL,
    spec_hash TEXT NOT NULL,
    outcome TEXT NOT NULL,
    failure_kind TEXT,
    tests_passed INTEGER NOT NULL,
    tests_total INTEGER NOT NULL,
    PRIMARY KEY (attempt_key, number)
);
CREATE TABLE IF NOT EXISTS test_sets (spec_hash TEXT PRIMARY KEY, test_set TEXT NOT NULL);
"""


@dataclass
class AttemptRecord:
    """Everything recorded about one finished attempt (the report's JSON shape, plus details)."""

    key: str
    task: str
    spec_hash: str
    agent: str
    model: str
    trial: int
    outcome: str
    failure_kind: Kind | None
    tests_passed: int
    tests_total: int
    duration_s: float
    run_id: str = ""
    agent_duration_s: float = 0.0
    grade_duration_s: float = 0.0
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None
    tampered: list[str] = field(default_factory=list)
    fail_to_pass: dict[str, str] = field(default_factory=dict)
    pass_to_pass: dict[str, str] = field(default_factory=dict)
    tests: list[dict[str, str]] = field(default_factory=list)
    # Required tests (those the reference passes) that did not pass: [{id, outcome, reason}], reason one line.
    unmet: list[dict[str, str]] = field(default_factory=list)
    # Tests the test file itself skips on the reference: {id: reason}; they count neither way.
    excluded: dict[str, str] = field(default_factory=dict)
    # What the final workspace's snapshot left out: [{path, reason}] (symlinks, pipes, .git/, past a bound...).
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    backend: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    finished_at: float = 0.0
    # Where the attempt ran: {"machine": ..., "bundle": ...} once merged from another results store.
    origin: dict[str, Any] = field(default_factory=dict)
    # The grade shown, once regraded: {"number": n, "spec_hash": ..., "graded_at": ...} (grade 0 is the run's).
    regraded: dict[str, Any] = field(default_factory=dict)
    # What the attempt ran on (agentspec.runner.provenance); empty in records made before it was kept.
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Stored records hold the kind as text: a kind agentspec knows becomes its FailureKind member again.
        if isinstance(self.failure_kind, str):
            self.failure_kind = as_kind(self.failure_kind)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict, JSON-ready."""
        return asdict(self)


@dataclass(frozen=True)
class Run:
    """One `agentspec run` invocation."""

    id: str
    started_at: float
    finished_at: float | None
    command: str
    details: dict[str, Any]


class Store:
    """A results folder: `results.sqlite` and `artifacts/<attempt key>/`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.artifacts = folder / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.path = folder / "results.sqlite"
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(
            f"BEGIN IMMEDIATE; {_SCHEMA}"
            f" INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
        )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def start_run(self, command: str, details: Mapping[str, Any] | None = None) -> Run:
        """Record the start of a run and return it."""
        run = Run(
            time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6], time.time(), None, command, dict(details or {})
        )
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs(id, started_at, command, details) VALUES (?, ?, ?, ?)",
                (run.id, run.started_at, run.command, json.dumps(run.details)),
            )
        return run

    def finish_run(self, run_id: str, details: dict[str, Any] | None = None) -> None:
        """Mark a run finished, merging `details` into what was recorded at its start."""
        with self._transaction() as db:
            row = db.execute("SELECT details FROM runs WHERE id = ?", (run_id,)).fetchone()
            merged = {**json.loads(row["details"]), **(details or {})} if row else details or {}
            db.execute(
                "UPDATE runs SET finished_at = ?, details = ? WHERE id = ?",
                (time.time(), json.dumps(merged), run_id),
            )

    def runs(self) -> list[Run]:
        """Every run, oldest first."""
        rows = self._db.execute("SELECT * FROM runs ORDER BY started_at").fetchall()
        return [Run(r["id"], r["started_at"], r["finished_at"], r["command"], json.loads(r["details"])) for r in rows]

    def finished_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` already have a recorded attempt."""
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key FROM attempts WHERE key IN ({marks})", chunk).fetchall()
            found.update(r["key"] for r in rows)
        return found

    def spec(self, spec_hash: str) -> dict[str, Any] | None:
        """The spec version with this content hash (its JSON form), if a run recorded it."""
        row = self._db.execute("SELECT spec FROM specs WHERE spec_hash = ?", (spec_hash,)).fetchone()
        return None if row is None else dict(json.loads(row["spec"]))

    def save_spec(self, spec_hash: str, spec: Mapping[str, Any]) -> None:
        """Keep a spec version (its JSON form) so that exported bundles can carry what their attempts ran."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO specs(spec_hash, spec) VALUES (?, ?)",
                (spec_hash, json.dumps(spec, sort_keys=True)),
            )

    def get(self, key: str) -> AttemptRecord | None:
        """The recorded attempt with this key, if any."""
        row = self._db.execute("SELECT record FROM attempts WHERE key = ?", (key,)).fetchone()
        return None if row is None else AttemptRecord(**json.loads(row["record"]))

    def outcomes(self, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The (outcome, failure_kind) of each of `keys` that is recorded."""
        found: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, outcome, failure_kind FROM attempts WHERE key IN ({marks})", chunk
            ).fetchall()
            found.update({r["key"]: (r["outcome"], r["failure_kind"]) for r in rows})
        return found

    def add_run(self, run: Run) -> None:
        """Record a run made elsewhere (merged from a bundle), unless it is already known."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO runs(id, started_at, finished_at, command, details) VALUES (?, ?, ?, ?, ?)",
                (run.id, run.started_at, run.finished_at, run.command, json.dumps(run.details)),
            )

    def test_set(self, spec_hash: str) -> dict[str, Any] | None:
        """The test set the reference defines for a spec version (`TestSet.as_dict()`), if recorded."""
        row = self._db.execute("SELECT test_set FROM test_sets WHERE spec_hash = ?", (spec_hash,)).fetchone()
        return None if row is None else dict(json.loads(row["test_set"]))

    def save_test_set(self, spec_hash: str, test_set: Mapping[str, Any]) -> None:
        """Record the test set of a spec version."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO test_sets(spec_hash, test_set) VALUES (?, ?)",
                (spec_hash, json.dumps(test_set)),
            )

    def add_grade(
        self,
        record: AttemptRecord,
        before: tuple[str, str | None, int, int],
        spec_hash: str,
        output: str,
        graded_at: float,
    ) -> int:
        """Store a regrade of `record` (already holding the new verdict) as its next grade; return the grade's number.

        The first regrade also keeps the run's own grade as number 0. The attempt then shows the new grade.
        """
        with self._transaction() as db:
            (last,) = db.execute("SELECT MAX(number) FROM grades WHERE attempt_key = ?", (record.key,)).fetchone()
            if last is None:
                previous = record.regraded.get("spec_hash", record.spec_hash)
                db.execute(
                    "INSERT INTO grades VALUES (?, 0, ?, ?, ?, ?, ?, ?)",
                    (record.key, record.finished_at, previous, *before),
                )
                last = 0
            number = int(last) + 1
            record.regraded = {"number": number, "spec_hash": spec_hash, "graded_at": graded_at}
            db.execute(
                "INSERT INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.key,
                    number,
                    graded_at,
                    spec_hash,
                    record.outcome,
                    record.failure_kind,
                    record.tests_passed,
                    record.tests_total,
                ),
            )
            db.execute(
                "UPDATE attempts SET outcome = ?, failure_kind = ?, tests_passed = ?, tests_total = ?, record = ?"
                " WHERE key = ?",
                (
                    record.outcome,
                    record.failure_kind,
                    record.tests_passed,
                    record.tests_total,
                    json.dumps(record.as_dict()),
                    record.key,
                ),
            )
        folder = self.artifact_dir(record.key)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"test-output-grade-{number}.txt").write_text(output, encoding="utf-8")
        return number

    def grades(self, key: str) -> list[dict[str, Any]]:
        """Every grade of an attempt, oldest first (empty when it was never regraded)."""
        rows = self._db.execute("SELECT * FROM grades WHERE attempt_key = ? ORDER BY number", (key,)).fetchall()
        return [dict(r) for r in rows]

    def artifact_dir(self, key: str) -> Path:
        """Where the artifacts of attempt `key` live once recorded."""
        return self.artifacts / key

    def record(self, record: AttemptRecord, staged_artifacts: Path | None = None) -> None:
        """Store one finished attempt: move its staged artifacts in place, then write its row atomically."""
        if staged_artifacts is not None:
            final = self.artifact_dir(record.key)
            if final.exists():
                shutil.rmtree(final)
            staged_artifacts.rename(final)
        record.finished_at = record.finished_at or time.time()
        with self._transaction() as db:
            db.execute("DELETE FROM attempts WHERE key = ?", (record.key,))
            db.execute(
                "INSERT INTO attempts(key, run_id, task, spec_hash, agent, model, trial, outcome, failure_kind,"
                " tests_passed, tests_total, duration_s, finished_at, record)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.key,
                    record.run_id,
                    record.task,
                    record.spec_hash,
                    record.agent,
                    record.model,
                    record.trial,
                    record.outcome,
                    record.failure_kind,
                    record.tests_passed,
                    record.tests_total,
                    record.duration_s,
                    record.finished_at,
                    json.dumps(record.as_dict()),
                ),
            )
            db.executemany(
                'INSERT INTO findings(attempt_key, rule, severity, path, line, "column", message)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (record.key, f["rule"], f["severity"], f["path"], f["line"], f["column"], f["message"])
                    for f in record.findings
                ],
            )

    def attempts(self, run_id: str | None = None) -> list[AttemptRecord]:
        """Recorded attempts, all of them or one run's, in the order they finished."""
        query = "SELECT record FROM attempts"
        params: tuple[str, ...] = ()
        if run_id is not None:
            query += " WHERE run_id = ?"
            params = (run_id,)
        rows = self._db.execute(query + " ORDER BY finished_at, key", params).fetchall()
        return [AttemptRecord(**json.loads(r["record"])) for r in rows]
