"""A compact cache: (value, expiry) tuples in one dict, no lock."""

from __future__ import annotations

import time
from typing import Any


class Cache:
    """Cache whose entries expire after a time to live."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._data: dict[str, tuple[Any, float]] = {}
        self._ttl = ttl

    def get(self, key: str) -> Any | None:
        """Return the value for ``key``, or None when it is missing or expired."""
        value, expiry = self._data.get(key, (None, 0.0))
        if expiry < time.monotonic():
            self._data.pop(key, None)
            return None
        return value

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``."""
        self._data[key] = (value, time.monotonic() + self._ttl)
