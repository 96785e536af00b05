"""A stuck rewrite child of the embedded engine (graph/fork_child.py): one that uses no CPU time is
stopped, and compacting goes on with a new rewrite instead of waiting for it (a CI run waited
1,060 s for one; redis/redis#15666 shows such a child blocked for days on an inherited lock).

The stuck child is made for real: the engine's own debugging setting `rdb-key-save-delay` slows its
rewrite child down enough to catch it, and SIGSTOP freezes it, as a lock never released would."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from gnlc.graph.embedded import EmbeddedEngine, client
from gnlc.graph.fork_child import StallWatch, activity, children


def test_a_frozen_rewrite_child_is_stopped_and_a_new_rewrite_compacts_the_file(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    engine.ensure_running()
    pid = engine.status().pid
    assert pid is not None
    conn = client(engine.socket, timeout=10.0)
    try:
        for i in range(40):
            conn.set(f"k{i}", "x" * 20_000)  # 800 kB appended: above COMPACT_MIN_BYTES
        conn.config_set("rdb-key-save-delay", 500_000)  # 0.5 s a key: a rewrite of 20 s
        conn.bgrewriteaof()
        deadline = time.monotonic() + 10
        while not (kids := children(pid)):
            assert time.monotonic() < deadline, "no rewrite child appeared"
            time.sleep(0.01)
        (frozen,) = kids
        os.kill(frozen, signal.SIGSTOP)
        conn.config_set("rdb-key-save-delay", 0)

        started = time.monotonic()
        assert engine.compact(timeout=60.0, stall_s=1.0) is True  # the frozen one stopped, a new one done
        assert time.monotonic() - started < 30
        assert activity(frozen) is None or activity(frozen)[0] == "Z"  # type: ignore[index]
        info = conn.info("persistence")
        assert info["aof_rewrite_in_progress"] == 0 and info["aof_last_bgrewrite_status"] == "ok"
        assert int(info["aof_current_size"]) - int(info["aof_base_size"]) < 1024  # one snapshot now
        assert conn.get("k39") == b"x" * 20_000
    finally:
        conn.close()
        engine.stop()


def test_a_busy_child_is_not_taken_for_a_stuck_one() -> None:
    """The watch samples CPU time: a child spinning on the CPU is never stuck."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child spins until killed
        while True:
            pass
    try:
        watch = StallWatch(os.getpid(), stall_s=0.5)
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert child not in watch.stuck()
            time.sleep(0.05)
        os.kill(child, signal.SIGSTOP)  # frozen: no CPU time from now on
        time.sleep(0.1)
        deadline = time.monotonic() + 10.0
        while child not in watch.stuck():
            assert time.monotonic() < deadline, "a frozen child was not found stuck"
            time.sleep(0.05)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
