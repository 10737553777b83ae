"""A counter and a cache that own a lock but do not always take it."""

import threading


class Counter:
    """Counts events from many threads."""

    def __init__(self):
        """Start at zero."""
        self._lock = threading.Lock()
        self.value = 0
        self.events = []

    def incr(self):
        """Add one."""
        with self._lock:
            self.value += 1
        self.events.append("incr")

    def reset(self):
        """Back to zero."""
        self.value = 0

    def clear(self):
        """Forget events."""
        with threading.Lock():
            self.events.clear()
