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
    CONTENT_HASH,
    ENDPOINTS,
    EXTERNAL_KEYS,
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
    lbl: _falkor(f"falkor_key_index_{lbl}", "CREATE INDEX FOR (n:" + lbl + ") ON (n." + NODE_KEY + ")") for lbl in Label
}
FALKOR_EXTERNAL_KEY_INDEX = {
    (lbl, prop): _falkor(f"falkor_external_index_{lbl}_{prop}", "CREATE INDEX FOR (n:" + lbl + ") ON (n." + prop + ")")
    for lbl, prop in EXTERNAL_KEYS
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
        "CREATE CONSTRAINT "
        + lbl.lower()
        + "_id IF NOT EXISTS FOR (n:"
        + lbl
        + ") REQUIRE n."
        + NODE_KEY
        + " IS UNIQUE",
    )
    for lbl in Label
}
NEO4J_EXTERNAL_KEY_CONSTRAINT = {
    (lbl, prop): _neo4j(
        f"neo4j_external_constraint_{lbl}_{prop}",
        "CREATE CONSTRAINT "
        + lbl.lower()
        + "_"
        + prop
        + " IF NOT EXISTS FOR (n:"
        + lbl
        + ") REQUIRE n."
        + prop
        + " IS UNIQUE",
    )
    for lbl, prop in EXTERNAL_KEYS
}
NEO4J_FULLTEXT_INDEX = _neo4j(
    "neo4j_fulltext_names",
    "CREATE FULLTEXT INDEX name_search IF NOT EXISTS FOR (n:"
    + "|".join(FULLTEXT_LABELS)
    + ") ON EACH [n.name, n.search_names]",
)
NEO4J_LIST_SCHEMA = _neo4j(
    "neo4j_list_schema",
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties",
)

# --- generic reads ----------------------------------------------------------------------

PING = Query("ping", "RETURN 1 AS ok")
# The change counter: one node outside the model that every load writes (GraphStore.mark_changed),
# read per request by the in-memory projection (gnlc.projection) to know when to rebuild. A random
# token with the count: a graph emptied and loaded again never shows an old value.
STATE_LABEL = "GraphState"
_NOT_STATE = " WHERE NOT n:" + STATE_LABEL
STATE_READ = Query(
    "graph_state_read",
    "MATCH (s:" + STATE_LABEL + ") RETURN s.changes AS changes, s.token AS token ORDER BY changes DESC LIMIT 1",
)
STATE_BUMP = Query(
    "graph_state_bump",
    "MERGE (s:" + STATE_LABEL + " {id: 'graph'}) SET s.changes = coalesce(s.changes, 0) + 1, s.token = $token"
    " RETURN s.changes AS changes",
)
COUNT_NODES_BY_LABEL = Query(
    "count_nodes_by_label", "MATCH (n)" + _NOT_STATE + " RETURN labels(n)[0] AS label, count(n) AS n ORDER BY label"
)
COUNT_RELS_BY_TYPE = Query("count_rels_by_type", "MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS n ORDER BY type")
COUNT_LABEL = {lbl: Query(f"count_{lbl}", "MATCH (n:" + lbl + ") RETURN count(n) AS n") for lbl in Label}
NODE_BY_ID = {
    lbl: Query(f"node_by_id_{lbl}", "MATCH (n:" + lbl + " {" + NODE_KEY + ": $id}) RETURN properties(n) AS props")
    for lbl in Label
}
DELETE_ALL = Query("delete_all", "MATCH (n) DETACH DELETE n")
COUNT_ALL = Query("count_all", "MATCH (n) RETURN count(n) AS n")
NEO4J_DELETE_BATCH = _neo4j(
    "neo4j_delete_batch", "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"
)
# Everything, as stored (each direction of a symmetric link): to compare two graphs.
DUMP_NODES = Query("dump_nodes", "MATCH (n)" + _NOT_STATE + " RETURN labels(n)[0] AS label, properties(n) AS props")
DUMP_RELS = Query(
    "dump_rels", "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS start, b.id AS end, properties(r) AS props"
)

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
        "UNWIND $ids AS id MATCH (n:"
        + lbl
        + " {"
        + NODE_KEY
        + ": id}) RETURN n."
        + NODE_KEY
        + " AS id, properties(n) AS props",
    )


