"""Ctrl-C (SIGINT) and SIGTERM during `gnlc load`: the load stops where the graph is whole.

The signal asks the load's :class:`~gnlc.loaders.control.LoadControl` to stop, the machinery
that cancels a load through the API: before its first write the load is cancelled (a first
load in bulk is undone), and the graph is as it was; writing row by row, it stops after the
batch being written, and running the same command again completes it. The command then
exits with 128 + the signal's number (130, 143), without a traceback.

While nothing can have been written (the engine starting, a file being read, a wait for
another load), the signal stops the load at once; later, at the load's next check.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from gnlc.loaders.control import LoadControl

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NOTHING_WRITTEN_YET = ("queued", "reading", "waiting")  # phases that may block long, with no write begun


@dataclass
class Interrupt:
    """The signal that stopped the load, if one did."""

    signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        return None if self.signum is None else 128 + self.signum


@contextmanager
def stop_on_signals(control: LoadControl, say: Callable[[str], None]) -> Iterator[Interrupt]:
    """Within the block, SIGINT and SIGTERM stop ``control``'s load; ``say`` tells the user.
    Outside the main thread (where no handler can be set) the signals keep their handlers."""
    interrupt = Interrupt()

    def handle(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if interrupt.signum is not None:
            say(f"{name}: the load is stopping already, at its next point where the graph is whole")
            return
        interrupt.signum = signum
        control.stop(f"interrupted by {name}")
        if control.phase in NOTHING_WRITTEN_YET:
            raise control.cancelled(f"while {control.phase}" if control.phase != "queued" else "before it started")
        say(f"{name}: stopping the load at its next point where the graph is whole")

    if threading.current_thread() is not threading.main_thread():
        yield interrupt
        return
    previous = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield interrupt
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
