"""The tasks page: every task against every agent and model, failing tasks first, each cell a link to its code.

A cell says 'passed/attempts', is coloured by outcome, names the failure kind in its tooltip and carries a
badge per review rule that found a problem (LR leaked reasoning, TS thread-safety...). The table sorts
and filters in the browser (agentspec.js); nothing else is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from agentspec.publish import blocks, search_index
from agentspec.publish.escape import raw_block, text
from agentspec.publish.results import SiteData, entry_anchor, task_page
from agentspec.store import findings
from agentspec.store.sqlite import AttemptRecord

PAGE = "tasks/index.md"
BADGES = {
    "leaked-reasoning": "LR",
    "thread-safety": "TS",
    "sql-injection": "SQL",
    "quadratic": "O²",
    "placeholder": "PH",
    "test-gaming": "TG",
    "syntax-error": "SE",
    "docstrings": "DS",
}


def _cell(records: Sequence[AttemptRecord], page: str, index: int) -> str:
    passed = sum(r.outcome == "passed" for r in records)
    errored = any(r.outcome == "error" for r in records)
    kind = "as-all" if passed == len(records) else "as-some" if passed else "as-errored" if errored else "as-none"
    failures = sorted({r.failure_kind or r.outcome for r in records if r.outcome != "passed"})
    rules = sorted({rule for r in records for rule in findings.problems(r)})
    tip = f"{passed} of {len(records)} passed" + (f"; {', '.join(failures)}" if failures else "")
    tip += f"; review: {', '.join(findings.rule_words(r) for r in rules)}" if rules else ""
    badges = "".join(f'<span class="as-badge">{text(BADGES.get(rule, rule[:2].upper()))}</span>' for rule in rules)
    why = f'<small class="as-why">{text(failures[0])}</small>' if failures and not passed else ""
    # The entry's tab on the task page: its shown trials' code and findings, with the comparison above.
    href = f"{blocks.href(page, task_page(records[0].task))}#{entry_anchor(index)}"
    return (
        f'<a class="as-cell {kind}" href="{text(href)}" title="{text(tip)}">'
        f"{passed}/{len(records)}{'!' if errored else ''}{why}{badges}</a>"
    )


def grid_table(data: SiteData, page: str, tasks: Sequence[str] | None = None) -> str:
    """Tasks down (failing first), agents and models across; `tasks` limits the rows."""
    cells: dict[tuple[str, str, str], list[AttemptRecord]] = defaultdict(list)
    for r in data.records:
        cells[(r.task, r.agent, r.model)].append(r)
    rates = task_pass_rates(data)
    ordered = sorted(rates, key=lambda t: (rates[t], t)) if tasks is None else list(tasks)
    head = ["Task", "Passed", *(blocks.link(blocks.href(page, e.page), e.label) for e in data.entries)]
    rows = []
    for task in ordered:
        spec = data.specs.get(task)
        title = f' title="{text(spec.title)}"' if spec else ""
        row = [f'<a href="{text(blocks.href(page, task_page(task)))}"{title}>{text(task)}</a>']
        row.append(blocks.percent(rates[task]))
        for index, entry in enumerate(data.entries):
            group = cells.get((task, entry.agent, entry.model))
            row.append(_cell(group, page, index) if group else "")
        rows.append(row)
    return blocks.table(head, rows, wrapper="as-grid-table as-sort as-filterable")


def task_pass_rates(data: SiteData) -> dict[str, float]:
    """Each task's share of passed attempts by contenders (baselines left out when there are others)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    baselines = {(e.agent, e.model) for e in data.entries if e.baseline}
    contenders_exist = any(not e.baseline for e in data.entries)
    for r in data.records:
        if contenders_exist and (r.agent, r.model) in baselines:
            continue
        counts[r.task][0] += r.outcome == "passed"
        counts[r.task][1] += 1
    return {task: passed / total for task, (passed, total) in counts.items() if total}


def grid_markdown(data: SiteData, time_chart: str) -> str:
    """The tasks page."""
    legend = " ".join(f"{text(badge)} {text(findings.rule_words(rule))}" for rule, badge in BADGES.items())
    return "".join(
        [
            # Two thousand cells of marks and badges are no text to search (each task's page is indexed).
            "---\nhide:\n  - toc\n" + search_index.EXCLUDED + "---\n\n# Tasks and models\n\n",
            "Failing tasks first; click a column to sort, type to filter. A cell opens that code on the task page.\n\n",
            raw_block(blocks.paragraph(f"<small>Badges: {legend}</small>")),
            raw_block(grid_table(data, PAGE)),
            "## Time per task\n",
            raw_block(time_chart),
        ]
    )
