"""All Cypher of the project, in one module, always parameterised.

Statements are :class:`Query` objects (a ``str`` that registers itself); stores refuse
anything else, so no statement can be built elsewhere. Labels and relationship types
come only from :mod:`gnlc.graph.model`. Where FalkorDB and Neo4j differ, the two
variants sit side by side in a :class:`Variant`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gnlc.graph.model import (
    ENDPOINTS,
    FULLTEXT_LABELS,
    NODE_KEY,
    SYMMETRIC,
    Label,
    Rel,
)


class Dialect(StrEnum):
    FALKORDB = "falkordb"
    NEO4J = "neo4j"


BOTH = (Dialect.FALKORDB, Dialect.NEO4J)
REGISTRY: dict[str, Query] = {}


class Query(str):
    """A named Cypher statement and the engines it is written for."""

    name: str
    dialects: tuple[Dialect, ...]

    def __new__(cls, name: str, text: str, dialects: tuple[Dialect, ...] = BOTH) -> Query:
        obj = super().__new__(cls, " ".join(text.split()))
        obj.name, obj.dialects = name, dialects
        if name in REGISTRY and REGISTRY[name] != obj:
            raise ValueError(f"two different statements named {name}")
        REGISTRY[name] = obj
        return obj


@dataclass(frozen=True)
class Variant:
    """One question, written once per engine."""

    falkordb: Query
    neo4j: Query

    def for_(self, dialect: Dialect) -> Query:
        return self.falkordb if dialect is Dialect.FALKORDB else self.neo4j


def _falkor(name: str, text: str) -> Query:
    return Query(name, text, (Dialect.FALKORDB,))


def _neo4j(name: str, text: str) -> Query:
    return Query(name, text, (Dialect.NEO4J,))


# --- schema -----------------------------------------------------------------------------
# FalkorDB: an exact-match index per key, then a unique constraint (a server command,
# GRAPH.CONSTRAINT, issued by the store), and a full-text index per searchable label.
# Neo4j: a uniqueness constraint (which brings its own index) and one full-text index.

FALKOR_LIST_INDEXES = _falkor(
    "falkor_list_indexes", "CALL db.indexes() YIELD label, properties, types RETURN label, properties, types"
)
FALKOR_KEY_INDEX = {
    lbl: _falkor(f"falkor_key_index_{lbl}", "CREATE INDEX FOR (n:" + lbl + ") ON (n." + NODE_KEY + ")")
    for lbl in Label
}
FALKOR_FULLTEXT_INDEX = {
    lbl: _falkor(
        f"falkor_fulltext_{lbl}",
        "CALL db.idx.fulltext.createNodeIndex('" + lbl + "', 'name', 'search_names')",
    )
    for lbl in FULLTEXT_LABELS
}
FALKOR_LIST_CONSTRAINTS = _falkor(
    "falkor_list_constraints",
    "CALL db.constraints() YIELD type, label, properties RETURN type, label, properties",
)
NEO4J_KEY_CONSTRAINT = {
    lbl: _neo4j(
        f"neo4j_key_constraint_{lbl}",
        "CREATE CONSTRAINT " + lbl.lower() + "_id IF NOT EXISTS FOR (n:" + lbl + ") REQUIRE n."
        + NODE_KEY + " IS UNIQUE",
    )
    for lbl in Label
}
NEO4J_FULLTEXT_INDEX = _neo4j(
    "neo4j_fulltext_names",
    "CREATE FULLTEXT INDEX name_search IF NOT EXISTS FOR (n:"
    + "|".join(FULLTEXT_LABELS) + ") ON EACH [n.name, n.search_names]",
)
NEO4J_LIST_SCHEMA = _neo4j(
    "neo4j_list_schema", "SHOW INDEXES YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties"
)

# --- generic reads ----------------------------------------------------------------------

PING = Query("ping", "RETURN 1 AS ok")
COUNT_NODES_BY_LABEL = Query(
    "count_nodes_by_label", "MATCH (n) RETURN labels(n)[0] AS label, count(n) AS n ORDER BY label"
)
COUNT_RELS_BY_TYPE = Query(
    "count_rels_by_type", "MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS n ORDER BY type"
)
COUNT_LABEL = {
    lbl: Query(f"count_{lbl}", "MATCH (n:" + lbl + ") RETURN count(n) AS n") for lbl in Label
}
NODE_BY_ID = {
    lbl: Query(
        f"node_by_id_{lbl}", "MATCH (n:" + lbl + " {" + NODE_KEY + ": $id}) RETURN properties(n) AS props"
    )
    for lbl in Label
}
DELETE_ALL = Query("delete_all", "MATCH (n) DETACH DELETE n")

# --- writes: upsert by key, in batches of UNWIND $rows ----------------------------------


def _node_upsert(lbl: Label) -> Query:
    return Query(
        f"upsert_{lbl}",
        "UNWIND $rows AS row MERGE (n:" + lbl + " {" + NODE_KEY + ": row.id}) SET n += row.props"
        " RETURN count(n) AS written",
    )


def _node_create(lbl: Label) -> Query:
    """First load into an empty label: no MERGE lookup (rows are de-duplicated first)."""
    return Query(
        f"create_{lbl}",
        "UNWIND $rows AS row CREATE (n:" + lbl + ") SET n = row.props, n." + NODE_KEY + " = row.id"
        " RETURN count(n) AS written",
    )


def _node_current(lbl: Label) -> Query:
    return Query(
        f"current_{lbl}",
        "UNWIND $ids AS id MATCH (n:" + lbl + " {" + NODE_KEY + ": id}) RETURN n." + NODE_KEY
        + " AS id, properties(n) AS props",
    )


def _rel_upsert(rel: Rel, start: Label, end: Label) -> Query:
    text = (
        "UNWIND $rows AS row MATCH (a:" + start + " {id: row.start}) MATCH (b:" + end + " {id: row.end})"
        " MERGE (a)-[r:" + rel + " {key: row.key}]->(b) SET r += row.props"
    )
    if rel in SYMMETRIC:
        text += " MERGE (b)-[s:" + rel + " {key: row.key}]->(a) SET s += row.props"
    return Query(f"upsert_{rel}_{start}", text + " RETURN count(r) AS written")


def _rel_current(rel: Rel, start: Label, end: Label) -> Query:
    """For each row: do both ends exist, and the properties of the relationship if it does."""
    return Query(
        f"current_{rel}_{start}",
        "UNWIND $rows AS row OPTIONAL MATCH (a:" + start + " {id: row.start})"
        " OPTIONAL MATCH (b:" + end + " {id: row.end})"
        " OPTIONAL MATCH (a)-[r:" + rel + " {key: row.key}]->(b)"
        " RETURN row.i AS i, a IS NOT NULL AS has_start, b IS NOT NULL AS has_end,"
        " properties(r) AS props",
    )


NODE_UPSERT = {lbl: _node_upsert(lbl) for lbl in Label}
NODE_CREATE = {lbl: _node_create(lbl) for lbl in Label}
NODE_CURRENT = {lbl: _node_current(lbl) for lbl in Label}
REL_UPSERT = {
    (rel, start): _rel_upsert(rel, start, end)
    for rel, (starts, end) in ENDPOINTS.items()
    for start in starts
}
REL_CURRENT = {
    (rel, start): _rel_current(rel, start, end)
    for rel, (starts, end) in ENDPOINTS.items()
    for start in starts
}

# --- what loaders need to know of the graph ------------------------------------------------

KNOWN_CITIES = Query(
    "known_cities",
    "MATCH (c:" + Label.CITY + ") RETURN c.id AS id, c.name AS name, c.country_code AS country, c.aliases AS aliases",
)
KNOWN_ORGANISATIONS = Query(
    "known_organisations",
    "MATCH (o:" + Label.ORGANISATION + ") RETURN o.id AS id, o.name AS name, o.country_code AS country",
)
LINK_PAIRS = Query(
    "link_pairs",
    "MATCH (a:" + Label.CITY + ")-[r:" + Rel.LINKED_TO + "]->(b:" + Label.CITY + ") WHERE a.id < b.id"
    " RETURN a.id AS a, b.id AS b, r.kind AS kind, r.since AS since, r.until AS until",
)

# --- where the engines differ: full-text search and shortestPath placement ---------------
# FalkorDB: a full-text index per label, queried by label; shortestPath only in WITH/RETURN
# and only directed (symmetric links are stored both ways, so a directed path is right).
# Neo4j: one named full-text index over several labels; shortestPath in MATCH.
MAX_PATH_HOPS = 6  # variable-length bounds cannot be parameters; this one is fixed

NAME_SEARCH = Variant(
    falkordb=_falkor(
        "falkor_city_name_search",
        "CALL db.idx.fulltext.queryNodes('" + Label.CITY + "', $q) YIELD node, score"
        " RETURN node.id AS id, node.name AS name, node.country_code AS country, score"
        " ORDER BY score DESC, id LIMIT $limit",
    ),
    neo4j=_neo4j(
        "neo4j_city_name_search",
        "CALL db.index.fulltext.queryNodes('name_search', $q) YIELD node, score WHERE node:" + Label.CITY
        + " RETURN node.id AS id, node.name AS name, node.country_code AS country, score"
        " ORDER BY score DESC, id LIMIT $limit",
    ),
)
SHORTEST_LINK_PATH = Variant(
    falkordb=_falkor(
        "falkor_shortest_link_path",
        "MATCH (a:" + Label.CITY + " {id: $a}), (b:" + Label.CITY + " {id: $b})"
        " RETURN [n IN nodes(shortestPath((a)-[:" + Rel.LINKED_TO + "*1.." + str(MAX_PATH_HOPS) + "]->(b)))"
        " | n.id] AS ids",
    ),
    neo4j=_neo4j(
        "neo4j_shortest_link_path",
        "MATCH (a:" + Label.CITY + " {id: $a}) MATCH (b:" + Label.CITY + " {id: $b})"
        " MATCH p = shortestPath((a)-[:" + Rel.LINKED_TO + "*1.." + str(MAX_PATH_HOPS) + "]->(b))"
        " RETURN [n IN nodes(p) | n.id] AS ids",
    ),
)
