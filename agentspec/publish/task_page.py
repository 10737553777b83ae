"""One page per task: instructions, each model's final code in tabs, the reference solution, fastest and slowest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentspec.publish import approaches, blocks, charts, compare, search_index
from agentspec.publish.code import diff_view, file_views, grading_table, line_id
from agentspec.publish.escape import heading, raw_block, text, title
from agentspec.publish.results import (
    Artifacts,
    Entry,
    SiteData,
    attempt_anchor,
    entry_anchor,
    representative,
    task_page,
)
from agentspec.publish.search_index import SearchDoc
from agentspec.spec.model import Spec
from agentspec.store import findings, report
from agentspec.store.sqlite import AttemptRecord
from agentspec.store.why import tampering

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


# Trials shown in full beside the representative one: every trial with findings, up to this many.
EXTRA_TRIALS = 4


def shown_trials(records: Sequence[AttemptRecord]) -> list[AttemptRecord]:
    """The representative trial, then every other trial with a warning or error finding: none hides behind it."""
    first = representative(records)
    others = [r for r in sorted(records, key=lambda r: r.trial) if r is not first and findings.problems(r)]
    return [first, *others[:EXTRA_TRIALS]]


@dataclass
class Shown:
    """Where one trial's code is shown on the task page, so that the comparison table can link to its lines."""

    anchor: str
    files: dict[str, str]
    starter: dict[str, str]


def _starter(spec: Spec | None, record: AttemptRecord) -> dict[str, str]:
    return {f.path: f.text for f in spec.files} if spec and spec.content_hash() == record.spec_hash else {}


def _trial_code(record: AttemptRecord, artifacts: Artifacts, shown: Shown) -> str:
    parts = []
    if artifacts.files or record.findings:
        parts.append(file_views(artifacts.files, record.findings, anchor=shown.anchor, unchanged=shown.starter))
    else:
        parts.append(blocks.paragraph("The agent changed no files."))
    diff = blocks.details("Diff against the starter", diff_view(artifacts.diff), kind="note as-diff-block")
    return "".join(parts) + diff


def entry_tab(
    data: SiteData,
    entry: Entry,
    records: Sequence[AttemptRecord],
    page: str,
    index: int,
    read: Callable[[AttemptRecord], Artifacts],
    places: dict[str, Shown],
) -> str:
    """One model's tab: its shown attempts' code with findings, diffs, tests and test output."""
    trials = shown_trials(records)
    shown, spec = trials[0], data.specs.get(entry_task(records))
    artifacts = read(shown)
    why = "the first that passed" if shown.outcome == "passed" else "none passed; the first trial"
    parts = [
        blocks.paragraph(
            f"Trial {shown.trial} of {len(records)} ({why}): {blocks.outcome(shown.outcome, shown.failure_kind)}, "
            f"{blocks.seconds(shown.duration_s)}, {shown.turns} turns, {shown.tokens_in + shown.tokens_out:,} tokens, "
            f"{shown.tests_passed}/{shown.tests_total} tests{blocks.provenance_marks(shown.regraded, shown.origin)}."
        )
    ]
    if len(records) > 1:
        parts.append(trial_strip(records, page, entry))
    if shown.error:
        parts.append(blocks.admonition("failure", "Error", blocks.pre(shown.error)))
    if shown.tampered:
        note = "; ".join(line[0].upper() + line[1:] for line in tampering(shown.tampered, limit=20)) + "."
        parts.append(blocks.admonition("warning", "Tampered", blocks.paragraph(text(note))))
    places[shown.key] = Shown(entry_anchor(index), artifacts.files, _starter(spec, shown))
    parts.append(_trial_code(shown, artifacts, places[shown.key]))
    tests = f"Tests: {shown.tests_passed} of {shown.tests_total} passed"
    tests_block = blocks.details(text(tests), grading_table(shown.tests, shown.fail_to_pass))
    output = artifacts.test_output or ""
    output_block = blocks.details(text("Test output"), blocks.pre(output or "(none)"))
    parts.append(blocks.unsearched(tests_block + output_block))
    for other in trials[1:]:
        found = read(other)
        places[other.key] = Shown(f"{entry_anchor(index)}t{other.trial}", found.files, _starter(spec, other))
        said = ", ".join(findings.rule_words(rule) for rule in findings.problems(other))
        parts.append(
            f'<h4 class="as-trial">Trial {other.trial}: {blocks.outcome(other.outcome, other.failure_kind)}, '
            f"{text(said)}</h4>"
        )
        parts.append(_trial_code(other, found, places[other.key]))
    ident, label = entry_anchor(index), text(entry.label)
    return f'<div class="as-entry" id="{ident}" data-entry="{index}" data-label="{label}">{"".join(parts)}</div>'


