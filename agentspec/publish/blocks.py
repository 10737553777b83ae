"""Small HTML builders for generated pages, in the markup the Material theme styles and scripts.

Every builder takes HTML that is already safe (made with `escape.text` or another builder) and
returns one line of HTML; plain strings from outside go through `escape.text` first.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from agentspec.publish.escape import text

_OUTCOME_ICON = {"passed": "✔", "failed": "✘", "error": "!"}


# Material's stylesheet switches at most this many tabs in one set; more would show no content.
MAX_TABS = 20


def tabs(items: Sequence[tuple[str, str]], key: str) -> str:
    """Content tabs (pymdownx.tabbed's alternate style): (plain label, HTML body) pairs; `key` is unique per page.

    More than `MAX_TABS` items become several sets, one after another, each headed by the range it holds.
    """
    if len(items) <= MAX_TABS:
        return _tab_set(items, key)
    parts = []
    for start in range(0, len(items), MAX_TABS):
        chunk = items[start : start + MAX_TABS]
        caption = f"{start + 1}–{start + len(chunk)} of {len(items)}"
        parts.append(f'<p class="as-tabs-range">{caption}</p>{_tab_set(chunk, f"{key}_{start // MAX_TABS + 1}")}')
    return "".join(parts)


def _tab_set(items: Sequence[tuple[str, str]], key: str) -> str:
    if not items:
        return ""
    name = f"__as_{key}"
    inputs = "".join(
        f'<input{" checked" if index == 0 else ""} id="{name}_{index + 1}" name="{name}" type="radio" />'
        for index in range(len(items))
    )
    labels = "".join(f'<label for="{name}_{index + 1}">{text(label)}</label>' for index, (label, _) in enumerate(items))
    bodies = "".join(f'<div class="tabbed-block">{body}</div>' for _, body in items)
    return (
        f'<div class="tabbed-set tabbed-alternate" data-tabs="{text(key)}:{len(items)}">{inputs}'
        f'<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{bodies}</div></div>'
    )


def details(summary: str, body: str, *, kind: str = "note", opened: bool = False) -> str:
    """A collapsible block (pymdownx.details); `summary` is HTML."""
    return f'<details class="{kind}"{" open" if opened else ""}><summary>{summary}</summary>{body}</details>'


def unsearched(body: str) -> str:
    """Keep a block out of the search index.

    Material's indexer matches excluded elements by tag name alone, so an excluded ``details`` or
    ``div`` would be let go at the first nested one that closes; ``section`` is used nowhere inside.
    """
    return f'<section class="as-unsearched" data-search-exclude>{body}</section>'


def admonition(kind: str, title: str, body: str) -> str:
    """A Material admonition box; `title` is plain text, `body` HTML."""
    return f'<div class="admonition {kind}"><p class="admonition-title">{text(title)}</p>{body}</div>'


def table(head: Sequence[str], rows: Iterable[Sequence[str]], *, wrapper: str = "", labelled: bool = False) -> str:
    """A table styled like Markdown tables; header and body cells are HTML.

    `labelled` (plain-text heads only): each body cell carries its column's name in ``data-label``, which
    the stylesheet shows beside the value when a narrow screen stacks each row as a card.
    """
    header = "".join(f"<th>{cell}</th>" for cell in head)
    tags = [f'<td data-label="{text(name)}">' for name in head] if labelled else ["<td>"] * len(head)
    body = "".join(
        "<tr>" + "".join(f"{tag}{cell}</td>" for tag, cell in zip(tags, row, strict=False)) + "</tr>" for row in rows
    )
    inner = f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="{wrapper}">{inner}</div>' if wrapper else inner


def link(href: str, label: str) -> str:
    """A link to a page of this site; `href` is relative and made by agentspec, `label` plain text."""
    return f'<a href="{text(href)}">{text(label)}</a>'


def code(value: str) -> str:
    """Inline code."""
    return f"<code>{text(value)}</code>"


def pre(value: str, *, cls: str = "") -> str:
    """A preformatted block of untrusted text, wrapped like a highlighted code block."""
    return f'<div class="highlight {cls}"><pre><code>{text(value)}</code></pre></div>'


def outcome(value: str, failure_kind: str | None = None) -> str:
    """A coloured outcome mark, with the failure kind when there is one."""
    label = value if not failure_kind else f"{value}: {failure_kind}"
    icon = _OUTCOME_ICON.get(value, "?")
    return f'<span class="as-outcome as-{text(value)}" title="{text(label)}">{icon} {text(label)}</span>'


def provenance_marks(regraded: dict[str, object], origin: dict[str, object]) -> str:
    """' · regraded (grade 2)' and ' · ran on HOST (from BUNDLE)' for an attempt's summary line, escaped."""
    marks = ""
    if regraded:
        marks += f' · <span class="as-regraded">regraded (grade {text(str(regraded.get("number", "?")))})</span>'
    machine = origin.get("machine")
    host = machine.get("hostname") if isinstance(machine, dict) else None
    if host:
        bundle = origin.get("bundle")
        marks += f" · ran on {text(str(host))}" + (f" (merged from {text(str(bundle))})" if bundle else "")
    return marks


def paragraph(body: str) -> str:
    """A paragraph of HTML."""
    return f"<p>{body}</p>"


def href(from_page: str, to_page: str) -> str:
    """The relative link from one generated page to another, both given as Markdown paths ('tasks/x.md')."""
    target = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    return target[: -len(".md")] + ".html" if target.endswith(".md") else target


def when(timestamp: float | None) -> str:
    """A time stamp as UTC date and time."""
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def seconds(value: float) -> str:
    """A duration, to a tenth of a second below ten minutes."""
    return f"{value:.1f}s" if value < 600 else f"{value / 60:.1f}min"


def percent(value: float) -> str:
    """A share as a whole percentage."""
    return f"{value:.0%}"
