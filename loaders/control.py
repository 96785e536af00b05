"""What a running load is doing, and how to stop it: a :class:`LoadControl` passed to ``load_files``.

The load reports its phase and row counts to the control and, between chunks of work (each
file read, every thousand rows validated, each chunk of the comparison with the graph), stops
with :class:`~gnlc.errors.LoadCancelled` when a cancel was asked. It stops before it writes:

- row by row, batches are written one by one and each is final, so the first write is the
  point of no return: a cancel asked after it is refused and the load finishes;
- a first load in bulk into an empty graph can be cancelled to its end: it is undone, and
  the graph is empty again, as it was.

A cancelled load leaves the graph exactly as it was. The load runs in one thread; ``cancel``
and the readers of the counts may be called from any other.
"""

from __future__ import annotations

import threading
from typing import Literal

from gnlc.errors import LoadCancelled

Phase = Literal["queued", "waiting", "reading", "validating", "comparing", "writing", "done"]
CHECK_EVERY = 1_000  # rows validated between two checks


class LoadControl:
    """The phase and counts of one load, and a cancel it obeys until its point of no return."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._final = False  # past the point of no return: cancels are refused
        self.phase: Phase = "queued"
        self.rows_read = 0
        self.rows_validated = 0
        self.rows_written = 0

    def cancel(self) -> bool:
        """Ask the load to stop at its next check. False when it can no longer stop without
        leaving the graph half-written (it is writing row by row) or has ended."""
        with self._lock:
            if self._final:
                return False
            self._cancelled = True
            return True

    @property
    def cancel_requested(self) -> bool:
        return self._cancelled

    @property
    def cancellable(self) -> bool:
        return not self._final

    def check(self, phase: Phase, *, read: int = 0, validated: int = 0, written: int = 0) -> None:
        """A point where the load may stop: count what was done, and raise LoadCancelled when
        a cancel was asked (the caller undoes whatever it wrote since its last final point)."""
        with self._lock:
            self.phase = phase
            self.rows_read += read
            self.rows_validated += validated
            self.rows_written += written
            if self._cancelled and not self._final:
                raise LoadCancelled(f"the load was cancelled while {phase}; the graph is as it was")

    def wrote(self, rows: int) -> None:
        """Rows written past the point of no return: counted, never stopped."""
        with self._lock:
            self.rows_written += rows

    def commit(self) -> None:
        """The point of no return: stop now if a cancel was asked, otherwise refuse any cancel
        from now on (the load writes, or has written, what cannot be undone)."""
        with self._lock:  # one step: a cancel either comes before it (and stops the load) or is refused
            self.phase = "writing"
            if self._cancelled and not self._final:
                raise LoadCancelled("the load was cancelled before its last write; the graph is as it was")
            self._final = True

    def writer_checkpoint(self, phase: str) -> None:
        """For ``GraphWriter(checkpoint=...)``: "comparing" may stop, "writing" is the commit."""
        if phase == "writing":
            self.commit()
        else:
            self.check("comparing")

    def end(self) -> None:
        """The load ended (finished, failed or cancelled): nothing left to cancel."""
        with self._lock:
            self._final = True
            self.phase = "done"
