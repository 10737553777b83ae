"""One page per task: instructions, each model's final code in tabs, the reference solution, fastest and slowest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from agentspec.publish import blocks, charts
from agentspec.publish.code import diff_view, file_views, grading_table
from agentspec.publish.escape import heading, raw_block, text
from agentspec.publish.results import Entry, SiteData, attempt_anchor, representative, task_page
from agentspec.spec.model import Spec
from agentspec.store import findings, report
from agentspec.store.sqlite import AttemptRecord

EXTREMES = 3


def trial_strip(records: Sequence[AttemptRecord], page: str, entry: Entry) -> str:
    """Every trial's outcome as one mark each, linking to the attempt on the model's page."""
    marks = []
    for r in sorted(records, key=lambda r: r.trial):
        icon = "✔" if r.outcome == "passed" else "✘" if r.outcome == "failed" else "!"
        tip = f"trial {r.trial}: {r.outcome}" + (f" ({r.failure_kind})" if r.failure_kind else "")
        target = f"{blocks.href(page, entry.page)}#{attempt_anchor(r)}"
        marks.append(f'<a class="as-outcome as-{text(r.outcome)}" href="{text(target)}" title="{text(tip)}">{icon}</a>')
    return f'<p class="as-strip">Trials: {" ".join(marks)}</p>'


def entry_tab(data: SiteData, entry: Entry, records: Sequence[AttemptRecord], page: str, index: int) -> str:
    """One model's tab: its shown attempt's code with findings, diff, tests and test output."""
    shown = representative(records)
    artifacts = data.artifacts(shown, transcript=False)
    why = "the first that passed" if shown.outcome == "passed" else "none passed; the first trial"
    parts = [
        blocks.paragraph(
            f"Trial {shown.trial} of {len(records)} ({why}): {blocks.outcome(shown.outcome, shown.failure_kind)}, "
            f"{blocks.seconds(shown.duration_s)}, {shown.turns} turns, {shown.tokens_in + shown.tokens_out:,} tokens, "
            f"{shown.tests_passed}/{shown.tests_total} tests."
        )
    ]
    if len(records) > 1:
        parts.append(trial_strip(records, page, entry))
    if shown.error:
        parts.append(blocks.admonition("failure", "Error", blocks.pre(shown.error)))
    if shown.tampered:
        note = "Changed protected files (graded with the originals): " + ", ".join(shown.tampered)
        parts.append(blocks.admonition("warning", "Tampered", blocks.paragraph(text(note))))
    if artifacts.files or shown.findings:
        spec = data.specs.get(shown.task)
        starter = {f.path: f.text for f in spec.files} if spec and spec.content_hash() == shown.spec_hash else {}
        parts.append(file_views(artifacts.files, shown.findings, anchor=f"c{index}", unchanged=starter))
    else:
        parts.append(blocks.paragraph("The agent changed no files."))
    parts.append(blocks.details("Diff against the starter", diff_view(artifacts.diff)))
    tests = f"Tests: {shown.tests_passed} of {shown.tests_total} passed"
    tests_block = blocks.details(text(tests), grading_table(shown.tests, shown.fail_to_pass))
    output = artifacts.test_output or ""
    output_block = blocks.details(text("Test output"), blocks.pre(output or "(none)"))
    parts.append(blocks.unsearched(tests_block + output_block))
    return "".join(parts)


def results_table(data: SiteData, by_entry: dict[tuple[str, str], list[AttemptRecord]], page: str) -> str:
    """Per agent and model on this task: score, time, findings."""
    rows = []
    for entry in data.entries:
        records = by_entry.get((entry.agent, entry.model))
        if not records:
            continue
        (row,) = report.leaderboard(records)
        times = sorted(r.duration_s for r in records)
        rows.append(
            [
                blocks.link(blocks.href(page, entry.page), entry.label),
                text(row.score),
                blocks.seconds(row.avg_time_s),
                f"{blocks.seconds(times[0])} / {blocks.seconds(times[-1])}",
                f"{row.avg_turns:.1f}",
                text("; ".join(findings.summary(records)) or "-"),
            ]
        )
    return blocks.table(["Agent + model", "Score", "Avg time", "Fastest / slowest", "Avg turns", "Review"], rows)


def extremes_table(data: SiteData, records: Sequence[AttemptRecord], page: str) -> str:
    """The fastest and slowest attempts on this task."""
    ordered = sorted(records, key=lambda r: (r.duration_s, r.key))
    picked = ordered if len(ordered) <= 2 * EXTREMES else [*ordered[:EXTREMES], *ordered[-EXTREMES:]]
    rows = []
    for r in picked:
        entry = data.entry(r.agent, r.model)
        where = f"{blocks.href(page, entry.page)}#{attempt_anchor(r)}"
        kind = "fastest" if r in ordered[:EXTREMES] else "slowest"
        rows.append(
            [
                kind,
                f'<a href="{text(where)}">{text(entry.label)}, trial {r.trial}</a>',
                blocks.seconds(r.duration_s),
                blocks.outcome(r.outcome, r.failure_kind),
                f"{r.turns}",
            ]
        )
    return blocks.table(["", "Attempt", "Time", "Outcome", "Turns"], rows)


def spec_facts(spec: Spec | None, records: Sequence[AttemptRecord]) -> str:
    """Kind, difficulty, tags and the spec versions the attempts ran against."""
    versions = sorted({r.spec_hash for r in records})
    facts = []
    if spec is not None:
        facts += [f"kind {spec.kind}", f"difficulty {spec.difficulty}"]
        facts += [f"tags {', '.join(spec.tags)}"] if spec.tags else []
        changed = [v for v in versions if v != spec.content_hash()]
        if changed:
            facts.append(f"{len(changed)} of {len(versions)} recorded spec versions differ from the current file")
    facts.append("spec version " + ", ".join(versions) if versions else "no attempts yet")
    return blocks.paragraph(text("; ".join(facts)))


def reference_section(spec: Spec | None) -> str:
    """The spec's reference solution, file by file."""
    if spec is None:
        return raw_block(blocks.paragraph("The spec file for this task was not found, so its solution is not shown."))
    if not spec.solution:
        return raw_block(blocks.paragraph("This spec has no reference solution."))
    return raw_block(file_views({f.path: f.text for f in spec.solution}, [], anchor="ref"))


