"""A counter that takes its lock for every change, and a class without shared state."""

import threading


class Counter:
    """Counts events from many threads."""

    def __init__(self):
        """Start at zero."""
        self._lock = threading.Lock()
        self.value = 0

    def incr(self):
        """Add one."""
        with self._lock:
            self.value += 1

    def reset(self):
        """Back to zero."""
        self._lock.acquire()
        try:
            self._set(0)
        finally:
            self._lock.release()

    def _set(self, value):
        self.value = value


class Point:
    """An immutable point."""

    def __init__(self, x, y):
        """Store the coordinates."""
        self.x = x
        self.y = y

    def norm(self):
        """Return the length."""
        return (self.x**2 + self.y**2) ** 0.5
