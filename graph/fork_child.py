"""Fork children of the embedded engine that are stuck, found and stopped.

redis-server forks a child to rewrite its append-only file. A child can block for good on a
lock it inherited held from the parent (redis/redis#15666: an AOF-rewrite child sat for days in
jemalloc's mutex, using no CPU). While it lives no other rewrite starts, the file grows without
bound, and every load waited for it (a CI run: 1,060 s). A rewrite child is busy with the CPU or
the disk; one that used no CPU time for ``STALL_S`` and is not waiting on the disk is stuck, and
killing it is safe: the engine counts that rewrite as failed and keeps its complete file.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field

STALL_S = 10.0  # a fork child that used no CPU time for this long, outside disk waits, is stuck


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux: /proc's children list of its main thread)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def activity(pid: int) -> tuple[str, int] | None:
    """A process's state letter and the CPU time it has used (clock ticks); None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[11]) + int(fields[12])  # state; utime + stime


@dataclass
class StallWatch:
    """Watches the fork children of the engine ``pid``, sampled at each :meth:`stuck` call."""

    pid: int
    stall_s: float = STALL_S
    _seen: dict[int, tuple[int, float]] = field(default_factory=dict)  # child -> CPU ticks, since when

    def stuck(self) -> list[int]:
        """The children that used no CPU time (and waited on no disk) for ``stall_s``."""
        now, found = time.monotonic(), []
        for child in children(self.pid):
            got = activity(child)
            if got is None:
                continue
            state, ticks = got
            before = self._seen.get(child)
            if before is None or before[0] != ticks or state == "D":
                self._seen[child] = (ticks, now)
            elif now - before[1] >= self.stall_s and state != "Z":
                found.append(child)
        return found

    def stop_stuck(self) -> list[int]:
        """Kill the stuck children (the engine reaps them and counts their work as failed)."""
        killed = []
        for child in self.stuck():
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed.append(child)
        return killed
