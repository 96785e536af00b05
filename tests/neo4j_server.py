"""A Neo4j for the tests: the user's own (NEO4J_URI) or the embedded one of tests/neo4j/,
started in a child JVM once per test session.

    mvn -q -f tests/neo4j/pom.xml package     # builds tests/neo4j/target/gnlc-test-neo4j.jar
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gnlc.settings import Settings, load_settings

LAUNCHER = Path(__file__).resolve().parent / "neo4j" / "target" / "gnlc-test-neo4j.jar"
TEST_PASSWORD = "gnlc-test-password"
START_TIMEOUT_S = 240
QUERY_TIMEOUT_MS = 120_000
# What Neo4j's own neo4j.conf passes to its JVM (server.jvm.additional), a small heap, and a
# JVM that exits rather than limps on when the heap is full.
JVM_OPTIONS = (
    "-Xms128m",
    "-Xmx512m",
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dlog4j2.disable.jmx=true",
)
NOT_AVAILABLE = (
    "no Neo4j for the Neo4j half of the tests: set NEO4J_URI and NEO4J_PASSWORD (your own server, or "
    "`docker compose up -d neo4j`), or install Java 17 and Maven and run `mvn -q -f tests/neo4j/pom.xml package`"
)
_READY = re.compile(r"^READY (bolt://\S+) in (\d+) ms")


@dataclass
class Neo4jServer:
    """Where the tests' Neo4j answers, and (for the one started here) what it cost."""

    uri: str
    user: str
    password: str
    database: str = "neo4j"
    pid: int | None = None
    start_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "engine": "neo4j",
            "neo4j_uri": self.uri,
            "neo4j_user": self.user,
            "neo4j_password": self.password,
            "neo4j_database": self.database,
            # a read's timeout covers the client pulling its rows (pure-Python decoding): on two busy
            # cores a dump of the bundled graph took longer than the 10 s default
            "query_timeout_ms": QUERY_TIMEOUT_MS,
        }
        return load_settings(**(values | overrides))  # type: ignore[arg-type]

    def rss_mib(self, key: str = "VmRSS") -> float | None:
        """Resident memory of the launcher's JVM (VmRSS now, VmHWM at its peak)."""
        if self.pid is None:
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def from_environment() -> Neo4jServer | None:
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        return None
    return Neo4jServer(
        uri,
        os.environ.get("NEO4J_USER", "neo4j"),
        os.environ.get("NEO4J_PASSWORD", ""),
        os.environ.get("NEO4J_DATABASE", "neo4j"),
    )


def launcher_available() -> bool:
    return LAUNCHER.exists() and shutil.which("java") is not None


@contextmanager
def launched(*, heap: str = "512m", page_cache_mb: int = 32) -> Iterator[Neo4jServer]:
    """Start the launcher's Neo4j on a free port of 127.0.0.1 with a fresh data directory;
    stop it (closing its standard input) and delete the directory afterwards."""
    data = Path(tempfile.mkdtemp(prefix="gnlc-neo4j-", dir="/tmp"))
    log = data / "launcher.log"
    jvm = [o if not o.startswith("-Xmx") else "-Xmx" + heap for o in JVM_OPTIONS]
    cmd = [
        "java",
        *jvm,
        "-jar",
        str(LAUNCHER),
        "--port",
        "0",
        "--dir",
        str(data / "home"),
        "--password",
        TEST_PASSWORD,
        "--page-cache-mb",
        str(page_cache_mb),
    ]
    t0 = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True)  # noqa: S603
    try:
        uri = _wait_ready(proc, log)
        server = Neo4jServer(uri, "neo4j", TEST_PASSWORD, pid=proc.pid, start_s=time.monotonic() - t0)
        yield server
    finally:
        _stop(proc)
        shutil.rmtree(data, ignore_errors=True)


def _wait_ready(proc: subprocess.Popen[str], log: Path) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True, name="neo4j-stdout").start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"the test Neo4j was not ready after {START_TIMEOUT_S} s:\n{_tail(log)}") from None
        if m := _READY.match(line):
            return m.group(1)
        if line == "":
            raise RuntimeError(f"the test Neo4j stopped before it was ready (exit {proc.wait()}):\n{_tail(log)}")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.stdin:
        proc.stdin.close()  # the launcher shuts Neo4j down when its input closes
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(log: Path, n: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""
