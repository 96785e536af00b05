"""Network analytics: counts with Cypher in the engine; degree, betweenness, PageRank,
Louvain communities and components with igraph on the in-memory projection
(:mod:`gnlc.projection`: cities and organisations, city-to-city links and partnerships),
the same on both engines. No graph algorithm is written here.

The projection is rebuilt when a load changed the graph (its change counter); pass
``refresh=True`` to rebuild it anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from gnlc import centrality
from gnlc.centrality import EXACT_BETWEENNESS_MAX, SAMPLE, SEED  # noqa: F401 - where they were before
from gnlc.errors import InputError
from gnlc.explore import Explorer, bounded
from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.normalise import country_name
from gnlc.projection import Projection, projection
from gnlc.schemas import Community, CountRow, GrowthRow, NetworkStats, RankedNode

if TYPE_CHECKING:
    import igraph as ig

Scope = Literal["cities", "partnerships"]
Metric = Literal["degree", "betweenness", "pagerank"]
SCOPES: tuple[Scope, ...] = ("cities", "partnerships")
METRICS: tuple[Metric, ...] = ("degree", "betweenness", "pagerank")


def as_scope(value: str) -> Scope:
    """``value`` (from a command line, say) as a scope; an InputError naming the choices otherwise."""
    for scope in SCOPES:
        if value == scope:
            return scope
    raise InputError(f"scope: expected 'cities' or 'partnerships', got {value!r}")


def as_metric(value: str) -> Metric:
    """``value`` as a centrality metric; an InputError naming the choices otherwise."""
    for metric in METRICS:
        if value == metric:
            return metric
    raise InputError(f"metric: expected degree, betweenness or pagerank, got {value!r}")


class Analytics:
    def __init__(self, ex: Explorer) -> None:
        self.ex = ex
        self._refresh = False
        self._scores: dict[tuple[str | None, str, str], np.ndarray] = {}

    def invalidate(self) -> None:
        """Rebuild the projection at the next question (a load changes the counter anyway)."""
        self._refresh = True
        self.ex.forget_names()

    # -- counts ------------------------------------------------------------------------------
    def members_by_region(self) -> list[CountRow]:
        return [
            CountRow(key=r["region"], name=REGIONS.get(r["region"] or ""), count=r["cities"])
            for r in self.ex.store.read(cypher.MEMBERS_BY_REGION)
        ]

    def members_by_country(self) -> list[CountRow]:
        return [
            CountRow(key=r["country"], name=country_name(r["country"]) if r["country"] else None, count=r["cities"])
            for r in self.ex.store.read(cypher.MEMBERS_BY_COUNTRY)
        ]

    def members_by_year(self) -> list[GrowthRow]:
        total, out = 0, []
        for r in self.ex.store.read(cypher.MEMBERS_BY_YEAR):
            total += r["cities"]
            out.append(GrowthRow(year=r["year"], joined=r["cities"], total=total))
        return out

    def awards(self, year: int | None = None) -> list[dict[str, object]]:
        rows = self.ex.store.read(cypher.AWARDS_BY_YEAR)
        return [r for r in rows if year is None or r["year"] == year]

    # -- the projected graph --------------------------------------------------------------------
    def projection(self, *, refresh: bool = False) -> Projection:
        refresh, self._refresh = refresh or self._refresh, False
        return projection(self.ex.store, refresh=refresh)

    def _scoped(self, scope: Scope) -> tuple[Projection, ig.Graph, np.ndarray]:
        as_scope(scope)  # a caller without types may pass any text
        proj = self.projection()
        g, vertices = proj.graph(scope)
        return proj, g, vertices

    def stats(self, scope: Scope = "partnerships") -> NetworkStats:
        _, g, _ = self._scoped(scope)
        n = g.vcount()
        sizes = g.connected_components().sizes() if n else []
        return NetworkStats(
            scope=scope,
            nodes=n,
            edges=g.ecount(),
            density=round(2 * g.ecount() / (n * (n - 1)), 6) if n > 1 else 0.0,
            components=len(sizes),
            largest_component=max(sizes, default=0),
            isolated=sum(1 for s in sizes if s == 1),
        )

    def _values(self, proj: Projection, g: ig.Graph, scope: Scope, metric: str) -> np.ndarray:
        key = (proj.token, scope, metric)
        if key not in self._scores:
            if metric == "degree":
                values = [float(d) for d in g.degree()]
            elif metric == "betweenness":
                values = centrality.betweenness(g)
            elif metric == "pagerank":
                values = centrality.pagerank(g)
            else:
                raise InputError(f"metric: expected degree, betweenness or pagerank, got {metric!r}")
            self._scores = {k: v for k, v in self._scores.items() if k[0] == proj.token}
            self._scores[key] = np.asarray(values, dtype=float)
        return self._scores[key]

    def top(
        self, metric: Metric = "degree", *, scope: Scope = "partnerships", limit: int = 20, label: str | None = None
    ) -> list[RankedNode]:
        bounded(limit, "limit", 1, 1000)
        proj, g, vertices = self._scoped(scope)
        values = self._values(proj, g, scope, metric)
        if label and label not in (Label.CITY, Label.ORGANISATION):
            raise InputError(f"label: expected City or Organisation, got {label!r}")
        pool = np.arange(len(values)) if not label else np.flatnonzero(proj.is_city[vertices] == (label == Label.CITY))
        if len(pool) > limit:  # only the values that can be in the first `limit`: ties at the edge all kept
            edge = np.partition(values[pool], len(pool) - limit)[len(pool) - limit]
            pool = pool[values[pool] >= edge]
        ranked = pool[np.lexsort((pool, -values[pool]))]  # vertices are in id order: ties by id
        return [_ranked(proj, int(vertices[i]), float(values[i])) for i in ranked[:limit].tolist()]

    def communities(self, *, scope: Scope = "partnerships", limit: int = 20, min_size: int = 2) -> list[Community]:
        """Louvain communities (igraph, seeded: the same graph gives the same answer)."""
        bounded(limit, "limit", 1, 1000)
        proj, g, vertices = self._scoped(scope)
        if not g.ecount():
            return []
        degree = g.degree()
        found = [sorted(c, key=lambda i: proj.ids[vertices[i]]) for c in centrality.louvain(g) if len(c) >= min_size]
        found.sort(key=lambda c: (-len(c), proj.ids[vertices[c[0]]]))
        out = []
        for i, members in enumerate(found[:limit]):
            top = sorted(members, key=lambda v: (-degree[v], proj.ids[vertices[v]]))[:5]
            out.append(
                Community(
                    id=i,
                    size=len(members),
                    members=[proj.ids[vertices[v]] for v in members],
                    names=[proj.names[vertices[v]] or proj.ids[vertices[v]] for v in top],
                )
            )
        return out


def _ranked(proj: Projection, node: int, value: float) -> RankedNode:
    return RankedNode(
        id=proj.ids[node],
        label=Label.CITY if proj.is_city[node] else Label.ORGANISATION,
        name=proj.names[node],
        value=round(float(value), 6),
    )


def betweenness(g: Any) -> dict[str, float]:
    """Normalised betweenness of every node of a graph given as networkx's API gives it
    (``list(g)`` the nodes, ``g.edges()`` the pairs), by :func:`gnlc.centrality.betweenness`."""
    import igraph as ig

    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    graph = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in g.edges()])
    return dict(zip(nodes, centrality.betweenness(graph), strict=True))


def network_counts(store: GraphStore) -> dict[str, int]:
    """Members, members with a city-to-city link, links (all, between two members, by
    kind), and partner organisations other than UIL and the national commissions."""
    members = store.read(cypher.NETWORK_MEMBERS)[0]
    out = {
        "members": int(members["members"] or 0),
        "members_linked": int(members["linked"] or 0),
        "links": 0,
        "member_links": 0,
    }
    for r in store.read(cypher.NETWORK_LINKS):
        out["links"] += r["n"]
        out["member_links"] += r["n"] if r["both_members"] else 0
        out[f"links:{r['kind']}"] = out.get(f"links:{r['kind']}", 0) + r["n"]
    out["partner_organisations"] = int(store.read(cypher.NETWORK_PARTNER_ORGS, hubs=list(cypher.HUB_ORG_KINDS))[0]["n"])
    return out


def describe_network(store: GraphStore) -> str:
    """One paragraph of those counts, as `gnlc demo` and `gnlc summary` print it."""
    c, nodes = network_counts(store), store.summary()["nodes"]
    share = f"{c['members_linked'] / c['members']:.0%}" if c["members"] else "-"
    kinds = ", ".join(f"{k.split(':', 1)[1]} {n:,}" for k, n in sorted(c.items()) if k.startswith("links:"))
    return (
        f"{nodes.get('City', 0):,} cities ({c['members']:,} members), "
        f"{nodes.get('Organisation', 0):,} organisations "
        f"({c['partner_organisations']:,} partners beyond UIL and the national commissions), "
        f"{nodes.get('Country', 0):,} countries; {c['links']:,} city-to-city links ({kinds or 'none'}), "
        f"{c['member_links']:,} of them between two members; {c['members_linked']:,} members ({share}) have at "
        "least one such link"
    )
