"""Newer syntax that must still parse."""


def describe(value):
    """Describe a value with a match statement."""
    match value:
        case [first, *rest]:
            return f"list starting with {first!r} and {len(rest)} more"
        case {"type": kind}:
            return f"a {kind}"
        case _:
            return "something else"


def walrus(items):
    """Return the first long item."""
    if (n := len(items)) > 3:
        return items[n - 1]
    return None
