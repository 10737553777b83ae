"""Merging of already-sorted sequences.

The export job receives one result list per shard, each already sorted by
timestamp, and combines them into a single ordered stream. Re-sorting the
concatenation would work too, but the shards can be large and the merge keeps
the job linear and stable (records with equal keys keep their shard order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

KeyFunc = Callable[[T], Any]


def _identity(value: T) -> T:
    return value


def merge_sorted_lists(left: Sequence[T], right: Sequence[T], key: KeyFunc[T] | None = None) -> list[T]:
    """Merge two sequences that are each sorted by `key` into one sorted list.

    The merge is stable: when items compare equal, those from `left` come
    first. Neither input is modified.

    >>> merge_sorted_lists([1, 4, 9], [2, 3, 10])
    [1, 2, 3, 4, 9, 10]
    """
    key = key or _identity
    merged: list[T] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if key(right[j]) < key(left[i]):
            merged.append(right[j])
            j += 1
        else:
            merged.append(left[i])
            i += 1
    # One side is exhausted; whatever is left on the other side is already sorted.
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def merge_many(sequences: Iterable[Sequence[T]], key: KeyFunc[T] | None = None) -> list[T]:
    """Merge any number of sorted sequences, keeping equal items in input order."""
    merged: list[T] = []
    for sequence in sequences:
        merged = merge_sorted_lists(merged, sequence, key=key)
    return merged


def is_sorted(items: Sequence[T], key: KeyFunc[T] | None = None) -> bool:
    """Return True if `items` is in non-decreasing order of `key`."""
    key = key or _identity
    return all(not key(items[n + 1]) < key(items[n]) for n in range(len(items) - 1))
