"""Fixtures: a real embedded engine for the session, a fresh graph per test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gnlc.graph import cypher
from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.falkor import FalkorStore
from gnlc.graph.store import GraphStore, open_store
from gnlc.settings import Settings, load_settings
from tests import neo4j_server

REPO = Path(__file__).resolve().parents[1]
DATA_ROOT = REPO / "data"  # the bundled datasets (GNLC_DATASET_DIR)
DATA = DATA_ROOT / "gnlc"


def short_tmp(prefix: str) -> Path:
    """A short directory path (unix socket paths are limited to ~107 bytes)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@pytest.fixture(scope="session")
def session_data_dir() -> Iterator[Path]:
    d = short_tmp("gnlc-t-")
    yield d
    EmbeddedEngine(d / "engine").stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def settings(session_data_dir: Path) -> Settings:
    return load_settings(data_dir=session_data_dir, graph_name="t_" + uuid.uuid4().hex[:12])


NEO4J_SKIP = neo4j_server.NOT_AVAILABLE
_NEO4J_SERVERS: list[neo4j_server.Neo4jServer] = []  # for the closing summary
_NEO4J_HOLDS: set[str] = set()  # "loaded": the Neo4j database holds the `loaded` graph, untouched since


@pytest.fixture(scope="session")
def neo4j(request: pytest.FixtureRequest) -> Iterator[neo4j_server.Neo4jServer]:
    """The tests' Neo4j: NEO4J_URI's server when it is set, otherwise the launcher of
    tests/neo4j/ started once for the session. Skips when neither is there; fails instead with
    GNLC_REQUIRE_NEO4J=1 (.ci/run sets it: CI skips no test for want of Neo4j)."""
    own = neo4j_server.from_environment()
    if own is not None:
        yield own
        with open_store(own.settings()) as s:
            s.clear()
        return
    if not neo4j_server.launcher_available():
        if os.environ.get("GNLC_REQUIRE_NEO4J") == "1":
            pytest.fail(NEO4J_SKIP)
        pytest.skip(NEO4J_SKIP)
    with neo4j_server.launched() as server:
        _NEO4J_SERVERS.append(server)
        yield server
        server.notes.append(f"peak RSS {server.rss_mib('VmHWM'):.0f} MiB")


