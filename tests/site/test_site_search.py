"""The search index: task pages' entries are written by agentspec, in the form Material's search worker reads.

The browser side (a query typed into the search box of a site opened from disk) is tested in
test_site_browser.py and test_site_compare_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from agentspec.publish import SiteData
from agentspec.publish.results import representative, task_page


@pytest.fixture(scope="module")
def index(hostile_site: Path) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = json.loads((hostile_site / "search" / "search_index.json").read_text())["docs"]
    return docs


def test_every_entry_leads_to_a_page_and_an_id_that_exist(hostile_site: Path, index: list[dict[str, Any]]) -> None:
    locations = [doc["location"] for doc in index]
    assert len(set(locations)) == len(locations)
    articles: set[str] = set()
    for location in locations:
        path, _, anchor = location.partition("#")
        page = hostile_site / (path or "index.html")
        assert page.is_file(), location
        if anchor:
            assert f'id="{anchor}"' in page.read_text(encoding="utf-8"), location
            # Material's worker takes a page's first entry as its article: sections come after it.
            assert path in articles, f"{location} comes before its page's own entry"
        articles.add(path)


def test_task_pages_index_each_entrys_code_and_findings(hostile_data: SiteData, index: list[dict[str, Any]]) -> None:
    by_location = {doc["location"]: doc for doc in index}
    by_task = hostile_data.by_task()
    for task, records in by_task.items():
        page = task_page(task).removesuffix(".md") + ".html"
        assert page in by_location and f"{page}#instructions" in by_location
        for number, entry in enumerate(hostile_data.entries):
            group = [r for r in records if (r.agent, r.model) == (entry.agent, entry.model)]
            doc = by_location[f"{page}#c{number}"]
            assert doc["title"] == entry.label
            shown = representative(group)
            for finding in shown.findings:
                assert finding["rule"] in doc["text"]
            assert "<pre><code>" in doc["text"]


def test_indexed_text_carries_no_markup_but_paragraphs_and_code(index: list[dict[str, Any]]) -> None:
    ours = [
        doc for doc in index if doc["location"].startswith("tasks/") and not doc["location"].startswith("tasks/index")
    ]
    assert ours
    for doc in ours:
        tags = set(re.findall(r"</?([^\s>/]*)", doc["text"] + doc["title"]))
        assert tags <= {"p", "pre", "code"}, (doc["location"], tags)
    # Model-written markup is there as text, escaped.
    assert any("&lt;script&gt;window.__agentspecPwned" in doc["text"] for doc in ours)


def test_task_pages_are_kept_out_of_materials_own_indexer(hostile_site: Path, index: list[dict[str, Any]]) -> None:
    # One entry per section and per entry; Material's parse would have made one for the code section as a whole.
    code = [doc for doc in index if doc["location"].endswith("#code-by-agent-and-model")]
    assert code and all(doc["text"] == "" for doc in code)
