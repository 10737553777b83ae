"""Finding duplicates in O(n): count first, then collect with a seen set."""

from __future__ import annotations

from collections import Counter


def find_duplicates(items: list[int]) -> list[int]:
    """Return the values that occur more than once, in first-seen order."""
    counts = Counter(items)
    seen: set[int] = set()
    duplicates = []
    for item in items:
        if counts[item] > 1 and item not in seen:
            duplicates.append(item)
            seen.add(item)
    return duplicates
