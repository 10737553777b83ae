"""Building with MkDocs: the output folder, the repo's mkdocs.yml, nothing from a CDN, the CLI's messages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.config import load_config

from agentspec.errors import UsageError
from agentspec.publish import build_site
from agentspec.publish.build import SOURCES_MARKER
from agentspec.publish.sample import write_sample
from tests.conftest import REPO, SPECS, RunCli


class _Page(HTMLParser):
    """What a built page loads and runs."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.javascript_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("src") or values.get("type") or "inline")
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript"):
                self.javascript_links.append(f"<{tag} {name}={value}>")
        if tag in ("script", "img", "iframe") and values.get("src"):
            self.loads.append(str(values["src"]))
        if tag == "link" and values.get("rel") in ("stylesheet", "preload", "icon", "manifest"):
            self.loads.append(str(values.get("href")))


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_site_is_static_and_offline(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert (hostile_site / "index.html").is_file() and len(pages) > 20
    theme_scripts = read_page(hostile_site / "404.html").scripts
    for path in pages:
        page = read_page(path)
        assert [s.rsplit("/", 1)[-1] for s in page.scripts] == [s.rsplit("/", 1)[-1] for s in theme_scripts], path
        assert not page.handlers and not page.javascript_links, path
        assert not [u for u in page.loads if re.match(r"(https?:)?//", u)], path
    for path in hostile_site.rglob("*.css"):
        assert "fonts.googleapis" not in path.read_text(encoding="utf-8")
    assert (hostile_site / "search" / "search_index.js").is_file()
    assert "fonts.googleapis" not in (hostile_site / "index.html").read_text(encoding="utf-8")


def test_links_between_pages_resolve(hostile_site: Path) -> None:
    for path in hostile_site.rglob("*.html"):
        if path.name == "404.html":
            continue  # MkDocs gives the error page absolute links, for servers to show it at any depth.
        for href in re.findall(r'href="([^"#:]+\.html)(?:#[^"]*)?"', path.read_text(encoding="utf-8")):
            assert (path.parent / href).resolve().is_file(), f"{path}: {href}"


def test_the_repos_mkdocs_yml_has_what_the_site_needs() -> None:
    config = load_config(str(REPO / "mkdocs.yml"))
    assert config["theme"].name == "material"
    assert config["theme"]["font"] is False
    assert "content.tabs.link" in config["theme"]["features"]
    assert config["use_directory_urls"] is False
    assert len(config["theme"]["palette"]) == 2
    assert "material/search" in config["plugins"] and "material/offline" not in config["plugins"]
    assert {"pymdownx.tabbed", "pymdownx.highlight", "pymdownx.superfences", "pymdownx.details"} <= set(
        config["markdown_extensions"]
    )


def test_users_config_steers_the_build(tmp_path: Path, hostile_results: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "about.md").write_text("# About us\n\nHand-written.\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: My model bake-off\ntheme:\n  name: material\n  font: false\n"
        "nav:\n  - Home: index.md\n  - About: about.md\n",
        encoding="utf-8",
    )
    output = tmp_path / "site"
    build_site(hostile_results, output, config_file=config, spec_paths=[SPECS], sources=tmp_path / "src")
    home = (output / "index.html").read_text(encoding="utf-8")
    assert "My model bake-off" in home and "About" in home
    assert (output / "about.html").is_file()
    assert (tmp_path / "src" / SOURCES_MARKER).is_file() and (tmp_path / "src" / "index.md").is_file()
    assert "agentspec.css" in home


def test_an_output_folder_that_is_not_a_site_is_left_alone(tmp_path: Path, hostile_results: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        build_site(hostile_results, precious, config_file=REPO / "mkdocs.yml", spec_paths=[SPECS])
    with pytest.raises(UsageError, match="refusing"):
        build_site(hostile_results, hostile_results.parent, config_file=REPO / "mkdocs.yml", spec_paths=[SPECS])
    with pytest.raises(UsageError, match="not made by agentspec"):
        build_site(hostile_results, tmp_path / "out", config_file=REPO / "mkdocs.yml", sources=precious)
    assert (precious / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_cli_without_results_says_how_to_make_some(cli: RunCli, tmp_path: Path) -> None:
    done = cli("site")
    assert done.returncode == 2
    assert "no results in results/" in done.stderr and "agentspec run specs/" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "empty").mkdir()
    write_sample(tmp_path / "empty", tasks=0)
    done = cli("site", "--results", "empty")
    assert done.returncode == 2 and "no attempts yet" in done.stderr


def test_cli_builds_the_site_and_says_where(cli: RunCli, tmp_path: Path) -> None:
    write_sample(tmp_path / "results", tasks=2, entries=2, trials=1)
    # No mkdocs.yml here: agentspec's own default config is used.
    done = cli("site", "--specs", SPECS)
    assert done.returncode == 0, done.stderr
    assert "site/index.html" in done.stderr and "python -m http.server -d site" in done.stderr
    assert (tmp_path / "site" / "tasks" / "made-up-0.html").is_file()
    assert "content.tabs.link" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    done = cli("site", "--run", "nope", "--config", REPO / "mkdocs.yml")
    assert done.returncode == 2 and "no run 'nope'" in done.stderr
