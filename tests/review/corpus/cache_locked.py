"""A size-bounded cache with expiry, safe to share between threads."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class Cache:
    """Least-recently-used cache whose entries expire after a time to live."""

    def __init__(self, max_size: int = 128, ttl: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._data: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self._max_size = max_size
        self._ttl = ttl
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        """Return the value for ``key``, or None when it is missing or expired."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None or entry[1] < time.monotonic():
                self._data.pop(key, None)
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry[0]

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, evicting the least recently used entry when full."""
        with self._lock:
            self._data[key] = (value, time.monotonic() + self._ttl)
            self._data.move_to_end(key)
            if len(self._data) > self._max_size:
                self._evict()

    def delete(self, key: str) -> bool:
        """Remove ``key``; return whether it was there."""
        with self._lock:
            return self._data.pop(key, None) is not None

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def _evict(self) -> None:
        self._data.popitem(last=False)
