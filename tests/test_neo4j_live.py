"""Against a live Neo4j only (NEO4J_URI's, or the one tests/neo4j/ starts): credentials,
transactions, URI schemes. The rest of the suite also runs on Neo4j through the parametrised
`store` and `loaded` fixtures."""

from __future__ import annotations

import os

import pytest

from gnlc.errors import EngineAuthError, UniqueConstraintError
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import open_store
from tests.neo4j_server import Neo4jServer

pytestmark = pytest.mark.neo4j


def test_wrong_password_is_one_clear_error(neo4j: Neo4jServer) -> None:
    with pytest.raises(EngineAuthError, match="refused user"):
        open_store(neo4j.settings(neo4j_password="certainly-wrong-" + os.urandom(4).hex()))


def test_a_failing_transaction_applies_nothing(neo4j: Neo4jServer) -> None:
    with open_store(neo4j.settings()) as store:
        store.clear()
        store.apply_schema()
        steps = [
            (cypher.NODE_UPSERT[Label.CITY], {"rows": [{"id": "a", "props": {}}]}),
            (cypher.NODE_CREATE[Label.CITY], {"rows": [{"id": "a", "props": {}}]}),
        ]
        with pytest.raises(UniqueConstraintError):
            store.write_transaction(steps)
        assert store.count(Label.CITY) == 0
