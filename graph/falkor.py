"""The embedded store: FalkorDB over its native protocol on a unix socket."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import redis
from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.helpers import stringify_param_value
from falkordb.node import Node
from falkordb.path import Path as FPath
from falkordb.query_result import QueryResult
from redis.backoff import NoBackoff
from redis.retry import Retry

from gnlc.errors import EngineUnavailable, QueryError, UniqueConstraintError
from gnlc.graph import cypher
from gnlc.graph.cypher import Dialect, Query, Variant
from gnlc.graph.embedded import EmbeddedEngine, file_lock
from gnlc.graph.falkor_bulk import bulk_calls
from gnlc.graph.model import EXTERNAL_KEYS, FULLTEXT_LABELS, NODE_KEY, Label
from gnlc.graph.store import BulkNodes, BulkRels, GraphStore, Row

if TYPE_CHECKING:
    from gnlc.settings import Settings

_UNIQUE = re.compile(r"unique constraint violation on (?:node|edge) of type (\w+)", re.I)
COMPACT_WAIT_S = 60.0  # a load waits at most this long for the engine's rewrite after it
BULK_BEGIN_ATTEMPTS = 5  # GRAPH.BULK BEGIN tried again after a reader created the graph empty


def _plain(value: Any) -> Any:
    """FalkorDB values -> plain Python (nodes and edges become their property maps)."""
    if isinstance(value, Node | Edge):
        return dict(value.properties)
    if isinstance(value, FPath):
        return {"nodes": [_plain(n) for n in value.nodes()], "edges": [_plain(e) for e in value.edges()]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _NotPlain(Exception):
    """A value :func:`_value` leaves to the client's parser: a node, edge, path, point or date."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value if isinstance(value, str) else str(value)


def _value(cell: list[Any]) -> Any:
    """One value of the engine's compact reply ([type, value]) -> plain Python, as the client's
    parser and :func:`_plain` make it together, for the types statements return here (null,
    string, integer, boolean, double, list, map): in one pass, without the client's per-value
    dispatch and ordered maps (it took half the time of a path's reads at 100k cities)."""
    kind, v = cell
    if kind == 2:
        return v if type(v) is str else _text(v)
    if kind == 3:
        return int(v)
    if kind == 1:
        return None
    if kind == 6:
        return [_value(x) for x in v]
    if kind == 10:
        return {_text(v[i]): _value(v[i + 1]) for i in range(0, len(v), 2)}
    if kind == 5:
        return float(v)
    if kind == 4:
        return _text(v) == "true"
    raise _NotPlain


def _with_params(query: str, params: dict[str, Any]) -> str:
    """The statement with its parameters in a ``CYPHER`` header, as the client sends them."""
    if not params:
        return query
    return "CYPHER " + "".join(f"{k}={stringify_param_value(v)} " for k, v in params.items()) + query


