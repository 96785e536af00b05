"""The production store: Neo4j 5 through the official ``neo4j`` driver.

Reads run in managed read transactions (``Session.execute_read``), so a cluster or Aura
can route them to secondaries; writes in managed write transactions (``Session.execute_write``)
to the leader, so a unit of several statements applies whole or not at all. The driver
retries both on transient errors. One bookmark manager per store keeps reads causally after
the store's own writes. Any URI the driver takes works: ``neo4j://`` and ``neo4j+s://``
(routing: a cluster, Aura), ``bolt://`` and ``bolt+s://`` (one server).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as nx

from gnlc.errors import (
    EngineAuthError,
    EngineUnavailable,
    QueryError,
    SettingsError,
    UniqueConstraintError,
)
from gnlc.graph import cypher
from gnlc.graph.cypher import Dialect, Query
from gnlc.graph.model import ENDPOINTS, EXTERNAL_KEYS, FULLTEXT_LABELS, NODE_KEY, Label
from gnlc.graph.store import BulkNodes, BulkRels, GraphStore, Row

if TYPE_CHECKING:
    from gnlc.settings import Settings

DELETE_BATCH = 10_000  # nodes per transaction when emptying the database
_UNIQUE = re.compile(r"label `?(\w+)`? and propert(?:y|ies) `?(\w+)`?", re.I)


def _plain(value: Any) -> Any:
    if isinstance(value, neo4j.graph.Node | neo4j.graph.Relationship):
        return dict(value.items())
    if isinstance(value, neo4j.graph.Path):
        return {"nodes": [_plain(n) for n in value.nodes], "edges": [_plain(r) for r in value.relationships]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _rows(records: Any) -> list[Row]:
    return [{k: _plain(v) for k, v in rec.items()} for rec in records]


class Neo4jStore(GraphStore):
    dialect = Dialect.NEO4J
    fulltext_and = " AND "  # Lucene joins words with OR; the embedded engine's search needs every word

    def __init__(self, driver: neo4j.Driver, database: str, timeout_ms: int, uri: str) -> None:
        self.driver, self.database, self.timeout_s = driver, database, timeout_ms / 1000
        self._bookmarks = GraphDatabase.bookmark_manager()
        self.description = f"Neo4j at {uri} (database {database})"

    @classmethod
    def open(cls, settings: Settings) -> Neo4jStore:
        if not settings.neo4j_uri:
            raise SettingsError("GNLC_ENGINE=neo4j needs NEO4J_URI (for example neo4j://localhost:7687)")
        if settings.neo4j_password is None:
            raise SettingsError("GNLC_ENGINE=neo4j needs NEO4J_PASSWORD")
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
        try:
            driver = GraphDatabase.driver(settings.neo4j_uri, auth=auth, notifications_min_severity="OFF")
            driver.verify_connectivity()
        except nx.AuthError:
            raise EngineAuthError(
                f"Neo4j at {settings.neo4j_uri} refused user {settings.neo4j_user!r}:"
                " check NEO4J_USER and NEO4J_PASSWORD"
            ) from None
        except (nx.ServiceUnavailable, OSError) as exc:
            raise EngineUnavailable(f"Neo4j at {settings.neo4j_uri} does not answer: {exc}") from None
        except (ValueError, nx.ConfigurationError) as exc:
            raise SettingsError(f"NEO4J_URI {settings.neo4j_uri!r} is not a valid Neo4j URI: {exc}") from None
        return cls(driver, settings.neo4j_database, settings.query_timeout_ms, settings.neo4j_uri)

    def _guard(self, fn: Any, query_name: str) -> Any:
        try:
            return fn()
        except nx.ConstraintError as exc:
            m = _UNIQUE.search(exc.message or "")
            label, key = (m.group(1), m.group(2)) if m else ("?", NODE_KEY)
            raise UniqueConstraintError(label, key, exc.message or "") from None
        except nx.AuthError:
            raise EngineAuthError("Neo4j refused the credentials") from None
        except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
            raise EngineUnavailable(f"Neo4j does not answer: {exc}") from None
        except nx.Neo4jError as exc:
            raise QueryError(f"query {query_name} failed: {exc.message}") from None

    def _session(self) -> neo4j.Session:
        return self.driver.session(database=self.database, bookmark_manager=self._bookmarks)

    def _read(self, query: Query, params: dict[str, Any]) -> list[Row]:
        @neo4j.unit_of_work(timeout=self.timeout_s)
        def unit(tx: neo4j.ManagedTransaction) -> list[Row]:
            return _rows(tx.run(query, params))

        def run() -> list[Row]:
            with self._session() as session:
                return session.execute_read(unit)

        return self._guard(run, query.name)

    def _write(self, query: Query, params: dict[str, Any]) -> list[Row]:
        return self._write_transaction([(query, params)])[0]

    def _write_transaction(self, steps: Sequence[tuple[Query, dict[str, Any]]]) -> list[list[Row]]:
        def unit(tx: neo4j.ManagedTransaction) -> list[list[Row]]:
            return [_rows(tx.run(q, p)) for q, p in steps]

        def run() -> list[list[Row]]:
            with self._session() as session:
                return session.execute_write(unit)

        return self._guard(run, ",".join(q.name for q, _ in steps))

    def apply_schema(self) -> list[str]:
        before = {r["name"] for r in self._read(cypher.NEO4J_LIST_SCHEMA, {})}
        for lbl in Label:
            self._write(cypher.NEO4J_KEY_CONSTRAINT[lbl], {})
        for key in EXTERNAL_KEYS:
            self._write(cypher.NEO4J_EXTERNAL_KEY_CONSTRAINT[key], {})
        self._write(cypher.NEO4J_FULLTEXT_INDEX, {})
        wanted = {f"{lbl.lower()}_id": f"unique constraint {lbl}.{NODE_KEY}" for lbl in Label}
        wanted |= {f"{lbl.lower()}_{prop}": f"unique constraint {lbl}.{prop}" for lbl, prop in EXTERNAL_KEYS}
        wanted["name_search"] = f"full-text index {'|'.join(FULLTEXT_LABELS)}(name, search_names)"
        return [desc for name, desc in wanted.items() if name not in before]

    def clear(self) -> None:
        """Delete every node and relationship, a batch of nodes per transaction (one
        transaction for a large graph would need its whole size in transaction memory)."""
        while self._write(cypher.NEO4J_DELETE_BATCH, {"batch": DELETE_BATCH})[0]["deleted"]:
            pass

    def _create_all(self, nodes: BulkNodes, rels: BulkRels, progress: Callable[[int], None]) -> None:
        # A CREATE whose MATCHed end is missing writes nothing and says nothing: check first.
        for (rel, start_label), by_ends in rels.items():
            end_label = ENDPOINTS[rel][1]
            starts, ends = nodes.get(start_label, {}), nodes.get(end_label, {})
            for start, end, _ in by_ends:
                if start not in starts or end not in ends:
                    missing = f"{start_label} {start!r}" if start not in starts else f"{end_label} {end!r}"
                    raise QueryError(f"a {rel} relationship refers to {missing}, which is not among the nodes created")
        super()._create_all(nodes, rels, progress)

    def close(self) -> None:
        self.driver.close()
