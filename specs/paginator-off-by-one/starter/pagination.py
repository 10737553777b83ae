"""Pagination for the list endpoints of the orders API.

`Paginator` splits a sequence into numbered pages (numbered from 1);
`paginate` builds the JSON payload the endpoints return, including the
`next_page` / `prev_page` numbers clients use to walk through results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class InvalidPage(ValueError):
    """The page number is not a whole number of at least 1."""


class EmptyPage(InvalidPage):
    """The page number is past the last page."""


class Paginator(Generic[T]):
    """Splits `items` into pages of `per_page` items."""

    def __init__(self, items: Sequence[T], per_page: int, *, allow_empty_first_page: bool = True) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.items = items
        self.per_page = per_page
        self.allow_empty_first_page = allow_empty_first_page

    @property
    def count(self) -> int:
        """Total number of items across all pages."""
        return len(self.items)

    @property
    def num_pages(self) -> int:
        """Number of pages; an empty sequence still has one (empty) page unless told otherwise."""
        if self.count == 0:
            return 1 if self.allow_empty_first_page else 0
        return self.count // self.per_page + 1

    @property
    def page_range(self) -> range:
        """The valid page numbers, 1-based."""
        return range(1, self.num_pages + 1)

    def validate_number(self, number: Any) -> int:
        """Return `number` as an int if it names an existing page, else raise InvalidPage or EmptyPage."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise InvalidPage(f"page number {number!r} is not a whole number") from None
        if number < 1:
            raise InvalidPage(f"page number {number} is less than 1")
        if number > self.num_pages:
            raise EmptyPage(f"page {number} is past the last page ({self.num_pages})")
        return number

    def page(self, number: Any) -> Page[T]:
        """Return page `number` (1-based)."""
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        return Page(self.items[start : start + self.per_page], number, self)


class Page(Generic[T]):
    """One page of results and where it sits among the others."""

    def __init__(self, items: Sequence[T], number: int, paginator: Paginator[T]) -> None:
        self.items = items
        self.number = number
        self.paginator = paginator

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<Page {self.number} of {self.paginator.num_pages}>"

    def has_next(self) -> bool:
        """Return True if there is a page after this one."""
        return self.number < self.paginator.num_pages

    def has_previous(self) -> bool:
        """Return True if there is a page before this one."""
        return self.number > 1

    def next_page_number(self) -> int:
        """Return the number of the next page; raise EmptyPage if this is the last one."""
        return self.paginator.validate_number(self.number + 1)

    def previous_page_number(self) -> int:
        """Return the number of the previous page; raise InvalidPage if this is the first one."""
        return self.paginator.validate_number(self.number - 1)

    def start_index(self) -> int:
        """1-based position of this page's first item among all items (0 if there are none)."""
        if self.paginator.count == 0:
            return 0
        return (self.number - 1) * self.paginator.per_page + 1

    def end_index(self) -> int:
        """1-based position of this page's last item among all items (0 if there are none)."""
        if self.paginator.count == 0:
            return 0
        return self.start_index() + len(self.items) - 1


def paginate(items: Sequence[Any], page: Any = 1, per_page: Any = DEFAULT_PER_PAGE) -> dict[str, Any]:
    """Build the response body for page `page` of `items`.

    `per_page` is clamped to 1..MAX_PER_PAGE; a bad or out-of-range page
    number raises InvalidPage / EmptyPage, which the views turn into a 404.
    """
    try:
        per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    except (TypeError, ValueError):
        per_page = DEFAULT_PER_PAGE
    current = Paginator(items, per_page).page(page)
    return {
        "items": list(current.items),
        "page": current.number,
        "per_page": per_page,
        "total": current.paginator.count,
        "total_pages": current.paginator.num_pages,
        "showing": [current.start_index(), current.end_index()],
        "next_page": current.number + 1 if current.has_next() else None,
        "prev_page": current.number - 1 if current.has_previous() else None,
    }
