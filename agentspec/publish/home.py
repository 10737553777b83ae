"""The home page: the leaderboard, the task x model grid, the charts, and what each run was."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agentspec.publish import blocks, charts
from agentspec.publish.escape import heading, inline, raw_block, text
from agentspec.publish.figures import backend_facts, backend_label, common_trials, entry_pass_at_k
from agentspec.publish.results import Entry, SiteData, task_page
from agentspec.store import report
from agentspec.store.sqlite import Run

PAGE = "index.md"
RUNS_IN_FULL = 5
_BACKEND_FACTS = ("server", "server_version", "model_digest", "context_length", "quantization")


def leaderboard_table(data: SiteData, page: str) -> str:
    """The article's table: agent and model, score, average time, backend; pass@k and interval with trials."""
    by_entry = data.by_entry()
    k = common_trials(data.records)
    head = ["#", "Agent + model", "Score", "pass@1"]
    head += [f"pass@{k}", "95% interval"] if k > 1 else []
    head += ["Avg time", "Avg turns", "Tokens", "Errors", "Backend"]
    rows = []
    for rank, entry in enumerate(data.entries, start=1):
        row, records = entry.row, by_entry[(entry.agent, entry.model)]
        low, high = row.interval
        cells = [str(rank), blocks.link(blocks.href(page, entry.page), entry.label), text(row.score)]
        cells.append(blocks.percent(row.pass_at_1))
        if k > 1:
            cells += [blocks.percent(entry_pass_at_k(records, k)), f"{blocks.percent(low)}–{blocks.percent(high)}"]
        cells += [blocks.seconds(row.avg_time_s), f"{row.avg_turns:.1f}", f"{row.tokens:,}", str(row.errors)]
        cells.append(text(backend_label(row.backend, records)))
        rows.append(cells)
    return blocks.table(head, rows, wrapper="as-leaderboard")


def review_section(data: SiteData) -> str:
    """What the review saw in each agent + model's code ("thread-safe in 1 of 1"); empty when it saw nothing."""
    said = {(agent, model): phrases for agent, model, phrases in report.review_summary(data.records)}
    rows = [
        [blocks.link(blocks.href(PAGE, entry.page), entry.label), text("; ".join(said[(entry.agent, entry.model)]))]
        for entry in data.entries
        if (entry.agent, entry.model) in said
    ]
    if not rows:
        return ""
    table = blocks.table(["Agent + model", "Review"], rows, wrapper="as-review")
    return "## What the code looks like\n" + raw_block(table)


def grid_table(data: SiteData, page: str) -> str:
    """Tasks down, agents and models across; each cell 'passed/attempts', coloured by outcome."""
    tasks, columns, cells = report.grid(data.records)
    by_label = {e.label: e for e in data.entries}
    head = ["Task", *(blocks.link(blocks.href(page, by_label[c].page), c) for c in columns)]
    rows = []
    for task in tasks:
        spec = data.specs.get(task)
        title = f' title="{text(spec.title)}"' if spec else ""
        row = [f'<a href="{text(blocks.href(page, task_page(task)))}"{title}>{text(task)}</a>']
        for column in columns:
            row.append(_grid_cell(cells.get((task, column), "")))
        rows.append(row)
    return blocks.table(head, rows, wrapper="as-grid-table")


def _grid_cell(cell: str) -> str:
    if not cell:
        return ""
    errored = cell.endswith("!")
    passed, total = (int(n) for n in cell.rstrip("!").split("/"))
    kind = "as-all" if passed == total else "as-some" if passed else "as-errored" if errored else "as-none"
    note = " (some attempts errored)" if errored else ""
    return f'<span class="as-cell {kind}" title="{passed} of {total} passed{note}">{text(cell)}</span>'


def score_chart(entries: Sequence[Entry]) -> str:
    """Pass rate per agent and model."""
    bars = [charts.Bar(e.label, e.row.passed, e.row.attempts, e.row.interval) for e in entries]
    return charts.score_chart(bars)


