"""`agentspec report` shows models x harnesses: each cell the score and the commonest failure kind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agentspec.store.report import harness_matrix
from agentspec.store.sqlite import AttemptRecord, Store


def attempt(agent: str, model: str, task: str, outcome: str, kind: str | None = None) -> AttemptRecord:
    return AttemptRecord(f"{agent}-{model}-{task}", task, "h", agent, model, 1, outcome, kind, 0, 1, 1.0)


RECORDS = [
    # Devstral fails through Claude Code on tool calls and works through aider: the article's case.
    *(attempt("claude-code", "ollama/devstral", t, "failed", "tool_format") for t in ("a", "b", "c")),
    attempt("claude-code", "ollama/devstral", "d", "failed", "tests_failed"),
    *(attempt("aider", "ollama/devstral", t, "passed") for t in ("a", "b", "c")),
    attempt("aider", "ollama/devstral", "d", "error", "context_exceeded"),
    *(attempt("codex", "openai/qwen", t, "passed") for t in ("a", "b")),
    attempt("reference", "-", "a", "passed"),
]


def test_cells_hold_the_score_and_the_dominant_failure_kind() -> None:
    models, harnesses, cells = harness_matrix(RECORDS)
    assert models == ["ollama/devstral", "openai/qwen"] and harnesses == ["aider", "claude-code", "codex"]
    assert cells[("ollama/devstral", "claude-code")] == "0/4 tool_format"
    assert cells[("ollama/devstral", "aider")] == "3/4 context_exceeded"
    assert cells[("openai/qwen", "codex")] == "2/2"
    assert ("openai/qwen", "aider") not in cells


def test_agentspec_report_prints_the_matrix(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        run = store.start_run("test")
        for record in RECORDS:
            record.run_id = run.id
            store.record(record)
    for form in ("table", "markdown"):
        shown = subprocess.run(
            [sys.executable, "-m", "agentspec", "report", "--results", str(tmp_path), "--format", form],
            capture_output=True,
            text=True,
            check=True,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        ).stdout
        row = next(line for line in shown.splitlines() if "ollama/devstral" in line and "tool_format" in line)
        assert "3/4 context_exceeded" in row and "0/4 tool_format" in row
