"""Building the site: generate the pages into a build folder, then run MkDocs with the project's mkdocs.yml.

The generated Markdown lives in a build folder, never in the project's docs/; hand-written pages from
the config's docs folder are copied beside it. The output is a plain static folder.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.utils.yaml import yaml_load

from agentspec.errors import UsageError
from agentspec.publish import grid_page, guide_page, harness_page, home, rules_page
from agentspec.publish.escape import title
from agentspec.publish.model_page import model_markdown
from agentspec.publish.passthrough import PassThroughExtension
from agentspec.publish.results import SiteData, load, task_page
from agentspec.publish.search_index import SearchDoc, merge, spare_excluded_pages
from agentspec.publish.task_page import task_markdown
from agentspec.review import all_rules

ASSETS = Path(__file__).parent / "assets"
DEFAULT_CONFIG = ASSETS / "mkdocs.yml"
STYLESHEET = "assets/agentspec.css"
# A few lines of our own script: side by side, sorting and filtering tables (nothing from a CDN).
SCRIPT = "assets/agentspec.js"
# iframe-worker 1.0.4 (MIT, by Material's author; licence beside it): the Web Worker shim Material's
# offline plugin loads from a CDN so that search runs from file://. Shipped here: nothing loads from a CDN.
WORKER_SHIM = "assets/iframe-worker-shim.js"
SOURCES_MARKER = ".agentspec-sources"
# What a folder built before by MkDocs holds; anything else in a non-empty output folder is not ours to delete.
_SITE_MARKERS = ("sitemap.xml", "404.html", "search")


@dataclass
class SiteBuild:
    """What a build made, and how long each step took."""

    output: Path
    pages: int
    attempts: int
    timings: dict[str, float] = field(default_factory=dict)


def generate_pages(data: SiteData, search: list[SearchDoc] | None = None) -> dict[str, str]:
    """Every generated page's Markdown, by path inside the build folder.

    Pages kept out of Material's indexer put their own search entries into `search` (see `search_index`).
    """
    pages = {home.PAGE: home.home_page(data), home.RUNS_PAGE: home.runs_markdown(data)}
    pages[grid_page.PAGE] = grid_page.grid_markdown(data, home.time_chart(data))
    pages[harness_page.PAGE] = harness_page.harness_markdown(data)
    by_task = data.by_task()
    for task in data.tasks:
        pages[task_page(task)] = task_markdown(data, task, by_task.get(task, []), search)
    by_entry = data.by_entry()
    for entry in data.entries:
        pages[entry.page] = model_markdown(data, entry, by_entry[(entry.agent, entry.model)])
    pages.update(rules_page.rule_pages(data))
    pages[guide_page.PAGE] = guide_page.reference_markdown()
    return pages


def navigation(data: SiteData, guides: Sequence[str]) -> list[dict[str, Any]]:
    """The nav when mkdocs.yml gives none: results, tasks, agents and models, reviewer, guides."""
    tasks = [{title(data.specs[t].title if t in data.specs else t): task_page(t)} for t in data.tasks]
    models = [{title(e.label): e.page} for e in data.entries]
    rules = [{"Overview": rules_page.INDEX}] + [{rule.id: rules_page.rule_page(rule)} for rule in all_rules()]
    return [
        {"Results": home.PAGE},
        {"Tasks": [{"All tasks": grid_page.PAGE}, *tasks]},
        {"Runs": home.RUNS_PAGE},
        {"Harnesses": harness_page.PAGE},
        {"Agents and models": models},
        {"Reviewer": rules},
        {"Guides": [*guides, {"Spec fields": guide_page.PAGE}]},
    ]


def _raw_config(config_file: Path) -> dict[str, Any]:
    with config_file.open(encoding="utf-8") as stream:
        raw = yaml_load(stream) or {}
    return raw if isinstance(raw, dict) else {}


def handwritten_docs(config_file: Path) -> Path | None:
    """The config's docs folder (hand-written pages), if it exists."""
    folder = config_file.parent / str(_raw_config(config_file).get("docs_dir", "docs"))
    return folder if folder.is_dir() else None


def display_names(config_file: Path) -> dict[str, str]:
    """Short names for agents and models from the config: ``extra: agentspec: names: {full: short}``."""
    extra = _raw_config(config_file).get("extra")
    settings = extra.get("agentspec") if isinstance(extra, dict) else None
    names = settings.get("names") if isinstance(settings, dict) else None
    if names is not None and not isinstance(names, dict):
        raise UsageError(f"{config_file}: extra.agentspec.names must map agent or model names to short names")
    return {str(k): str(v) for k, v in (names or {}).items()}


def write_sources(pages: dict[str, str], docs: Path | None, folder: Path) -> list[str]:
    """Write the pages, the stylesheet and the hand-written docs into `folder`; return the hand-written pages."""
    guides: list[str] = []
    if docs is not None:
        for source in sorted(docs.rglob("*")):
            relative = source.relative_to(docs).as_posix()
            if source.is_file() and relative not in pages:
                target = folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                guides += [relative] if relative.endswith(".md") else []
    for path, markdown in pages.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(markdown, encoding="utf-8")
    (folder / "assets").mkdir(exist_ok=True)
    shutil.copyfile(ASSETS / "agentspec.css", folder / STYLESHEET)
    shutil.copyfile(ASSETS / "agentspec.js", folder / SCRIPT)
    shutil.copyfile(ASSETS / "iframe-worker-shim.js", folder / WORKER_SHIM)
    shutil.copyfile(ASSETS / "iframe-worker-LICENSE.txt", folder / "assets" / "iframe-worker-LICENSE.txt")
    return guides


