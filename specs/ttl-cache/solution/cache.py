"""In-memory cache for the API layer.

Lookups against the accounts service are slow, so request handlers keep
recently fetched records here for a short while. The cache is shared by the
worker threads of the web app, so every operation takes the cache's lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

# A stored entry: the value and the monotonic time at which it expires (None: never).
_Entry = tuple[Any, float | None]


class Cache:
    """A thread-safe key/value store whose entries can expire after a time-to-live.

    `default_ttl` (seconds) applies to entries stored without their own `ttl`;
    None means entries never expire. Expired entries are dropped lazily, when
    they are next looked at.
    """

    def __init__(
        self, default_ttl: float | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if default_ttl is not None and default_ttl <= 0:
            raise ValueError("default_ttl must be positive or None")
        self._default_ttl = default_ttl
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the value stored under `key`, or `default` if it is missing or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            value, expires_at = entry
            if self._expired(expires_at):
                del self._entries[key]
                return default
            return value

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store `value` under `key` for `ttl` seconds (default: the cache's `default_ttl`)."""
        if ttl is not None and ttl <= 0:
            raise ValueError("ttl must be positive or None")
        lifetime = ttl if ttl is not None else self._default_ttl
        expires_at = None if lifetime is None else self._clock() + lifetime
        with self._lock:
            self._entries[key] = (value, expires_at)

    def delete(self, key: Hashable) -> bool:
        """Remove `key`; return True if a live entry was removed."""
        with self._lock:
            entry = self._entries.pop(key, None)
            return entry is not None and not self._expired(entry[1])

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        """Return the number of entries that have not expired, dropping the expired ones."""
        with self._lock:
            self._purge_expired()
            return len(self._entries)

    def _expired(self, expires_at: float | None) -> bool:
        return expires_at is not None and self._clock() >= expires_at

    def _purge_expired(self) -> None:
        now = self._clock()
        stale = [
            key
            for key, (_, expires_at) in self._entries.items()
            if expires_at is not None and now >= expires_at
        ]
        for key in stale:
            del self._entries[key]
