"""The questions of bench/run.py answered by the raw engine statement and by in-process peers.

For each question of ``run.questions``: the one registered statement that does its core work,
given ids (no name resolution, no facts beyond it), and networkx and igraph on the same
nodes and edges as the projection (built from it, in the same process), doing what the
question does on a bare graph:

- city profile: the node's attributes and its neighbours (networkx); igraph: its neighbours;
- neighbours: the linked cities;
- neighbourhood depth 2: every node within two steps of the city (links and partnerships,
  hubs left out as ours does);
- shortest path: one shortest chain of links of at most 6 steps (ours: every shortest path);
- brokers: the nodes joined to both cities (hubs left out);
- recommendations: Adamic-Adar over the cities two links away, top 10 (ours: 11 features,
  six pools, reasons and brokers);
- centrality top 20: degree, top 20.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.projection import LINK, Projection

Ask = Callable[[str, str], Any]


def engine_statements(store: GraphStore) -> dict[str, Ask | None]:
    def two_steps(a: str) -> list[Any]:
        step = {"kinds": None, "year": None, "with_orgs": True}
        first = [r["node"]["id"] for r in store.read(cypher.CITY_STEP, ids=[a], **step)]
        return store.read(cypher.CITY_STEP, ids=[a, *first], **step)

    return {
        "city profile": lambda a, b: store.read(cypher.CITY_PROFILE, id=a),
        "neighbours": lambda a, b: store.read(cypher.CITY_LINKS, id=a, kinds=None, year=None),
        "neighbourhood depth 2": lambda a, b: two_steps(a),
        "shortest path": lambda a, b: store.shortest_link_path(a, b),
        "brokers": lambda a, b: store.read(cypher.CITY_ADJACENCY, ids=[a, b]),
        "recommendations": lambda a, b: store.read(cypher.TWO_STEP_LINKS, id=a),
        "centrality top 20": None,
    }


def networkx_graphs(proj: Projection) -> tuple[nx.Graph, nx.Graph]:
    """(partnership graph, links-only graph) of the projection, node ids as networkx nodes."""
    g = nx.Graph()
    g.add_nodes_from(
        (i, {"city": bool(c), "name": n}) for i, c, n in zip(proj.ids, proj.is_city.tolist(), proj.names, strict=True)
    )
    ids = proj.ids
    g.add_edges_from(
        (ids[s], ids[d], {"link": t == LINK})
        for s, d, t in zip(proj.src.tolist(), proj.dst.tolist(), proj.etype.tolist(), strict=True)
    )
    links = nx.Graph()
    links.add_nodes_from(i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c)
    links.add_edges_from((u, v) for u, v, d in g.edges(data=True) if d["link"])
    return g, links


def networkx_questions(g: nx.Graph, links: nx.Graph, hubs: set[str]) -> dict[str, Ask]:
    def ego(a: str) -> set[str]:
        seen, frontier = {a}, [a]
        for _ in range(2):
            frontier = [y for x in frontier if x == a or x not in hubs for y in g.adj[x] if y not in seen]
            seen.update(frontier)
        return seen

    def path(a: str, b: str) -> list[str]:
        try:
            p: list[str] = nx.shortest_path(links, a, b)
        except nx.NetworkXNoPath:
            return []
        return p if len(p) <= 7 else []

    def recommend(a: str) -> list[tuple[str, float]]:
        near = set(links.adj[a])
        two = {x for z in near for x in links.adj[z]} - near - {a}
        scores = nx.adamic_adar_index(links, [(a, x) for x in two])
        return sorted(((x, s) for _a, x, s in scores), key=lambda t: (-t[1], t[0]))[:10]

    return {
        "city profile": lambda a, b: (dict(g.nodes[a]), {y: g.nodes[y]["name"] for y in g.adj[a]}),
        "neighbours": lambda a, b: list(links.adj[a]),
        "neighbourhood depth 2": lambda a, b: ego(a),
        "shortest path": lambda a, b: path(a, b),
        "brokers": lambda a, b: (set(g.adj[a]) & set(g.adj[b])) - hubs,
        "recommendations": lambda a, b: recommend(a),
        "centrality top 20": lambda a, b: sorted(g.degree, key=lambda t: (-t[1], t[0]))[:20],
    }


def igraph_questions(proj: Projection, hubs: set[str]) -> dict[str, Ask]:
    g, vertices = proj.graph("partnerships")
    links, city_vertices = proj.graph("cities")
    at = {proj.ids[v]: i for i, v in enumerate(vertices.tolist())}
    city_at = {proj.ids[v]: i for i, v in enumerate(city_vertices.tolist())}
    hub_v = {at[h] for h in hubs if h in at}

    def ego(a: str) -> set[int]:
        start = at[a]
        seen, frontier = {start}, [start]
        for _ in range(2):
            frontier = [y for x in frontier if x == start or x not in hub_v for y in g.neighbors(x) if y not in seen]
            seen.update(frontier)
        return seen

    def recommend(a: str) -> list[tuple[int, float]]:
        v = city_at[a]
        near = set(links.neighbors(v))
        two = sorted({x for z in near for x in links.neighbors(z)} - near - {v})
        if not two:
            return []
        scores = links.similarity_inverse_log_weighted(vertices=[v])[0]
        return sorted(((x, scores[x]) for x in two), key=lambda t: (-t[1], t[0]))[:10]

    def path(a: str, b: str) -> list[int]:
        p = links.get_shortest_path(city_at[a], to=city_at[b])
        return p if 0 < len(p) <= 7 else []

    def top() -> list[int]:
        degree = np.asarray(g.degree())
        k = min(20, len(degree))
        best = np.argpartition(-degree, k - 1)[:k]
        return best[np.argsort(-degree[best], kind="stable")].tolist()

    return {
        "city profile": lambda a, b: (g.vs[at[a]].attributes(), g.neighbors(at[a])),
        "neighbours": lambda a, b: links.neighbors(city_at[a]),
        "neighbourhood depth 2": lambda a, b: ego(a),
        "shortest path": lambda a, b: path(a, b),
        "brokers": lambda a, b: (set(g.neighbors(at[a])) & set(g.neighbors(at[b]))) - hub_v,
        "recommendations": lambda a, b: recommend(a),
        "centrality top 20": lambda a, b: top(),
    }
