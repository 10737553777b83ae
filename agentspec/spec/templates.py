"""The skeletons `agentspec new` writes: one tiny healthy task per kind, with that kind's review settings."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_LINE = "#:schema ../schema/spec.schema.json"


@dataclass(frozen=True)
class Task:
    """The placeholder task of a skeleton: one module, its test, its fix."""

    module: str
    starter: str
    test_path: str
    test: str
    solution: str


_DUPES_TEST = r"""from dupes import find_duplicates


def test_each_duplicate_listed_once():
    assert find_duplicates([1, 2, 1, 3, 1]) == [1]


def test_no_duplicates():
    assert find_duplicates(["a", "b"]) == []
"""

_DUPES_LINEAR = r'''"""Finding repeated items."""


def find_duplicates(items):
    """Return the items that occur more than once, each once, in the order they repeat."""
    seen = set()
    reported = set()
    duplicates = []
    for item in items:
        if item in seen and item not in reported:
            duplicates.append(item)
            reported.add(item)
        seen.add(item)
    return duplicates
'''

_FIX = Task(
    module="dupes.py",
    starter=r'''"""Finding repeated items."""


def find_duplicates(items):
    """Return the items that occur more than once, each once, in the order they repeat."""
    seen = set()
    duplicates = []
    for item in items:
        if item in seen:
            duplicates.append(item)
        seen.add(item)
    return duplicates
''',
    test_path="test_dupes.py",
    test=_DUPES_TEST,
    solution=_DUPES_LINEAR,
)

_OPTIMIZE = Task(
    module="dupes.py",
    starter=r'''"""Finding repeated items."""


def find_duplicates(items):
    """Return the items that occur more than once, each once, in the order they repeat."""
    duplicates = []
    for index, item in enumerate(items):
        if item in items[:index] and item not in duplicates:
            duplicates.append(item)
    return duplicates
''',
    test_path="test_dupes.py",
    test=_DUPES_TEST
    + r'''

class Counted:
    """A value that counts comparisons, so quadratic work fails fast on any machine."""

    comparisons = 0

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        return hash(self.value)

    def __eq__(self, other):
        Counted.comparisons += 1
        if Counted.comparisons > 100_000:
            raise AssertionError("too many comparisons: is find_duplicates still quadratic?")
        return self.value == other.value


def test_linear_number_of_comparisons():
    items = [Counted(i) for i in range(5_000)] * 2
    Counted.comparisons = 0
    assert len(find_duplicates(items)) == 5_000
''',
    solution=_DUPES_LINEAR,
)

_BUILD = Task(
    module="slug.py",
    starter=r'''"""Turning titles into URL slugs."""


def slugify(title):
    """Lowercase `title` and join its words (runs of letters and digits) with hyphens."""
    raise NotImplementedError
''',
    test_path="test_slug.py",
    test=r"""from slug import slugify


def test_words_joined_by_hyphens():
    assert slugify("Hello, World!") == "hello-world"


def test_digits_kept():
    assert slugify("  Top 10 tips ") == "top-10-tips"
""",
    solution=r'''"""Turning titles into URL slugs."""

import re


def slugify(title):
    """Lowercase `title` and join its words (runs of letters and digits) with hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))
''',
)

_REFACTOR = Task(
    module="report.py",
    starter=r'''"""A sales report."""


def report(orders):
    """One line per customer, sorted by name, with the total of their (customer, amount) orders."""
    totals = {}
    for customer, amount in orders:
        totals[customer] = totals.get(customer, 0) + amount
    lines = []
    for customer in sorted(totals):
        lines.append(f"{customer}: {totals[customer]:.2f}")
    return "\n".join(lines)
''',
    test_path="test_report.py",
    test=r"""import report

ORDERS = [("bob", 2.5), ("ada", 1), ("bob", 1)]


def test_report_unchanged():
    assert report.report(ORDERS) == "ada: 1.00\nbob: 3.50"


def test_totals_extracted():
    assert report.totals_by_customer(ORDERS) == {"ada": 1, "bob": 3.5}
""",
    solution=r'''"""A sales report."""


def totals_by_customer(orders):
    """The total amount of each customer's (customer, amount) orders."""
    totals = {}
    for customer, amount in orders:
        totals[customer] = totals.get(customer, 0) + amount
    return totals


def report(orders):
    """One line per customer, sorted by name, with the total of their (customer, amount) orders."""
    totals = totals_by_customer(orders)
    return "\n".join(f"{customer}: {totals[customer]:.2f}" for customer in sorted(totals))
''',
)

_SECURITY = Task(
    module="users.py",
    starter=r'''"""Looking users up."""


def find_user(db, name):
    """The (id, name) rows of the users called exactly `name`."""
    return db.execute(f"SELECT id, name FROM users WHERE name = '{name}'").fetchall()
''',
    test_path="test_users.py",
    test=r"""import sqlite3

import pytest

from users import find_user


@pytest.fixture
def db():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.executemany("INSERT INTO users (name) VALUES (?)", [("ada",), ("bob",)])
    yield connection
    connection.close()


def test_finds_by_name(db):
    assert find_user(db, "ada") == [(1, "ada")]


def test_quotes_in_name_are_data(db):
    assert find_user(db, "x' OR '1'='1") == []
""",
    solution=r'''"""Looking users up."""


def find_user(db, name):
    """The (id, name) rows of the users called exactly `name`."""
    return db.execute("SELECT id, name FROM users WHERE name = ?", (name,)).fetchall()
