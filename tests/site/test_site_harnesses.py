"""The harnesses page: models x harnesses as `agentspec report` counts them, each cell a link, names escaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from agentspec.publish import SiteData, build_site, generate_pages, load
from agentspec.publish.blocks import href
from agentspec.publish.build import navigation
from agentspec.publish.harness_page import PAGE
from agentspec.publish.sample import write_sample
from agentspec.spec.model import Spec
from agentspec.store.report import harness_cells
from agentspec.store.sqlite import AttemptRecord, Store
from tests.conftest import REPO, SPECS

# A `command:` agent and a model named by whoever ran it, and a failure kind its JSON parser passed on.
EVIL_AGENT = "command:--parser=json evil <script>window.__agentspecPwned='agent'</script>"
EVIL_MODEL = "openai/<img src=x onerror=\"window.__agentspecPwned='model'\">"
EVIL_KIND = "<svg onload=\"window.__agentspecPwned='kind'\"></svg>"
CELL = re.compile(r'<a class="as-cell (as-\w+)" href="([^"]+)" title="[^"]*">(\d+)/(\d+) ')


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, seed_specs: list[Spec]) -> Path:
    """Claude Code with five models and aider with one (the sample), plus a hostile command agent."""
    results = tmp_path_factory.mktemp("harnesses") / "results"
    write_sample(results, seed_specs[-3:], tasks=3, entries=6, hostile=True)
    with Store(results) as store:
        run = store.start_run("agentspec run specs/ --agent command:...")
        for n, task in enumerate(("ttl-cache", "validators")):
            record = AttemptRecord(f"evil-{n}", task, "h", EVIL_AGENT, EVIL_MODEL, 1, "failed", EVIL_KIND, 0, 3, 1.0)
            record.run_id = run.id
            store.record(record)
        store.finish_run(run.id, {})
    return results


@pytest.fixture(scope="module")
def data(results: Path) -> SiteData:
    return load(results, [SPECS])


@pytest.fixture(scope="module")
def page(data: SiteData) -> str:
    return generate_pages(data)[PAGE]


def test_cells_are_the_reports_counts_and_link_to_the_attempts(page: str, data: SiteData) -> None:
    models, harnesses, cells = harness_cells(data.records)
    assert harnesses == sorted(["aider", "claude-code", EVIL_AGENT]) and len(models) == 6
    shown = {(html.unescape(link), f"{p}/{n}") for _, link, p, n in CELL.findall(page)}
    expected = {
        (href(PAGE, data.entry(agent, model).page), f"{cell.passed}/{cell.attempts}")
        for (model, agent), cell in cells.items()
    }
    assert shown == expected
    # Qwen ran through both Claude Code and aider: one row, two cells.
    assert len([key for key in cells if key[0] == "ollama/qwen3.5:27b"]) == 2
    pages = generate_pages(data)
    assert all(link.removesuffix(".html") + ".md" in pages for link, _ in shown)


def test_a_cell_says_the_commonest_failure_and_is_coloured_by_outcome(page: str, data: SiteData) -> None:
    _, _, cells = harness_cells(data.records)
    devstral = cells[("ollama/devstral2:123b", "claude-code")]
    assert devstral.passed == 0 and devstral.failure == "tool_format"
    link = href(PAGE, data.entry("claude-code", "ollama/devstral2:123b").page)
    found = next(m for m in CELL.finditer(page) if html.unescape(m.group(2)) == link)
    assert found.group(1) == "as-none"
    assert '<small class="as-why">tool_format</small>' in page[found.end() : found.end() + 200]


def test_names_and_failure_kinds_are_escaped(page: str) -> None:
    for marker in ("<script", "<img", "<svg", "{{", "`"):
        assert marker not in page
    assert "&lt;script&gt;window.__agentspecPwned=&#x27;agent&#x27;&lt;/script&gt;" in page
    assert "&lt;svg onload=" in page


def test_the_page_is_in_the_nav_and_linked_from_home(data: SiteData) -> None:
    assert {"Harnesses": PAGE} in navigation(data, [])
    assert f"({PAGE})" in generate_pages(data)["index.md"]


def test_one_harness_is_said_to_be_one(hostile_data: SiteData) -> None:
    # The shared hostile sample ran Claude Code alone: the page says so, and home does not point at it.
    pages = generate_pages(hostile_data)
    assert "Only one harness has run so far" in pages[PAGE]
    assert f"({PAGE})" not in pages["index.md"]


def test_the_built_page_opens_from_disk(tmp_path: Path, results: Path) -> None:
    site = tmp_path / "site"
    build_site(results, site, config_file=REPO / "mkdocs.yml", spec_paths=[SPECS])
    built = site / "harnesses.html"
    shown = built.read_text(encoding="utf-8")
    links = [html.unescape(link) for _, link, _, _ in CELL.findall(shown)]
    assert len(links) == 7 and all((built.parent / link).resolve().is_file() for link in links)
    assert 'href="harnesses.html"' in (site / "index.html").read_text(encoding="utf-8")
    assert "<script>window.__agentspecPwned" not in shown
    # Nothing is loaded from the network: the page works from file://.
    assert not re.search(r"""src=["']?(https?:)?//""", shown)
