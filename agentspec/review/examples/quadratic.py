"""The code examples of rule ``quadratic``: they document it on the site and are tested."""

from __future__ import annotations

from agentspec.review.rule import Example

VALID = (
    """
    def completions(words):
        out = []
        for word in words:
            word = word + " "
            out.append(word)
        return out
    """,
    """
    def forget(doomed, seen):
        for x in doomed:
            if x in seen:
                seen.remove(x)
    """,
    """
    def widths(lines):
        return [line.count(",") for line in lines]
    """,
    """
    def total(values):
        result = 0
        for value in values:
            result = result + value
        return result
    """,
    """
    def labels(rows):
        out = []
        for row in rows:
            label = "row "
            label = label + str(row)
            out.append(label)
        return out
    """,
    """
    class Page:
        def __init__(self):
            self.tags = set()

        def tagged(self, names):
            return [n for n in names if n in self.tags]
    """,
    """
    def first_repeat(words):
        counts = {}
        for w in words:
            if w in counts:
                return w
            counts[w] = 1
    """,
    """
    def dupes(items):
        seen, dupes = set(), set()
        for x in items:
            if x in seen:
                dupes.add(x)
            seen.add(x)
        return dupes
    """,
    """
    def vowels(text):
        return sum(1 for c in text if c in 'aeiou')
    """,
    """
    def f(xs):
        return [x for x in xs if x in (1, 2, 3)]
    """,
    """
    def total(grid):
        t = 0
        for row in grid:
            for cell in row:
                t += cell
        return t
    """,
    """
    from collections import deque

    def bfs(start):
        queue = deque([start])
        while queue:
            node = queue.popleft()
            queue.extend(node.children)
    """,
    """
    def anagrams(words):
        groups = {}
        for w in words:
            groups.setdefault(''.join(sorted(w)), []).append(w)
        return groups
    """,
    """
    def f(xs, n):
        out = []
        for i in range(n):
            if i in range(10, 20):
                out.append(xs[i])
        return out
    """,
    """
    def f(words):
        stop = ['a', 'an', 'the']
        return [w for w in words if w not in stop]
    """,
    """
    def cells(grid):
        for i in range(len(grid)):
            for j in range(len(grid[i])):
                yield grid[i][j]
    """,
    """
    def f(xs):
        top = sorted(xs)
        for x in top:
            print(x)
    """,
)
INVALID = (
    Example(
        """
        def dupes(items):
            dupes = []
            for x in items:
                if items.count(x) > 1 and x not in dupes:
                    dupes.append(x)
            return dupes
        """,
        line=4,
    ),
    Example(
        """
        def dupes(xs):
            out = []
            for i in range(len(xs)):
                for j in range(i + 1, len(xs)):
                    if xs[i] == xs[j]:
                        out.append(xs[i])
            return out
        """,
        line=4,
    ),
    Example(
        """
        def bfs(start):
            queue = [start]
            while queue:
                node = queue.pop(0)
        """,
        line=4,
    ),
    Example(
        """
        def f(xs):
            out = []
            for x in xs:
                out = out + [x * 2]
            return out
        """,
        line=4,
    ),
    Example(
        """
        def flat(lists):
            return sum(lists, [])
        """,
        line=2,
    ),
    Example(
        """
        def f(xs):
            return [x for x in xs if x == max(xs)]
        """,
        line=2,
    ),
    Example(
        """
        def common(a, b: list[int]):
            return [x for x in a if x in b]
        """,
        line=2,
    ),
    Example(
        """
        def pairs(xs):
            return [(a, b) for a in xs for b in xs if a < b]
        """,
        line=2,
    ),
    Example(
        """
        def f(xs):
            out = []
            for x in xs:
                out.insert(0, x)
            return out
        """,
        line=4,
    ),
    Example(
        """
        def positions(needles, haystack):
            return [haystack.index(n) for n in needles]
        """,
        line=2,
    ),
    Example(
        """
        def drop(doomed, pool):
            for x in doomed:
                if x in pool:
                    pool.remove(x)
            pool.sort()
        """,
        line=3,
    ),
    Example(
        """
        def render(rows):
            text = ""
            for row in rows:
                text = text + str(row) + "\\n"
            return text
        """,
        line=4,
    ),
    Example(
        """
        class Roster:
            def __init__(self):
                self.members = []

            def missing(self, names):
                return [n for n in names if n not in self.members]
        """,
        line=6,
    ),
    Example(
        """
        def drain(queue):
            done = []
            while queue:
                done.append(queue.pop(0))
            return done
        """,
        line=4,
    ),
)