def task_markdown(data: SiteData, task: str, records: Sequence[AttemptRecord]) -> str:
    """The task page's Markdown."""
    page = task_page(task)
    spec = data.specs.get(task)
    title = f"{spec.title} ({task})" if spec else task
    by_entry: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_entry[(r.agent, r.model)].append(r)
    parts = [f"# {heading(title)}\n", raw_block(spec_facts(spec, records)), "## Instructions\n"]
    instructions = spec.instructions if spec else "The spec file for this task was not found."
    parts.append(raw_block(f'<div class="as-instructions admonition quote">{text(instructions)}</div>'))
    if records:
        series = [
            charts.Series(
                e.label,
                [
                    charts.Point(r.duration_s, r.outcome, f"trial {r.trial}: {r.duration_s:.1f}s, {r.outcome}")
                    for r in by_entry[(e.agent, e.model)]
                ],
            )
            for e in data.entries
            if (e.agent, e.model) in by_entry
        ]
        parts += ["## Results\n", raw_block(results_table(data, by_entry, page))]
        parts.append(raw_block(charts.time_chart([("", series)], f"Time per attempt on {task}")))
        tabs = [
            (e.label, entry_tab(data, e, by_entry[(e.agent, e.model)], page, index))
            for index, e in enumerate(data.entries)
            if (e.agent, e.model) in by_entry
        ]
        parts += ["## Code by agent and model\n", raw_block(blocks.tabs(tabs, "code"))]
    parts += ["## Reference solution\n", reference_section(spec)]
    if records:
        parts += ["## Fastest and slowest attempts\n", raw_block(extremes_table(data, records, page))]
    return "".join(parts)
