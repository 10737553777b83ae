"""The generated pages: what each shows, and that nothing a model wrote reaches them unescaped."""

from __future__ import annotations

import re

import pytest

from agentspec.publish import SiteData, generate_pages
from agentspec.publish.escape import FRAGMENT_MARKER
from agentspec.publish.results import attempt_anchor, representative, task_page
from agentspec.publish.sample import HOSTILE
from agentspec.review import all_rules
from agentspec.store import findings, report


@pytest.fixture(scope="module")
def pages(hostile_data: SiteData) -> dict[str, str]:
    return generate_pages(hostile_data)


def test_every_page_is_there(pages: dict[str, str], hostile_data: SiteData) -> None:
    expected = {"index.md", "reviewer/index.md", "reference/spec-fields.md"}
    expected |= {task_page(t) for t in hostile_data.tasks} | {e.page for e in hostile_data.entries}
    expected |= {f"reviewer/{rule.id}.md" for rule in all_rules()}
    assert expected <= set(pages)
    # The seed specs without attempts get a page too: instructions and the reference solution.
    assert len(hostile_data.tasks) == 8


def test_raw_html_is_only_agentspecs_own_marked_lines(pages: dict[str, str]) -> None:
    for path, markdown in pages.items():
        for line in markdown.splitlines():
            if line.lstrip().startswith("<"):
                assert line.startswith(FRAGMENT_MARKER), f"{path}: {line[:80]}"


def test_no_hostile_text_survives_unescaped(pages: dict[str, str]) -> None:
    raw_markers = [
        "<script",
        "<img",
        "<svg onload",
        "</textarea",
        "{{",
        "{%",
        "--8<--",
        "\x02",
        "\x00",
    ]
    # A quote in text is harmless (newer Pygments leaves it unescaped); a real tag with a javascript: link is not.
    live_link = re.compile(r"<a\b[^>]*href\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
    for path, markdown in pages.items():
        for marker in raw_markers:
            assert marker not in markdown, f"{path} holds {marker!r}"
        assert not live_link.search(markdown), f"{path} holds a javascript: link"
    # ... while the text itself is shown.
    assert "&lt;script&gt;window.__agentspecPwned" in "".join(pages.values())
    assert all(payload for payload in HOSTILE)


def test_home_has_the_leaderboard_in_the_reports_order_and_the_hardest_tasks(
    pages: dict[str, str], hostile_data: SiteData
) -> None:
    home = pages["index.md"]
    rows = report.leaderboard(hostile_data.records)
    positions = [home.index(f">{row.model}</span>") for row in rows]
    assert positions == sorted(positions)
    head = "".join(f"<th>{h}</th>" for h in ("#", "Harness", "Model", "Backend", "Score", "Agent time"))
    assert head in home and "<th>Main failure</th>" in home
    # Two trials each: pass@2 behind a click, the 95% interval in every row.
    assert "<th>pass@2</th>" in home and home.count('title="95% interval"') == len(rows)
    for heading in ("## Leaderboard", "## Score per model", "## Hardest tasks", "## Runs"):
        assert heading in home
    assert "## Time per task" in pages["tasks/index.md"]
    assert "Spec versions" in pages["runs.md"] and "sha256:" in pages["runs.md"]


def test_the_tasks_page_lists_failing_tasks_first_with_links_to_each_entrys_code(
    pages: dict[str, str], hostile_data: SiteData
) -> None:
    grid = pages["tasks/index.md"]
    tasks, columns, cells = report.grid(hostile_data.records)
    assert grid.count('class="as-cell ') == len(cells)
    rates = [float(m) for m in re.findall(r"</a></td><td>(\d+)%</td>", grid)]
    assert rates == sorted(rates) and len(rates) == len(tasks)
    # A cell opens its entry's code on the task page (the tab with its trials and findings).
    targets = re.findall(r'class="as-cell [^"]*" href="([^"#]+)#(c\d+)"', grid)
    assert len(targets) == len(cells)
    for page, anchor in targets:
        assert f'id="{anchor}"' in pages[f"tasks/{page[: -len('.html')]}.md"]
    assert '<span class="as-badge">' in grid


def test_home_says_what_the_review_saw_per_model(pages: dict[str, str], hostile_data: SiteData) -> None:
    home = pages["index.md"]
    section = home[home.index("## What the code looks like") : home.index("## Runs")]
    by_entry = hostile_data.by_entry()
    said = {entry.label: findings.summary(by_entry[(entry.agent, entry.model)]) for entry in hostile_data.entries}
    said = {label: phrases for label, phrases in said.items() if phrases}
    assert said
    for label, phrases in said.items():
        assert f">{label}</a>" in section
        assert all(phrase in section for phrase in phrases), label


def test_task_page_has_a_tab_per_model_with_code_findings_and_tests(
    pages: dict[str, str], hostile_data: SiteData
) -> None:
    task = sorted(hostile_data.by_task())[0]
    page = pages[task_page(task)]
    labels = re.findall(r'<label for="__as_code_\d+">([^<]*)</label>', page)
    assert labels == [e.label for e in hostile_data.entries]
    shown = representative(
        [
            r
            for r in hostile_data.records
            if r.task == task and r.agent == "claude-code" and r.model == hostile_data.entries[0].model
        ]
    )
    for f in shown.findings:
        assert f"<b>{f['rule']}</b>" in page
    assert "Diff against the starter" in page and "Tests: " in page and "Test output" in page
    assert "## Reference solution" in page and "## Fastest and slowest attempts" in page
    assert "## Instructions" in page


def test_model_page_lists_every_attempt_with_its_transcript(pages: dict[str, str], hostile_data: SiteData) -> None:
    entry = hostile_data.entries[0]
    page = pages[entry.page]
    mine = [r for r in hostile_data.records if (r.agent, r.model) == (entry.agent, entry.model)]
    for record in mine:
        assert f'id="{attempt_anchor(record)}"' in page
    assert page.count(">Transcript</summary>") == len(mine)
    assert "## How attempts ended" in page and "## Review" in page
    assert re.search(r"placeholder in \d+ of \d+", page)


def test_rule_pages_come_from_the_rules_docs_and_examples(pages: dict[str, str]) -> None:
    for rule in all_rules():
        page = pages[f"reviewer/{rule.id}.md"]
        assert rule.message.split()[0] in page or rule.message in page
        if rule.examples("INVALID"):
            assert "## Code it flags" in page and "as-finding" in page
        if rule.examples("VALID"):
            assert "## Code it accepts" in page


def test_rule_pages_say_where_each_rule_fired_per_model(pages: dict[str, str], hostile_data: SiteData) -> None:
    page = pages["reviewer/leaked-reasoning.md"]
    section = page[page.index("## Where it fired") :]
    fired = [r for r in hostile_data.records if "leaked-reasoning" in findings.problems(r)]
    assert fired
    for record in fired:
        assert f">{hostile_data.entry(record.agent, record.model).label}</a>" in section
        assert f">{record.task}</a>" in section


def test_every_trial_with_findings_is_shown_on_the_task_page(pages: dict[str, str], hostile_data: SiteData) -> None:
    for task, records in hostile_data.by_task().items():
        page = pages[task_page(task)]
        for entry in hostile_data.entries:
            mine = [r for r in records if (r.agent, r.model) == (entry.agent, entry.model)]
            shown = representative(mine) if mine else None
            for record in mine:
                if record is not shown and findings.problems(record):
                    assert f"Trial {record.trial}: " in page, (task, entry.label, record.trial)
