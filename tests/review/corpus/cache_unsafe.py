"""A cache that owns a lock but does not always hold it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class Cache:
    """Least-recently-used cache."""

    def __init__(self, max_size: int = 128) -> None:
        self._lock = threading.Lock()
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._max_size = max_size
        self.hits = 0

    def get(self, key: str) -> Any | None:
        """Return the value for ``key``, or None."""
        with self._lock:
            if key not in self._data:
                return None
        self._data.move_to_end(key)
        self.hits += 1
        return self._data[key]

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``."""
        with self._lock:
            self._data[key] = value
        if len(self._data) > self._max_size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        """Remove every entry."""
        with threading.Lock():
            self._data.clear()
