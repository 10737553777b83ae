"""The child process of `review_bounded`: read (reviewer, attempt, files) pickled on stdin, print findings as JSON."""

from __future__ import annotations

import json
import pickle
import sys


def main() -> None:
    """Review what the parent sent and print the findings."""
    reviewer, attempt, files = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - our own parent's payload
    json.dump(reviewer(attempt, files), sys.stdout)


if __name__ == "__main__":
    main()
