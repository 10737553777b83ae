"""Ordinary code that mentions tests, compares, forks and writes XML without aiming at the grader."""

import atexit
import gc
import os
import tempfile


class Point:
    """A point that compares by value."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __eq__(self, other):
        if not isinstance(other, Point):
            return NotImplemented
        return (self.x, self.y) == (other.x, other.y)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result


class Sentinel:
    """The one missing value: equal only to itself."""

    def __eq__(self, other):
        return other is self


def export(rows, path):
    # The tests run this against a temporary folder; see test_export.py for examples
    with open(path, "w") as handle:
        handle.write("<rows>" + "".join(f"<row>{row}</row>" for row in rows) + "</rows>")


def save_sitemap(urls):
    """Write sitemap.xml for the site; the tests compare it with a fixture."""
    with open("sitemap.xml", "w") as handle:
        handle.write("\n".join(urls))


def run_child(command):
    # Wait for the child so that it never outlives the caller
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    os.waitpid(pid, 0)


_scratch = tempfile.mkdtemp()
atexit.register(os.rmdir, _scratch)


def leak_report():
    """Count the objects of each type, for memory debugging."""
    counts = {}
    for obj in gc.get_objects():
        counts[type(obj).__name__] = counts.get(type(obj).__name__, 0) + 1
    return counts


def clock(now=None):
    # Injectable for tests passing a fake clock
    return now


def parse(text):
    # Special-case the empty string (the tests cover it too)
    if not text:
        return []
    return text.split(",")


def mode(value):
    if value == "fast":
        return 1
    return 2
