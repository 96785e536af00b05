"""Every statement that can be sent to Neo4j goes through Neo4j's own parser and semantic
analysis (npm @neo4j-cypher/language-support, lintCypherQuery) under node, in one process for
all of them, started in the background when these tests are collected (tests/cypher_lint.py).
Every statement for FalkorDB is planned by the real embedded engine (GRAPH.EXPLAIN)."""

from __future__ import annotations

import pytest

from gnlc.graph.cypher import REGISTRY, Dialect
from gnlc.graph.store import GraphStore
from tests import cypher_lint
from tests.cypher_lint import BROKEN, PARAM


@pytest.fixture(scope="module")
def linted() -> dict[str, list[str]]:
    """The problems the linter finds in each statement, by name: every Neo4j statement and BROKEN."""
    try:
        stmts, results = cypher_lint.results()
    except cypher_lint.LintUnavailable as exc:
        pytest.fail(str(exc))
    assert [r["name"] for r in results] == [s["name"] for s in stmts]
    return {str(r["name"]): _problems(r["diagnostics"]) for r in results}


def _problems(diagnostics: list[dict[str, object]]) -> list[str]:
    return [
        str(d["message"])
        for d in diagnostics
        if d["severity"] == 1 or "not present in the database" in str(d["message"])
    ]


@pytest.mark.lint
def test_every_neo4j_statement_passes_neo4j_semantic_analysis(linted: dict[str, list[str]]) -> None:
    names = [str(s["name"]) for s in cypher_lint.neo4j_statements()]
    assert len(names) > 40
    bad = {name: linted[name] for name in names if linted[name]}
    assert bad == {}


@pytest.mark.lint
def test_linter_catches_a_broken_statement(linted: dict[str, list[str]]) -> None:
    assert all(linted[str(b["name"])] for b in BROKEN), {b["name"]: linted[str(b["name"])] for b in BROKEN}


def test_every_falkordb_statement_is_planned_by_the_engine(embedded_store: GraphStore) -> None:
    cypher_lint.load_all_statements()
    graph = embedded_store._graph  # noqa: SLF001 - the test asks the engine itself to plan each statement
    failures = {}
    for q in REGISTRY.values():
        if Dialect.FALKORDB not in q.dialects or q.startswith(("CREATE INDEX", "CALL db.idx.fulltext.create")):
            continue
        try:
            graph.explain(q, {p: _sample(p) for p in PARAM.findall(q)})
        except Exception as exc:  # noqa: BLE001 - collect every failure with its message
            failures[q.name] = str(exc)
    assert failures == {}


LIST_PARAMS = {"rows", "ids", "kinds", "labels", "names", "pairs", "orgs", "links", "partners", "cities"}
INT_PARAMS = {"limit", "offset", "year", "year_from", "year_to", "award_year", "min_cities"}
BOOL_PARAMS = {"with_orgs", "awarded"}


def _sample(param: str) -> object:
    if param in LIST_PARAMS:
        return []
    if param in INT_PARAMS:
        return 1
    return True if param in BOOL_PARAMS else "x"
