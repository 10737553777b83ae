"""One page per agent and model: figures, failure kinds, review summary, and every attempt with its transcript."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import median

from agentspec.publish import blocks
from agentspec.publish.code import diff_view, findings_list
from agentspec.publish.escape import heading, inline, raw_block, text
from agentspec.publish.figures import backend_label, common_trials, entry_pass_at_k
from agentspec.publish.results import Entry, SiteData, attempt_anchor, task_page
from agentspec.publish.transcript import transcript_view
from agentspec.store import findings
from agentspec.store.sqlite import AttemptRecord


def figures_table(entry: Entry, records: Sequence[AttemptRecord]) -> str:
    """Score, pass rates, time and token figures."""
    row = entry.row
    times = [r.duration_s for r in records]
    tokens_in = sum(r.tokens_in for r in records)
    tokens_out = sum(r.tokens_out for r in records)
    low, high = row.interval
    facts = [
        ["Score", text(row.score)],
        ["pass@1", blocks.percent(row.pass_at_1)],
        ["95% interval", f"{blocks.percent(low)}–{blocks.percent(high)}"],
    ]
    k = common_trials(records)
    if k > 1:
        facts.append([f"pass@{k}", blocks.percent(entry_pass_at_k(records, k))])
    facts += [
        [
            "Time per attempt",
            f"avg {blocks.seconds(row.avg_time_s)}, median {blocks.seconds(median(times))}",
        ],
        ["Fastest / slowest", f"{blocks.seconds(min(times))} / {blocks.seconds(max(times))}"],
        ["Agent time / grading time", _split_times(records)],
        ["Turns", f"avg {row.avg_turns:.1f}, most {max(r.turns for r in records)}"],
        ["Tokens in / out", f"{tokens_in:,} / {tokens_out:,} (avg {(tokens_in + tokens_out) / len(records):,.0f})"],
        ["Errors", str(row.errors)],
        ["Backend", text(backend_label(row.backend, records))],
    ]
    return blocks.table(["", text(entry.label)], facts)


def _split_times(records: Sequence[AttemptRecord]) -> str:
    agent = sum(r.agent_duration_s for r in records) / len(records)
    grade = sum(r.grade_duration_s for r in records) / len(records)
    return f"avg {blocks.seconds(agent)} / {blocks.seconds(grade)}"


def failure_table(records: Sequence[AttemptRecord]) -> str:
    """How attempts ended: passed, or each failure kind."""
    counts = Counter("passed" if r.outcome == "passed" else f"{r.outcome}: {r.failure_kind or '?'}" for r in records)
    rows = [[text(kind), str(n), blocks.percent(n / len(records))] for kind, n in counts.most_common()]
    return blocks.table(["Ended", "Attempts", "Share"], rows)


def review_section(records: Sequence[AttemptRecord]) -> str:
    """The review summary in words, then counts per rule and severity."""
    phrases = findings.summary(records)
    parts = [
        "<ul>" + "".join(f"<li>{text(p)}</li>" for p in phrases) + "</ul>"
        if phrases
        else blocks.paragraph("The reviewer found nothing in these attempts.")
    ]
    counts = findings.severity_counts(records)
    if counts:
        rows = [[blocks.code(rule), text(severity), str(n)] for (rule, severity), n in sorted(counts.items())]
        parts.append(blocks.table(["Rule", "Severity", "Findings"], rows))
    return "".join(parts)


def tasks_table(records: Sequence[AttemptRecord], page: str) -> str:
    """Per task: score and times."""
    by_task: dict[str, list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_task[r.task].append(r)
    rows = []
    for task, group in sorted(by_task.items()):
        passed = sum(r.outcome == "passed" for r in group)
        rows.append(
            [
                blocks.link(blocks.href(page, task_page(task)), task),
                f"{passed}/{len(group)}",
                blocks.seconds(sum(r.duration_s for r in group) / len(group)),
                text("; ".join(findings.summary(group)) or "-"),
            ]
        )
    return blocks.table(["Task", "Score", "Avg time", "Review"], rows)


def attempt_block(data: SiteData, record: AttemptRecord) -> str:
    """One attempt, collapsed: findings, error, diff, tests, transcript."""
    artifacts = data.artifacts(record)
    summary = (
        f"trial {record.trial} · {blocks.outcome(record.outcome, record.failure_kind)} · "
        f"{blocks.seconds(record.duration_s)} · {record.turns} turns · "
        f"{record.tokens_in + record.tokens_out:,} tokens · {record.tests_passed}/{record.tests_total} tests"
        + (f" · {len(record.findings)} findings" if record.findings else "")
        + blocks.provenance_marks(record.regraded, record.origin)
    )
    body = []
    if record.error:
        body.append(blocks.admonition("failure", "Error", blocks.pre(record.error)))
    if record.findings:
        body.append(findings_list(record.findings))
    body.append(blocks.details("Diff against the starter", diff_view(artifacts.diff)))
    body.append(blocks.details("Transcript", transcript_view(artifacts.transcript)))
    body.append(blocks.paragraph(f"<small>attempt {text(record.key)}, run {text(record.run_id)}</small>"))
    block = blocks.details(summary, "".join(body), kind="abstract")
    return f'<div id="{text(attempt_anchor(record))}">{blocks.unsearched(block)}</div>'


def model_markdown(data: SiteData, entry: Entry, records: Sequence[AttemptRecord]) -> str:
    """The agent and model's page Markdown."""
    page = entry.page
    model = "no model" if entry.model == "-" else f"model {entry.model}"
    parts = [
        # Its attempts are kept out of the index anyway (the task pages index the code); skipping the page
        # spares the search plugin parsing every attempt's markup, most of a large site's build time.
        "---\nsearch:\n  exclude: true\n---\n\n",
        f"# {heading(entry.label)}\n\n",
        inline(f"Agent {entry.agent}, {model}: {len(records)} attempts of {len({r.task for r in records})} tasks."),
        "\n\n## Figures\n",
        raw_block(figures_table(entry, records)),
        "## How attempts ended\n",
        raw_block(failure_table(records)),
        "## Review\n",
        raw_block(review_section(records)),
        "## Tasks\n",
        raw_block(tasks_table(records, page)),
        "## Attempts\n",
    ]
    by_task: dict[str, list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_task[r.task].append(r)
    for task, group in sorted(by_task.items()):
        parts.append(f"### {heading(task)}\n")
        parts.append(raw_block("".join(attempt_block(data, r) for r in sorted(group, key=lambda r: r.trial))))
    return "".join(parts)
