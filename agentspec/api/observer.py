"""What a run tells as it goes: `RunObserver`, silent here; the command line's prints and shows a progress bar."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from agentspec.store.sqlite import AttemptRecord


class RunObserver:
    """Told what a run does as it does it. This one tells nothing; override what you want to see."""

    def message(self, text: str) -> None:
        """A line for the person running: preflight results, what will run, what was skipped."""

    def running(self, total: int) -> AbstractContextManager[None]:
        """Entered while the `total` pending attempts run, left when they are done."""
        return nullcontext()

    def finished(self, record: AttemptRecord) -> None:
        """One attempt was recorded."""
