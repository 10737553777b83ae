"""The code examples of rule ``thread-safety``: they document it on the site and are tested."""

from __future__ import annotations

from agentspec.review.config import ReviewConfig
from agentspec.review.rule import Example

_REQUIRED = ReviewConfig(thread_safety_required=True)

VALID = (
    """
    import threading
    from collections import OrderedDict


    class Cache:
        def __init__(self, size):
            self._lock = threading.Lock()
            self._data = OrderedDict()
            self._size = size

        def get(self, key):
            with self._lock:
                if key not in self._data:
                    return None
                self._data.move_to_end(key)
                return self._data[key]

        def put(self, key, value):
            with self._lock:
                self._data[key] = value
                if len(self._data) > self._size:
                    self._evict()

        def _evict(self):
            self._data.popitem(last=False)

        def __len__(self):
            return len(self._data)
    """,
    """
    class Cache:
        def __init__(self):
            self._data = {}

        def put(self, k, v):
            self._data[k] = v
    """,
    """
    import threading


    class Counter:
        def __init__(self):
            self._lock = threading.Lock()
            self._n = 0

        def incr(self):
            self._lock.acquire()
            try:
                self._n += 1
            finally:
                self._lock.release()

        def value(self):
            n = self._n
            result = []
            result.append(n)
            return result
    """,
    """
    import threading


    class Queue:
        def __init__(self):
            self._cond = threading.Condition()
            self._items = []

        def put(self, x):
            with self._cond:
                self._items.append(x)
                self._cond.notify()
    """,
    Example(
        """
        class Point:
            def __init__(self, x, y):
                self.x = x
                self.y = y

            def norm(self):
                return (self.x ** 2 + self.y ** 2) ** 0.5
        """,
        config=_REQUIRED,
    ),
    """
    import threading

    _LOCK = threading.Lock()


    class Registry:
        def __init__(self):
            self.items = {}

        def add(self, k, v):
            with _LOCK:
                self.items[k] = v
    """,
    """
    import threading
    from dataclasses import dataclass, field


    @dataclass
    class Stats:
        hits: int = 0
        _lock: threading.Lock = field(default_factory=threading.Lock)

        def hit(self):
            with self._lock:
                self.hits += 1
    """,
    """
    import threading


    class Pool:
        def __init__(self):
            self._sem = threading.Semaphore(4)
            self._busy = set()

        def run(self, job):
            with self._sem:
                self._busy.add(job)
    """,
)
INVALID = (
    Example(
        """
        import threading
        from collections import OrderedDict


        class Cache:
            def __init__(self, size):
                self._lock = threading.Lock()
                self._data = OrderedDict()
                self._size = size

            def get(self, key):
                with self._lock:
                    if key not in self._data:
                        return None
                self._data.move_to_end(key)
                return self._data[key]

            def put(self, key, value):
                with self._lock:
                    self._data[key] = value
                    if len(self._data) > self._size:
                        self._evict()

            def _evict(self):
                self._data.popitem(last=False)

            def __len__(self):
                return len(self._data)
        """,
        line=15,
    ),
    Example(
        """
        import threading


        class Stats:
            def __init__(self):
                self._lock = threading.Lock()
                self.hits = 0

            def hit(self):
                self.hits += 1
        """,
        line=10,
    ),
    Example(
        """
        import threading


        class Counter:
            def __init__(self):
                self.n = 0

            def incr(self):
                with threading.Lock():
                    self.n += 1
        """,
        line=9,
    ),
    Example(
        """
        import threading


        class Cache:
            def __init__(self):
                self._lock = threading.RLock()
                self._data = {}

            def delete(self, key):
                del self._data[key]
        """,
        line=10,
    ),
    Example(
        """
        class Cache:
            def __init__(self):
                self._data = {}

            def put(self, k, v):
                self._data[k] = v
        """,
        config=_REQUIRED,
        line=1,
    ),
    Example(
        """
        import heapq
        import threading


        class Jobs:
            def __init__(self):
                self._lock = threading.Lock()
                self._heap = []

            def push(self, job):
                heapq.heappush(self._heap, job)
        """,
        line=11,
    ),
    Example(
        """
        import threading


        class Counter:
            def __init__(self):
                self._lock = threading.Lock()
                self._n = 0

            def incr(self):
                self._n += 1
                self._lock.acquire()
                self._lock.release()
        """,
        line=10,
    ),
)