class FalkorStore(GraphStore):
    dialect = Dialect.FALKORDB

    def __init__(self, engine: EmbeddedEngine, graph_name: str, timeout_ms: int, autostart: bool) -> None:
        self.engine, self.graph_name, self.timeout_ms = engine, graph_name, timeout_ms
        self.autostart = autostart
        self.description = f"embedded FalkorDB at {engine.socket} (graph {graph_name})"
        self._connect()
        self._write(cypher.PING, {})  # a write creates the graph key; reads on a missing key fail

    @classmethod
    def open(cls, settings: Settings, *, autostart: bool = True) -> FalkorStore:
        engine = EmbeddedEngine(settings.engine_dir)
        if autostart:
            engine.ensure_running()
        elif not engine.answers():
            raise EngineUnavailable(
                f"the embedded engine at {engine.socket} is not running: start it with `gnlc engine start`"
            )
        return cls(engine, settings.graph_name, settings.query_timeout_ms, autostart)

    def _connect(self) -> None:
        self._db = FalkorDB(unix_socket_path=str(self.engine.socket), socket_timeout=120, retry=Retry(NoBackoff(), 0))
        self._graph = self._db.select_graph(self.graph_name)

    # -- running statements ---------------------------------------------------------------
    def _call(self, query: Query, params: dict[str, Any], *, read_only: bool, again: bool = True) -> list[Row]:
        command = (
            "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY",
            self.graph_name,
            _with_params(query, params),
            "--compact",
            "timeout",
            self.timeout_ms,
        )
        try:
            reply = self._retrying(lambda: self._db.connection.execute_command(*command), restart=read_only)
            for part in (reply[0], reply[-1]):  # an error the engine put in its reply
                if isinstance(part, redis.ResponseError):
                    raise part
        except redis.ResponseError as exc:
            if not (read_only and again and "empty key" in str(exc)):
                raise self._translate(exc, query) from None
            # an empty graph is not kept across restarts: create its key again, then read
            self._write(cypher.PING, {})
            return self._call(query, params, read_only=read_only, again=False)
        if len(reply) < 3:  # statistics only
            return []
        names = [h[1] for h in reply[0]]
        try:
            return [dict(zip(names, map(_value, row), strict=True)) for row in reply[1]]
        except _NotPlain:  # nodes, edges, paths...: the client's parser
            result = QueryResult(self._graph, reply)
            return [dict(zip(names, (_plain(v) for v in row), strict=True)) for row in result.result_set]

    def _retrying(self, fn: Any, *, restart: bool = True) -> Any:
        """Run fn; if the engine is gone, start it again once (when allowed) and retry.
        A write of a load is not retried on a new engine: the load stops and says so (what
        it wrote before is on disk; loading again completes it, as loads are repeatable)."""
        try:
            return fn()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as first:
            if not self.autostart:
                raise EngineUnavailable(f"the embedded engine does not answer: {first}") from None
            if not restart:
                raise EngineUnavailable(
                    f"the embedded engine stopped during a write ({self._why(first)}); every "
                    "statement finished before is on disk: run the same load again to complete "
                    "it"
                ) from None
            try:
                self.engine.ensure_running()
                self._connect()
                return fn()
            except (redis.ConnectionError, OSError) as exc:
                raise EngineUnavailable(f"the embedded engine does not answer: {self._why(exc)}") from None

    def _why(self, exc: BaseException) -> str:
        """The engine's own reason when it stopped for want of disk, else the connection error."""
        return self.engine.stop_cause() or str(exc)

    def _translate(self, exc: redis.ResponseError, query: Query) -> Exception:
        msg = str(exc)
        m = _UNIQUE.search(msg)
        if m:
            return UniqueConstraintError(m.group(1), NODE_KEY, msg)
        if "timed out" in msg.lower():
            return QueryError(f"query {query.name} took longer than {self.timeout_ms} ms")
        return QueryError(f"query {query.name} failed: {msg}")

    def _read(self, query: Query, params: dict[str, Any]) -> list[Row]:
        return self._call(query, params, read_only=True)

    def read_lists(self, query: Query | Variant, **params: Any) -> list[list[Any]]:
        """The rows as lists, from the engine's verbose reply (plain integers and strings, parsed
        by hiredis in C) rather than the client's compact one, whose every cell is decoded in
        Python: at 100k cities the projection's reads of 150k nodes and 583k edges took 3.6 s
        (the whole build 29 s before). Parameters go in the statement's ``CYPHER`` header, as
        the client sends them."""
        q = self._pick(query)
        command = (
            "GRAPH.RO_QUERY",
            self.graph_name,
            _with_params(q, params),
            "--timeout",
            self.timeout_ms,
        )
        try:
            reply = self._retrying(lambda: self._db.connection.execute_command(*command))
        except redis.ResponseError as exc:
            if "empty key" in str(exc):
                return []
            raise self._translate(exc, q) from None
        return list(reply[1]) if len(reply) == 3 else []

    def _write(self, query: Query, params: dict[str, Any]) -> list[Row]:
        return self._call(query, params, read_only=False)

    def _write_transaction(self, steps: Sequence[tuple[Query, dict[str, Any]]]) -> list[list[Row]]:
        # FalkorDB runs one statement at a time atomically; a unit of several statements
        # is only offered where the caller can make it one statement.
        if len(steps) != 1:
            raise QueryError("the embedded engine applies one statement per unit; combine the steps")
        return [self._write(*steps[0])]

    def _create_all(self, nodes: BulkNodes, rels: BulkRels, progress: Callable[[int], None]) -> None:
        """GRAPH.BULK into a new graph: the empty graph (and its schema) is deleted first and
        the schema applied again after. Readers meanwhile see an empty or a growing graph."""
        conn = self._db.connection
        self._retrying(lambda: conn.delete(self.graph_name))
        first = True
        for args, entities in bulk_calls(nodes, rels):
            try:
                if first:
                    self._begin_bulk(args)
                else:
                    conn.execute_command("GRAPH.BULK", self.graph_name, *args)
            except (redis.RedisError, OSError) as exc:
                raise QueryError(f"bulk load failed: {self._why(exc)}") from None
            first = False
            progress(entities)
        if first:  # nothing to create: the graph key must exist again
            self._write(cypher.PING, {})
        self.apply_schema()

    def _begin_bulk(self, args: list[Any]) -> None:
        """The first GRAPH.BULK call, which creates the graph. A reader's statement between the
        delete and this call (the API asking for the change counter) creates the graph empty, and
        BEGIN refuses a key that exists: that graph is deleted again, a few times at most."""
        conn = self._db.connection
        for attempt in range(BULK_BEGIN_ATTEMPTS):
            try:
                conn.execute_command("GRAPH.BULK", self.graph_name, "BEGIN", *args)
                return
            except redis.ResponseError as exc:
                if "already exists" not in str(exc) or attempt == BULK_BEGIN_ATTEMPTS - 1:
                    raise
                if not self.is_empty():
                    raise
                conn.delete(self.graph_name)

    @contextmanager
    def load_lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """A lock file per graph beside the engine: loads from any process (CLI, API) wait
        for each other. Without it, concurrent loads of one file were seen to store a
        relationship twice (MERGE alone did not prevent it; nodes have a unique constraint)."""
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", self.graph_name)
        message = f"another load into graph {self.graph_name!r} is running: waiting for it to finish"
        with file_lock(self.engine.dir / f"load-{name}.lock", on_wait and (lambda: on_wait(message))):
            try:
                yield
            finally:
                self._compact()

    def _compact(self) -> None:
        """After a load (finished or not), the engine rewrites its file into one snapshot when
        the load appended much, so that a restart loads the graph instead of replaying every
        statement (minutes for a 10k-city row-by-row load). Best effort: the file is complete
        either way, and an engine that stopped is not started again for this. It waits at most
        COMPACT_WAIT_S for a rewrite: one that takes longer goes on in the engine's child process
        while the load returns (a CI run saw a load wait 1,060 s here, the default 600 s twice)."""
        try:
            if self.engine.answers():
                self.engine.compact(timeout=COMPACT_WAIT_S)
        except (redis.RedisError, OSError):
            pass

    def clear(self) -> None:
        """Delete the graph (much faster than deleting every node) and create it empty
        again, with its schema."""
        self._retrying(lambda: self._db.connection.delete(self.graph_name))
        self._write(cypher.PING, {})
        self.apply_schema()

    # -- schema -----------------------------------------------------------------------------
    def apply_schema(self) -> list[str]:
        existing = self._indexes()
        created: list[str] = []
        for lbl in Label:
            if (lbl.value, NODE_KEY, "RANGE") not in existing:
                self._write(cypher.FALKOR_KEY_INDEX[lbl], {})
                created.append(f"index {lbl}.{NODE_KEY}")
        for lbl, prop in EXTERNAL_KEYS:
            if (lbl.value, prop, "RANGE") not in existing:
                self._write(cypher.FALKOR_EXTERNAL_KEY_INDEX[(lbl, prop)], {})
                created.append(f"index {lbl}.{prop}")
        for lbl in FULLTEXT_LABELS:
            if (lbl.value, "name", "FULLTEXT") not in existing:
                self._write(cypher.FALKOR_FULLTEXT_INDEX[lbl], {})
                created.append(f"full-text index {lbl}(name, search_names)")
        constraints = {(r["label"], tuple(r["properties"])) for r in self._read(cypher.FALKOR_LIST_CONSTRAINTS, {})}
        for lbl, prop in [(lbl, NODE_KEY) for lbl in Label] + list(EXTERNAL_KEYS):
            if (lbl.value, (prop,)) not in constraints:
                self._create_unique_constraint(lbl, prop)
                created.append(f"unique constraint {lbl}.{prop}")
        return created

    def _indexes(self) -> set[tuple[str, str, str]]:
        found: set[tuple[str, str, str]] = set()
        for row in self._read(cypher.FALKOR_LIST_INDEXES, {}):
            for prop, kinds in row["types"].items():
                found.update((row["label"], prop, str(kind).upper()) for kind in kinds)
        return found

    def _create_unique_constraint(self, lbl: Label, prop: str) -> None:
        """FalkorDB creates constraints with a server command, not with Cypher."""
        args = ("GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", lbl.value, "PROPERTIES", "1", prop)
        try:
            self._retrying(lambda: self._db.connection.execute_command(*args))
        except redis.ResponseError as exc:
            raise QueryError(f"cannot create the unique constraint on {lbl}.{prop}: {exc}") from None

    def close(self) -> None:
        try:
            self._db.connection.close()
        except redis.RedisError:
            pass
