"""Escaping for everything that did not come from agentspec itself: model code, transcripts, test output, names.

Three contexts exist in a generated page, and each has one function:

- `text` for HTML: element content and attribute values. Its output contains no raw ``<``, ``>``,
  ``&``, quotes, braces, backticks or newlines, so a fragment built from it is one line of HTML that
  Markdown stores untouched (a raw HTML block), that no Markdown or template preprocessor can read a
  line start, a fence or a ``{% tag %}`` in, and that no browser can read a tag in.
- `inline` for Markdown text (headings, table cells, link text): every character that is not a
  letter, digit or space becomes a numeric character reference, so Markdown sees no syntax at all.
- `title` for page and nav titles, which theme templates print unescaped: markup characters become
  look-alikes (`heading` is both: a Markdown heading that is also a safe title).

Control characters and lone surrogates are replaced, so nothing a model wrote can break the page's
encoding or Python-Markdown's own placeholders.
"""

from __future__ import annotations

import html
import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_PLAIN = re.compile(r"[^A-Za-z0-9 ]")
# Starts each generated HTML line; escaped text can never contain it (its "<" is always escaped).
FRAGMENT_MARKER = "<!--agentspec-->"


def clean(value: str) -> str:
    """Normalise line ends; replace other control characters (but tab) and lone surrogates with U+FFFD."""
    return _UNSAFE.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def text(value: object) -> str:
    """Escape a value for HTML element content or a quoted attribute; the result is one line."""
    escaped = html.escape(clean(str(value)), quote=True)
    # Chained replace: much faster than str.translate with a dict on long texts.
    return (
        escaped.replace("{", "&#123;")
        .replace("}", "&#125;")
        .replace("`", "&#96;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def inline(value: object) -> str:
    """Escape a value for Markdown inline text: only letters, digits and spaces stay as they are."""
    flat = " ".join(clean(str(value)).split())
    return _PLAIN.sub(lambda match: f"&#{ord(match.group())};", flat)


def raw_block(fragment: str) -> str:
    """Wrap a one-line HTML fragment as a Markdown raw HTML block, marked for `passthrough` to keep as is."""
    if "\n" in fragment:
        raise ValueError("an HTML fragment for Markdown must be one line; build it with escape.text")
    return f"\n{FRAGMENT_MARKER}{fragment}\n\n"


_TITLE = str.maketrans({"<": "‹", ">": "›", "&": "＆", '"': "”", "'": "’", "\\": "∖", "`": "ˋ"})


def title(value: object) -> str:
    """A page or nav title: no character a theme template could read as markup, even after it unescapes.

    MkDocs templates print titles without escaping (and Material's ``striptags`` turns ``&lt;`` back
    into ``<``), so the markup characters are swapped for look-alikes rather than escaped.
    """
    return " ".join(clean(str(value)).split()).translate(_TITLE)


def heading(value: object) -> str:
    """Markdown heading text that is also a safe page title."""
    return inline(title(value))
