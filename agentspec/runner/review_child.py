"""A review process of `ReviewWorkers`: reviews what its parent sends, one frame after another, until end of input.

Each frame (8-byte big-endian length, body) holds a pickled ``(reviewer, attempt, files)``; the answer is a frame
of ``b"F"`` and the findings as JSON, or of ``b"E"`` and a one-line error, after which the process exits (its
state is no longer trusted). Whatever a reviewer prints goes to standard error, never into the answers.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import sys
from typing import BinaryIO

HEADER = struct.Struct(">Q")


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def _send(out: BinaryIO, body: bytes) -> None:
    out.write(HEADER.pack(len(body)) + body)
    out.flush()


def main() -> None:
    """Review frame after frame from standard input; stop at its end or after a failed review."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a reviewer's print() cannot corrupt an answer
    requests = sys.stdin.buffer
    while (head := _read(requests, HEADER.size)) is not None:
        payload = _read(requests, HEADER.unpack(head)[0])
        if payload is None:
            return
        try:
            reviewer, attempt, files = pickle.loads(payload)  # noqa: S301 - our own parent's payload
            answer = b"F" + json.dumps(reviewer(attempt, files)).encode("utf-8")
        except BaseException as exc:  # noqa: BLE001 - any failure is this review's answer, then the process ends
            del payload
            _send(answers, b"E" + f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")[:2000])
            sys.exit(1)
        _send(answers, answer)


if __name__ == "__main__":
    main()
