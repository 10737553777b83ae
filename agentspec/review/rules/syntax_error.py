"""Rule ``syntax-error``: the file does not parse, so it cannot run and the other rules cannot read it."""

from __future__ import annotations

from agentspec.review.rule import Rule


class SyntaxErrorRule(Rule):
    """A file that does not parse as Python.

    The engine reports this itself when libcst cannot parse a file, at the position Python's
    own compiler gives for the error, with its message. The commonest cause in agent output
    is prose around the code: a reasoning model's ``<think>`` block, a sentence before the
    code fence, or the fence itself written into the file. The other rules that read text
    (``leaked-reasoning``, ``test-gaming``, ``placeholder``) still read such a file line by
    line; the rules that need the tree have nothing to say about it.

    A file nested too deeply for the parser (thousands of chained operators, as in some
    generated code) is reported the same way.
    """

    severity = "error"
    message = "the file does not parse"

    VALID = (
        """
        x = 1
        """,
        """
        def f(a, /, b, *, c):
            return a + b + c
        """,
        """
        match command:
            case [x, y]:
                pass
            case _:
                pass
        """,
        """
        async def f():
            async with lock:
                await g()
        """,
        """
        # a <think> tag in a comment is not a syntax error
        y = 2
        """,
        '''
        text = """
        <think>
        """
        ''',
    )
    INVALID = (
        """
        <think>
        The user wants a function.
        </think>
        def f():
            return 1
        """,
        """
        Here is the fixed code:

        def f():
            return 1
        """,
        """
        ```python
        def f():
            return 1
        ```
        """,
        """
        def f(:
            pass
        """,
        """
        if x
            pass
        """,
        """
        def f():
        return 1
        """,
        """
        x = (1,
        """,
    )
