"""What a running load is doing, and how to stop it: a :class:`LoadControl` passed to ``load_files``.

The load reports its phase and row counts to the control and, between chunks of work (each
file read, every thousand rows validated, each chunk of the comparison with the graph), stops
with :class:`~gnlc.errors.LoadCancelled` when a cancel was asked. It stops before it writes:

- row by row, batches are written one by one and each is final, so the first write is the
  point of no return: a cancel asked after it is refused and the load finishes;
- a first load in bulk into an empty graph can be cancelled to its end: it is undone, and
  the graph is empty again, as it was.

A cancelled load leaves the graph exactly as it was. A load can also be *stopped* (``stop``:
Ctrl-C or SIGTERM of ``gnlc load``): before its point of no return it is cancelled as above;
past it, it ends after the batch being written with :class:`LoadInterrupted`, which says how
many batches are in the graph (each whole). Running the same load again completes it: what is
written already is found unchanged, and the rows' content hashes, written last, are not there
yet, so no row is skipped (see ``graph/writer.py``).

The load runs in one thread; ``cancel``, ``stop`` and the readers of the counts may be called
from any other (or from a signal handler of the load's own thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal

from gnlc.errors import GnlcError, LoadCancelled

Phase = Literal["queued", "waiting", "reading", "validating", "comparing", "writing", "done"]
CHECK_EVERY = 1_000  # rows validated between two checks


class LoadInterrupted(GnlcError):
    """A load was stopped (Ctrl-C, SIGTERM) while it wrote row by row: the batches written before
    are in the graph, each whole; running the same load again completes it."""

    exit_code = 130  # as for an interrupt: 143 after SIGTERM
    http_status = 409


class LoadControl:
    """The phase and counts of one load, and a cancel it obeys until its point of no return.
    ``on_phase`` is called with the control as the load enters each phase (in the load's thread)."""

    def __init__(self, on_phase: Callable[[LoadControl], None] | None = None) -> None:
        self._lock = threading.RLock()  # re-entrant: a signal handler may stop the load inside a check
        self._cancelled = False
        self._stop = False  # stop even past the point of no return, after the batch being written
        self._final = False  # past the point of no return: cancels are refused
        self._verb = "cancelled"
        self._why: str | None = None
        self._phase: Phase = "queued"
        self._on_phase = on_phase
        self.rows_read = 0
        self.rows_validated = 0
        self.rows_written = 0
        self.batches_written = 0  # row by row, past the point of no return

    @property
    def phase(self) -> Phase:
        return self._phase

    @phase.setter
    def phase(self, phase: Phase) -> None:
        changed, self._phase = phase != self._phase, phase
        if changed:
            self._announce()

    def cancel(self, why: str | None = None) -> bool:
        """Ask the load to stop at its next check (``why`` is said in its LoadCancelled). False
        when it can no longer stop without leaving the graph half-written (it is writing row by
        row) or has ended."""
        with self._lock:
            if self._final:
                return False
            self._cancelled = True
            self._why = self._why or why
            return True

    def stop(self, verb: str) -> bool:
        """Stop as soon as what is written is whole (``verb``: "interrupted by SIGINT"): as a
        cancel before the point of no return (True: the graph will be as it was), else after the
        batch being written (False: the batches written stay; the same load run again completes it)."""
        with self._lock:
            self._stop = self._cancelled = True
            self._verb = verb
            return not self._final

    @property
    def cancel_requested(self) -> bool:
        return self._cancelled

    @property
    def cancellable(self) -> bool:
        return not self._final

    def cancelled(self, when: str) -> LoadCancelled:
        """The error of a load cancelled at ``when`` ("while validating", "before it started")."""
        why = f": {self._why}" if self._why else ""
        return LoadCancelled(f"the load was {self._verb} {when}{why}; the graph is as it was")

    def check(self, phase: Phase, *, read: int = 0, validated: int = 0, written: int = 0) -> None:
        """A point where the load may stop: count what was done, and raise LoadCancelled when
        a cancel was asked (the caller undoes whatever it wrote since its last final point)."""
        with self._lock:
            changed, self._phase = phase != self._phase, phase
            self.rows_read += read
            self.rows_validated += validated
            self.rows_written += written
            if self._cancelled and not self._final:
                raise self.cancelled(f"while {phase}")
        if changed:
            self._announce()

    def wrote(self, rows: int) -> None:
        """A batch written past the point of no return: counted; after it, a stopped load ends."""
        with self._lock:
            self.rows_written += rows
            self.batches_written += 1
            if self._stop:
                raise LoadInterrupted(
                    f"the load was {self._verb} after {self.batches_written:,} batch(es) written row by row "
                    f"({self.rows_written:,} nodes and relationships), each whole; the rest is not written. "
                    "Run the same load again to complete it: what is in the graph already is recognised, not duplicated"
                )

    def commit(self) -> None:
        """The point of no return: stop now if a cancel was asked, otherwise refuse any cancel
        from now on (the load writes, or has written, what cannot be undone)."""
        with self._lock:  # one step: a cancel either comes before it (and stops the load) or is refused
            changed, self._phase = self._phase != "writing", "writing"
            if self._cancelled and not self._final:
                raise self.cancelled("before its last write")
            self._final = True
        if changed:
            self._announce()

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
            self._phase = "done"

    def _announce(self) -> None:
        if self._on_phase is not None:
            self._on_phase(self)
