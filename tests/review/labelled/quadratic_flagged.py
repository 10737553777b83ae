"""Inventory helpers written the slow way."""


def unique_in_order(items):
    """Return the items without repeats, first occurrence first."""
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def positions(needles, haystack):
    """Return where each needle first appears in haystack."""
    return [haystack.index(needle) for needle in needles]


def drop_all(doomed, pool):
    """Remove every doomed element from pool and sort the rest, in place."""
    for value in doomed:
        if value in pool:
            pool.remove(value)
    pool.sort()


def tally(words, vocabulary):
    """Count how often each vocabulary word occurs in words."""
    counts = {}
    for word in vocabulary:
        counts[word] = words.count(word)
    return counts


def doubled(values):
    """Return every value twice, in a new list."""
    out = []
    for value in values:
        out = out + [value, value]
    return out


def render(rows):
    """Join rows into one text, one per line."""
    text = ""
    for row in rows:
        text = text + str(row) + "\n"
    return text


class Roster:
    """Members of a team, in joining order."""

    def __init__(self):
        """Start with nobody."""
        self.members = []

    def join(self, name):
        """Add a member."""
        self.members.append(name)

    def missing(self, names):
        """Return the names that are not members."""
        return [name for name in names if name not in self.members]

    def ranks(self, names):
        """Return each member's position in the roster."""
        return {name: self.members.index(name) for name in names}


def shift_all(queue):
    """Drain a list used as a queue."""
    done = []
    while queue:
        done.append(queue.pop(0))
    return done


def flatten(groups):
    """Concatenate lists."""
    return sum(groups, [])


def closest_pairs(points):
    """Return every pair of points in order."""
    pairs = []
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            pairs.append((points[i], points[j]))
    return pairs
