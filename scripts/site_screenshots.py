"""Screenshots of the results site at a desktop and a phone width, to look at after changing the site.

Writes home, leaderboard and a task page in side-by-side mode (two entries ticked, diffs open), at
1280 px and 400 px, as PNG files. The site is built from a results folder, or from synthetic results
of the seed suite (`agentspec.publish.sample`) when none is given. Needs Chromium (Debian: chromium).

    python scripts/site_screenshots.py [--results results/] [--out site-screenshots/] [--task ttl-cache]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agentspec.publish import build_site  # noqa: E402
from agentspec.publish.results import task_page  # noqa: E402
from agentspec.publish.sample import write_sample  # noqa: E402
from agentspec.spec import load_specs  # noqa: E402
from tests.site.chromium_cdp import Browser, chromium  # noqa: E402

WIDTHS = (1280, 400)
SIDE_BY_SIDE = """(() => {
    const picks = document.querySelectorAll('input.as-pick');
    [...picks].slice(0, 2).forEach(p => p.click());
    const diffs = document.querySelector('.as-sbs-diffs');
    if (diffs) diffs.click();
    const view = document.querySelector('.as-sbs-view');
    return view ? view.getBoundingClientRect().top + window.scrollY : 0;
})()"""


def shoot(browser: Browser, site: Path, task: str, out: Path, width: int) -> list[Path]:
    """The views at one width: home, leaderboard, the task page whole and its side-by-side part."""
    written = []
    browser.goto((site / "index.html").as_uri(), settle_s=0.5)
    written.append(browser.screenshot(out / f"home-{width}.png"))
    browser.evaluate("document.querySelector('.as-leaderboard').scrollIntoView()")
    written.append(browser.screenshot(out / f"leaderboard-{width}.png", full_page=False))
    browser.goto((site / task_page(task)).with_suffix(".html").as_uri(), settle_s=0.5)
    browser.evaluate(SIDE_BY_SIDE)
    browser.pump(0.3)
    written.append(browser.screenshot(out / f"task-{width}.png"))
    # The comparison table and the code beside it, as a reader sees them after ticking two rows.
    browser.evaluate("document.getElementById('comparison').scrollIntoView()")
    written.append(browser.screenshot(out / f"task-side-by-side-{width}.png", full_page=False))
    return written


def main() -> None:
    """Build the site and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="a results folder (default: synthetic results)")
    parser.add_argument("--specs", type=Path, default=REPO / "specs")
    parser.add_argument("--out", type=Path, default=Path("site-screenshots"))
    parser.add_argument("--task", default="ttl-cache")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agentspec-shots-") as scratch:
        results = args.results
        if results is None:
            results = Path(scratch) / "results"
            write_sample(results, load_specs([args.specs]), tasks=8, entries=6, trials=2)
        site = Path(scratch) / "site"
        build_site(results, site, config_file=REPO / "mkdocs.yml", spec_paths=[args.specs])
        for width in WIDTHS:
            with chromium(Path(scratch) / f"chromium-{width}.log", width=width, height=1200) as browser:
                for path in shoot(browser, site, args.task, args.out, width):
                    print(path)


if __name__ == "__main__":
    main()
