"""Every statement that can be sent to Neo4j goes through Neo4j's own parser and semantic
analysis (npm @neo4j-cypher/language-support, lintCypherQuery) under node. Every
statement for FalkorDB is planned by the real embedded engine (GRAPH.EXPLAIN)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import gnlc.graph.cypher as cypher_module
from gnlc.graph.cypher import REGISTRY, Dialect
from gnlc.graph.model import Label, Rel
from gnlc.graph.store import GraphStore

LINT_DIR = Path(__file__).parent / "lint"
PARAM = re.compile(r"\$(\w+)")


def _load_all_statements() -> None:
    """Import every module that may define statements, so the registry is complete."""
    import gnlc.graph  # noqa: F401

    for mod in sorted((Path(cypher_module.__file__).parent).glob("*.py")):
        __import__(f"gnlc.graph.{mod.stem}")


def _lint(statements: list[dict[str, object]]) -> list[dict[str, object]]:
    if shutil.which("node") is None or not (LINT_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/lint/node_modules are needed: run `npm ci --prefix tests/lint`")
    schema = {"labels": [str(x) for x in Label], "relationshipTypes": [str(x) for x in Rel]}
    proc = subprocess.run(
        ["node", str(LINT_DIR / "lint_cypher.cjs")],
        input=json.dumps({"schema": schema, "statements": statements}),
        capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(proc.stdout)


def _problems(diagnostics: list[dict[str, object]]) -> list[str]:
    return [
        str(d["message"]) for d in diagnostics
        if d["severity"] == 1 or "not present in the database" in str(d["message"])
    ]


@pytest.mark.lint
def test_every_neo4j_statement_passes_neo4j_semantic_analysis() -> None:
    _load_all_statements()
    stmts = [
        {"name": q.name, "text": str(q), "params": sorted(set(PARAM.findall(q)))}
        for q in REGISTRY.values() if Dialect.NEO4J in q.dialects
    ]
    assert len(stmts) > 40
    results = _lint(stmts)
    bad = {r["name"]: _problems(r["diagnostics"]) for r in results if _problems(r["diagnostics"])}
    assert bad == {}


@pytest.mark.lint
def test_linter_catches_a_broken_statement() -> None:
    results = _lint([
        {"name": "typo", "text": "MATCH (n:City {id: $id}) RETRUN n", "params": ["id"]},
        {"name": "label", "text": "MATCH (n:Cty) RETURN n", "params": []},
        {"name": "param", "text": "MATCH (n:City {id: $id}) RETURN n", "params": []},
    ])
    assert all(_problems(r["diagnostics"]) for r in results), results


def test_every_falkordb_statement_is_planned_by_the_engine(embedded_store: GraphStore) -> None:
    _load_all_statements()
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


LIST_PARAMS = {"rows", "ids", "kinds", "labels", "names", "pairs", "orgs"}
INT_PARAMS = {"limit", "offset", "year", "year_from", "year_to", "award_year", "min_cities"}
BOOL_PARAMS = {"with_orgs", "awarded"}


def _sample(param: str) -> object:
    if param in LIST_PARAMS:
        return []
    if param in INT_PARAMS:
        return 1
    return True if param in BOOL_PARAMS else "x"