def check_output(output: Path, protected: Sequence[Path]) -> None:
    """Refuse an output folder MkDocs would wipe that holds something other than an earlier build."""
    resolved = output.resolve()
    for path in protected:
        if resolved == path.resolve() or path.resolve().is_relative_to(resolved):
            raise UsageError(f"refusing to build into {output}: it holds {path}")
    if resolved.is_file():
        raise UsageError(f"{output} is a file; give a folder for the site")
    if resolved.is_dir() and any(resolved.iterdir()) and not any((resolved / m).exists() for m in _SITE_MARKERS):
        raise UsageError(f"refusing to build into {output}: it is not empty and does not look like a built site")


def _reset_sources(folder: Path) -> None:
    """Empty a folder for generated sources: only one that is empty or that agentspec filled before."""
    marker = folder / SOURCES_MARKER
    if folder.exists() and any(folder.iterdir()):
        if not marker.is_file():
            raise UsageError(f"refusing to write pages into {folder}: it is not empty and was not made by agentspec")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text("Generated by `agentspec site`; rewritten at every build.\n", encoding="utf-8")


@contextmanager
def _quiet_mkdocs() -> Iterator[None]:
    """Show MkDocs' warnings as short lines, hide its progress chatter."""
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("mkdocs: %(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def run_mkdocs(
    config_file: Path, sources: Path, output: Path, nav: list[dict[str, Any]], search: Sequence[SearchDoc] = ()
) -> None:
    """Build `sources` into `output` with `config_file` as the base config; add `search` to its search index."""
    with _quiet_mkdocs():
        try:
            config = load_config(str(config_file), docs_dir=str(sources), site_dir=str(output.resolve()))
        except MkDocsException as exc:
            raise UsageError(f"{config_file}: {exc}") from None
        # Raw links in generated pages end in .html, and pages must open from disk.
        config["use_directory_urls"] = False
        config["extra_css"] = [*config["extra_css"], STYLESHEET]
        config["extra_javascript"] = [*config["extra_javascript"], SCRIPT]
        # Material loads these before its own scripts; the shim acts only on file:// pages.
        config["extra"]["polyfills"] = [*config["extra"].get("polyfills", []), WORKER_SHIM]
        config["markdown_extensions"] = [*config["markdown_extensions"], PassThroughExtension()]
        if not config["nav"]:
            config["nav"] = nav
        spare_excluded_pages(config.plugins)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        except MkDocsException as exc:
            raise UsageError(f"mkdocs could not build the site: {exc}") from None
        finally:
            config.plugins.on_shutdown()
    merge(output, search)
    inline_search_index(output)


def inline_search_index(output: Path) -> None:
    """Write search/search_index.js beside the JSON index, as Material's offline plugin does.

    Opened from disk (file://), Material's search worker (run in an iframe by the shim) loads the
    index through this script instead of fetching JSON. (The offline plugin itself is not used: it
    adds the shim from a CDN.)
    """
    index = output / "search" / "search_index.json"
    if index.is_file():
        script = "var __index = " + index.read_text(encoding="utf-8")
        (output / "search" / "search_index.js").write_text(script, encoding="utf-8")


def build_site(
    results: Path,
    output: Path,
    *,
    config_file: Path | None = None,
    spec_paths: Sequence[Path] = (Path("specs"),),
    run_id: str | None = None,
    sources: Path | None = None,
    tasks: Sequence[str] = (),
) -> SiteBuild:
    """Build the results website.

    Args:
        results: The results folder (`results.sqlite` and `artifacts/`).
        output: Where the static site goes; an earlier build there is replaced.
        config_file: The base mkdocs.yml; default: ./mkdocs.yml if present, else agentspec's own.
        spec_paths: Spec files or folders, for instructions and reference solutions.
        run_id: Publish only this run's attempts.
        sources: Keep the generated Markdown in this folder (default: a temporary folder).
        tasks: Publish only the tasks these `--task` patterns select (ids, globs, tag:NAME, kind:NAME).

    Returns:
        What was built and how long generation and MkDocs took.

    Raises:
        UsageError: No results, a bad output folder, or a config MkDocs rejects.
    """
    config_file = config_file or (Path("mkdocs.yml") if Path("mkdocs.yml").is_file() else DEFAULT_CONFIG)
    if not config_file.is_file():
        raise UsageError(f"no MkDocs config at {config_file}")
    check_output(output, [results, *spec_paths, config_file.parent / "docs", Path.cwd()])
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data = load(results, spec_paths, run_id, display_names(config_file), tasks)
    timings["load"] = time.perf_counter() - started
    search: list[SearchDoc] = []
    pages = generate_pages(data, search)
    timings["generate"] = time.perf_counter() - started - timings["load"]
    with tempfile.TemporaryDirectory(prefix="agentspec-site-") as scratch:
        folder = sources or Path(scratch)
        if sources is not None:
            _reset_sources(sources)
        guides = write_sources(pages, handwritten_docs(config_file), folder)
        before = time.perf_counter()
        run_mkdocs(config_file, folder, output, navigation(data, guides), search)
        timings["mkdocs"] = time.perf_counter() - before
    timings["total"] = time.perf_counter() - started
    return SiteBuild(output, len(pages) + len(guides), len(data.records), timings)
