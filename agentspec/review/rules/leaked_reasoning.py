"""Rule ``leaked-reasoning``: a model's chain of thought left in comments or docstrings."""

from __future__ import annotations

import re
from collections.abc import Set

from agentspec.review.prose import Hit, ProseRule, snippet
from agentspec.review.rule import Example

_TAG = re.compile(r"^</?(?:think|thinking|reasoning|reflection)>", re.IGNORECASE)
_SENTENCE_START = r"(?:^|(?<=[.!?;]\s)|(?<=[.!?;]\s\s)|(?<=\.\.\.)|(?<=\.\.\.\s))"
# Each of these alone is the model thinking aloud: people rarely write them in code.
_STRONG = re.compile(
    r"""(?:"""
    + _SENTENCE_START
    + r"""(?:
            (?:but\s+|no\s+|oh\s+|actually,?\s+|hmm+,?\s+)?wait
                (?=\s*[,.!:;\u2014-]|\s+(?:a\s+(?:sec|second|minute|moment)\b|no\b|actually\b|but\b|so\b
                    |that\b|this\b|what\b|why\b|hmm|i\b|let\b|we\b|maybe\b|the\s+(?:tests?|problem|user|task|spec)\b))
            | the\s+user\s+(?:wants|asked|requested|said|mentioned|specified|expects)\b
        )
        | \blet\s+me\s+(?!know\b)[a-z]  # "let me keep / use / check ...", but not "let me know"
        | \blet's\s+(?:think|reconsider|re-?read|re-?think|double[- ]check)
        | \b(?-i:I)\s+(?:need\s+to|reali[sz]e|misread|missed|was\s+wrong|made\s+a\s+mistake
            |(?:'|\u2019)m\s+(?:going|thinking))
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# People write each of these too ("Hmm, should we...", "I think that..."); two kinds in one comment run or
# docstring make a finding, one alone does not.
_WEAK = {
    "interjection": re.compile(
        _SENTENCE_START
        + r"""(?:(?-i:\b[Hh]m{2,}\b) | (?-i:\b[Hh]m+[,.]) | actually[,:] | actually\s+(?:no|i\b|we\b|that's|this\s+is)
            | (?:okay|ok|alright)\s*[,.]?\s+so\b | (?:okay|alright)[,.]\s | oops\b | hold\s+on\b)""",
        re.IGNORECASE | re.VERBOSE,
    ),
    "hedge": re.compile(
        r"""\b(?-i:I)\s+(?:think|believe|guess|suppose|wonder|am\s+not\s+sure|(?:'|\u2019)m\s+not\s+sure)\b""",
        re.IGNORECASE | re.VERBOSE,
    ),
    "prompt": re.compile(
        r"""\b(?:the\s+(?:problem|task|prompt|spec)(?:\s+statement)?\s+(?:says|said|states|asks|wants|requires|mentions)
            | the\s+instructions\s+(?:say|said|ask|want|require)
            | the\s+user\s+(?:wants|asked|requested|said|mentioned|specified|expects))\b""",
        re.IGNORECASE | re.VERBOSE,
    ),
    "exploration": re.compile(r"\blet's\s+(?:see|figure\s+out)\b", re.IGNORECASE),
}
_OPEN_TAG = re.compile(r"<(think|thinking|reasoning|reflection)>", re.IGNORECASE)


class LeakedReasoningRule(ProseRule):
    """Chain-of-thought left in the code's comments or docstrings.

    Reasoning models think aloud; when that monologue ends up in a comment or a docstring
    ("Wait, the tests don't check...", "Hmm, let me reconsider", "I think this is right",
    "the user wants..."), the code ships the model's scratch work. It passed the tests, but
    you would ask for it to be removed in review.

    What counts, alone: *Wait* opening a sentence (*Wait,*, *But wait*, *Oh wait*), "let me
    check / reconsider / keep / ..." (not "let me know"), *I need to*, *I misread*, *I was wrong*, *the user
    wants* opening a sentence, and reasoning tags (``<think>``, ``</think>``, ``<thinking>``,
    ``<reasoning>``) that start a comment or a docstring line. People write the weaker signs
    too ("Hmm, should we...", "I think that...", "Actually, RFC 2109 cookies are..."), so
    these count only when two different kinds meet in one run of adjacent comment lines or
    one docstring: an interjection (*Hmm*, *Actually,*, *Okay so*, *Oops*), a hedge (*I
    think*, *I suppose*, *I'm not sure*), a reference to the prompt (*the problem says*, *the
    task requires*, *the user wants*) and exploring aloud (*let's see*). In a file that does
    not parse, every line is read: a lone ``<think>`` block above the code is reported once,
    at its opening tag.

    What does not count: string literals that are code (a regex that matches ``<think>``),
    ordinary comments such as "Wait for the thread", "Let the OS pick a port", "Note:" or
    "TODO:", a docstring that says what the task requires, and one weak sign on its own
    (the standard library has dozens).
    """

    severity = "warning"
    message = "the model's reasoning was left in a comment or docstring"

    VALID = (
        """
        # Wait for the worker thread to finish before reading results
        t.join()
        """,
        """
        # Let the OS pick a port
        sock.bind(('127.0.0.1', 0))
        """,
        """
        # Note: keys are compared case-insensitively
        # TODO: support IPv6
        x = 1
        """,
        """
        THINK = re.compile(r"<think>.*?</think>", re.DOTALL)
        """,
        '''
        def strip(reply):
            """Remove the <think> block a reasoning model puts before its answer."""
            return THINK.sub("", reply)
        ''',
        """
        # Actually send the request; the dry run above only builds it
        send(request)
        """,
        """
        if user.wants_json:  # when the user wants JSON, skip the table
            print(data)
        """,
        """
        # OK if the file is missing: the default applies
        load(path)
        """,
        """
        # Raise so that the caller can let me know what failed
        check(path)
        """,
        """
        def quote(value, quote=True):
            # I think that if quote is set it should be quoted twice.
            # RFC 2045 says nothing about it.
            return value
        """,
        '''
        def check(password):
            """Return whether the password is long enough.

            The task requires eight characters; the problem statement says nothing about symbols.
            """
            return len(password) >= 8
        ''',
        '''
        def cookies(headers):
            """Parse Set-Cookie headers.

            Actually, RFC 2109 cookies are parsed as Netscape cookies here.
            """
        ''',
    )
    INVALID = (
        Example(
            '''
            def load(path):
                """</think>
                Load the config file at path."""
                return open(path).read()
            ''',
            line=2,
        ),
        Example(
            """
            def valid(p):
                # Wait, the tests don't explicitly check symbols
                return len(p) >= 8
            """,
            line=2,
        ),
        Example(
            """
            # Hmm, this might be off by one.
            # I think range(n + 1) is right
            for i in range(n):
                pass
            """,
            line=1,
        ),
        Example(
            """
            def f(x):
                # Actually, let me reconsider the empty case
                return x or []
            """,
            line=2,
        ),
        Example(
            """
            # Okay so the user wants a cache with expiry
            class Cache:
                pass
            """,
            line=1,
        ),
        Example(
            '''
            def area(r):
                """Return the area.

                Hmm, I think pi * r ** 2 is right here.
                """
            ''',
            line=4,
        ),
        Example(
            """
            # <think>
            # The problem says to return None on failure
            # </think>
            x = None
            """,
            line=1,
        ),
        Example(
            """
            <think>
            Okay, the user wants a function.
            </think>
            def f():
                return 1
            """,
            line=1,
        ),
        Example(
            """
            total = 0  # let me double-check this sum later
            """,
            line=1,
        ),
    )

    def search(self, text: str) -> Hit | None:
        """Return where the text reads like leaked reasoning, with the kinds of evidence found."""
        match = _TAG.match(text) or _STRONG.search(text)
        kinds = frozenset({"strong"})
        if match is None:
            weak = {kind: found for kind, pattern in _WEAK.items() if (found := pattern.search(text))}
            if not weak:
                return None
            match, kinds = min(weak.values(), key=lambda found: found.start()), frozenset(weak)
        quote = text if len(text) <= 60 else text[match.start() :]
        return Hit(match.start(), f'leaked reasoning: "{snippet(quote)}"', kinds)

    def enough(self, kinds: Set[str]) -> bool:
        """Report one strong sign, or two different weak ones in the same comment run or docstring."""
        return "strong" in kinds or len(kinds) >= 2

    def review_text(self) -> None:
        """Report each ``<think>``-style block once, then read the remaining lines as prose."""
        lines = self.file.lines
        inside: str | None = None
        for number, raw in enumerate(lines, start=1):
            if inside is not None:
                if f"</{inside}>" in raw.lower():
                    inside = None
                self._unit_line = number
                continue
            tag = _OPEN_TAG.search(raw)
            if tag is not None:
                inside = tag.group(1).lower() if f"</{tag.group(1).lower()}>" not in raw.lower() else None
                self.report_at(number, tag.start() + 1, f"leaked reasoning: a <{tag.group(1)}> block")
                self._unit_line, self._unit_reported = number, True
                continue
            self._check_line(number, raw)