def entry_search_text(records: Sequence[AttemptRecord], read: Callable[[AttemptRecord], Artifacts]) -> str:
    """What search finds in one entry's tab: each shown trial's outcome, error, findings and final files."""
    parts = []
    for shown in shown_trials(records):
        said = f"Trial {shown.trial}: {shown.outcome}" + (f" ({shown.failure_kind})" if shown.failure_kind else "")
        parts.append(search_index.paragraph(said))
        parts.append(search_index.paragraph(shown.error or ""))
        for f in shown.findings:
            where = f"{f.get('path', '')}:{f.get('line', '?')}:{f.get('column', '?')}"
            note = f"{f.get('rule', '?')} {f.get('severity', '')} at {where} {f.get('message', '')}"
            parts.append(search_index.paragraph(note))
        parts += [search_index.code(path, source) for path, source in sorted(read(shown).files.items())]
    return "".join(parts)


def entry_task(records: Sequence[AttemptRecord]) -> str:
    """The task these attempts are of."""
    return records[0].task


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


def reference_files(spec: Spec | None) -> dict[str, str]:
    """The spec's reference solution, by path."""
    return {f.path: f.text for f in spec.solution} if spec else {}


def reference_section(spec: Spec | None) -> str:
    """The spec's reference solution, file by file (HTML)."""
    if spec is None:
        return blocks.paragraph("The spec file for this task was not found, so its solution is not shown.")
    if not spec.solution:
        return blocks.paragraph("This spec has no reference solution.")
    return file_views(reference_files(spec), [], anchor="ref")


def comparison_table(
    data: SiteData,
    by_entry: dict[tuple[str, str], list[AttemptRecord]],
    page: str,
    read: Callable[[AttemptRecord], Artifacts],
    places: dict[str, Shown],
) -> str:
    """One row per agent and model (trials folded): passed, then what the review measured; pick rows to compare."""
    spec = next((data.specs.get(rs[0].task) for rs in by_entry.values()), None)
    bad = compare.starter_problems(spec)
    entries = [e for e in data.entries if (e.agent, e.model) in by_entry]
    entries = [e for e in entries if not e.baseline] + [e for e in entries if e.baseline]
    facts = {
        e.label: [
            compare.TrialFacts(r, spec, read(r).files, read(r).diff, bad)
            for r in sorted(by_entry[(e.agent, e.model)], key=lambda r: r.trial)
        ]
        for e in entries
    }
    columns, cells = compare.comparison_rows(facts)

    def link(record: AttemptRecord, path: str, line: int) -> str:
        place = places.get(record.key)
        if place is not None:
            found = line_id(place.anchor, place.files, record.findings, place.starter, path, line)
            if found:
                return "#" + found
        entry = data.entry(record.agent, record.model)
        return f"{blocks.href(page, entry.page)}#{attempt_anchor(record)}"

    head = ["Compare", "Agent + model", "Passed", *columns]
    rows = []
    for index, e in enumerate(data.entries):
        if e not in entries:
            continue
        records = by_entry[(e.agent, e.model)]
        pick = f'<input type="checkbox" class="as-pick" value="{index}" aria-label="compare {text(e.label)}">'
        name = blocks.link(blocks.href(page, e.page), e.label) + (" <small>baseline</small>" if e.baseline else "")
        row = [pick, name, compare.passed_html(records)]
        row += [compare.cell_html(cell, link, len(records)) for cell in cells[e.label]]
        rows.append((entries.index(e), row))
    header = "".join(f"<th>{cell}</th>" for cell in head)
    tags = [f'<td data-label="{text(name)}">' for name in head]
    body = "".join(
        "<tr>" + "".join(f"{t}{c}</td>" for t, c in zip(tags, row, strict=True)) + "</tr>" for _, row in sorted(rows)
    )
    table = f'<table data-sbs="as-sbs"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'
    view = (
        '<div class="as-sbs-view" id="as-sbs" hidden><p class="as-sbs-bar"><label><input type="checkbox" '
        'class="as-sbs-diffs"> open the diffs against the starter</label></p><div class="as-sbs-grid"></div></div>'
    )
    hint = '<p class="as-sbs-hint"><small>Tick two or more rows to see their code side by side.</small></p>'
    return f'<div class="as-compare as-cards as-sort">{table}</div>{hint}{view}'