# The test files that take longest (worker seconds with their fixtures, a full run with --durations=0 on
# 2 cores at load average 8, largest first), run first: xdist hands each worker a whole file as it becomes
# free, so the long ones start early and the two workers end together instead of one waiting on a long
# file handed out last (pytest_configure below keeps xdist from reordering them).
LONG_FILES = (
    "test_corpus.py",  # 550 s (before its shared base)
    "test_api.py",  # 480 s, with a Neo4j start and the bundled load on it
    "test_engines_agree.py",  # 275 s
    "test_projection.py",  # 235 s
    "test_loaders.py",  # 325 s (before its shared bundled load)
    "test_faults.py",  # 185 s
    "test_injection.py",  # 155 s
    "test_fuzz_api.py",  # 145 s, one test
    "test_maps.py",  # 150 s
    "test_cypher_lint.py",  # 150 s, most of it waiting on node's lint
    "test_load_jobs.py",  # 140 s
    "test_bad_input.py",  # 115 s
    "test_questions.py",  # 110 s
    "test_notebooks.py",  # 105 s
    "test_cli_interrupt.py",  # 100 s
    "test_restart.py",  # 100 s
    "test_export_roundtrip.py",  # 95 s
    "test_bulk.py",  # 90 s
    "test_concurrency.py",  # 85 s
    "test_unchanged.py",  # 80 s
    "test_bounds.py",  # 65 s
    "test_real_links.py",  # 55 s
    "test_neo4j_kill.py",  # 55 s
    "test_admin_forms.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """xdist's --dist loadfile hands out files largest first (by their number of tests) unless
    told not to: LONG_FILES would then be ignored (a run on 2 busy cores began test_fuzz_api, one
    test of two minutes, last of all). Keep the order given below."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)  # stable: within a file, and among the other files, the collected order


def _xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_collection_finish(session: pytest.Session) -> None:
    """When the Cypher lint tests will run in this process, start the lint now: a minute of CPU in one
    `node` process, on the second core while the suite goes on (tests/cypher_lint.py). Under xdist
    (pyproject's addopts) a worker collects every test but runs only its share, so there the lint starts
    when its tests ask for it, in that worker alone."""
    if _xdist_worker(session.config):
        return
    if not session.config.option.collectonly and any(item.get_closest_marker("lint") for item in session.items):
        from tests import cypher_lint

        cypher_lint.start_in_background()


_NEO4J_LINES: list[str] = []  # under xdist, the workers' Neo4j lines, for the controller's summary


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests import cypher_lint

    cypher_lint.stop()
    if _xdist_worker(session.config):
        worker_config: Any = session.config
        worker_config.workeroutput["neo4j"] = _neo4j_lines()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: a worker ended; keep its Neo4j line for the summary."""
    _NEO4J_LINES.extend(getattr(node, "workeroutput", {}).get("neo4j", []))


def _neo4j_lines() -> list[str]:
    return [
        f"Neo4j for the tests ({server.uri}): ready in {server.start_s:.1f} s, {', '.join(server.notes)}"
        for server in _NEO4J_SERVERS
    ]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in _NEO4J_LINES + _neo4j_lines():
        terminalreporter.write_line(line)


@contextmanager
def engine_store(
    engine: str, settings: Settings, neo4j: neo4j_server.Neo4jServer | None = None
) -> Iterator[GraphStore]:
    """A store with the schema on `engine`: an empty Neo4j database, or a new embedded graph dropped afterwards.
    Neo4j tests empty the whole database they are given: point them at a throw-away one."""
    if engine == "neo4j":
        if neo4j is None:
            raise ValueError("engine_store('neo4j', ...) needs the `neo4j` fixture's server")
        s = open_store(neo4j.settings())
        s.clear()
        _NEO4J_HOLDS.clear()
    else:
        s = open_store(settings)
    s.apply_schema()
    try:
        yield s
    finally:
        drop_graph(s)  # Neo4j: emptied by the next test's start, and at the session's end
        s.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[GraphStore]:
    """A store on each engine: the embedded one, and Neo4j (see the `neo4j` fixture)."""
    with engine_store(request.param, settings, _neo4j_for(request)) as s:
        yield s


def _neo4j_for(request: pytest.FixtureRequest) -> neo4j_server.Neo4jServer | None:
    """The session's Neo4j, started only when a Neo4j-parametrised test asks for it."""
    return request.getfixturevalue("neo4j") if request.param == "neo4j" else None


class SharedGraph:
    """A graph that `fill(store)` loads once for a module's tests that only read it, or leave it as
    it was (which they assert); see `shared_graph`."""

    def __init__(self, store: GraphStore, engine: str, fill: Callable[[GraphStore], Any]) -> None:
        self._store, self._engine, self._fill = store, engine, fill
        self.filled: Any = None  # what `fill` returned (a load report)
        self._summary: Any = None
        self._load()

    def _load(self) -> None:
        self.filled = self._fill(self._store)
        self._summary = self._store.summary()

    def get(self) -> GraphStore:
        """The store, loaded again first if anything changed it since (its counts differ, or on
        Neo4j another test emptied the one database): a test that changed it fails by its own
        assertion, and the next one still starts from the loaded graph."""
        if self._store.summary() != self._summary:
            if self._engine == "neo4j":
                self._store.clear()
                _NEO4J_HOLDS.clear()
            else:
                drop_graph(self._store)
            self._store.apply_schema()
            self._load()
        return self._store


@contextmanager
def shared_graph(
    request: pytest.FixtureRequest, session_data_dir: Path, fill: Callable[[GraphStore], Any]
) -> Iterator[SharedGraph]:
    """For a module-scoped fixture parametrised by engine (`request.param`): a store that `fill`
    loads once for the module instead of once per test; dropped (embedded) at the module's end."""
    settings = load_settings(data_dir=session_data_dir, graph_name="s_" + uuid.uuid4().hex[:12])
    with engine_store(request.param, settings, _neo4j_for(request)) as s:
        yield SharedGraph(s, request.param, fill)


@pytest.fixture
def embedded_store(settings: Settings) -> Iterator[GraphStore]:
    """A store on the embedded engine only (tests that look inside FalkorDB)."""
    s = open_store(settings)
    s.apply_schema()
    yield s
    drop_graph(s)
    s.close()


def dump(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with its properties, but not when it was loaded."""

    def clean(props: dict[str, Any]) -> tuple[Any, ...]:
        props = {**props, "sources": [re.sub(r" \| [0-9T:+-]+$", "", e) for e in props.get("sources") or []]}
        return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in props.items() if k != "loaded_at"))

    nodes = sorted((r["label"], clean(r["props"])) for r in store.read(cypher.DUMP_NODES))
    edges = sorted((r["type"], r["start"], r["end"], clean(r["props"])) for r in store.read(cypher.DUMP_RELS))
    return nodes, edges


def drop_graph(s: GraphStore) -> None:
    if isinstance(s, FalkorStore):
        s._graph.delete()  # noqa: SLF001 - test clean-up of a throw-away graph


@pytest.fixture
def own_engine_dir() -> Iterator[Path]:
    """A data directory with an engine of its own, for tests that stop or kill it."""
    d = short_tmp("gnlc-e-")
    yield d
    try:
        EmbeddedEngine(d / "engine").stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Run `gnlc ARGS` in a child process with the given environment additions."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))}
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-c", "from gnlc.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `gnlc ARGS` in this process through the real entry point (`gnlc.cli.main:run`), with the
    environment `run_cli` gives a child; its exit code, stdout and stderr as `run_cli` returns them.
    An exception that would have escaped as a traceback is one: in stderr, exit code 1. For tests
    where a child process adds nothing but its start-up (seconds each on a busy machine)."""
    import io
    import traceback
    from contextlib import redirect_stderr, redirect_stdout
    from unittest import mock

    from gnlc.cli.main import run

    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))}
    full_env.update(env or {})
    full_env["COLUMNS"] = "200"
    out, err = io.StringIO(), io.StringIO()
    code: int = 0
    with (
        mock.patch.dict(os.environ, full_env, clear=True),
        mock.patch.object(sys, "argv", ["gnlc", *args]),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            run()
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        except Exception:  # noqa: BLE001 - what a child would print before dying with 1
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(["gnlc", *args], code, out.getvalue(), err.getvalue())


# -- a graph holding the bundled data plus test links, loaded once per session and engine -----
# tests/data/peer_links.csv is a made-up test fixture (source https://example.org/...): city
# links among real member cities, with kinds and years, to test links, paths and brokers.
LOADED_FILES = (REPO / "tests" / "data" / "partner_cities.csv", REPO / "tests" / "data" / "peer_links.csv")


_EMBEDDED_LOADED: dict[str, Any] = {}  # the embedded `loaded` graph: its name and its summary when loaded
_NEO4J_LOADED: dict[str, Any] = {}  # the Neo4j `loaded` graph's summary when loaded


def _load_test_data(s: GraphStore) -> None:
    from gnlc.loaders.bundled import load_bundled
    from gnlc.loaders.pipeline import load_files

    load_bundled(s, DATA_ROOT)
    load_files(s, list(LOADED_FILES))


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def loaded(request: pytest.FixtureRequest, session_data_dir: Path) -> Iterator[GraphStore]:
    """Bundled GNLC data + tests/data/partner_cities.csv + peer_links.csv, read-only for tests.
    Loaded once per session and engine (a load takes half a minute or more on a busy machine);
    each module opens its own store on it, and a module finds it loaded again if one before it
    changed what it holds (its counts) or, on Neo4j, another test emptied the database."""
    neo4j = _neo4j_for(request)
    if neo4j is not None:
        if "loaded" in _NEO4J_HOLDS:  # Neo4j has one database: load it once while unchanged
            with open_store(neo4j.settings()) as s:
                # a test may have emptied or changed it without engine_store (open_store(...).clear())
                if s.summary() == _NEO4J_LOADED["summary"]:
                    yield s
                    return
        with engine_store("neo4j", load_settings(data_dir=session_data_dir), neo4j) as s:
            _load_test_data(s)
            _NEO4J_HOLDS.add("loaded")
            _NEO4J_LOADED["summary"] = s.summary()
            yield s
        return
    kept = _EMBEDDED_LOADED.get("graph")
    if kept is not None:
        s = open_store(load_settings(data_dir=session_data_dir, graph_name=kept))
        if s.summary() == _EMBEDDED_LOADED["summary"]:
            try:
                yield s
            finally:
                s.close()
            return
        drop_graph(s)  # a module before changed it: load it again
        s.close()
    settings = load_settings(data_dir=session_data_dir, graph_name="m_" + uuid.uuid4().hex[:12])
    s = open_store(settings)
    s.apply_schema()
    _load_test_data(s)
    _EMBEDDED_LOADED.update(graph=settings.graph_name, summary=s.summary())
    try:
        yield s
    finally:
        s.close()  # the graph stays for the next module; the session's engine goes at its end


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveApi:
    url: str
    data_dir: Path
    log: Path
    api_key: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        return {"GNLC_DATA_DIR": str(self.data_dir)}


@contextmanager
def live_api(api_key: str = "live-test-key") -> Iterator[LiveApi]:
    """`gnlc serve` in a child process on 127.0.0.1, over its own embedded engine holding the
    bundled data plus tests/data/peer_links.csv; stopped (engine too) afterwards."""
    import urllib.request

    d = short_tmp("gnlc-l-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GNLC_", "NEO4J_"))}
    env.update({"GNLC_DATA_DIR": str(d), "GNLC_API_KEY": api_key})
    for args in (["demo"], ["load", str(LOADED_FILES[1])]):
        done = cli(*args, env={"GNLC_DATA_DIR": str(d)})
        assert done.returncode == 0, done.stderr
    port = free_port()
    log = d / "serve.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(  # noqa: S603 - this interpreter, the project's CLI
            [sys.executable, "-c", "from gnlc.cli.main import run; run()", "serve", "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/ready", timeout=5) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gnlc serve did not become ready:\n" + log.read_text()) from None
                time.sleep(0.2)
        yield LiveApi(url, d, log, api_key, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        EmbeddedEngine(d / "engine").stop()
        shutil.rmtree(d, ignore_errors=True)


def asgi_post(path: str, query: str, api_key: str, length: int) -> dict[str, Any]:
    """The ASGI scope of a raw POST, for tests that drive the app's receive and send themselves (a client
    that leaves, a body that never comes)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"t"), (b"x-api-key", api_key.encode()), (b"content-length", str(length).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
