"""The reviewer's pages, made from each rule's own docstring and VALID/INVALID examples."""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import fields
from typing import Literal

from agentspec.publish import blocks
from agentspec.publish.code import code_view
from agentspec.publish.escape import heading, inline, raw_block, text
from agentspec.publish.results import SiteData, task_page
from agentspec.review import Example, ReviewConfig, Rule, all_rules, review_source
from agentspec.store import findings

INDEX = "reviewer/index.md"


def rule_page(rule: type[Rule]) -> str:
    """The Markdown path of a rule's page."""
    return f"reviewer/{rule.id}.md"


def _doc(rule: type[Rule]) -> tuple[str, str]:
    doc = inspect.cleandoc(rule.__doc__ or rule.message)
    first, _, rest = doc.partition("\n")
    return first.strip(), rest.strip()


def _settings(config: ReviewConfig | None) -> str:
    if config is None:
        return ""
    default = ReviewConfig()
    changed = [
        f"{f.name}={getattr(config, f.name)!r}"
        for f in fields(config)
        if getattr(config, f.name) != getattr(default, f.name)
    ]
    return f"<p><small>Reviewed with {blocks.code(', '.join(changed))}</small></p>" if changed else ""


def _example(rule: type[Rule], example: Example, kind: str, index: int) -> str:
    config = example.config or ReviewConfig()
    found = [f.to_dict() for f in review_source(example.source, example.path, config) if f.rule == rule.id]
    shown = found if kind == "INVALID" else [f for f in found if f["severity"] != "info"]
    title = f"{'Flagged' if kind == 'INVALID' else 'Not flagged'}: example {index} ({example.path})"
    return (
        f'<p class="as-path">{text(title)}</p>'
        + _settings(example.config)
        + code_view(example.source, example.path, shown, anchor=f"{kind.lower()}{index}")
    )


def rule_markdown(rule: type[Rule]) -> str:
    """One rule's page: what it finds, why, and its examples with what it reports on them."""
    summary, body = _doc(rule)
    parts = [
        f"# {heading(rule.id)}\n\n",
        f"**{inline(summary)}**\n\n",
        raw_block(blocks.table(["Severity", "Message"], [[text(rule.severity), text(rule.message)]])),
        # The docstring is agentspec's own text, written as Markdown (``code`` renders as code).
        f"{body}\n\n" if body else "",
        "Silence one finding with a comment on its line: `# agentspec: ignore[" + rule.id + "]`.\n\n",
    ]
    sections: tuple[tuple[Literal["INVALID", "VALID"], str], ...] = (
        ("INVALID", "Code it flags"),
        ("VALID", "Code it accepts"),
    )
    for kind, section in sections:
        examples = rule.examples(kind)
        if examples:
            parts.append(f"## {section}\n")
            parts.append(raw_block("".join(_example(rule, e, kind, i) for i, e in enumerate(examples, start=1))))
    return "".join(parts)


def index_markdown(rules: Sequence[type[Rule]] | None = None) -> str:
    """The reviewer's index: every rule with its severity and one line."""
    rows = [
        [blocks.link(blocks.href(INDEX, rule_page(rule)), rule.id), text(rule.severity), text(_doc(rule)[0])]
        for rule in (all_rules() if rules is None else rules)
    ]
    intro = (
        "The reviewer reads the files each agent changed, with one rule per kind of problem. Findings of "
        "severity info describe the code (thread-safety of each class, docstring coverage) rather than fault it. "
        "Run it yourself with `agentspec review PATH`."
    )
    return (
        "# Reviewer rules\n\n" + intro + "\n\n" + raw_block(blocks.table(["Rule", "Severity", "What it finds"], rows))
    )


def fired_section(rule: type[Rule], data: SiteData) -> str:
    """Where the rule found a warning or an error, per agent and model, with the tasks it fired on."""
    page = rule_page(rule)
    by_entry: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for record in data.records:
        if rule.id in findings.problems(record):
            by_entry[(record.agent, record.model)][record.task] += 1
    rows = []
    for entry in data.entries:
        tasks = by_entry.get((entry.agent, entry.model))
        if not tasks:
            continue
        links = ", ".join(
            f"{blocks.link(blocks.href(page, task_page(task)), task)} ({count})"
            for task, count in sorted(tasks.items())
        )
        rows.append([blocks.link(blocks.href(page, entry.page), entry.label), str(sum(tasks.values())), links])
    if not rows:
        return "## Where it fired\n\nNot in any published attempt.\n\n"
    table = blocks.table(["Agent + model", "Attempts", "Tasks (attempts)"], rows, wrapper="as-sort")
    return "## Where it fired\n" + raw_block(table)


def rule_pages(data: SiteData | None = None) -> dict[str, str]:
    """Every reviewer page, by Markdown path; with results, each rule's page says where it fired."""
    pages = {INDEX: index_markdown()}
    for rule in all_rules():
        fired = fired_section(rule, data) if data is not None else ""
        pages[rule_page(rule)] = rule_markdown(rule) + fired
    return pages
