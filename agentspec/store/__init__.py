"""The results store (SQLite + artifacts) and the summaries made from it."""
