"""Rule ``docstrings``: public modules, classes and functions without a docstring."""

from __future__ import annotations

import re

import libcst as cst

from agentspec.review.facts import coverage_data
from agentspec.review.prose import is_test_file
from agentspec.review.rule import Example, Rule
from agentspec.review.source import SourceFile


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def _is_overload(node: cst.FunctionDef) -> bool:
    for decorator in node.decorators:
        target = decorator.decorator
        name = target.attr.value if isinstance(target, cst.Attribute) else getattr(target, "value", "")
        if name in ("overload", "setter", "deleter", "override"):
            return True
    return False


class DocstringsRule(Rule):
    """Public modules, classes and functions without a docstring, and the file's coverage.

    A docstring is the contract a reader and a caller rely on; among models that pass the
    same tests, the one that documents its public surface wrote the code you would rather
    maintain.

    What counts as public, in a module whose file name does not start with ``_`` (except
    ``__init__.py``): the module, top-level classes and functions, and methods of public
    classes whose names do not start with ``_``. Skipped: private and magic names, functions and classes
    nested in functions, ``@overload`` signatures, property setters and deleters, empty
    modules, and test files (``test_*.py``, ``*_test.py``, ``conftest.py``).

    With ``ReviewConfig(properties=True)`` (the default) each file also gets one info
    finding at line 1, ``docstring coverage D/T (P%)``: D documented out of T public
    definitions, also in its ``data`` (``documented``, ``total``), which
    `agentspec.review.docstring_coverage` reads.
    """

    severity = "info"
    message = "public definition without a docstring"

    VALID = (
        '''
        """Geometry helpers."""


        def area(r):
            """Return the area of a circle of radius r."""
            return 3.14159 * r * r
        ''',
        '''
        """M."""


        def _helper():
            return 1
        ''',
        '''
        """M."""


        class Cache:
            """A cache."""

            def __init__(self):
                self.d = {}

            def __len__(self):
                return len(self.d)
        ''',
        '''
        """M."""


        def outer():
            """Outer."""

            def inner():
                return 1

            return inner
        ''',
        '''
        """M."""


        @overload
        def f(x: int) -> int: ...


        def f(x):
            """F."""
            return x
        ''',
        Example(
            """
            def test_add():
                assert 1 + 1 == 2
            """,
            path="test_math.py",
        ),
        Example(
            """
            def helper():
                return 1
            """,
            path="_private.py",
        ),
        '''
        """M."""


        class _Private:
            def method(self):
                return 1
        ''',
    )
    INVALID = (
        Example(
            '''
            """M."""


            def area(r):
                return 3.14159 * r * r
            ''',
            line=4,
        ),
        Example(
            '''
            """M."""


            class Cache:
                def get(self, key):
                    return None
            ''',
            line=4,
        ),
        Example(
            '''
            """M."""


            class Cache:
                """A cache."""

                def get(self, key):
                    return None
            ''',
            line=7,
        ),
        Example(
            """
            import os

            HOME = os.environ['HOME']
            """,
            line=1,
        ),
        Example(
            '''
            """M."""


            async def fetch(url):
                return url
            ''',
            line=4,
        ),
        Example(
            '''
            """M."""


            @decorator
            def f():
                pass
            ''',
            line=5,
        ),
    )

    def __init__(self, file: SourceFile) -> None:
        super().__init__(file)
        name = re.split(r"[\\/]", file.path)[-1]
        self._active = not is_test_file(file.path) and (name == "__init__.py" or not name.startswith("_"))
        self._stack: list[tuple[str, bool]] = []
        self._documented = 0
        self._total = 0

    def visit_Module(self, node: cst.Module) -> None:
        """Count the module itself."""
        if self._active and node.body:
            self._count(node.get_docstring() is not None, None, "module", "")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Count a class and enter it."""
        self._definition(node, "class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        """Leave a class."""
        self._stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Count a function or method and enter it."""
        self._definition(node, "function" if not self._stack or self._stack[-1][0] != "class" else "method")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        """Leave a function."""
        self._stack.pop()

    def leave_Module(self, original_node: cst.Module) -> None:
        """Report the file's coverage figure."""
        if self._active and self._total and self.config.properties:
            percent = round(100 * self._documented / self._total)
            message = f"docstring coverage {self._documented}/{self._total} ({percent}%)"
            self.report_at(1, 1, message, severity="info", data=coverage_data(self._documented, self._total))

    def _definition(self, node: cst.FunctionDef | cst.ClassDef, kind: str) -> None:
        parent_public = all(public for _, public in self._stack)
        nested = any(scope == "function" or scope == "method" for scope, _ in self._stack)
        public = parent_public and not nested and _is_public(node.name.value)
        if isinstance(node, cst.FunctionDef) and _is_overload(node):
            public = False
        self._stack.append(("class" if isinstance(node, cst.ClassDef) else kind, public))
        if self._active and public:
            self._count(node.get_docstring() is not None, node, kind, node.name.value)

    def _count(self, documented: bool, node: cst.CSTNode | None, kind: str, name: str) -> None:
        self._total += 1
        message = f"public {kind} {name} has no docstring" if name else f"public {kind} has no docstring"
        facts = {"definition": kind, "name": name}
        if documented:
            self._documented += 1
        elif node is None:
            self.report_at(1, 1, message, data=facts)
        else:
            self.report(node, message, data=facts)
