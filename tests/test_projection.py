"""The in-memory projection (gnlc.projection): the same graph as the engine holds, rebuilt when a
load changes the graph (the change counter), and analytics on it that agree with networkx."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

from gnlc import projection as projection_module
from gnlc.analytics import Analytics
from gnlc.explore import Explorer
from gnlc.facts import city_table
from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.hubs import find_hubs
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.projection import LINK, NO_SINCE, NO_UNTIL, PARTNER, build, projection


def _networkx(store: GraphStore, scope: str) -> nx.Graph:
    """The graph as the analytics built it with networkx before the projection (from the maps'
    statements, not the projection's own)."""
    g = nx.Graph()
    for r in store.read(cypher.PARTNERSHIP_NODES):
        n = r["node"]
        if scope == "partnerships" or n["label"] == "City":
            g.add_node(n["id"], label=n["label"], name=n["props"].get("name"))
    for r in store.read(cypher.PARTNERSHIP_EDGES):
        e = r["edge"]
        if scope == "partnerships" or e["type"] == "LINKED_TO":
            g.add_edge(e["source_id"], e["target_id"])
    return g


def test_the_projection_holds_every_node_and_edge_the_engine_holds(an: Analytics) -> None:
    """Each node with its name and label, each link once (the smaller id first) and each
    partnership, with kind or role, since and until, in the order of their ids."""
    store, proj = an.ex.store, an.projection()
    nodes = sorted((r["node"] for r in store.read(cypher.PARTNERSHIP_NODES)), key=lambda n: n["id"])
    assert proj.ids == [n["id"] for n in nodes]
    assert proj.names == [n["props"].get("name") for n in nodes]
    assert proj.is_city.tolist() == [n["label"] == "City" for n in nodes]
    engine = []
    for r in store.read(cypher.PARTNERSHIP_EDGES):
        e = r["edge"]
        link = e["type"] == "LINKED_TO"
        ends = sorted((e["source_id"], e["target_id"])) if link else [e["source_id"], e["target_id"]]
        engine.append((0 if link else 1, *ends, e["kind"] if link else e["role"], e["since"], e["until"]))
    ours = [
        (
            int(t),
            proj.ids[s],
            proj.ids[d],
            proj.kinds[k] if k >= 0 else None,
            None if since == NO_SINCE else since,
            None if until == NO_UNTIL else until,
        )
        for t, s, d, k, since, until in zip(
            proj.etype.tolist(),
            proj.src.tolist(),
            proj.dst.tolist(),
            proj.kind.tolist(),
            proj.since.tolist(),
            proj.until.tolist(),
            strict=True,
        )
    ]
    assert len(ours) > 100
    assert sorted(ours, key=repr) == sorted(engine, key=repr)
    assert [o[:3] for o in ours] == sorted(o[:3] for o in ours)  # links first, each part by ids


def test_reading_the_edges_in_pages_builds_the_same_projection(an: Analytics, monkeypatch: pytest.MonkeyPatch) -> None:
    """On FalkorDB the edges are read in pages of start nodes (by node id); pages of 3 nodes give
    the same arrays as one page of them all (on Neo4j, one read either way)."""
    store = an.ex.store
    whole = build(store, "whole")
    monkeypatch.setattr(projection_module, "PAGE_NODES", 3)
    paged = build(store, "paged")
    assert len(whole.src) > 100
    assert whole.ids == paged.ids and whole.kinds == paged.kinds
    for column in ("src", "dst", "etype", "kind", "since", "until", "indptr", "nbr", "eid"):
        assert getattr(whole, column).tolist() == getattr(paged, column).tolist(), column


@pytest.fixture(scope="module")
def an(loaded: GraphStore) -> Analytics:
    return Analytics(Explorer(loaded))


@pytest.mark.parametrize("scope", ["cities", "partnerships"])
def test_stats_and_degree_equal_networkx(an: Analytics, scope: str) -> None:
    g = _networkx(an.ex.store, scope)
    stats = an.stats(scope)  # type: ignore[arg-type]
    comps = list(nx.connected_components(g))
    assert (stats.nodes, stats.edges, stats.components) == (g.number_of_nodes(), g.number_of_edges(), len(comps))
    assert stats.largest_component == max(len(c) for c in comps)
    assert stats.density == round(nx.density(g), 6)
    top = an.top("degree", scope=scope, limit=30)  # type: ignore[arg-type]
    theirs = sorted(g.degree(), key=lambda x: (-x[1], x[0]))[:30]
    assert [(t.id, t.value) for t in top] == [(n, float(d)) for n, d in theirs]


def test_pagerank_agrees_with_networkx_and_answers_are_deterministic(an: Analytics) -> None:
    g = _networkx(an.ex.store, "cities")
    theirs = nx.pagerank(g, tol=1e-10)
    top = an.top("pagerank", scope="cities", limit=20)
    assert all(t.value == pytest.approx(theirs[t.id], abs=1e-5) for t in top)
    assert top == Analytics(an.ex).top("pagerank", scope="cities", limit=20)
    com = an.communities(scope="cities")
    assert com == Analytics(an.ex).communities(scope="cities")  # a seeded Louvain
    assert len({m for c in com for m in c.members}) == sum(c.size for c in com)


def test_the_projection_is_kept_until_a_load_changes_the_graph(store: GraphStore, tmp_path: Path) -> None:
    generate(tmp_path, cities=60, seed=1)
    files = sorted(tmp_path.glob("*.csv"))
    assert store.change_token() is None
    load_files(store, files)
    first = projection(store)
    assert store.change_token() is not None and projection(store) is first
    load_files(store, files)  # nothing changed: nothing written, the counter stays
    assert projection(store) is first
    extra = tmp_path / "more_links.csv"
    extra.write_text(
        "city_a,country_a,city_b,country_b,kind,since,source_url\n"
        "Synthcity 000058,EE,Synthcity 000059,PY,twinning,2000,synthetic\n"
    )
    load_files(store, [extra])
    again = projection(store)
    assert again is not first and again.token != first.token
    assert len(again.src) == len(first.src) + 1
    assert "GraphState" not in store.summary()["nodes"]


@pytest.mark.parametrize(("via", "include_hubs"), [("cities", False), ("all", True), ("all", False)])
def test_path_lengths_equal_networkx_on_sampled_pairs(an: Analytics, via: str, include_hubs: bool) -> None:
    ex = an.ex
    g = _networkx(ex.store, "cities" if via == "cities" else "partnerships")
    if not include_hubs:
        g.remove_nodes_from(ex.hubs().ids())
    cities = sorted(n for n, d in g.nodes(data=True) if d["label"] == "City")
    rng = random.Random(7)
    pairs = [tuple(rng.sample(cities, 2)) for _ in range(40)]
    linked = [n for n in cities if g.degree(n)]
    pairs += [tuple(rng.sample(linked, 2)) for _ in range(40)]  # most of these are connected
    found = many = 0
    for a, b in pairs:
        res = ex.paths(a, b, via=via, max_hops=6, include_hubs=include_hubs, limit=5)
        try:
            theirs = nx.shortest_path_length(g, a, b)
        except nx.NetworkXNoPath:
            theirs = None
        if theirs is None or theirs > 6:
            assert res.paths == [], (a, b)
            continue
        found += 1
        assert {p.length for p in res.paths} == {theirs}, (a, b)
        assert all(p.nodes[0].id == a and p.nodes[-1].id == b for p in res.paths)
        assert all(g.has_edge(x.id, y.id) for p in res.paths for x, y in zip(p.nodes, p.nodes[1:], strict=False))
        # the first five of all shortest paths, in the order of their node ids
        assert [[n.id for n in p.nodes] for p in res.paths] == sorted(nx.all_shortest_paths(g, a, b))[:5], (a, b)
        many += len(res.paths) == 5
    assert found >= 20 and many >= 5


def test_neighbours_from_the_projection_equal_the_engine_reads(an: Analytics) -> None:
    """Recommendations read who is joined to whom from the projection: the same as the statements did."""
    store, proj = an.ex.store, an.projection()
    rng = random.Random(3)
    cities = rng.sample([i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c], 40)
    for cid in cities:
        assert proj.adjacent(cid, LINK) == sorted(r["id"] for r in store.read(cypher.CITY_LINKED_IDS, id=cid))
        assert proj.adjacent(cid, PARTNER) == sorted(r["id"] for r in store.read(cypher.CITY_ORGS, id=cid))
        two = {(r["via"], r["id"]) for r in store.read(cypher.TWO_STEP_LINKS, id=cid)}
        assert two == {(z, x) for z in proj.adjacent(cid, LINK) for x in proj.adjacent(z, LINK)}
    orgs = sorted({o for cid in cities for o in proj.adjacent(cid, PARTNER)})
    engine = {(r["via"], r["id"]) for r in store.read(cypher.ORG_CITIES, ids=orgs)}
    assert engine == {(o, x) for o in orgs for x in proj.adjacent(o, PARTNER)}


def test_facts_and_network_context_from_the_projection_equal_the_engine_reads(an: Analytics) -> None:
    """Recommendations look cities' facts up in a table kept per graph version and count links
    on the projection: the same as CANDIDATE_FACTS, CITY_LINK_DEGREES and COUNTRY_PAIR_LINKS."""
    ex, proj = an.ex, an.projection()
    table = city_table(ex.store, proj)
    cities = sorted(i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c)
    read = {r["id"]: r for r in ex.store.read(cypher.CANDIDATE_FACTS, ids=cities)}
    for row in table.rows(cities):
        theirs = read[row["id"]]
        assert {k: v for k, v in theirs.items() if k not in ("clusters", "awards", "orgs")} == {
            k: v for k, v in row.items() if k not in ("clusters", "awards")
        }
        for key in ("clusters", "awards"):  # maps, whose keys Neo4j may give in another order
            assert sorted(map(_canonical, theirs[key])) == sorted(map(_canonical, row[key]))
        assert sorted(set(theirs["orgs"])) == proj.adjacent(row["id"], PARTNER)
    ours, engine = ex.network_context(proj), Explorer(ex.store).network_context()
    assert (ours.degree, ours.country, ours.status, ours.pairs) == (
        engine.degree,
        engine.country,
        engine.status,
        engine.pairs,
    )
    assert sum(ours.pairs.values()) > 0 and any(ours.degree.values())


def test_hubs_on_the_projection_equal_the_engine_rule(an: Analytics) -> None:
    ex, proj = an.ex, an.projection()
    ours, engine = ex.hubs(proj), find_hubs(ex.store)
    assert ours.why == engine.why and ours.why


def _canonical(value: object) -> str:
    return repr(sorted(value.items())) if isinstance(value, dict) else repr(value)