def _rel_write(rel: Rel, start: Label, end: Label, *, create: bool) -> Query:
    """Relationship rows, both ends matched by id. ``create``: a first load into an empty
    graph (no relationship exists yet); else MERGE on the key and add the properties."""
    if create:
        one = "CREATE ({x})-[{v}:" + rel + "]->({y}) SET {v} = row.props, {v}.key = row.key"
    else:
        one = "MERGE ({x})-[{v}:" + rel + " {{key: row.key}}]->({y}) SET {v} += row.props"
    text = "UNWIND $rows AS row MATCH (a:" + start + " {id: row.start}) MATCH (b:" + end + " {id: row.end}) "
    text += one.format(x="a", y="b", v="r")
    if rel in SYMMETRIC:
        text += " " + one.format(x="b", y="a", v="s")
    return Query(f"{'create' if create else 'upsert'}_{rel}_{start}", text + " RETURN count(r) AS written")


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
    (rel, start): _rel_write(rel, start, end, create=False)
    for rel, (starts, end) in ENDPOINTS.items()
    for start in starts
}
REL_CREATE = {
    (rel, start): _rel_write(rel, start, end, create=True)
    for rel, (starts, end) in ENDPOINTS.items()
    for start in starts
}
REL_CURRENT = {
    (rel, start): _rel_current(rel, start, end) for rel, (starts, end) in ENDPOINTS.items() for start in starts
}

# The content hashes of what rows of the given files wrote, one a row (gnlc.loaders.unchanged;
# rows of one plain string, which an engine's reply carries without a parse per list item): a
# reload builds only the rows whose hash is not among them. A symmetric link once.


def _node_hashes(lbl: Label) -> Query:
    held = "n." + CONTENT_HASH
    return Query(
        f"content_hash_rows_{lbl}",
        "MATCH (n:" + lbl + ") WHERE n.source IN $sources AND " + held + " IS NOT NULL RETURN " + held + " AS hash",
    )


def _rel_hashes(rel: Rel, start: Label, end: Label) -> Query:
    held = "r." + CONTENT_HASH
    match = "MATCH (a:" + start + ")-[r:" + rel + "]->(b:" + end + ") WHERE r.source IN $sources"
    once = " AND a.id < b.id" if rel in SYMMETRIC else ""
    return Query(
        f"content_hash_rows_{rel}_{start}", match + once + " AND " + held + " IS NOT NULL RETURN " + held + " AS hash"
    )


NODE_HASHES = {lbl: _node_hashes(lbl) for lbl in Label}
REL_HASHES = {
    (rel, start): _rel_hashes(rel, start, end) for rel, (starts, end) in ENDPOINTS.items() for start in starts
}

# --- what loaders need to know of the graph ------------------------------------------------

