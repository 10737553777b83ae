"""The comparison features in headless Chromium, opened from disk: side by side, the 1280 px leaderboard, search.

Uses the `compared` site (five agent+model entries from real runs, see conftest.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentspec.publish import SiteData
from tests.site.chromium_cdp import Browser, PageProblems, chromium, find_chromium

NOT_RUN = "typeof window.__agentspecPwned === 'undefined'"


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    if find_chromium() is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium") / "chromium.log", width=1280, height=900) as opened:
        yield opened


def visit(browser: Browser, url: str) -> None:
    browser.problems = PageProblems()
    browser.goto(url, settle_s=0.5)
    assert browser.problems.all() == [], url


def test_the_leaderboard_fits_1280_px_with_backend_and_failure_visible(
    browser: Browser, compared: tuple[Path, SiteData]
) -> None:
    visit(browser, (compared[0] / "index.html").as_uri())
    fits = browser.evaluate(
        """[...document.querySelectorAll('.as-leaderboard')].map(w => {
            const t = w.querySelector('table');
            return t.scrollWidth <= w.clientWidth + 1 && t.getBoundingClientRect().right <= window.innerWidth;
        })"""
    )
    assert fits and all(fits)
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visible = browser.evaluate(
        """[...document.querySelectorAll('.as-leaderboard th')].filter(th => {
            const r = th.getBoundingClientRect();
            return r.width > 0 && r.right <= window.innerWidth;
        }).map(th => th.innerText.trim())"""
    )
    assert "Backend" in visible and "Main failure" in visible
    # The baselines are a table of their own; `none` failed, and its row says how.
    baselines = browser.evaluate("document.querySelector('.as-baselines').innerText")
    assert "none" in baselines and "tests_failed" in baselines


def test_two_entries_side_by_side_from_disk(browser: Browser, compared: tuple[Path, SiteData]) -> None:
    visit(browser, (compared[0] / "tasks" / "ttl-cache.html").as_uri())
    assert browser.evaluate("document.querySelector('.as-sbs-view').hidden")
    browser.evaluate(
        """(() => {
        const picks = document.querySelectorAll('input.as-pick');
        [picks[0], picks[1]].forEach(p => p.click());
    })()"""
    )
    browser.pump(0.2)
    columns = browser.evaluate(
        """[...document.querySelectorAll('.as-sbs-column')].map(c => {
            const r = c.getBoundingClientRect();
            return [Math.round(r.left), Math.round(r.top), c.querySelectorAll('.as-code').length];
        })"""
    )
    assert len(columns) == 2
    (left_a, top_a, code_a), (left_b, top_b, code_b) = columns
    assert top_a == top_b and left_b > left_a and code_a >= 1 and code_b >= 1
    # Findings stay under their lines in the copies; the diffs open on request.
    assert browser.evaluate("document.querySelectorAll('.as-sbs-column .as-finding').length") > 0
    browser.evaluate("document.querySelector('.as-sbs-diffs').click()")
    assert browser.evaluate("[...document.querySelectorAll('.as-sbs-column details.as-diff-block')].every(d => d.open)")
    assert browser.problems.all() == [] and browser.evaluate(NOT_RUN)


def test_a_thread_safety_verdict_links_to_its_line_in_a_hidden_tab(
    browser: Browser, compared: tuple[Path, SiteData]
) -> None:
    visit(browser, (compared[0] / "tasks" / "ttl-cache.html").as_uri())
    browser.evaluate('document.querySelector(\'.as-compare a[href^="#c"]:not([href^="#c0-"])\').click()')
    browser.pump(0.3)
    target = browser.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert target
    shown = browser.evaluate(
        f"(() => {{ const r = document.getElementById({target!r}).getBoundingClientRect(); "
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; })()"
    )
    assert shown


def test_search_from_disk_finds_the_leaked_comment(browser: Browser, compared: tuple[Path, SiteData]) -> None:
    visit(browser, (compared[0] / "index.html").as_uri())
    browser.evaluate(
        """(() => {
        const query = document.querySelector('[data-md-component=search-query]');
        query.focus();
        query.value = 'explicitly';
        query.dispatchEvent(new Event('input', {bubbles: true}));
    })()"""
    )
    found = ""
    for _ in range(50):
        browser.pump(0.1)
        found = browser.evaluate("document.querySelector('.md-search-result__list')?.innerText || ''")
        if "explicitly" in found.lower():
            break
    assert "explicitly" in found.lower()


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with chromium(tmp_path_factory.mktemp("chromium-400") / "chromium.log", width=400, height=800) as opened:
        yield opened


# Cells of the leaderboard and comparison tables that are cut: past the viewport or overflowing their own box.
CUT_CELLS = """[...document.querySelectorAll('%s td, %s th')].filter(c => {
    const r = c.getBoundingClientRect();
    return r.width > 0 && (r.left < -1 || r.right > window.innerWidth + 1 || c.scrollWidth > c.clientWidth + 1);
}).map(c => c.innerText)"""
# Each shown value with the column name the card shows beside it.
LABELS = """[...document.querySelectorAll('%s tbody td')].filter(c => c.getBoundingClientRect().width > 0)
    .map(c => getComputedStyle(c, '::before').content)"""


@pytest.mark.parametrize(
    ("page", "table"), [("index.html", ".as-leaderboard"), ("tasks/ttl-cache.html", ".as-compare")]
)
def test_at_400_px_tables_stack_as_cards_with_nothing_cut(
    phone: Browser, compared: tuple[Path, SiteData], page: str, table: str
) -> None:
    visit(phone, (compared[0] / page).as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert phone.evaluate(CUT_CELLS % (table, table)) == []
    # Every row is a card as wide as the page, one value under another, each with its column's name.
    rows = phone.evaluate(
        f"[...document.querySelectorAll('{table} tbody tr')].map(r => Math.round(r.getBoundingClientRect().width))"
    )
    assert rows and all(300 <= width <= 400 for width in rows)
    labels = phone.evaluate(LABELS % table)
    assert labels and all(label not in ("none", "normal", '""') for label in labels)
    if table == ".as-leaderboard":
        assert '"Backend"' in labels and '"Main failure"' in labels
    else:
        assert '"Thread-safe"' in labels and '"Agent + model"' in labels
    phone.screenshot(compared[0].parent / f"{table[1:]}-400.png")
