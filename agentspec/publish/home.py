"""The home page: the leaderboard, the task x model grid, the charts, and what each run was."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from agentspec.publish import blocks, charts, grid_page, harness_page
from agentspec.publish.escape import heading, inline, raw_block, text
from agentspec.publish.figures import backend_facts, backend_label, common_trials, entry_pass_at_k, entry_pass_hat_k
from agentspec.publish.results import Entry, SiteData
from agentspec.store import report
from agentspec.store.sqlite import AttemptRecord, Run

PAGE = "index.md"
RUNS_IN_FULL = 5
_BACKEND_FACTS = ("server", "server_version", "model_digest", "context_length", "quantization")


RUNS_PAGE = "runs.md"
HARDEST = 10
_QUANTISATION_KEYS = ("quantization", "quantization_level", "quantisation")


def backend_cell(records: Sequence[AttemptRecord], provider: str) -> str:
    """The server (and version) the attempts ran against, with the quantisation when the backend told it."""
    server = backend_label(provider, records)
    quant = next(
        (str(facts[k]) for r in records for facts in [backend_facts(r)] for k in _QUANTISATION_KEYS if facts.get(k)),
        "",
    )
    return text(server) + (f" <small>{text(quant)}</small>" if quant else "")


def main_failure(records: Sequence[AttemptRecord]) -> str:
    """The most common way the failed attempts ended, e.g. 'tests_failed (3 of 4)'; '' when all passed."""
    kinds = Counter(r.failure_kind or r.outcome for r in records if r.outcome != "passed")
    if not kinds:
        return ""
    kind, count = kinds.most_common(1)[0]
    failed = sum(kinds.values())
    return f"{text(kind)} <small>({count} of {failed})</small>"


def _leaderboard_rows(data: SiteData, entries: Sequence[Entry], page: str) -> list[list[str]]:
    by_entry = data.by_entry()
    rows = []
    for rank, entry in enumerate(entries, start=1):
        row, records = entry.row, by_entry[(entry.agent, entry.model)]
        low, high = row.interval
        agent_time = sum(r.agent_duration_s for r in records) / len(records)
        score = (
            f'<b>{text(row.score)}</b> <small title="95% interval">{blocks.percent(low)}–{blocks.percent(high)}</small>'
        )
        harness = blocks.link(blocks.href(page, entry.page), entry.agent_name)
        model = "–" if entry.model == "-" else f'<span title="{text(entry.model)}">{text(entry.model_name)}</span>'
        rows.append(
            [
                str(rank),
                harness,
                model,
                backend_cell(records, row.backend),
                score,
                blocks.seconds(agent_time),
                f"{row.avg_turns:.1f}",
                f"{row.tokens:,}",
                main_failure(records),
            ]
        )
    return rows


LEADERBOARD_HEAD = ["#", "Harness", "Model", "Backend", "Score", "Agent time", "Turns", "Tokens", "Main failure"]


def leaderboard_table(data: SiteData, page: str) -> str:
    """The article's table: harness, model, backend, score with its interval, agent time, turns, tokens, failure.

    The baselines (reference, none) are set apart below; pass@k, errors and total time are behind a click.
    """
    contenders = [e for e in data.entries if not e.baseline]
    baselines = [e for e in data.entries if e.baseline]
    parts = []
    if contenders:
        table = blocks.table(LEADERBOARD_HEAD, _leaderboard_rows(data, contenders, page), labelled=True)
        parts.append(f'<div class="as-leaderboard as-cards as-sort">{table}</div>')
    if baselines:
        table = blocks.table(LEADERBOARD_HEAD, _leaderboard_rows(data, baselines, page), labelled=True)
        parts.append('<p class="as-baselines-title"><b>Baselines</b> <small>reference writes the solution, none ')
        parts.append("changes nothing: the task's ceiling and floor</small></p>")
        parts.append(f'<div class="as-leaderboard as-cards as-baselines">{table}</div>')
    parts.append(blocks.details("More figures: pass@k, pass^k, errors, total time", _more_figures(data, page)))
    return "".join(parts)


def _more_figures(data: SiteData, page: str) -> str:
    by_entry = data.by_entry()
    k = common_trials(data.records)
    head = ["Agent + model", "pass@1"] + ([f"pass@{k}", f"pass^{k}"] if k > 1 else [])
    head += ["Trials per task", "Avg time (with grading)", "Errors"]
    rows = []
    for entry in data.entries:
        records = by_entry[(entry.agent, entry.model)]
        cells = [blocks.link(blocks.href(page, entry.page), entry.label), blocks.percent(entry.row.pass_at_1)]
        cells += (
            [blocks.percent(entry_pass_at_k(records, k)), blocks.percent(entry_pass_hat_k(records, k))] if k > 1 else []
        )
        trials = sorted(set(Counter(r.task for r in records).values()))
        cells.append(f"{trials[0]}–{trials[-1]}" if len(trials) > 1 else str(trials[0]))
        cells += [blocks.seconds(entry.row.avg_time_s), str(entry.row.errors)]
        rows.append(cells)
    return blocks.table(head, rows)


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
    """The home page's Markdown: the summary and leaderboard first, the details on their own pages."""
    runs = sorted(data.runs, key=lambda run: run.started_at)
    latest = blocks.when(runs[-1].started_at) if runs else "-"
    summary = (
        f"{len(data.records)} attempts of {len(data.by_task())} tasks by {len(data.entries)} agents and models, "
        f"in {len(runs)} runs; latest run started {latest}."
    )
    rates = grid_page.task_pass_rates(data)
    hardest = sorted(rates, key=lambda t: (rates[t], t))[:HARDEST]
    more = f"All {len(rates)} tasks against every agent and model: [the tasks page](tasks/index.md)."
    return "".join(
        [
            "---\nhide:\n  - toc\n---\n\n# Results\n\n",
            inline(summary),
            "\n\n## Leaderboard\n",
            raw_block(leaderboard_table(data, PAGE)),
            "## Score per model\n",
            raw_block(score_chart(data.entries)),
            "## Hardest tasks\n",
            raw_block(grid_page.grid_table(data, PAGE, hardest)),
            more + "\n\n",
            harness_link(data),
            review_section(data),
            "## Runs\n",
            f"Every run, with its command, spec versions and backends: [the runs page]({RUNS_PAGE}).\n\n",
        ]
    )


def harness_link(data: SiteData) -> str:
    """A pointer to the models x harnesses page, when more than one harness ran."""
    count = harness_page.harness_count(data)
    if count < 2:
        return ""
    return f"Every model through each of the {count} harnesses: [the harnesses page]({harness_page.PAGE}).\n\n"


def runs_markdown(data: SiteData) -> str:
    """The runs page."""
    return "# Runs\n\n" + runs_section(data)
