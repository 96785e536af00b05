"""Against a live Neo4j only (set NEO4J_URI, NEO4J_PASSWORD): credentials and transactions.
The rest of the suite also runs on Neo4j through the parametrised `store` fixture."""

from __future__ import annotations

import os

import pytest
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import open_store

from gnlc.errors import EngineAuthError, UniqueConstraintError
from gnlc.settings import load_settings
from tests.conftest import NEO4J_SKIP

pytestmark = [pytest.mark.neo4j, pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason=NEO4J_SKIP)]


def test_wrong_password_is_one_clear_error() -> None:
    with pytest.raises(EngineAuthError, match="refused user"):
        open_store(load_settings(engine="neo4j", neo4j_password="certainly-wrong-" + os.urandom(4).hex()))


def test_a_failing_transaction_applies_nothing() -> None:
    with open_store(load_settings(engine="neo4j")) as store:
        store.clear()
        store.apply_schema()
        steps = [
            (cypher.NODE_UPSERT[Label.CITY], {"rows": [{"id": "a", "props": {}}]}),
            (cypher.NODE_CREATE[Label.CITY], {"rows": [{"id": "a", "props": {}}]}),
        ]
        with pytest.raises(UniqueConstraintError):
            store.write_transaction(steps)
        assert store.count(Label.CITY) == 0
