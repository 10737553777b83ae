"""Rule ``placeholder``: elided code left in ("... existing code ...", "rest remains the same")."""

from __future__ import annotations

import re

import libcst as cst

from agentspec.review.prose import Hit, ProseRule, snippet
from agentspec.review.rule import Example

_PROSE = re.compile(
    r"""(?:
        ^(?:\.\.\.|\u2026)\s*\(?\s*(?:existing|rest|remaining|other|previous|same|unchanged|more|original|omitted
            |snip|code|implementation)\b
        | \b(?:the\s+)?(?:rest|remainder)\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}?
            (?:code|implementation|file|function|class|method|logic|module|body)s?\s+
            (?:remains?|stays?|(?:is|are)\s+(?:unchanged|the\s+same|omitted|as\s+before)|unchanged|the\s+same
            |as\s+before|omitted|goes\s+here|here)
        | \b(?:existing|previous|original|other|remaining)\s+(?:code|implementation|methods?|functions?|logic)\s+
            (?:remains?|stays?|unchanged|(?:is|are)\s+(?:unchanged|the\s+same|omitted)|goes\s+here|here|omitted
            |as\s+before)
        | \b(?:implementation|code|logic|your\s+code)\s+goes\s+here\b
        | \b(?:add|insert|put|implement|write)\s+(?:your\s+|the\s+)?(?:code|implementation|logic)\s+here\b
        | \bfill\s+in\s+(?:the\s+)?(?:rest|implementation|details|logic)\b
        | ^(?:the\s+)?(?:same|unchanged)\s+as\s+before\.?$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


class PlaceholderRule(ProseRule):
    """Elided code left in: the model wrote a stand-in instead of the code.

    Models that edit by rewriting whole files sometimes abbreviate the parts they did not
    change ("# ... existing code ...", "# rest of the implementation remains the same") or
    leave scaffolding ("# implementation goes here"). If the harness writes that reply to
    disk, the file loses real code, or never gets it.

    What counts: such comments and docstring lines, and a bare ``...`` statement among
    other statements of a function body.

    What does not count: ``...`` as the whole body of a stub, protocol or overload, a
    comment that is only ``...`` (often elided output in an example), ``pass``, "TODO:"
    notes, and comments that describe the rest of the code ("the rest of the function
    handles errors").
    """

    severity = "warning"
    message = "elided code left in place of the implementation"

    VALID = (
        """
        class Reader(Protocol):
            def read(self) -> bytes: ...
        """,
        """
        def f():
            pass
        """,
        """
        # TODO: implement retries
        def fetch(url):
            return get(url)
        """,
        """
        def f(x):
            # The rest of the function handles errors
            return x
        """,
        """
        x = data[...]
        """,
        """
        @overload
        def f(x: int) -> int:
            ...
        """,
        """
        # Existing entries are kept; new ones are appended
        items.append(x)
        """,
    )
    INVALID = (
        Example(
            """
            class Cache:
                # ... existing code ...
                def clear(self):
                    self.d = {}
            """,
            line=2,
        ),
        Example(
            """
            def f(x):
                y = x + 1
                # rest of the implementation remains the same
            """,
            line=3,
        ),
        Example(
            """
            def parse(text):
                # implementation goes here
                pass
            """,
            line=2,
        ),
        Example(
            """
            def f(x):
                y = g(x)
                ...
                return y
            """,
            line=3,
        ),
        Example(
            """
            class A:
                def f(self):
                    return 1

                # ... other methods unchanged ...
            """,
            line=5,
        ),
        Example(
            '''
            def f():
                """Same as before."""
                return 1
            ''',
            line=2,
        ),
        Example(
            """
            def f():
                # Add your code here
                return None
            """,
            line=2,
        ),
    )

    def search(self, text: str) -> Hit | None:
        """Return where and why the text stands in for code."""
        match = _PROSE.search(text)
        if match is None:
            return None
        return Hit(match.start(), f'placeholder instead of code: "{snippet(text)}"')

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        """Report bare ``...`` statements among real ones."""
        elided = [statement for statement in node.body if _is_small(statement, cst.Ellipsis)]
        if elided and any(not _is_filler(statement) for statement in node.body):
            for statement in elided:
                self.report(statement, "placeholder instead of code: a bare '...' among the statements")


def _is_small(statement: cst.BaseStatement, kind: type[cst.CSTNode]) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return isinstance(small, kind) or (isinstance(small, cst.Expr) and isinstance(small.value, kind))


def _is_filler(statement: cst.BaseStatement) -> bool:
    return any(_is_small(statement, kind) for kind in (cst.Ellipsis, cst.Pass, cst.SimpleString))
