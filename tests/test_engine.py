"""The embedded engine: start, reuse, stop, restart after kill -9, clear start errors."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from gnlc.errors import EngineStartError, EngineUnavailable
from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.model import Label, NodeRecord, Provenance
from gnlc.graph.store import open_store
from gnlc.graph.writer import GraphWriter
from gnlc.settings import load_settings
from tests.conftest import cli, run_cli


def _city(i: int) -> NodeRecord:
    return NodeRecord(
        label=Label.CITY,
        id=f"xx-city-{i}",
        props={"name": f"City {i}"},
        provenance=Provenance(source="test", source_row=i),
    )


def test_start_creates_socket_and_pid_inside_data_dir(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    assert not engine.status().running
    engine.ensure_running()
    st = engine.status()
    assert st.running and st.pid and st.socket.is_socket()
    assert st.socket.parent == (own_engine_dir / "engine").resolve()
    assert engine.pid_file.read_text().strip() == str(st.pid)


def test_second_process_reuses_running_engine(own_engine_dir: Path) -> None:
    env = {"GNLC_DATA_DIR": str(own_engine_dir)}
    first = run_cli("engine", "start", env=env)
    assert first.returncode == 0, first.stderr
    assert "engine started" in first.stdout
    pid = EmbeddedEngine(own_engine_dir / "engine").status().pid
    second = run_cli("engine", "start", env=env)
    assert second.returncode == 0, second.stderr
    assert f"engine already running: pid {pid}" in second.stdout


def test_stop_keeps_data_and_status_reports_it(own_engine_dir: Path) -> None:
    settings = load_settings(data_dir=own_engine_dir)
    with open_store(settings) as store:
        store.apply_schema()
        GraphWriter(store).write([_city(1), _city(2)], [])
    env = {"GNLC_DATA_DIR": str(own_engine_dir)}
    stopped = cli("engine", "stop", env=env)
    assert stopped.returncode == 0 and "engine stopped" in stopped.stdout
    status = cli("engine", "status", env=env)
    assert status.returncode == 1 and "engine: stopped" in status.stdout
    assert not (own_engine_dir / "engine" / "falkordb.sock").exists()
    with open_store(settings) as store:  # starts it again, replaying the data on disk
        assert store.count(Label.CITY) == 2


def test_restart_after_kill_9_keeps_finished_loads(own_engine_dir: Path) -> None:
    settings = load_settings(data_dir=own_engine_dir)
    with open_store(settings) as store:
        store.apply_schema()
        GraphWriter(store).write([_city(i) for i in range(50)], [])
    engine = EmbeddedEngine(settings.engine_dir)
    pid = engine.status().pid
    assert pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while engine.answers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.pid_file.exists(), "a crash leaves its pid file behind"
    with open_store(settings) as store:
        assert store.count(Label.CITY) == 50
        assert store.node(Label.CITY, "xx-city-7")["name"] == "City 7"
    assert engine.status().pid != pid


def test_stale_socket_and_pid_file_are_cleaned(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    engine.dir.mkdir(parents=True)
    engine.socket.write_text("not a socket")
    engine.pid_file.write_text("999999")
    engine.ensure_running()
    assert engine.status().running and engine.status().pid != 999999


def test_running_store_recovers_after_engine_is_killed(own_engine_dir: Path) -> None:
    settings = load_settings(data_dir=own_engine_dir)
    store = open_store(settings)
    store.apply_schema()
    GraphWriter(store).write([_city(1)], [])
    os.kill(EmbeddedEngine(settings.engine_dir).status().pid, signal.SIGKILL)
    time.sleep(0.3)
    assert store.count(Label.CITY) == 1  # the store starts the engine again and retries
    store.close()


def test_no_autostart_gives_clear_error(own_engine_dir: Path) -> None:
    with pytest.raises(EngineUnavailable, match="not running: start it with `gnlc engine start`"):
        open_store(load_settings(data_dir=own_engine_dir), autostart=False)


def test_data_dir_that_cannot_be_created_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("engine", "start", env={"GNLC_DATA_DIR": str(blocker / "sub")})
    assert result.returncode == 3
    assert "cannot create the data directory" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_too_long_socket_path_is_refused() -> None:
    with pytest.raises(EngineStartError, match="too long for a unix socket"):
        EmbeddedEngine(Path("/tmp/" + "d" * 120)).ensure_running()


def test_engine_that_cannot_start_says_why(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    engine.dir.mkdir(parents=True)
    (engine.dir / "appendonlydir").write_text("a file where redis expects a directory")
    with pytest.raises(EngineStartError) as info:
        engine.ensure_running()
    msg = str(info.value)
    assert "did not start" in msg and "falkordb.log" in msg
    assert "appendonly" in msg.lower()


# -- a pid file is trusted only when it names this directory's engine ----------------------------
def test_a_pid_file_naming_an_unrelated_process_never_signals_it(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    engine.dir.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "600"])  # noqa: S607 - a real unrelated process
    try:
        engine.pid_file.write_text(f"{sleeper.pid}\n")
        assert engine.status().pid is None and not engine.status().running
        result = cli("summary", env={"GNLC_DATA_DIR": str(own_engine_dir)})
        assert result.returncode == 0, result.stderr
        assert sleeper.poll() is None, "the unrelated process was signalled"
        pid = engine.status().pid
        assert pid and pid != sleeper.pid and engine.pid_file.read_text().strip() == str(pid)
        engine.pid_file.write_text(f"{sleeper.pid}\n")  # stale again, engine running: stop must not signal it
        assert engine.stop() and not engine.answers()
        assert sleeper.poll() is None and not engine.pid_file.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pid_file_naming_the_engine_of_another_directory_is_stale(own_engine_dir: Path) -> None:
    other = EmbeddedEngine(own_engine_dir / "other")
    other.ensure_running()
    other_pid = other.status().pid
    assert other_pid
    engine = EmbeddedEngine(own_engine_dir / "engine")
    try:
        engine.dir.mkdir(parents=True)
        engine.pid_file.write_text(str(other_pid))
        assert engine.status().pid is None and engine.stop() is False
        engine.ensure_running()
        assert engine.status().pid not in (None, other_pid)
        assert other.answers() and other.status().pid == other_pid
    finally:
        other.stop()


def test_a_failed_start_shows_only_this_start_s_log(own_engine_dir: Path) -> None:
    engine = EmbeddedEngine(own_engine_dir / "engine")
    engine.dir.mkdir(parents=True)
    engine.log_file.write_text("1:M 01 Jan 2026 00:00:00.000 # an earlier start: Constraint already exists\n")
    (engine.dir / "appendonlydir").write_text("a file where redis expects a directory")
    with pytest.raises(EngineStartError) as info:
        engine.ensure_running()
    assert "Constraint already exists" not in str(info.value) and "appendonly" in str(info.value).lower()