KNOWN_CITIES = Query(
    "known_cities",
    "MATCH (c:" + Label.CITY + ") RETURN c.id AS id, c.name AS name, c.country_code AS country, c.aliases AS aliases,"
    " c.wikidata AS wikidata, c.geonames_id AS geonames_id",
)
# KNOWN_CITIES for a load (gnlc.loaders.pipeline), in the same order, read as lists: the cities'
# plain values, then the aliases of those that have some (a list is a reply's one value the
# embedded engine's plain reply cannot carry as such).
KNOWN_CITY_VALUES = Query(
    "known_city_values",
    "MATCH (c:" + Label.CITY + ") RETURN c.id AS id, c.name AS name, c.country_code AS country,"
    " c.wikidata AS wikidata, c.geonames_id AS geonames_id",
)
KNOWN_CITY_ALIASES = Query(
    "known_city_aliases",
    "MATCH (c:" + Label.CITY + ") WHERE c.aliases IS NOT NULL RETURN c.id AS id, c.aliases AS aliases",
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
        "CALL db.index.fulltext.queryNodes('name_search', $q) YIELD node, score WHERE node:"
        + Label.CITY
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

# --- questions of the API, CLI and Python API ---------------------------------------------
# Optional filters are parameters that may be null (`$x IS NULL OR ...`): one statement
# per question, whatever the user filters on. Bounds (LIMIT, path length) are checked by
# the caller; variable-length bounds are literals written from constants here.

CY, OG, CL = Label.CITY, Label.ORGANISATION, Label.CLUSTER
LINK, PARTNER = Rel.LINKED_TO, Rel.PARTNERS_WITH

_CITY_FILTER = (
    "MATCH (c:" + CY + ")"
    " WHERE ($ids IS NULL OR c.id IN $ids)"
    " AND ($country IS NULL OR c.country_code = $country)"
    " AND ($region IS NULL OR c.region = $region)"
    " AND ($kind IS NULL OR c.kind = $kind)"
    " AND ($status IS NULL OR c.status = $status)"
    " AND ($year_from IS NULL OR c.year_joined >= $year_from)"
    " AND ($year_to IS NULL OR c.year_joined <= $year_to)"
    " WITH c, [(c)-[r1:" + Rel.IN_CLUSTER + "]->(k:" + CL + ") | k.id] AS clusters,"
    " [(c)-[r2:" + Rel.RECEIVED + "]->(:" + Label.AWARD + ") | r2.year] AS award_years"
    " WHERE ($cluster IS NULL OR $cluster IN clusters)"
    " AND ($award_year IS NULL OR $award_year IN award_years)"
    " AND ($awarded IS NULL OR (size(award_years) > 0) = $awarded)"
)
CITY_LIST = Query(
    "city_list",
    _CITY_FILTER + " RETURN properties(c) AS props ORDER BY c.name, c.id SKIP $offset LIMIT $limit",
)
CITY_COUNT = Query("city_count", _CITY_FILTER + " RETURN count(c) AS n")

_ORG_FILTER = (
    "MATCH (o:" + OG + ")"
    " WHERE ($ids IS NULL OR o.id IN $ids)"
    " AND ($country IS NULL OR o.country_code = $country)"
    " AND ($kind IS NULL OR o.kind = $kind)"
)
ORG_LIST = Query(
    "org_list",
    _ORG_FILTER + " RETURN properties(o) AS props, size([(o)-[:" + PARTNER + "]->(x:" + CY + ") | x]) AS partners"
    " ORDER BY o.name, o.id SKIP $offset LIMIT $limit",
)
ORG_COUNT = Query("org_count", _ORG_FILTER + " RETURN count(o) AS n")
ORG_NAME_SEARCH = Variant(
    falkordb=_falkor(
        "falkor_org_name_search",
        "CALL db.idx.fulltext.queryNodes('" + OG + "', $q) YIELD node, score"
        " RETURN node.id AS id, node.name AS name, node.country_code AS country, score"
        " ORDER BY score DESC, id LIMIT $limit",
    ),
    neo4j=_neo4j(
        "neo4j_org_name_search",
        "CALL db.index.fulltext.queryNodes('name_search', $q) YIELD node, score WHERE node:"
        + OG
        + " RETURN node.id AS id, node.name AS name, node.country_code AS country, score"
        " ORDER BY score DESC, id LIMIT $limit",
    ),
)


def _fact(v: str) -> str:
    return "source: " + v + ".source, source_row: " + v + ".source_row, source_url: " + v + ".source_url"


_FACT = _fact("r")
# Each comprehension has its own variable names: FalkorDB gives wrong (empty) results when
# two pattern comprehensions of one clause reuse a variable name.
CITY_PROFILE = Query(
    "city_profile",
    "MATCH (c:" + CY + " {id: $id})"
    " RETURN properties(c) AS city,"
    " [(c)-[r1:"
    + Rel.IN_COUNTRY
    + "]->(k1:"
    + Label.COUNTRY
    + ") | {id: k1.id, name: k1.name, "
    + _fact("r1")
    + "}] AS countries,"
    " [(c)-[r2:" + Rel.MEMBER_OF + "]->(n2:" + Label.NETWORK + ") | {id: n2.id, name: n2.name, since: r2.since,"
    " status: r2.status, " + _fact("r2") + "}] AS memberships,"
    " [(c)-[r3:"
    + Rel.IN_CLUSTER
    + "]->(k3:"
    + CL
    + ") | {id: k3.id, name: k3.name, role: r3.role, "
    + _fact("r3")
    + "}] AS clusters,"
    " [(c)-[r4:"
    + Rel.RECEIVED
    + "]->(a4:"
    + Label.AWARD
    + ") | {id: a4.id, name: a4.name, year: r4.year, "
    + _fact("r4")
    + "}] AS awards,"
    " [(c)<-[r5:" + PARTNER + "]-(o5:" + OG + ") | {id: o5.id, name: o5.name, kind: o5.kind, role: r5.role,"
    " since: r5.since, until: r5.until, derivation: r5.derivation, " + _fact("r5") + "}] AS partners,"
    " [(c)-[r6:" + LINK + "]->(x6:" + CY + ") | {id: x6.id, name: x6.name, country: x6.country_code, kind: r6.kind,"
    " since: r6.since, until: r6.until, " + _fact("r6") + "}] AS links,"
    " [(c)-[r7:"
    + Rel.HOSTED
    + "]->(f7:"
    + Label.CONFERENCE
    + ") | {id: f7.id, name: f7.name, year: f7.year, "
    + _fact("r7")
    + "}] AS hosted,"
    " [(c)-[r8:"
    + Rel.ATTENDED
    + "]->(f8:"
    + Label.CONFERENCE
    + ") | {id: f8.id, name: f8.name, year: f8.year, "
    + _fact("r8")
    + "}] AS attended",
)

# "Active in year Y": started on or before Y (or start unknown) and not ended before Y.
_ACTIVE = "($year IS NULL OR ((r.since IS NULL OR r.since <= $year) AND (r.until IS NULL OR r.until >= $year)))"
_EDGE = (
    "{type: type(r), source_id: startNode(r).id, target_id: endNode(r).id, kind: r.kind, role: r.role,"
    " since: r.since, until: r.until, derivation: r.derivation, " + _FACT + "}"
)
_NODE = "{id: x.id, label: labels(x)[0], props: properties(x)}"

_LINK_ALLOWED = "($kinds IS NULL OR r.kind IN $kinds) AND " + _ACTIVE
_LINKS_OF_C = "-[r:" + LINK + "]->(x:" + CY + ") WHERE " + _LINK_ALLOWED
CITY_LINKS = Query(
    "city_links",
    "MATCH (c:"
    + CY
    + " {id: $id})"
    + _LINKS_OF_C
    + " RETURN "
    + _NODE
    + " AS node, "
    + _EDGE
    + " AS edge ORDER BY x.name, x.id, r.kind",
)
# One step of a neighbourhood: from cities along links and to their partner organisations,
# and from organisations to their cities. The caller walks step by step and bounds the size.
CITY_STEP = Query(
    "city_step",
    "UNWIND $ids AS id MATCH (c:"
    + CY
    + " {id: id})"
    + _LINKS_OF_C
    + " RETURN id AS from_id, "
    + _NODE
    + " AS node, "
    + _EDGE
    + " AS edge"
    " UNION ALL UNWIND $ids AS id MATCH (c:" + CY + " {id: id})<-[r:" + PARTNER + "]-(x:" + OG + ")"
    " WHERE $with_orgs AND " + _ACTIVE + " RETURN id AS from_id, " + _NODE + " AS node, " + _EDGE + " AS edge",
)
ORG_STEP = Query(
    "org_step",
    "UNWIND $ids AS id MATCH (o:" + OG + " {id: id})-[r:" + PARTNER + "]->(x:" + CY + ")"
    " WHERE " + _ACTIVE + " RETURN id AS from_id, " + _NODE + " AS node, " + _EDGE + " AS edge",
)
# The facts of paths found on the in-memory projection (gnlc.paths), in one round trip: every
# link or partnership between two consecutive nodes that the filters allow ($links: {a, b}, a
# link from a to b; $partners: {a, b}, a partnership of organisation a with city b), then the
# nodes ($cities, $orgs: ids). Both ends of a step are found by their index first, so the engine
# checks the one pair (FalkorDB's Expand Into) instead of walking every link of a well-linked
# city: 6x faster on paths through such cities at 100k cities.
_PATH_STEP = " RETURN p.a AS from_id, p.b AS to_id, " + _EDGE + " AS edge, null AS node"
_PATH_NODE = " RETURN null AS from_id, null AS to_id, null AS edge, " + _NODE + " AS node"
PATH_FACTS = Query(
    "path_facts",
    "UNWIND $links AS p MATCH (c:" + CY + " {id: p.a}), (x:" + CY + " {id: p.b})"
    " WITH p, c, x MATCH (c)-[r:"
    + LINK
    + "]->(x) WHERE "
    + _LINK_ALLOWED
    + _PATH_STEP
    + " UNION ALL UNWIND $partners AS p MATCH (c:"
    + CY
    + " {id: p.b}), (x:"
    + OG
    + " {id: p.a})"
    " WITH p, c, x MATCH (c)<-[r:"
    + PARTNER
    + "]-(x) WHERE "
    + _ACTIVE
    + _PATH_STEP
    + " UNION ALL UNWIND $cities AS id MATCH (x:"
    + CY
    + " {id: id})"
    + _PATH_NODE
    + " UNION ALL UNWIND $orgs AS id MATCH (x:"
    + OG
    + " {id: id})"
    + _PATH_NODE,
)
ORG_DEGREE = Query(
    "org_degree",
    "UNWIND $ids AS id MATCH (o:" + OG + " {id: id}) RETURN id, size([(o)-[:" + PARTNER + "]->(x:" + CY + ") | x])"
    " AS degree",
)
CITY_DEGREE = Query(
    "city_degree",
    "UNWIND $ids AS id MATCH (c:" + CY + " {id: id}) RETURN id, size([(c)-[:" + LINK + "]->(x:" + CY + ") | x])"
    " + size([(c)<-[:" + PARTNER + "]-(o:" + OG + ") | o]) AS degree",
)
NODES_BY_IDS = {
    lbl: Query(
        f"nodes_by_ids_{lbl}",
        "UNWIND $ids AS id MATCH (x:" + lbl + " {id: id}) RETURN " + _NODE + " AS node",
    )
    for lbl in Label
}
BRIDGES = Query(
    "bridges",
    "MATCH (x:" + OG + ")-[:" + PARTNER + "]->(c:" + CY + ") WITH x, count(DISTINCT c) AS cities"
    " WHERE cities >= $min_cities AND ($kind IS NULL OR x.kind = $kind)"
    " RETURN " + _NODE + " AS node, cities ORDER BY cities DESC, x.id SKIP $offset LIMIT $limit",
)
BRIDGES_COUNT = Query(
    "bridges_count",
    "MATCH (x:" + OG + ")-[:" + PARTNER + "]->(c:" + CY + ") WITH x, count(DISTINCT c) AS cities"
    " WHERE cities >= $min_cities AND ($kind IS NULL OR x.kind = $kind) RETURN count(x) AS n",
)
SHARED_CITIES = Query(
    "shared_cities",
    "MATCH (a:" + OG + " {id: $a})-[r1:" + PARTNER + "]->(x:" + CY + ")<-[r2:" + PARTNER + "]-(b:" + OG + " {id: $b})"
    " RETURN " + _NODE + " AS node, r1.role AS role_a, r2.role AS role_b ORDER BY x.name, x.id LIMIT $limit",
)

# What each city is joined to: its partner organisations and linked cities (read from the
# city's side, so a hub organisation's thousands of partners are never walked). Brokers of
# two cities are what both lists share.
CITY_ADJACENCY = Query(
    "city_adjacency",
    "UNWIND $ids AS id MATCH (c:" + CY + " {id: id})"
    " RETURN id, [(c)<-[r1:" + PARTNER + "]-(o:" + OG + ") | {id: o.id, how: r1.role}] AS orgs,"
    " [(c)-[r2:" + LINK + "]->(z:" + CY + ") | {id: z.id, how: r2.kind}] AS cities",
)

# Recommendation inputs (no filter on the far end: FalkorDB then starts from a label scan of
# every city): candidates two steps away, cluster mates, award winners, peers
# of the same region; then the facts of each candidate.
TWO_STEP_LINKS = Query(
    "two_step_links",
    "MATCH (c:" + CY + " {id: $id})-[:" + LINK + "]->(z:" + CY + ")-[:" + LINK + "]->(x:" + CY + ")"
    " RETURN DISTINCT z.id AS via, z.name AS via_name, x.id AS id",
)
CITY_ORGS = Query(
    "city_orgs",
    "MATCH (c:" + CY + " {id: $id})<-[:" + PARTNER + "]-(o:" + OG + ") RETURN DISTINCT o.id AS id, o.name AS name",
)
ORG_CITIES = Query(
    "org_cities",
    "UNWIND $ids AS oid MATCH (o:" + OG + " {id: oid})-[:" + PARTNER + "]->(x:" + CY + ")"
    " RETURN DISTINCT oid AS via, x.id AS id",
)
CLUSTER_MATES = Query(
    "cluster_mates",
    "MATCH (c:" + CY + " {id: $id})-[:" + Rel.IN_CLUSTER + "]->(k:" + CL + ")<-[:" + Rel.IN_CLUSTER + "]-(x:" + CY + ")"
    " WHERE x.id <> $id RETURN DISTINCT x.id AS id",
)
AWARD_WINNERS = Query(
    "award_winners",
    "MATCH (x:" + CY + ")-[r:" + Rel.RECEIVED + "]->(:" + Label.AWARD + ") RETURN DISTINCT x.id AS id LIMIT $limit",
)
REGION_PEERS = Query(
    "region_peers",
    "MATCH (x:" + CY + ") WHERE x.region = $region AND x.id <> $id AND ($status IS NULL OR x.status = $status)"
    " RETURN x.id AS id ORDER BY x.id LIMIT $limit",
)
CANDIDATE_FACTS = Query(
    "candidate_facts",
    "UNWIND $ids AS id MATCH (x:" + CY + " {id: id})"
    " RETURN x.id AS id, x.name AS name, x.country_code AS country, x.region AS region,"
    " x.population AS population, x.status AS status, x.year_joined AS year_joined,"
    " [(x)-[:" + Rel.IN_CLUSTER + "]->(k:" + CL + ") | {id: k.id, name: k.name}] AS clusters,"
    " [(x)-[r:" + Rel.RECEIVED + "]->(a:" + Label.AWARD + ") | {name: a.name, year: r.year}] AS awards,"
    " [(x)<-[:" + PARTNER + "]-(o:" + OG + ") | o.id] AS orgs",
)
# Every city's facts for scoring, read once per graph version (gnlc.facts; integers and strings
# only: they are read as plain lists).
ALL_CITY_FACTS = Query(
    "all_city_facts",
    "MATCH (x:" + CY + ") RETURN x.id AS id, x.name AS name, x.country_code AS country, x.region AS region,"
    " x.population AS population, x.status AS status, x.year_joined AS year_joined",
)
ALL_CITY_CLUSTERS = Query(
    "all_city_clusters",
    "MATCH (x:" + CY + ")-[:" + Rel.IN_CLUSTER + "]->(k:" + CL + ") RETURN x.id AS id, k.id AS cluster, k.name AS name",
)
ALL_CITY_AWARDS = Query(
    "all_city_awards",
    "MATCH (x:" + CY + ")-[r:" + Rel.RECEIVED + "]->(a:" + Label.AWARD + ") RETURN x.id AS id, a.name AS name,"
    " r.year AS year",
)
# The cities a city is linked to (not a candidate's: a hub candidate has thousands).
CITY_LINKED_IDS = Query(
    "city_linked_ids", "MATCH (c:" + CY + " {id: $id})-[:" + LINK + "]->(y:" + CY + ") RETURN DISTINCT y.id AS id"
)

# Shortest paths, through links only or through links and partner organisations. The
# bound is a literal, so there is one statement per bound. Undirected patterns find each
# symmetric link twice; the caller removes repeated node sequences.
_PATH_RETURN = " RETURN [x IN nodes(p) | " + _NODE + "] AS nodes, [r IN relationships(p) | " + _EDGE + "] AS edges"
PATH_TYPES = {"cities": LINK.value, "all": LINK + "|" + PARTNER}


def _all_shortest(via: str, hops: int) -> Query:
    # City links are stored both ways, so through links only the search follows one direction
    # (half the branching, no path found twice); organisations point to cities, so `all` is undirected.
    arrow = "->" if via == "cities" else "-"
    return Query(
        f"all_shortest_{via}_{hops}",
        "MATCH (a:" + CY + " {id: $a}), (b:" + CY + " {id: $b}) WITH a, b"
        " MATCH p = allShortestPaths((a)-[:"
        + PATH_TYPES[via]
        + "*1.."
        + str(hops)
        + "]"
        + arrow
        + "(b))"
        + _PATH_RETURN
        + " LIMIT $limit",
    )


def _filtered_paths(via: str, hops: int) -> Query:
    """Paths of exactly `hops` steps whose links are of the chosen kinds and active in the
    chosen year; tried for 1, 2, ... steps, so the first hit is a shortest path."""
    return Query(
        f"filtered_paths_{via}_{hops}",
        "MATCH p = (a:"
        + CY
        + " {id: $a})-[:"
        + PATH_TYPES[via]
        + "*"
        + str(hops)
        + "]"
        + ("->" if via == "cities" else "-")
        + "(b:"
        + CY
        + " {id: $b})"
        " WHERE all(r IN relationships(p) WHERE (type(r) <> '" + LINK + "' OR $kinds IS NULL OR r.kind IN $kinds)"
        " AND " + _ACTIVE + ")" + _PATH_RETURN + " LIMIT $limit",
    )


ALL_SHORTEST = {(via, h): _all_shortest(via, h) for via in PATH_TYPES for h in range(1, MAX_PATH_HOPS + 1)}
FILTERED_PATHS = {(via, h): _filtered_paths(via, h) for via in PATH_TYPES for h in range(1, MAX_PATH_HOPS + 1)}

# Analytics: counts with Cypher, the projected partnership graph for networkx.
MEMBERS_BY_REGION = Query(
    "members_by_region",
    "MATCH (c:" + CY + ")-[:" + Rel.MEMBER_OF + "]->(:" + Label.NETWORK + ")"
    " RETURN c.region AS region, count(DISTINCT c) AS cities ORDER BY region",
)
MEMBERS_BY_COUNTRY = Query(
    "members_by_country",
    "MATCH (c:" + CY + ")-[:" + Rel.MEMBER_OF + "]->(:" + Label.NETWORK + ")"
    " RETURN c.country_code AS country, count(DISTINCT c) AS cities ORDER BY cities DESC, country",
)
MEMBERS_BY_YEAR = Query(
    "members_by_year",
    "MATCH (c:" + CY + ")-[m:" + Rel.MEMBER_OF + "]->(:" + Label.NETWORK + ")"
    " RETURN m.since AS year, count(DISTINCT c) AS cities ORDER BY year",
)
AWARDS_BY_YEAR = Query(
    "awards_by_year",
    "MATCH (c:" + CY + ")-[r:" + Rel.RECEIVED + "]->(a:" + Label.AWARD + ")"
    " RETURN r.year AS year, a.name AS award, c.id AS id, c.name AS name, c.country_code AS country"
    " ORDER BY year, name",
)
# The in-memory projection (gnlc.projection): each node's key (FalkorDB: its internal integer id,
# so edges name their ends by integer; Neo4j: its id), then the links (once per pair and kind)
# and the partnerships by those keys. No ORDER BY: the projection sorts in numpy.
_PROJECTION_NODES = " RETURN {key} AS key, x.id AS id, labels(x)[0] AS label, x.name AS name"
PROJECTION_NODES = Variant(
    _falkor("projection_nodes", "MATCH (x) WHERE x:" + CY + " OR x:" + OG + _PROJECTION_NODES.format(key="ID(x)")),
    _neo4j("neo4j_projection_nodes", "MATCH (x) WHERE x:" + CY + " OR x:" + OG + _PROJECTION_NODES.format(key="x.id")),
)
_PROJECTION_LINKS = (
    "MATCH (a:" + CY + ")-[r:" + LINK + "]->(b:" + CY + ") WHERE {page}{a} < {b}"
    " RETURN {a} AS source, {b} AS target, r.kind AS kind, r.since AS since, r.until AS until"
)
# A page (FalkorDB): the edges of the start nodes whose node ids are in [lo, hi), an id range scan, so
# that building the projection never holds every row at once.
_ID_PAGE = "ID(a) >= $lo AND ID(a) < $hi"
PROJECTION_LINKS = Variant(
    _falkor("projection_links", _PROJECTION_LINKS.format(page="", a="ID(a)", b="ID(b)")),
    _neo4j("neo4j_projection_links", _PROJECTION_LINKS.format(page="", a="a.id", b="b.id")),
)
PROJECTION_LINKS_PAGE = _falkor(
    "projection_links_page", _PROJECTION_LINKS.format(page=_ID_PAGE + " AND ", a="ID(a)", b="ID(b)")
)
_PROJECTION_PARTNERS = (
    "MATCH (a:" + OG + ")-[r:" + PARTNER + "]->(b:" + CY + "){page}"
    " RETURN {a} AS source, {b} AS target, r.role AS kind, r.since AS since, r.until AS until"
)
PROJECTION_PARTNERS = Variant(
    _falkor("projection_partners", _PROJECTION_PARTNERS.format(page="", a="ID(a)", b="ID(b)")),
    _neo4j("neo4j_projection_partners", _PROJECTION_PARTNERS.format(page="", a="a.id", b="b.id")),
)
PROJECTION_PARTNERS_PAGE = _falkor(
    "projection_partners_page", _PROJECTION_PARTNERS.format(page=" WHERE " + _ID_PAGE, a="ID(a)", b="ID(b)")
)
# Export of the whole graph.
ALL_NODES = Query(
    "all_nodes", "MATCH (x) WHERE NOT x:" + STATE_LABEL + " RETURN " + _NODE + " AS node ORDER BY node.label, node.id"
)
ALL_EDGES = Query(
    "all_edges",
    "MATCH (a)-[r]->(b) WHERE NOT (type(r) = '" + LINK + "' AND a.id > b.id)"
    " RETURN type(r) AS type, a.id AS source_id, b.id AS target_id, r.key AS key, properties(r) AS props"
    " ORDER BY type, source_id, target_id, key",
)
# Maps of a region, a country, a cluster or a year: the partnership graph with its facts.
PARTNERSHIP_NODES = Query(
    "partnership_nodes",
    "MATCH (x) WHERE x:" + CY + " OR x:" + OG + " RETURN " + _NODE + " AS node",
)
PARTNERSHIP_EDGES = Query(
    "partnership_edges",
    "MATCH (a:" + CY + ")-[r:" + LINK + "]->(b:" + CY + ") WHERE a.id < b.id RETURN " + _EDGE + " AS edge"
    " UNION ALL MATCH (a:" + OG + ")-[r:" + PARTNER + "]->(b:" + CY + ") RETURN " + _EDGE + " AS edge",
)
CLUSTER_MEMBERS = Query(
    "cluster_members",
    "MATCH (k:" + CL + " {id: $id}) OPTIONAL MATCH (x:" + CY + ")-[r:" + Rel.IN_CLUSTER + "]->(k)"
    " RETURN {id: k.id, label: labels(k)[0], props: properties(k)} AS cluster, collect(x.id) AS cities,"
    " collect(" + _EDGE + ") AS edges",
)

# --- what the network holds, in the terms an analyst asks (gnlc summary, gnlc demo) ------
HUB_ORG_KINDS = ("uil", "national_commission")  # derived for every member: context, not partners
NETWORK_MEMBERS = Query(
    "network_members",
    "MATCH (c:" + CY + ") WHERE c.status = 'member' OPTIONAL MATCH (c)-[r:" + LINK + "]->(:" + CY + ")"
    " WITH c, count(r) AS n RETURN count(c) AS members, sum(CASE WHEN n > 0 THEN 1 ELSE 0 END) AS linked",
)
NETWORK_LINKS = Query(
    "network_links",
    "MATCH (a:" + CY + ")-[r:" + LINK + "]->(b:" + CY + ") WHERE a.id < b.id"
    " RETURN r.kind AS kind, a.status = 'member' AND b.status = 'member' AS both_members, count(r) AS n",
)
NETWORK_PARTNER_ORGS = Query(
    "network_partner_orgs",
    "MATCH (o:" + OG + ") WHERE NOT coalesce(o.kind, '') IN $hubs RETURN count(o) AS n",
)

# --- hubs and the network's context for recommendations (gnlc/hubs.py, gnlc/peers.py) -----
# Which countries and regions each organisation's partner cities are in (the hub rule).
ORG_REACH = Query(
    "org_reach",
    "MATCH (o:" + OG + ")-[:" + PARTNER + "]->(c:" + CY + ")"
    " RETURN o.id AS id, o.name AS name, o.kind AS kind, c.country_code AS country, c.region AS region,"
    " c.status = 'member' AS member, count(DISTINCT c) AS cities",
)
# Each organisation's name and kind (the hub rule on the projection's partnerships, gnlc.hubs).
ORG_KINDS = Query("org_kinds", "MATCH (o:" + OG + ") RETURN o.id AS id, o.name AS name, o.kind AS kind")
# Each city's country, region, status and number of linked cities.
CITY_LINK_DEGREES = Query(
    "city_link_degrees",
    "MATCH (c:" + CY + ") OPTIONAL MATCH (c)-[:" + LINK + "]->(x:" + CY + ")"
    " RETURN c.id AS id, c.country_code AS country, c.region AS region, c.status AS status,"
    " count(DISTINCT x) AS links",
)
# Linked city pairs by the countries of their two ends (each pair counted from both sides).
COUNTRY_PAIR_LINKS = Query(
    "country_pair_links",
    "MATCH (a:" + CY + ")-[:" + LINK + "]->(b:" + CY + ") WITH DISTINCT a, b"
    " RETURN a.country_code AS a, b.country_code AS b, count(*) AS pairs",
)
# Where each city is (for nearness in recommendations): cities with coordinates only.
CITY_PLACES = Query(
    "city_places",
    "MATCH (c:" + CY + ") WHERE c.latitude IS NOT NULL AND c.longitude IS NOT NULL"
    " RETURN c.id AS id, c.latitude AS latitude, c.longitude AS longitude",
)
# The cities linked to each of the given cities (the third step of twins of twins of twins).
LINKED_OF = Query(
    "linked_of",
    "UNWIND $ids AS id MATCH (b:" + CY + " {id: id})-[:" + LINK + "]->(x:" + CY + ")"
    " RETURN DISTINCT b.id AS via, b.name AS via_name, x.id AS id",
)
