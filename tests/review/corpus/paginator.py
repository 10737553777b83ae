"""Pagination after the off-by-one fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def paginate(items: Sequence[T], page: int, per_page: int = 10) -> list[T]:
    """Return page ``page`` (1-based) of ``items``."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page must be positive")
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


def page_count(total: int, per_page: int = 10) -> int:
    """Return how many pages ``total`` items fill."""
    return -(-total // per_page)
