"""Inventory helpers written the fast way, with look-alikes of the slow ones."""

from collections import deque


def unique_in_order(items):
    """Return the items without repeats, first occurrence first."""
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def lookup(keys, table):
    """Return the values of keys present in a mapping."""
    return [table[key] for key in keys if key in table]


def separators(lines):
    """Count the commas on each line."""
    return [line.count(",") for line in lines]


def first_space(lines):
    """Return where the first space is on each line."""
    return [line.index(" ") if " " in line else -1 for line in lines]


def total(values):
    """Add the values with an explicit accumulator."""
    result = 0
    for value in values:
        result = result + value
    return result


def render(rows):
    """Join rows into one text, one per line."""
    return "".join(f"{row}\n" for row in rows)


def drain(start):
    """Breadth-first walk with a deque."""
    queue = deque([start])
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        queue.extend(node.children)
    return order


class Registry:
    """Handlers by name."""

    def __init__(self):
        """Start empty."""
        self.handlers = {}

    def known(self, names):
        """Return the names that have a handler."""
        return [name for name in names if name in self.handlers]


def vowels(words):
    """Count the vowels of each word."""
    return [sum(1 for c in word if c in "aeiou") for word in words]


def grid_sum(grid):
    """Add every cell of a grid."""
    return sum(cell for row in grid for cell in row)


def retry_delays(attempts):
    """Return growing delays, capped."""
    delay = 0.1
    delays = []
    for _ in range(attempts):
        delay = delay + delay
        delays.append(min(delay, 5.0))
    return delays


def forget(doomed, seen):
    """Remove doomed values from a set of seen ones."""
    for value in doomed:
        if value in seen:
            seen.remove(value)


def longest_line(text, widths):
    """Return how many lines the text has, once per width."""
    lines = text.count("\n") + 1
    return [lines * width for width in widths]


class Page:
    """A page of text."""

    def __init__(self, text):
        """Keep the text."""
        self.text = text
        self.tags = set()

    def tagged(self, names):
        """Return the names that tag the page."""
        return [name for name in names if name in self.tags]
