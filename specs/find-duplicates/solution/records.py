"""Data-quality helpers for the nightly customer import.

The import job reads customer rows exported from the shop, the CRM and the
newsletter tool, normalises them, and reports anything that needs a human to
look at it before the rows are merged into the warehouse: duplicate email
addresses, duplicate customer numbers, rows with missing fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

REQUIRED_FIELDS = ("customer_id", "email", "name")


def normalise_email(address: str) -> str:
    """Return *address* in the form used for comparisons: trimmed and lower-case."""
    return address.strip().lower()


def find_duplicates(items: Sequence[T]) -> list[T]:
    """Return the items that occur more than once in *items*.

    Each duplicated item is reported once, in the order of its first
    occurrence in *items*. Items must be hashable; this runs in linear time.

    >>> find_duplicates(["b", "a", "c", "a", "b", "a"])
    ['b', 'a']
    """
    counts: dict[T, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    # dicts keep insertion order, so the keys are already in first-occurrence order
    return [item for item, count in counts.items() if count > 1]


def duplicate_emails(customers: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the normalised email addresses shared by more than one customer row."""
    return find_duplicates([normalise_email(row["email"]) for row in customers])


def duplicate_customer_ids(customers: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Return the customer numbers that appear on more than one row."""
    return find_duplicates([row["customer_id"] for row in customers])


def incomplete_rows(customers: Iterable[Mapping[str, Any]]) -> list[int]:
    """Return the positions of rows where a required field is missing or blank."""
    bad: list[int] = []
    for position, row in enumerate(customers):
        for field in REQUIRED_FIELDS:
            value = row.get(field)
            if value is None or (isinstance(value, str) and not value.strip()):
                bad.append(position)
                break
    return bad
