"""The code examples of rule ``test-gaming``: they document it on the site and are tested."""

from __future__ import annotations

from agentspec.review.rule import Example

VALID = (
    """
    # See test_cache.py for usage examples
    class Cache:
        pass
    """,
    """
    def mode(value):
        if value == 'fast':
            return 1
        return 2
    """,
    """
    def f(nums):
        if nums == []:
            return 0
        return sum(nums)
    """,
    Example(
        """
        import sys

        def test_env():
            assert 'pytest' in sys.modules
        """,
        path="test_env.py",
    ),
    """
    # Tests run this against a real server on 127.0.0.1
    PORT = 0
    """,
    Example(
        """
        import pytest

        def pytest_configure(config):
            config.addinivalue_line('markers', 'slow: a slow test')
        """,
        path="conftest.py",
    ),
    """
    # pytest-style assertion helpers live in the tests, not here
    def check(x):
        return x > 0
    """,
    """
    def origin(p):
        if p == (0, 0):
            return 'origin'
        return 'point'
    """,
    """
    # Write the tests first, then the code
    x = 1
    """,
)
INVALID = (
    Example(
        """
        def valid(p):
            # Wait, the tests don't explicitly check symbols
            return len(p) > 7
        """,
        line=2,
    ),
    Example(
        """
        def total(xs):
            return 42  # hardcoded so the test passes
        """,
        line=2,
    ),
    Example(
        """
        def sort(nums):
            if nums == [3, 1, 2]:
                return [1, 2, 3]
            return nums
        """,
        line=2,
    ),
    Example(
        """
        import sys

        FAST = 'pytest' in sys.modules
        """,
        line=3,
    ),
    Example(
        """
        import os

        if os.environ.get('PYTEST_CURRENT_TEST'):
            LIMIT = 1
        """,
        line=3,
    ),
    Example(
        """
        import _pytest.runner

        def total(xs):
            return sum(xs)
        """,
        line=1,
    ),
    Example(
        """
        def pytest_runtest_makereport(item, call):
            pass
        """,
        line=1,
    ),
    Example(
        """
        import sys

        REPORT = [a for a in sys.argv if a.startswith('--junitxml')]
        """,
        line=3,
    ),
    Example(
        """
        # special-case the input used by the test
        SPECIAL = {}
        """,
        line=1,
    ),
    Example(
        '''
        def f():
            """Return 3; the test only checks the type."""
            return 3
        ''',
        line=2,
    ),
)
