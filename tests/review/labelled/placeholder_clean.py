"""Stubs, protocols and comments that describe the code, not elide it."""

from typing import Protocol, overload


class Reader(Protocol):
    """Anything with a read method."""

    def read(self, size: int) -> bytes: ...


@overload
def first(items: list[int]) -> int: ...
@overload
def first(items: list[str]) -> str: ...
def first(items):
    """Return the first item."""
    # The rest of the function handles the empty case
    if not items:
        return None
    return items[0]


def later():
    """Not written yet."""
    # TODO: implement the cache
    pass


def example():
    """Show the output.

    >>> example()
    ...
    """
    # ...
    return None
