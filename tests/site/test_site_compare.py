"""The task page compares entries: a table of what the review measured, side by side code, every trial shown.

Results come from real runs of the seed suite's ttl-cache and validators tasks by five agent+model
entries: the reference and none baselines, the builtin agent against `agentspec serve`, and two
`command:` agents that write prepared code (a Cache without its lock; validators with leaked reasoning).
A third run leaks reasoning in only one of its three trials.
"""

from __future__ import annotations

import re
from pathlib import Path

from agentspec.publish import SiteData, generate_pages
from agentspec.publish.results import task_page


def _column(page: str, header: str) -> list[str]:
    """The comparison table's cells under `header`, as text, row by row."""
    table = page[page.index('<table data-sbs="as-sbs">') :]
    table = table[: table.index("</table>")]
    heads = [h.split("</th>")[0] for h in table.split("<th>")[1:]]
    index = heads.index(header)
    rows = table.split("<tr>")[2:]
    return [re.split(r"<td[^>]*>", row)[1 + index].split("</td>")[0] for row in rows]


def test_the_ttl_cache_comparison_tells_a_locked_cache_from_an_unlocked_one(compared: tuple[Path, SiteData]) -> None:
    data = compared[1]
    assert len(data.entries) >= 5
    page = generate_pages(data)[task_page("ttl-cache")]
    names = _column(page, "Agent + model")
    safety = _column(page, "Thread-safe")
    by_name = dict(zip(names, safety, strict=True))
    unlocked_entry = next(e for e in data.entries if e.agent.startswith("command:") and "ttl-cache" in {
        r.task for r in data.records if r.agent == e.agent})  # fmt: skip
    locked = [cell for name, cell in by_name.items() if "reference" in name and "baseline" in name]
    assert locked and "✔ locked" in locked[0]
    unlocked_cell = next(cell for name, cell in by_name.items() if unlocked_entry.label in name)
    ran = [(r.task, r.outcome, r.failure_kind, r.error, r.findings) for r in data.records if r.agent == unlocked_entry.agent]
    assert "✘ no lock" in unlocked_cell, ran
    # Each verdict links to the line of the class it is about, shown in that entry's code.
    assert 'href="#c' in unlocked_cell and 'href="#c' in locked[0]
    # `none` wrote nothing: no thread-safety verdict is laid on it.
    assert next(cell for name, cell in by_name.items() if name.startswith('<a href="../models/none')) == "–"


def test_command_agents_get_short_names_and_their_page_the_full_command(compared: tuple[Path, SiteData]) -> None:
    data = compared[1]
    commands = [e for e in data.entries if e.agent.startswith("command:")]
    assert len(commands) == 2
    assert len({e.label for e in commands}) == 2
    assert all(e.label.startswith("cmd:python3") and len(e.label) < 30 for e in commands)
    pages = generate_pages(data)
    assert "base64" in pages[commands[0].page]
    assert all("base64" not in pages[p] for p in ("index.md", task_page("ttl-cache")))


def test_a_trial_that_leaks_is_shown_beside_the_clean_one(compared: tuple[Path, SiteData]) -> None:
    data = compared[1]
    leaking = [r for r in data.records if any(f.get("rule") == "leaked-reasoning" for f in r.findings)]
    assert len(leaking) == 1
    page = generate_pages(data)[task_page("validators")]
    assert "Wait, the tests do not" in page.replace("&#x27;", "'").replace("&#39;", "'")
    trial = leaking[0].trial
    assert f"Trial {trial}: " in page or f"Trial {trial} of 3 " in page
    leaked = _column(page, "Leaked reasoning")
    assert any("✘ leaked 1/3" in cell for cell in leaked)


def test_the_built_site_indexes_the_leaked_comment_for_search(compared: tuple[Path, SiteData]) -> None:
    index = (compared[0] / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Wait, the tests do not" in index.replace("\\u0027", "'").replace("&#x27;", "'").replace("&#39;", "'")


def test_approaches_group_the_solutions_by_structure(compared: tuple[Path, SiteData]) -> None:
    page = generate_pages(compared[1])[task_page("ttl-cache")]
    # The builtin agent wrote the reference solution, the command agent a version without a lock.
    assert "2 distinct approaches: A (" in page
