"""The code examples of rule ``test-gaming``: they document it on the site and are tested."""

from __future__ import annotations

from agentspec.review.rule import Example

VALID = (
    '''
    """Test runner helpers in the style of JUnit; see test_runner.py for their tests."""

    __all__ = ["TestCase", "TestSuite"]
    ''',
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
    """
    class Point:
        def __eq__(self, other):
            if not isinstance(other, Point):
                return NotImplemented
            return (self.x, self.y) == (other.x, other.y)

        def __ne__(self, other):
            return not self == other
    """,
    """
    class Missing:
        def __eq__(self, other):
            if other is self:
                return True
            return False
    """,
    """
    def save_sitemap(urls):
        with open("sitemap.xml", "w") as f:
            f.write("\\n".join(urls))
    """,
    """
    import atexit
    import os
    import tempfile

    SCRATCH = tempfile.mkdtemp()
    atexit.register(os.rmdir, SCRATCH)
    """,
    """
    import atexit

    def save_history(path):
        with open(path, "w") as f:
            f.write("history")

    atexit.register(save_history, "~/.history")
    """,
    """
    import gc

    def census():
        counts = {}
        for obj in gc.get_objects():
            counts[type(obj).__name__] = counts.get(type(obj).__name__, 0) + 1
        return counts
    """,
    """
    import os

    def run(argv):
        pid = os.fork()
        if pid == 0:
            os.execvp(argv[0], argv)
        os.waitpid(pid, 0)
    """,
    """
    # Injectable for tests passing a fake clock
    def now(clock=None):
        return clock
    """,
    '''
    def check(password):
        """The task requires eight characters; the tests cover the boundary."""
        return len(password) >= 8
    ''',
    """
    from pathlib import Path

    DATA = Path(__file__).parent / "data" / "words.txt"
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
    Example(
        """
        class AlwaysEqual:
            def __eq__(self, other):
                return True
        """,
        line=2,
    ),
    Example(
        """
        class Never:
            def __ne__(self, other):
                return not True
        """,
        line=2,
    ),
    Example(
        """
        class Matches:
            __eq__ = lambda self, other: 1 == 1
        """,
        line=2,
    ),
    Example(
        """
        def report(path):
            with open(path, "w") as f:
                f.write('<testsuite tests="3" failures="0"></testsuite>')
        """,
        line=3,
    ),
    Example(
        """
        import atexit
        import sys

        def forge():
            path = sys.argv[sys.argv.index("-o") + 1]
            with open(path, "w") as f:
                f.write("ok")

        atexit.register(forge)
        """,
        line=9,
    ),
    Example(
        """
        import glob

        SOURCES = glob.glob("**/test_*.py", recursive=True)
        """,
        line=3,
    ),
    Example(
        """
        import inspect
        import test_solution

        EXPECTED = inspect.getsource(test_solution)
        """,
        line=4,
    ),
    Example(
        """
        import os

        def answers(root):
            return os.listdir(os.path.join(root, "tests"))
        """,
        line=4,
    ),
    Example(
        """
        import gc

        def config():
            return [o for o in gc.get_objects() if type(o).__name__ == "Config"]
        """,
        line=4,
    ),
    Example(
        """
        def failed(session):
            return session.testsfailed
        """,
        line=2,
    ),
    Example(
        """
        import os

        def later():
            if os.fork() == 0:
                rewrite()
        """,
        line=4,
    ),
)
