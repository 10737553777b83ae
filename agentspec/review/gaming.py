"""What code aimed at the grader looks like: helpers of the ``test-gaming`` rule.

Each helper answers one question about a node or a piece of text, without state, so the rule
stays a list of the places it looks at.
"""

from __future__ import annotations

import re

import libcst as cst

# Attributes that only pytest's own objects have (Config, Session, the terminal reporter).
PYTEST_ATTRIBUTES = frozenset({"pluginmanager", "testsfailed", "testscollected", "shouldfail"})
GC_WALKS = frozenset({"get_objects", "get_referrers", "get_referents"})
SOURCE_READERS = frozenset({"getsource", "getsourcelines", "getsourcefile", "getfile", "findsource"})
PATH_CALLS = frozenset(
    {"open", "Path", "glob", "iglob", "rglob", "listdir", "scandir", "walk", "join", "exists", "isdir", "isfile"}
)
_TEST_FILE = re.compile(r"(?:^|[/\\])(?:test[_*][\w*.-]*\.py|[\w*.-]*_test\.py|conftest\.py)$")
_TESTS_FOLDER = re.compile(r"^(?:\./)?tests?/")
_REPORT_FILE = re.compile(r"(?:junit|pytest|report|result|test)[\w.-]*\.xml$", re.IGNORECASE)
_PYTEST_INTERNALS = re.compile(r"\b(?:Config|Session|TerminalReporter|LogXML|TestReport|pluginmanager|_?pytest)\b")
_WRITES = re.compile(r"""open\([^\n]*?['"][wax]b?\+?['"]|\.write_(?:text|bytes)\(|\bos\._exit\(""")
_ABOUT_REPORTS = re.compile(r"sys\.argv|junit|\.xml\b|report|os\._exit\(", re.IGNORECASE)
_WAITS = re.compile(r"\bwait(?:pid|3|4|id|status)\(|\bos\.wait\(")


def literal_text(node: cst.SimpleString) -> str:
    """Return a string literal's text without prefix and quotes (escapes left as written)."""
    value = node.value
    start = len(node.prefix) + len(node.quote)
    return value[start : len(value) - len(node.quote)]


def report_literal(text: str) -> str | None:
    """Say how a string literal names the test report, if it does."""
    lowered = text.lower()
    if "junit" in lowered:
        return "names the JUnit report"
    if "<testsuite" in lowered or "<testcase" in lowered or text in ("testsuite", "testsuites", "testcase"):
        return "writes a JUnit report (<testsuite>/<testcase>)"
    if _REPORT_FILE.search(text):
        return f"names a test report file ({text})"
    return None


def test_file_literal(text: str) -> bool:
    """Tell whether a string literal names a test file, a pattern of them or a path under ``tests/``."""
    return bool(_TEST_FILE.search(text) or _TESTS_FOLDER.match(text))


def is_test_module(module: str) -> bool:
    """Tell whether a dotted module name is a test module or package (``test_x``, ``x_test``, ``tests``)."""
    parts = module.split(".")
    return any(part.startswith("test_") or part.endswith("_test") or part in ("tests", "conftest") for part in parts)


def mentions_pytest_internals(code: str) -> bool:
    """Tell whether code names pytest's Config, Session, reporter or plugin manager."""
    return bool(_PYTEST_INTERNALS.search(code))


def writes_report(code: str) -> bool:
    """Tell whether a function's code writes a file and is about the report or the exit status."""
    return bool(_WRITES.search(code) and _ABOUT_REPORTS.search(code))


def waits_for_children(code: str) -> bool:
    """Tell whether code waits for a child process (``os.waitpid``, ``os.wait`` and the like)."""
    return bool(_WAITS.search(code))


def always_equal(node: cst.FunctionDef | cst.Lambda, name: str) -> bool:
    """Tell whether ``__eq__`` always returns a true constant, or ``__ne__`` a false one."""
    wanted = name == "__eq__"
    if isinstance(node, cst.Lambda):
        return truth(node.body) is wanted
    returns = _returns(node.body)
    return bool(returns) and all(value is not None and truth(value) is wanted for value in returns)


def truth(node: cst.BaseExpression) -> bool | None:
    """Return the truth of a constant expression (``True``, ``1``, ``not False``, ``1 == 1``), else ``None``."""
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return node.value == "True"
    if isinstance(node, cst.Integer):
        return node.value.strip("0_xXoObB") != ""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        inner = truth(node.expression)
        return None if inner is None else not inner
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        left, right = _literal(node.left), _literal(node.comparisons[0].comparator)
        operator = node.comparisons[0].operator
        if left is not None and right is not None and isinstance(operator, cst.Equal | cst.NotEqual):
            return (left == right) is isinstance(operator, cst.Equal)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "bool":
        return truth(node.args[0].value) if len(node.args) == 1 else False
    return None


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Integer | cst.SimpleString):
        return node.value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return node.value
    return None


def _returns(body: cst.BaseSuite) -> list[cst.BaseExpression | None]:
    collector = _Returns()
    body.visit(collector)
    return collector.values


class _Returns(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[cst.BaseExpression | None] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)
