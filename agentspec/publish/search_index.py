"""Search entries for the heaviest generated pages, written straight into Material's search index.

Material's search plugin finds a page's text by parsing its rendered HTML with Python's HTMLParser:
on task pages, where every token of every shown file is a highlighted ``<span>``, that parse was most
of a large site's build time. agentspec knows what those pages say before they are rendered, so
task pages carry ``search: exclude: true`` and their entries are made here from the same strings,
in the form Material's indexer writes: the article first (its location without an anchor), then
one entry per section; text escaped with ``html.escape(quote=False)``; only ``p``, ``pre`` and
``code`` tags kept. After MkDocs has written ``search/search_index.json`` (hand-written pages, the
home page, rule pages...), `merge` appends them; the browser's search worker reads them alike.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify  # type: ignore[import-untyped]
from mkdocs.plugins import PluginCollection

from agentspec.publish.escape import clean

# Front matter that keeps a page out of Material's own indexer (its entries come from here).
EXCLUDED = "search:\n  exclude: true\n"
INDEX = Path("search") / "search_index.json"
# What Material's plugin strips from every page (its own pattern, but with a literal start: a fast scan).
_ATTRIBUTE = re.compile(r'data-search-\w+="[^"]+"')
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# Blocks kept out of search, and code blocks (a file's text is indexed whole by `code`, with its lines).
_LEFT_OUT = re.compile(
    r'<section class="as-unsearched"[^>]*>.*?</section>|<div class="highlight[^"]*"><pre>.*?</pre></div>', re.DOTALL
)


@dataclass(frozen=True)
class SearchDoc:
    """One entry of the search index: where it leads, its title and its text (HTML, escaped)."""

    location: str
    title: str
    text: str


def words(value: str) -> str:
    """Plain text as Material indexes it outside code: escaped, whitespace collapsed."""
    return html.escape(_SPACE.sub(" ", clean(value)).strip(), quote=False)


def paragraph(value: str) -> str:
    """A paragraph of plain text."""
    said = words(value)
    return f"<p>{said}</p>" if said else ""


def code(path: str, source: str) -> str:
    """A file under its path, its lines kept as they are."""
    return f"<p><code>{words(path)}</code></p><pre><code>{html.escape(clean(source), quote=False)}</code></pre>"


def from_html(fragment: str) -> str:
    """The searchable words of an HTML fragment agentspec generated, without its code and unsearched blocks."""
    visible = _LEFT_OUT.sub(" ", fragment)
    return words(html.unescape(_TAG.sub(" ", visible)))


def anchor(heading: str) -> str:
    """The id Python-Markdown's toc extension gives a Markdown heading (its default slugify)."""
    return str(slugify(heading, "-"))


def merge(output: Path, docs: Sequence[SearchDoc]) -> None:
    """Append entries to the search index MkDocs wrote into `output` (none when search is off)."""
    index = output / INDEX
    if not docs or not index.is_file():
        return
    data = json.loads(index.read_text(encoding="utf-8"))
    data["docs"] = [*data.get("docs", []), *(asdict(doc) for doc in docs)]
    index.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def spare_excluded_pages(plugins: PluginCollection) -> None:
    """Let Material's search plugin skip pages it would not index and has no attribute to strip from.

    For every page it runs a regular expression over the whole HTML, excluded or not; on the large
    generated pages that scan cost seconds for nothing. Other plugins, and other pages, are left as they are.
    """
    events = plugins.events.get("page_context", [])
    for index, method in enumerate(events):
        owner = getattr(method, "__self__", None)
        if type(owner).__module__.startswith("material.plugins.search"):
            events[index] = _sparing(method)
            plugins._event_origins[events[index]] = plugins._event_origins.get(method, "material/search")


def _sparing(method: Callable[..., Any]) -> Callable[..., Any]:
    def on_page_context(context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        search = page.meta.get("search") or {}
        if search.get("exclude") and not _ATTRIBUTE.search(page.content or ""):
            return None
        return method(context, page=page, config=config, nav=nav)

    return on_page_context
