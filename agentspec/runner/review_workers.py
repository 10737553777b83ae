"""Review processes a run keeps: each reviews attempt after attempt, so Python, libcst and the rules load once.

A review in a fresh process spent about 0.85 s of CPU starting up (importing agentspec, libcst, the rules and
the spec model) for a review of a few tens of milliseconds; on a run of many attempts that start-up was most of
agentspec's own cost per attempt. `ReviewWorkers` keeps up to `keep` idle review processes
(``python -m agentspec.runner.review_child``) and hands each review to one of them. The bounds stay per review:
each process runs under RLIMIT_AS at the budget's ``memory_mb``, a review over ``time_s`` kills its process,
and a process whose review failed (an exception, a crash, too much memory) is never used again. A process is
also retired after `reviews_per_process` reviews, so that nothing one review leaves behind grows for long.

Protocol, over the child's standard input and output: frames of an 8-byte big-endian length and a body. The
parent sends a pickled ``(reviewer, attempt, files)``; the child answers ``b"F"`` and the findings as JSON, or
``b"E"`` and a one-line error, after which it exits. At end of input the child exits, so a parent that dies,
however it dies, leaves no review process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from agentspec.runner.review_child import HEADER

Findings = list[dict[str, Any]]


class ReviewFailed(Exception):
    """One review did not give findings; the message says why, in a line."""


@dataclass
class _Process:
    """One review process and what it has done."""

    process: asyncio.subprocess.Process
    memory_mb: int
    stderr: IO[bytes]
    reviews: int = 0

    async def ask(self, payload: bytes) -> tuple[bytes, bytes] | None:
        """Send one review; its answer (kind, body), or None when the process ended without one."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(HEADER.pack(len(payload)) + payload)
            await self.process.stdin.drain()
            head = await self.process.stdout.readexactly(HEADER.size)
            body = await self.process.stdout.readexactly(HEADER.unpack(head)[0])
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        return body[:1], body[1:]

    def last_error_line(self) -> str:
        """The last line the process wrote to its standard error, if any."""
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    async def reap(self) -> None:
        """Kill the process if it still runs, and wait for it."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()

    async def stop(self, *, kill: bool) -> None:
        """End the process (at once with `kill`, else by closing its input) and wait for it."""
        try:
            if kill:
                await self.reap()
            elif self.process.returncode is None:
                if self.process.stdin is not None:
                    self.process.stdin.close()
                try:
                    await asyncio.wait_for(self.process.wait(), 10)
                except TimeoutError:
                    await self.reap()
        finally:
            self.stderr.close()


@dataclass
class ReviewWorkers:
    """Review processes shared by the attempts of a run: `async with ReviewWorkers() as workers: ...`.

    Attributes:
        keep: Idle processes kept for the next review (0: each review gets a process of its own).
        reviews_per_process: A process is retired after this many reviews.
    """

    keep: int = 4
    reviews_per_process: int = 50
    _idle: list[_Process] = field(default_factory=list, init=False)
    _closed: bool = field(default=False, init=False)

    async def __aenter__(self) -> ReviewWorkers:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def review(self, payload: bytes, memory_mb: int, time_s: float) -> Findings:
        """The findings for one pickled ``(reviewer, attempt, files)``.

        Raises:
            ReviewFailed: The review took longer than `time_s`, needed more than `memory_mb`, raised, or its
                process ended without an answer.
        """
        worker = self._take(memory_mb) or await self._start(memory_mb)
        reusable = False
        try:
            try:
                answer = await asyncio.wait_for(worker.ask(payload), time_s)
            except TimeoutError:
                raise ReviewFailed(f"the review took longer than {time_s:g}s and was stopped") from None
            if answer is None:
                await worker.reap()
                raise ReviewFailed(_why(worker.last_error_line(), memory_mb))
            kind, body = answer
            if kind != b"F":
                raise ReviewFailed(_why(body.decode("utf-8", "replace"), memory_mb))
            try:
                findings = json.loads(body)
            except ValueError:
                findings = None
            if not isinstance(findings, list):
                raise ReviewFailed("the review's process printed something other than findings")
            worker.reviews += 1
            reusable = True
            return findings
        finally:
            if reusable and self._keeps(worker):
                self._idle.append(worker)
            else:
                await worker.stop(kill=not reusable)

    async def close(self) -> None:
        """End every idle process (each exits at the end of its input)."""
        self._closed = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(w.stop(kill=False) for w in idle), return_exceptions=True)

    def _keeps(self, worker: _Process) -> bool:
        """Whether a process that just answered goes back to the idle ones."""
        return not self._closed and worker.reviews < self.reviews_per_process and len(self._idle) < self.keep

    def _take(self, memory_mb: int) -> _Process | None:
        for worker in self._idle:
            if worker.memory_mb == memory_mb and worker.process.returncode is None:
                self._idle.remove(worker)
                return worker
        return None

    async def _start(self, memory_mb: int) -> _Process:
        # The child imports what this process can: agentspec, and the reviewer's module wherever it came from.
        path = [str(Path(__file__).resolve().parents[2]), *(p for p in sys.path if p)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        limit = memory_mb * 1024 * 1024

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        stderr = tempfile.TemporaryFile()  # noqa: SIM115 - it lives as long as the process, closed by stop()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "agentspec.runner.review_child",
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                preexec_fn=cap,
            )
        except BaseException:
            stderr.close()
            raise
        return _Process(process, memory_mb, stderr)


def _why(message: str, memory_mb: int) -> str:
    """The reason a review failed, in a line."""
    if "MemoryError" in message:
        return f"the review failed: it needed more than its {memory_mb} MB"
    return f"the review failed: {message.strip()[:300] or 'no message'}"
