"""The production store: Neo4j 5 through the official ``neo4j`` driver.

Reads use ``Driver.execute_query`` (which retries transient errors); writes run in
managed transactions (``Session.execute_write``), retried by the driver on transient
errors, so a unit of several statements applies whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import neo4j
from gnlc.graph import cypher
from gnlc.graph.cypher import Dialect, Query
from gnlc.graph.model import FULLTEXT_LABELS, NODE_KEY, Label
from gnlc.graph.store import GraphStore, Row
from neo4j import GraphDatabase, RoutingControl
from neo4j import exceptions as nx

from gnlc.errors import (
    EngineAuthError,
    EngineUnavailable,
    QueryError,
    SettingsError,
    UniqueConstraintError,
)

if TYPE_CHECKING:
    from gnlc.settings import Settings

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

    def __init__(self, driver: neo4j.Driver, database: str, timeout_ms: int, uri: str) -> None:
        self.driver, self.database, self.timeout_s = driver, database, timeout_ms / 1000
        self.description = f"Neo4j at {uri} (database {database})"

    @classmethod
    def open(cls, settings: Settings) -> Neo4jStore:
        if not settings.neo4j_uri:
            raise SettingsError("GNLC_ENGINE=neo4j needs NEO4J_URI (for example neo4j://localhost:7687)")
        if settings.neo4j_password is None:
            raise SettingsError("GNLC_ENGINE=neo4j needs NEO4J_PASSWORD")
        auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
        try:
            driver = GraphDatabase.driver(settings.neo4j_uri, auth=auth)
            driver.verify_connectivity()
        except nx.AuthError:
            raise EngineAuthError(
                f"Neo4j at {settings.neo4j_uri} refused user {settings.neo4j_user!r}: check NEO4J_USER and NEO4J_PASSWORD"
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

    def _read(self, query: Query, params: dict[str, Any]) -> list[Row]:
        q = neo4j.Query(query, timeout=self.timeout_s)  # type: ignore[arg-type]
        return self._guard(
            lambda: self.driver.execute_query(
                q, params, database_=self.database, routing_=RoutingControl.READ,
                result_transformer_=lambda res: _rows(res),
            ),
            query.name,
        )

    def _write(self, query: Query, params: dict[str, Any]) -> list[Row]:
        return self._write_transaction([(query, params)])[0]

    def _write_transaction(self, steps: Sequence[tuple[Query, dict[str, Any]]]) -> list[list[Row]]:
        def unit(tx: neo4j.ManagedTransaction) -> list[list[Row]]:
            return [_rows(tx.run(q, p)) for q, p in steps]  # type: ignore[arg-type]

        def run() -> list[list[Row]]:
            with self.driver.session(database=self.database) as session:
                return session.execute_write(unit)

        return self._guard(run, ",".join(q.name for q, _ in steps))

    def apply_schema(self) -> list[str]:
        before = {r["name"] for r in self._read(cypher.NEO4J_LIST_SCHEMA, {})}
        for lbl in Label:
            self._write(cypher.NEO4J_KEY_CONSTRAINT[lbl], {})
        self._write(cypher.NEO4J_FULLTEXT_INDEX, {})
        wanted = {f"{lbl.lower()}_id": f"unique constraint {lbl}.{NODE_KEY}" for lbl in Label}
        wanted["name_search"] = f"full-text index {'|'.join(FULLTEXT_LABELS)}(name, search_names)"
        return [desc for name, desc in wanted.items() if name not in before]

    def close(self) -> None:
        self.driver.close()
