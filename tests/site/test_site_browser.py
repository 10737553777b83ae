"""The site in a real browser: headless Chromium over the DevTools protocol, pages served over loopback HTTP.

The results come from real runs (the reference and none agents, and the builtin agent against
`agentspec serve`) plus synthetic attempts whose model-written text is hostile. Every page must
load with no console error, no exception and no failed request, show its content, and never run
the hostile markup. Screenshots go to the test's output folder (or $AGENTSPEC_SCREENSHOTS).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentspec.publish import SiteData, load
from agentspec.publish.results import task_page
from agentspec.publish.sample import write_sample
from agentspec.serve import serve_in_thread
from agentspec.spec.model import Spec
from tests.conftest import REPO, SPECS
from tests.site.chromium_cdp import Browser, PageProblems, chromium, find_chromium

NOT_RUN = "typeof window.__agentspecPwned === 'undefined'"


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    if find_chromium() is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def agentspec(*args: str | Path, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agentspec", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, seed_specs: list[Spec]) -> tuple[Path, SiteData]:
    """Real runs plus hostile synthetic attempts in one store, and the site `agentspec site` makes of them."""
    root = tmp_path_factory.mktemp("browser")
    results = root / "results"
    # Attempts mostly wait on pytest subprocesses, so more of them than cores at once is faster.
    for agent in ("reference", "none"):
        agentspec("run", SPECS, "--agent", agent, "--results", results, "--concurrency", "4", cwd=root)
    with serve_in_thread(seed_specs) as server:
        model = ("--model", "ollama/reference", "--base-url", server.url)
        agentspec("run", SPECS, *model, "--results", results, "--concurrency", "4", cwd=root)
    write_sample(results, seed_specs[:3], tasks=3, entries=2, trials=2, hostile=True)
    agentspec(
        "site", "--results", results, "-o", root / "site", "--config", REPO / "mkdocs.yml", "--specs", SPECS, cwd=root
    )
    return root / "site", load(results, [SPECS])


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(built: tuple[Path, SiteData]) -> Iterator[str]:
    """The site served as `python -m http.server -d site` would, on a free loopback port."""
    handler = functools.partial(_Quiet, directory=str(built[0]))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("AGENTSPEC_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium") / "chromium.log", width=1280, height=1000) as opened:
        yield opened


def visit(browser: Browser, url: str) -> None:
    """Open a page with a clean slate of problems; fail on any it has once loaded."""
    browser.problems = PageProblems()
    browser.goto(url, settle_s=0.5)
    assert browser.problems.all() == [], url
    assert browser.evaluate(NOT_RUN), url


def test_home_shows_the_leaderboard_grid_and_charts(
    browser: Browser, site_url: str, built: tuple[Path, SiteData], screenshots: Path
) -> None:
    data = built[1]
    visit(browser, f"{site_url}/index.html")
    rows = browser.evaluate("[...document.querySelectorAll('.as-leaderboard tbody tr')].map(r => r.innerText)")
    assert len(rows) == len(data.entries) == 5
    for harness, model in (("reference", "–"), ("none", "–"), ("builtin", "ollama/reference")):
        assert any(f"\t{harness}\t{model}\t" in row for row in rows), harness
    assert browser.evaluate("document.querySelectorAll('.as-grid-table tbody tr').length") == 8
    assert browser.evaluate("document.querySelectorAll('.as-grid-table .as-cell').length") == 8 * 3 + 3 * 2
    assert browser.evaluate("document.querySelectorAll('svg.as-chart').length") == 1
    browser.screenshot(screenshots / "home.png")
    # The palette toggle: the charts and the grid follow the dark scheme.
    toggle = "document.querySelector('[data-md-component=palette] label:not([hidden])').click()"
    browser.evaluate(toggle)
    browser.pump(0.3)
    assert browser.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    assert browser.evaluate("getComputedStyle(document.querySelector('svg.as-chart text')).fill") != "rgb(0, 0, 0)"
    browser.screenshot(screenshots / "home-dark.png")
    browser.evaluate(toggle)
    assert browser.problems.all() == []


def test_task_pages_show_each_models_code_in_tabs(
    browser: Browser, site_url: str, built: tuple[Path, SiteData], screenshots: Path
) -> None:
    data = built[1]
    by_task = data.by_task()
    for task in sorted(by_task):
        visit(browser, f"{site_url}/{task_page(task)[:-3]}.html")
        expected = [
            e.label for e in data.entries if any((r.agent, r.model) == (e.agent, e.model) for r in by_task[task])
        ]
        labels = browser.evaluate(
            "[...document.querySelector('.tabbed-set').querySelectorAll('.tabbed-labels label')]"
            ".map(l => l.innerText.trim())"
        )
        assert labels == expected, task
        for index in range(len(labels)):
            shown = browser.evaluate(
                f"""(() => {{
                const set = document.querySelectorAll('.tabbed-set')[0];
                set.querySelectorAll('.tabbed-labels label')[{index}].click();
                return [...set.querySelectorAll(':scope > .tabbed-content > .tabbed-block')]
                    .map(b => getComputedStyle(b).display !== 'none');
            }})()"""
            )
            assert shown == [i == index for i in range(len(labels))], (task, index)
        # Grading's canaries never show: the stored output lists the spec's own tests only.
        assert not browser.evaluate("document.body.innerText.includes('test_agentspec_canary')"), task
        hostile = any(r.agent == "claude-code" for r in by_task[task])
        if hostile:
            assert browser.evaluate("document.querySelectorAll('.as-code .as-flagged + .as-finding').length") > 0
            browser.screenshot(screenshots / f"task-{task}.png")
        assert browser.evaluate(NOT_RUN)


def test_model_pages_list_attempts_with_transcripts(
    browser: Browser, site_url: str, built: tuple[Path, SiteData], screenshots: Path
) -> None:
    data = built[1]
    for entry in data.entries:
        visit(browser, f"{site_url}/{entry.page[:-3]}.html")
        attempts = sum((r.agent, r.model) == (entry.agent, entry.model) for r in data.records)
        assert browser.evaluate("document.querySelectorAll('details.abstract').length") == attempts
        browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert browser.evaluate("document.querySelectorAll('.as-message').length") >= (
            attempts if entry.model != "-" else 0
        )
        assert browser.evaluate(NOT_RUN)
        if entry.agent == "builtin":
            browser.screenshot(screenshots / "model-builtin.png")


def test_no_page_runs_model_written_markup(browser: Browser, site_url: str, built: tuple[Path, SiteData]) -> None:
    pages = sorted(p.relative_to(built[0]).as_posix() for p in built[0].rglob("*.html") if p.name != "404.html")
    assert len(pages) > 20
    for page in pages:
        visit(browser, f"{site_url}/{page}")
        browser.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        browser.pump(0.1)
        assert browser.evaluate(NOT_RUN), page
        assert browser.problems.all() == [], page


def test_reviewer_pages_show_findings_on_examples(browser: Browser, site_url: str, screenshots: Path) -> None:
    visit(browser, f"{site_url}/reviewer/thread-safety.html")
    assert browser.evaluate("document.querySelectorAll('.as-finding').length") > 0
    browser.screenshot(screenshots / "rule-thread-safety.png")


def test_pages_open_from_disk(browser: Browser, built: tuple[Path, SiteData], screenshots: Path) -> None:
    site = built[0]
    visit(browser, (site / "index.html").as_uri())
    assert browser.evaluate("document.querySelectorAll('.as-leaderboard tbody tr').length") == 5
    visit(browser, (site / "tasks" / "ttl-cache.html").as_uri())
    assert browser.evaluate("document.querySelectorAll('.tabbed-set').length") >= 1
    browser.screenshot(screenshots / "task-from-disk.png")


def test_a_task_with_more_models_than_one_tab_set_holds_shows_every_one(
    browser: Browser, tmp_path: Path, seed_specs: list[Spec], screenshots: Path
) -> None:
    # Material switches at most 20 tabs in a set; 25 agent+model entries must all still be readable.
    results = tmp_path / "results"
    write_sample(results, seed_specs[:1], tasks=1, entries=25, trials=1)
    site = tmp_path / "site"
    agentspec("site", "--results", results, "-o", site, "--config", REPO / "mkdocs.yml", "--specs", SPECS, cwd=tmp_path)
    visit(browser, (site / task_page(seed_specs[0].id)).with_suffix(".html").as_uri())
    sets = browser.evaluate(
        "[...document.querySelectorAll('.tabbed-set')].map(s => s.querySelectorAll('.tabbed-labels label').length)"
    )
    assert sets == [20, 5]
    for number, size in enumerate(sets):
        for index in range(size):
            shown = browser.evaluate(
                f"""(() => {{
                const set = document.querySelectorAll('.tabbed-set')[{number}];
                set.querySelectorAll('.tabbed-labels label')[{index}].click();
                return [...set.querySelectorAll(':scope > .tabbed-content > .tabbed-block')]
                    .map(b => getComputedStyle(b).display !== 'none');
            }})()"""
            )
            assert shown == [i == index for i in range(size)], (number, index)
    browser.screenshot(screenshots / "task-25-models.png")


def test_search_works_from_disk(browser: Browser, built: tuple[Path, SiteData], screenshots: Path) -> None:
    visit(browser, (built[0] / "index.html").as_uri())
    browser.evaluate(
        """(() => {
        const query = document.querySelector('[data-md-component=search-query]');
        query.focus();
        query.value = 'thread';
        query.dispatchEvent(new Event('input', {bubbles: true}));
    })()"""
    )
    for _ in range(50):
        browser.pump(0.1)
        found = browser.evaluate("document.querySelectorAll('.md-search-result__item').length")
        if found:
            break
    assert found > 0
    assert browser.problems.all() == []
    browser.screenshot(screenshots / "search-from-disk.png")
