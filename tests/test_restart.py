"""The embedded engine comes back in seconds after a row-by-row load, whether stopped cleanly
or killed with kill -9, with exactly the graph it had: its append-only file holds a snapshot
of the graph, not the history of every statement (replaying that history took minutes)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph.embedded import COMPACT_MIN_BYTES, EmbeddedEngine, client
from gnlc.graph.falkor import FalkorStore
from gnlc.graph.store import open_store
from gnlc.loaders.pipeline import load_files
from gnlc.settings import load_settings
from tests.conftest import cli, dump, short_tmp

# Generating and loading the network takes most of the time (the second load goes row by row,
# which is what builds the long history); the restarts themselves take about a second each.
pytestmark = pytest.mark.slow
CITIES = 2000  # before the fix, a start replayed this network's load history in 46-52 s; now < 1 s
BACK_WITHIN_S = 10.0  # generous for a shared 2-core machine


def _appended(engine: EmbeddedEngine) -> int:
    """Bytes of statements appended after the snapshot (what a start must replay)."""
    return sum(p.stat().st_size for p in (engine.dir / "appendonlydir").glob("*.incr.aof"))


def _until_down(engine: EmbeddedEngine) -> None:
    """Wait until the killed engine no longer answers (it is gone at once, or nearly)."""
    deadline = time.monotonic() + 30
    while engine.answers():
        assert time.monotonic() < deadline, "the engine still answers after kill -9"
        time.sleep(0.05)


def _timed_start(engine: EmbeddedEngine) -> float:
    started = time.monotonic()
    engine.ensure_running()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[Path, Any, Path]]:
    """A data directory holding a network loaded as the issue did: cities and organisations
    first (in bulk), then partnerships and links row by row; and the network's files."""
    net, data_dir = short_tmp("gnlc-n-"), short_tmp("gnlc-r-")
    env = {"GNLC_DATA_DIR": str(data_dir)}
    try:
        done = cli("generate", "--out", str(net), "--cities", str(CITIES), "--seed", "5")
        assert done.returncode == 0, done.stderr
        for files in (("cities.csv", "organisations.csv"), ("partnerships.csv", "links.csv")):
            done = cli("load", *[str(net / f) for f in files], env=env)
            assert done.returncode == 0, done.stderr
        assert "created in bulk" not in done.stdout  # the second load went row by row
        with open_store(load_settings(data_dir=data_dir)) as store:
            yield data_dir, dump(store), net
    finally:
        EmbeddedEngine(data_dir / "engine").stop()
        shutil.rmtree(net, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_a_load_leaves_a_snapshot_not_its_history(loaded: tuple[Path, Any, Path]) -> None:
    data_dir, before, _ = loaded
    engine = EmbeddedEngine(data_dir / "engine")
    assert len(before[0]) > CITIES and len(before[1]) > 2 * CITIES
    assert _appended(engine) < COMPACT_MIN_BYTES, "the load's statements were not compacted into a snapshot"
    assert engine.compact() is False, "nothing left to compact right after a load"


def test_stop_then_start_is_back_in_seconds_with_the_same_graph(loaded: tuple[Path, Any, Path]) -> None:
    data_dir, before, _ = loaded
    env = {"GNLC_DATA_DIR": str(data_dir)}
    engine = EmbeddedEngine(data_dir / "engine")
    assert cli("engine", "stop", env=env).returncode == 0
    assert not engine.answers()
    took = _timed_start(engine)
    assert took < BACK_WITHIN_S, f"the engine took {took:.1f} s to start"
    started = cli("engine", "start", env=env)
    assert started.returncode == 0 and "already running" in started.stdout, started.stderr
    with open_store(load_settings(data_dir=data_dir)) as store:
        assert dump(store) == before


def test_kill_9_after_the_load_is_back_in_seconds_with_the_same_graph(loaded: tuple[Path, Any, Path]) -> None:
    data_dir, before, _ = loaded
    engine = EmbeddedEngine(data_dir / "engine")
    engine.ensure_running()
    pid = engine.status().pid
    assert pid
    os.kill(pid, signal.SIGKILL)
    _until_down(engine)
    took = _timed_start(engine)
    assert took < BACK_WITHIN_S, f"the engine took {took:.1f} s to start after kill -9"
    with open_store(load_settings(data_dir=data_dir)) as store:
        assert dump(store) == before
    assert engine.status().pid != pid


def test_kill_9_with_a_long_history_not_yet_compacted_replays_in_seconds(
    loaded: tuple[Path, Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after a kill -9 during a long load: the engine writes each statement's effects to its
    file, so replaying them applies changes instead of running every MERGE again (148 s here before)."""
    data_dir, _, net = loaded
    monkeypatch.setattr(FalkorStore, "_compact", lambda self: None)  # keep the whole history
    engine = EmbeddedEngine(data_dir / "engine")
    engine.ensure_running()
    client(engine.socket).config_set("auto-aof-rewrite-percentage", 0)  # nor compacted by the engine itself
    settings = load_settings(data_dir=data_dir, graph_name="history")
    with open_store(settings) as store:
        load_files(
            store, [net / f for f in ("cities.csv", "organisations.csv", "partnerships.csv", "links.csv")], bulk=False
        )
        before = dump(store)
    assert _appended(engine) > 5_000_000, "the row-by-row history should be long"
    os.kill(engine.status().pid or 0, signal.SIGKILL)
    _until_down(engine)
    seen: list[float | None] = []
    started = time.monotonic()
    engine.ensure_running(on_loading=seen.append)
    took = time.monotonic() - started
    assert took < BACK_WITHIN_S, f"replaying the history took {took:.1f} s"
    assert all(pct is None or 0.0 <= pct <= 100.0 for pct in seen)
    with open_store(settings) as store:
        assert dump(store) == before
