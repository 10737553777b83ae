"""In-memory cache for the API layer.

Lookups against the accounts service are slow, so request handlers keep
recently fetched records here for a short while. The cache is not written
yet: test_cache.py describes the behaviour we need.
"""


class Cache:
    """A key/value store whose entries can expire after a time-to-live."""