''',
)

_RULES_COMMENT = (
    "# Reviewer rules to run (leave `rules` out for all): thread-safety, sql-injection, quadratic,\n"
    "# leaked-reasoning, test-gaming, placeholder, docstrings, syntax-error.\n"
)
_THREAD_SAFETY = (
    '# "required" flags any class with shared state that owns no lock; "optional" does not.\n'
    'thread_safety = "optional"\n'
)
_NO_SCALING = (
    "\n# To hold a function to a growth class (e.g. linear), add a [[review.scaling]] table:\n"
    '# function = "{module}:name", setup = an expression in n giving the arguments as a tuple.\n'
)


def _review(rules: str, scaling: str = _NO_SCALING) -> str:
    """The [review] section of a skeleton with these rules (a TOML array, or '' for all)."""
    listed = f"rules = {rules}\n" if rules else '# rules = ["test-gaming", "placeholder"]\n'
    return "[review]\n" + _RULES_COMMENT + listed + _THREAD_SAFETY + scaling


_FIX_RULES = '["test-gaming", "leaked-reasoning", "placeholder", "syntax-error"]'
_BUILD_RULES = '["test-gaming", "placeholder", "docstrings", "quadratic", "syntax-error"]'

KINDS: dict[str, tuple[Task, str, str]] = {
    "bug-fix": (
        _FIX,
        "find_duplicates in dupes.py should list each repeated item once, but an item that occurs three\n"
        "times is listed twice. Fix it. Do not change the tests.\n",
        _review(_FIX_RULES),
    ),
    "debug": (
        _FIX,
        "Users report that find_duplicates in dupes.py sometimes lists the same item more than once.\n"
        "Find the cause and fix it. Do not change the tests.\n",
        _review(_FIX_RULES),
    ),
    "tdd": (
        _BUILD,
        "Write slugify in slug.py so that the tests in test_slug.py pass. Do not change the tests.\n",
        _review(_BUILD_RULES),
    ),
    "implement": (
        _BUILD,
        "Implement slugify in slug.py as its docstring describes.\n",
        _review(_BUILD_RULES),
    ),
    "feature": (
        _BUILD,
        "Add the missing feature: slugify in slug.py should lowercase a title and join its words\n"
        "(runs of letters and digits) with hyphens, e.g. 'Hello, World!' gives 'hello-world'.\n",
        _review(""),
    ),
    "refactor": (
        _REFACTOR,
        "Refactor report.py: move the summing into totals_by_customer(orders), which returns\n"
        "{customer: total}, and have report use it. report's output must not change.\n",
        _review('["docstrings", "quadratic", "placeholder", "leaked-reasoning", "syntax-error"]'),
    ),
    "security-fix": (
        _SECURITY,
        "find_user in users.py pastes the name into its SQL, so a crafted name can read every row.\n"
        "Fix it with a parameterised query. Do not change the tests.\n",
        _review('["sql-injection", "test-gaming", "leaked-reasoning", "syntax-error"]'),
    ),
    "optimize": (
        _OPTIMIZE,
        "find_duplicates in dupes.py is correct but quadratic. Make it run in linear time without\n"
        "changing what it returns. Do not change the tests.\n",
        _review(
            '["quadratic", "test-gaming", "placeholder", "syntax-error"]',
            "\n# agentspec times the function at growing sizes; its growth must not exceed max_class.\n"
            "[[review.scaling]]\n"
            'function = "{module}:find_duplicates"\n'
            "# A Python expression in n that builds the call's arguments as a tuple.\n"
            'setup = "(list(range(n)) * 2,)"\n'
            "sizes = [1000, 2000, 4000, 8000, 16000]\n"
            'max_class = "linear"\n',
        ),
    ),
}
OTHER_KIND = (_FIX, KINDS["bug-fix"][1], _review(""))

SKELETON = (
    SCHEMA_LINE
    + """
# An agentspec task. The agent gets `instructions` and a workspace holding the [[files]] and the
# visible [[tests]]; its work is graded by running the tests. Guide: docs/spec-format.md.
# `agentspec validate` checks this file; `agentspec check` checks that the tests fail on the
# starter files and pass once the [[solution]] is laid over them.

# Unique in the suite: lowercase letters, digits, '.', '_' and '-'. Keep it the file's name.
id = "{id}"
# One line for tables and page titles.
title = {title}
# bug-fix, tdd, refactor, feature, security-fix, debug, implement, optimize, or a word of your own.
kind = {kind}
# easy, medium or hard.
difficulty = "easy"
# Free labels for filtering and the site.
tags = ["python"]
# The prompt the agent gets, verbatim.
instructions = {instructions}

# Starter files, written to the workspace first. Give the text inline, as here ('''literal'''
# strings keep backslashes and quotes as they are), or read it from a file next to the spec:
# source = "{id}/{module}" reads specs/{id}/{module}.
[[files]]
path = "{module}"
content = {starter}

# Test files: the grading truth, restored from here before every grading run.
# hidden = true keeps a test from the agent; it is added to the workspace only for grading.
[[tests]]
path = "{test_path}"
hidden = false
content = {test}

# The reference solution: files that replace or add to the starter files, never a test file.
[[solution]]
path = "{module}"
content = {solution}

# How the final workspace is graded (the defaults). agentspec adds its own pytest flags.
[grading]
command = "python -m pytest"
timeout_s = 300

# The agent's budget: wall-clock seconds and model turns; tokens is unlimited unless set.
[limits]
time_s = 900
turns = 50
# tokens = 200000

# Review of the code the agent changed.
{review}
# Free facts about the task, shown on the site.
# [metadata]
# author = "Your Name"
# source = "where the task comes from"
# license = "MIT"
"""
)