def time_chart(data: SiteData) -> str:
    """Time of every attempt, per task and agent/model."""
    groups = []
    for task, records in sorted(data.by_task().items()):
        by_entry: dict[tuple[str, str], list[charts.Point]] = defaultdict(list)
        for r in records:
            note = f"{task}, {r.agent} {r.model}, trial {r.trial}: {r.duration_s:.1f}s, {r.outcome}"
            by_entry[(r.agent, r.model)].append(charts.Point(r.duration_s, r.outcome, note))
        series = [
            charts.Series(e.label, by_entry[(e.agent, e.model)]) for e in data.entries if (e.agent, e.model) in by_entry
        ]
        groups.append((task, series))
    return charts.time_chart(groups, "Time per attempt, by task and agent/model")


def runs_section(data: SiteData) -> str:
    """Each run's date, command, spec versions and backend details, latest first."""
    counts: dict[str, int] = defaultdict(int)
    backends: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in data.records:
        counts[r.run_id] += 1
        facts = backend_facts(r)
        if facts:
            backends[r.run_id].setdefault(r.model, facts)
    for run in data.runs:
        recorded = run.details.get("backends")
        for model, facts in recorded.items() if isinstance(recorded, dict) else ():
            if isinstance(facts, dict) and facts:
                backends[run.id].setdefault(str(model), facts)
    runs = sorted(data.runs, key=lambda run: run.started_at, reverse=True)
    parts = []
    for run in runs[:RUNS_IN_FULL]:
        parts.append(f"### Run {heading(run.id)}\n")
        parts.append(raw_block(_run_block(data, run, counts[run.id], backends[run.id])))
    if len(runs) > RUNS_IN_FULL:
        rows = [
            [text(r.id), blocks.when(r.started_at), blocks.code(r.command), str(counts[r.id])]
            for r in runs[RUNS_IN_FULL:]
        ]
        older = blocks.table(["Run", "Started", "Command", "Attempts"], rows)
        summary = f"{len(runs) - RUNS_IN_FULL} earlier runs"
        parts.append("### Earlier runs\n" + raw_block(blocks.details(text(summary), older)))
    return "".join(parts)


def _run_block(data: SiteData, run: Run, attempts: int, backends: dict[str, dict[str, Any]]) -> str:
    finished = f"{blocks.when(run.finished_at)}" if run.finished_at else "not finished (interrupted?)"
    facts = [
        ["Started", blocks.when(run.started_at)],
        ["Finished", finished],
        ["Command", blocks.code(run.command)],
        ["Attempts shown", str(attempts)],
    ]
    for key, value in sorted(run.details.items()):
        if key not in ("specs", "backends"):
            shown = value if isinstance(value, str | int | float | bool) else json.dumps(value, sort_keys=True)
            facts.append([text(key), blocks.code(str(shown))])
    parts = [blocks.table(["Run", text(run.id)], facts)]
    specs = run.details.get("specs")
    if isinstance(specs, dict) and specs:
        rows = []
        for spec_id, version in sorted(specs.items()):
            current = data.specs.get(spec_id)
            status = (
                "not in the specs folder"
                if current is None
                else "current"
                if current.content_hash() == version
                else "spec changed since"
            )
            rows.append([text(spec_id), blocks.code(str(version)), text(status)])
        parts.append(blocks.details(f"Spec versions ({len(rows)})", blocks.table(["Spec", "Version", "Now"], rows)))
    if backends:
        rows = [
            [text(model), *(text(facts.get(k) if facts.get(k) is not None else "-") for k in _BACKEND_FACTS)]
            for model, facts in sorted(backends.items())
        ]
        head = ["Model", "Server", "Version", "Model digest", "Context", "Quantization"]
        parts.append(blocks.table(head, rows))
    return "".join(parts)


def home_page(data: SiteData) -> str:
    """The home page's Markdown."""
    runs = sorted(data.runs, key=lambda run: run.started_at)
    latest = blocks.when(runs[-1].started_at) if runs else "-"
    summary = (
        f"{len(data.records)} attempts of {len(data.by_task())} tasks by {len(data.entries)} agents and models, "
        f"in {len(runs)} runs; latest run started {latest}."
    )
    return "".join(
        [
            "# Results\n\n",
            inline(summary),
            "\n\n## Leaderboard\n",
            raw_block(leaderboard_table(data, PAGE)),
            "## Score per model\n",
            raw_block(score_chart(data.entries)),
            "## Tasks and models\n",
            raw_block(grid_table(data, PAGE)),
            "## Time per task\n",
            raw_block(time_chart(data)),
            review_section(data),
            "## Runs\n",
            runs_section(data),
        ]
    )
