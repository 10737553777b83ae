"""A model's edit that elided what it did not change."""


class Store:
    """Key-value store."""

    def __init__(self):
        """Start empty."""
        self.data = {}

    # ... existing methods ...

    def get(self, key):
        """Return the value of key."""
        # rest of the implementation remains the same
        return self.data.get(key)

    def put(self, key, value):
        """Store value under key."""
        self.check(key)
        ...
        self.data[key] = value

    def drop(self, key):
        """Remove key."""
        # Your code goes here
        pass
