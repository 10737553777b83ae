"""Escaping: whatever a model writes reaches the page as text, in HTML and in Markdown alike."""

from __future__ import annotations

import html

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentspec.publish.escape import FRAGMENT_MARKER, clean, heading, inline, raw_block, text, title
from agentspec.publish.passthrough import PassThroughExtension
from agentspec.publish.sample import HOSTILE

EXTENSIONS = ["attr_list", "md_in_html", "tables", "toc", "admonition", "pymdownx.superfences", "pymdownx.details"]
NASTY = st.text(alphabet=st.sampled_from(list("<>&\"'`{}[]()*_#|!\\-=~$%:;/\n\t\r\x00\x02\x03 aZ9") + ["\ud800", "é"]))


@given(NASTY)
def test_text_leaves_no_markup_and_round_trips(value: str) -> None:
    escaped = text(value)
    assert not set(escaped) & set("<>\"'`{}\n\t")
    assert html.unescape(escaped) == clean(value)


@given(NASTY)
def test_inline_leaves_markdown_nothing_to_read(value: str) -> None:
    escaped = inline(value)
    assert set(escaped) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 &#;")
    rendered = markdown.markdown(f"x {escaped} x", extensions=EXTENSIONS)
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    assert html.unescape(rendered[3:-4]) == "x " + " ".join(clean(value).split()) + " x"


@given(NASTY)
def test_titles_hold_no_markup_even_after_unescaping(value: str) -> None:
    assert not set(html.unescape(html.unescape(title(value)))) & set("<>&\"'`\\")
    assert not set(html.unescape(heading(value))) & set("<>&\"'`\\")


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_in_a_raw_block_stays_text(payload: str) -> None:
    page = "# Title\n" + raw_block(f"<div>{text(payload)}</div>") + "after\n"
    for extensions in (EXTENSIONS, [*EXTENSIONS, PassThroughExtension()]):
        rendered = markdown.markdown(page, extensions=extensions)
        assert "<script" not in rendered and "<img" not in rendered and "<svg" not in rendered
        assert 'href="javascript' not in rendered
        assert "<p>after</p>" in rendered


def test_a_raw_block_must_be_one_line() -> None:
    with pytest.raises(ValueError, match="one line"):
        raw_block("<div>\n</div>")
    assert raw_block("<div></div>").strip().startswith(FRAGMENT_MARKER)


def test_control_characters_and_surrogates_are_replaced() -> None:
    assert clean("a\x00b\x02c\ud800d\r\ne\rf") == "a\ufffdb\ufffdc\ufffdd\ne\nf"
    assert "\x02" not in text("\x02wzxhzdk:0\x03")
