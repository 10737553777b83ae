"""A Markdown extension that hands agentspec's generated HTML blocks to the output untouched.

Generated pages carry their large blocks (code, diffs, transcripts) as one-line HTML fragments
already escaped by `escape.text`. Parsing them again as raw HTML (Python-Markdown, then MkDocs'
anchor scan) costs more than the rest of the build, so this preprocessor stores each marked line
in Markdown's HTML stash as it is. Without the extension the same pages still build, only slower.
"""

from __future__ import annotations

from markdown import Extension, Markdown  # type: ignore[import-untyped]
from markdown.preprocessors import Preprocessor  # type: ignore[import-untyped]

from agentspec.publish.escape import FRAGMENT_MARKER


class _Stash(Preprocessor):  # type: ignore[misc]
    def run(self, lines: list[str]) -> list[str]:
        return [
            self.md.htmlStash.store(line[len(FRAGMENT_MARKER) :]) if line.startswith(FRAGMENT_MARKER) else line
            for line in lines
        ]


class PassThroughExtension(Extension):  # type: ignore[misc]
    """Store lines that start with the fragment marker as raw HTML, before any other preprocessor reads them."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        """Register the preprocessor right after whitespace normalisation."""
        md.preprocessors.register(_Stash(md), "agentspec_passthrough", 29)
