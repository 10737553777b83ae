"""Geometry helpers, documented."""


def area(r):
    """Return the area of a circle of radius r."""
    return 3.14159 * r * r


def _private(r):
    return r


class Shape:
    """A shape."""

    def perimeter(self):
        """Return the perimeter."""
        return 0

    def __repr__(self):
        return "Shape()"
