"""Finding duplicates, as the optimize task starts: O(n²)."""

from __future__ import annotations


def find_duplicates(items: list[int]) -> list[int]:
    """Return the values that occur more than once, in first-seen order."""
    duplicates = []
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if items[i] == items[j] and items[i] not in duplicates:
                duplicates.append(items[i])
    return duplicates


def find_duplicates_single_pass(items: list[int]) -> list[int]:
    """Return the duplicated values with one pass and a seen set."""
    seen = set()
    duplicates = []
    for item in items:
        if item in seen and item not in duplicates:
            duplicates.append(item)
        seen.add(item)
    return duplicates
