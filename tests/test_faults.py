"""Faults: the embedded engine killed with kill -9 during and after a load, a full disk, a
read-only data directory, an output file on a full disk. Each ends in a clear message, never
a traceback, and nothing half-written: a re-run gives exactly what a clean run gives."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import load_settings
from tests.conftest import cli, dump, short_tmp

pytestmark = pytest.mark.slow
FILES = ("organisations.csv", "partnerships.csv", "links.csv")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("net")
    done = cli("generate", "--out", str(out), "--cities", "3000", "--seed", "8")
    assert done.returncode == 0, done.stderr
    return out


def _env(data_dir: Path, graph: str) -> dict[str, str]:
    return {"GNLC_DATA_DIR": str(data_dir), "GNLC_GRAPH": graph}


def _store(data_dir: Path, graph: str, *, autostart: bool = True) -> GraphStore:
    return open_store(load_settings(data_dir=data_dir, graph_name=graph), autostart=autostart)


@dataclass
class Clean:
    """The network loaded without a fault, in a data directory and engine of its own."""

    data_dir: Path
    summary: object
    dump: object


@pytest.fixture(scope="module")
def clean(network: Path) -> Iterator[Clean]:
    d = short_tmp("gnlc-f-")
    env = _env(d, "clean")
    try:
        assert cli("load", str(network / "cities.csv"), env=env).returncode == 0
        assert cli("load", *[str(network / f) for f in FILES], env=env).returncode == 0
        with _store(d, "clean") as s:
            yield Clean(d, s.summary(), dump(s))
    finally:
        try:
            EmbeddedEngine(d / "engine").stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def test_kill_9_during_a_load_fails_it_and_a_rerun_gives_the_clean_counts(
    network: Path, clean: Clean, own_engine_dir: Path
) -> None:
    env = _env(own_engine_dir, "victim")
    assert cli("load", str(network / "cities.csv"), env=env).returncode == 0
    watcher = _store(own_engine_dir, "victim", autostart=False)
    start = watcher.summary()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))} | env
    load = subprocess.Popen(
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", "load", *[str(network / f) for f in FILES]],
        env=full_env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while watcher.summary() == start:  # the load has begun to write
        assert load.poll() is None and time.monotonic() < deadline, "the load ended before it could be killed"
        time.sleep(0.05)
    engine = EmbeddedEngine(own_engine_dir / "engine")
    os.kill(engine.status().pid or 0, signal.SIGKILL)
    out, err = load.communicate(timeout=120)
    watcher.close()
    assert load.returncode != 0, "the load must report that it did not finish"
    assert "Traceback" not in out + err
    said = " ".join(err.split())
    assert "error: " in said, said  # after the phases the load went through
    message = said[said.index("error: ") :]
    assert "engine stopped during a write" in message
    assert "run the same load again" in message
    rerun = cli("load", *[str(network / f) for f in FILES], env=env)
    assert rerun.returncode == 0, rerun.stderr
    with _store(own_engine_dir, "victim") as s:
        assert s.summary() == clean.summary
        assert dump(s) == clean.dump


def test_kill_9_after_a_finished_load_loses_nothing(clean: Clean) -> None:
    """The clean load's engine, killed: its values were read before (the other test uses only those)."""
    with _store(clean.data_dir, "clean") as s:
        before = dump(s)
    assert before == clean.dump
    engine = EmbeddedEngine(clean.data_dir / "engine")
    os.kill(engine.status().pid or 0, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while engine.answers():
        assert time.monotonic() < deadline, "the engine still answers after kill -9"
        time.sleep(0.05)
    with _store(clean.data_dir, "clean") as s:  # starts the engine again: it replays its file
        assert dump(s) == before
    assert len(before[0]) > 3000 and len(before[1]) > 10_000


# -- the disk ------------------------------------------------------------------------------------
@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 3 MB file system of its own (tmpfs; needs root, as on CI), unmounted afterwards."""
    d = short_tmp("gnlc-d-")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(d)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({done.stderr.strip()}); CI runs as root")
    try:
        yield d
    finally:
        try:
            EmbeddedEngine(d / "engine").stop()
        finally:
            subprocess.run(["umount", "-l", str(d)], check=False)
            d.rmdir()


def test_a_full_disk_stops_the_load_with_a_clear_error_and_nothing_half_written(
    network: Path, small_disk: Path
) -> None:
    env = {"GNLC_DATA_DIR": str(small_disk)}
    result = cli("load", *[str(network / f) for f in ("cities.csv", *FILES)], env=env)
    _no_traceback(result)
    message = " ".join(result.stderr.split())
    assert result.returncode != 0 and "the disk is full" in message and str(small_disk) in message, message
    with _store(small_disk, "gnlc") as s:
        assert s.summary() == {"nodes": {}, "relationships": {}} or s.is_empty()


def test_a_read_only_data_directory_is_one_clear_error(small_disk: Path, network: Path) -> None:
    (small_disk / "data" / "engine").mkdir(parents=True)
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for data_dir, expected in (
        (small_disk / "data", "is not writable"),
        (small_disk / "new", "cannot create the data directory"),
    ):
        result = cli("load", str(network / "cities.csv"), env={"GNLC_DATA_DIR": str(data_dir)})
        _no_traceback(result)
        assert result.returncode == 3 and expected in " ".join(result.stderr.split()), result.stderr


def test_an_output_file_on_a_full_disk_is_a_clear_error_and_no_partial_file(
    small_disk: Path, own_engine_dir: Path
) -> None:
    env = {"GNLC_DATA_DIR": str(own_engine_dir)}
    assert cli("demo", env=env).returncode == 0
    (small_disk / "filler").write_bytes(b"\0" * (3 * 1024 * 1024 - 64 * 1024))
    for args, target in ((["export", "-o"], "g.graphml"), (["map", "network", "-o"], "m.html")):
        result = cli(*args, str(small_disk / target), env=env)
        _no_traceback(result)
        message = " ".join(result.stderr.split())
        assert result.returncode == 5 and f"{target}: cannot write the file: No space left on device" in message
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler"], "a partial file was left behind"