def approaches_section(
    data: SiteData,
    by_entry: dict[tuple[str, str], list[AttemptRecord]],
    read: Callable[[AttemptRecord], Artifacts],
    spec: Spec | None,
) -> str:
    """Each entry's shown solution grouped by structure, with one representative of each approach."""
    starter = {f.path: f.text for f in spec.files} if spec else {}
    finals: dict[str, tuple[AttemptRecord, dict[str, str]]] = {}
    for e in data.entries:
        if (e.agent, e.model) in by_entry and not e.baseline:
            shown = representative(by_entry[(e.agent, e.model)])
            changed = read(shown).files
            finals[e.label] = (shown, {**{p: t for p, t in starter.items() if p not in shown.changed_files}, **changed})
    found = approaches.group([(label, files) for label, (_, files) in finals.items()])
    if not found:
        return ""
    untouched = approaches.shape(starter)
    parts = [blocks.paragraph(text(approaches.summary(found) + "."))]
    items = []
    for approach in found:
        first, files = finals[approach.members[0]]
        note = " (the starter, unchanged in structure)" if approach.fingerprint == untouched else ""
        title = f"Approach {approach.letter}{note}: {', '.join(approach.members)}"
        own = {p: t for p, t in files.items() if p in first.changed_files}
        body = file_views(own, [], anchor=f"ap{approach.letter}")
        items.append(blocks.details(text(title), blocks.paragraph(text(f"Shown: {approach.members[0]}.")) + body))
    return "".join(parts) + "".join(items)


def task_markdown(
    data: SiteData, task: str, records: Sequence[AttemptRecord], search: list[SearchDoc] | None = None
) -> str:
    """The task page's Markdown; its search entries go into `search` (the page is kept out of Material's indexer)."""
    page = task_page(task)
    location = blocks.href("index.md", page)
    spec = data.specs.get(task)
    name = f"{spec.title} ({task})" if spec else task
    by_entry: dict[tuple[str, str], list[AttemptRecord]] = defaultdict(list)
    for r in records:
        by_entry[(r.agent, r.model)].append(r)
    facts = spec_facts(spec, records)
    # The table of contents would take the width the comparison table needs.
    front = "---\nhide:\n  - toc\n" + search_index.EXCLUDED + "---\n\n"
    parts = [front, f"# {heading(name)}\n", raw_block(facts)]
    docs = [SearchDoc(location, search_index.words(title(name)), search_index.from_html(facts))]

    def section(head: str, body: str, searched: str | None = None) -> None:
        parts.extend([f"## {head}\n", raw_block(body)])
        found = search_index.from_html(body) if searched is None else searched
        docs.append(SearchDoc(f"{location}#{search_index.anchor(head)}", head, found))

    instructions = spec.instructions if spec else "The spec file for this task was not found."
    section("Instructions", f'<div class="as-instructions admonition quote">{text(instructions)}</div>')
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
        cache: dict[str, Artifacts] = {}

        def read(record: AttemptRecord) -> Artifacts:
            if record.key not in cache:
                cache[record.key] = data.artifacts(record, transcript=False)
            return cache[record.key]

        places: dict[str, Shown] = {}
        shown = [(index, e) for index, e in enumerate(data.entries) if (e.agent, e.model) in by_entry]
        tabs = [
            (e.label, entry_tab(data, e, by_entry[(e.agent, e.model)], page, index, read, places)) for index, e in shown
        ]
        section("Comparison", comparison_table(data, by_entry, page, read, places))
        found = approaches_section(data, by_entry, read, spec)
        if found:
            section("Approaches", found)
        section("Time and turns", results_table(data, by_entry, page))
        parts.append(raw_block(charts.time_chart([("", series)], f"Time per attempt on {task}")))
        section("Code by agent and model", blocks.tabs(tabs, "code"), "")
        docs += [
            SearchDoc(
                f"{location}#{entry_anchor(index)}",
                search_index.words(e.label),
                entry_search_text(by_entry[(e.agent, e.model)], read),
            )
            for index, e in shown
        ]
    reference = "".join(search_index.code(path, source) for path, source in sorted(reference_files(spec).items()))
    section("Reference solution", reference_section(spec), reference or None)
    if records:
        section("Fastest and slowest attempts", extremes_table(data, records, page))
    if search is not None:
        search.extend(docs)
    return "".join(parts)
