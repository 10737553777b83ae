"""The harnesses page: every model through every harness, each cell its pass rate and a link to the attempts.

The article's "not every model works through every harness" table, from the same computation as
`agentspec report`'s matrix (`agentspec.store.report.harness_cells`): rows are models, columns harnesses
(agents), a cell says 'passed/attempts', the share, and the commonest failure kind when not all passed.
Agents without a model (reference, none) are left out, as in the report.
"""

from __future__ import annotations

from agentspec.failures import FailureKind
from agentspec.publish import blocks
from agentspec.publish.escape import raw_block, text
from agentspec.publish.names import short_agent, short_model
from agentspec.publish.results import SiteData
from agentspec.store.report import HarnessCell, harness_cells

PAGE = "harnesses.md"


def _cell(data: SiteData, cell: HarnessCell, agent: str, model: str, page: str) -> str:
    kind = "as-all" if cell.passed == cell.attempts else "as-some" if cell.passed else "as-none"
    tip = f"{model} through {agent}: {cell.passed} of {cell.attempts} passed"
    tip += f"; commonest failure: {cell.failure}" if cell.failure else ""
    why = f'<small class="as-why">{text(cell.failure)}</small>' if cell.failure else ""
    href = blocks.href(page, data.entry(agent, model).page)
    return (
        f'<a class="as-cell {kind}" href="{text(href)}" title="{text(tip)}">'
        f"{cell.passed}/{cell.attempts} <small>{blocks.percent(cell.pass_rate)}</small>{why}</a>"
    )


def harness_table(data: SiteData, page: str) -> str:
    """Models down, harnesses across; each cell links to that agent and model's page."""
    models, harnesses, cells = harness_cells(data.records)
    head = ["Model", *(f'<span title="{text(h)}">{text(short_agent(h, data.names))}</span>' for h in harnesses)]
    rows = []
    for model in models:
        row = [f'<span title="{text(model)}">{text(short_model(model, data.names))}</span>']
        for harness in harnesses:
            cell = cells.get((model, harness))
            row.append(_cell(data, cell, harness, model, page) if cell else '<span title="not run">–</span>')
        rows.append(row)
    return blocks.table(head, rows, wrapper="as-grid-table as-harnesses as-sort as-filterable")


def harness_count(data: SiteData) -> int:
    """How many harnesses (agents with a model) ran."""
    return len(harness_cells(data.records)[1])


def harness_markdown(data: SiteData) -> str:
    """The harnesses page."""
    count = harness_count(data)
    if not count:
        return "# Models and harnesses\n\nNo harness with a model has run yet.\n"
    intro = (
        text("Each model through each harness: attempts passed, the share, and the commonest way the others ended. ")
        + text("A model that fails through one harness (say ")
        + blocks.code(FailureKind.TOOL_FORMAT)
        + text(") may pass through another. A cell links to that harness and model's attempts.")
    )
    if count < 2:
        intro += text(" Only one harness has run so far: run the same models through other agents to compare.")
    return "".join(
        [
            "---\nhide:\n  - toc\n---\n\n# Models and harnesses\n\n",
            raw_block(blocks.paragraph(intro)),
            raw_block(harness_table(data, PAGE)),
        ]
    )
