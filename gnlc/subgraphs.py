"""Named subgraphs, for export and maps: the whole graph, a neighbourhood, the paths or
the brokers between two cities, a city's recommended partners."""

from __future__ import annotations

from typing import Literal

from gnlc.errors import InputError, NotFound
from gnlc.explore import (
    HUB_DEGREE,
    Explorer,
    check_cluster,
    check_country,
    check_region,
    check_year,
    gedge,
    gnode,
)
from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, Label
from gnlc.loaders.normalise import country_name
from gnlc.recommend import recommend, recommendation_subgraph
from gnlc.schemas import CitySummary, GEdge, GNode, Subgraph

Scope = Literal["whole", "neighbourhood", "paths", "brokers", "recommendations"]
SCOPES = ("whole", "neighbourhood", "paths", "brokers", "recommendations")


def subgraph(
    ex: Explorer, scope: str, *, city: str | None = None, target: str | None = None, depth: int = 1
) -> Subgraph:
    if scope not in SCOPES:
        raise InputError(f"scope: expected one of {', '.join(SCOPES)}, got {scope!r}")
    if scope == "whole":
        return ex.whole_graph()
    if not city:
        raise InputError(f"city: expected a city for scope {scope!r}")
    if scope == "neighbourhood":
        return ex.neighbourhood(city, depth=depth)
    if scope == "recommendations":
        return recommendation_subgraph(recommend(ex, city))
    if not target:
        raise InputError(f"target: expected a second city for scope {scope!r}")
    if scope == "paths":
        return ex.path_subgraph(ex.paths(city, target))
    return brokers_subgraph(ex, city, target)


def brokers_subgraph(ex: Explorer, city: str, target: str) -> Subgraph:
    res = ex.brokers(city, target)
    nodes = {res.source.id: _city_node(res.source), res.target.id: _city_node(res.target)}
    edges = []
    for b in res.brokers:
        nodes.setdefault(b.node.id, b.node)
        for end, how in ((res.source.id, b.to_source), (res.target.id, b.to_target)):
            edges.append(GEdge(source_id=b.node.id, target_id=end, type="BROKER", role=", ".join(how)))
    return Subgraph(title=f"brokers {res.source.name} - {res.target.name}", nodes=list(nodes.values()), edges=edges)


def _city_node(c: CitySummary) -> GNode:
    return gnode(
        {"id": c.id, "label": "City", "props": {"name": c.name, "country_code": c.country, "region": c.region}}
    )


def network_subgraph(
    ex: Explorer,
    *,
    region: str | None = None,
    country: str | None = None,
    cluster: str | None = None,
    year: int | None = None,
    hub_degree: int | None = HUB_DEGREE,
    organisations: bool = True,
) -> Subgraph:
    """Cities (of a region, a country, a cluster; members joined by ``year``) with their
    links and partner organisations. Links and partnerships are those active in ``year``.
    Organisations partnering more than ``hub_degree`` cities (UIL: every member) are left
    out and named in the notes; ``hub_degree=None`` keeps them."""
    region_id = check_region(region) if region else None
    code = check_country(country) if country else None
    year = check_year(year)
    nodes = {r["node"]["id"]: gnode(r["node"]) for r in ex.store.read(cypher.PARTNERSHIP_NODES)}
    edges = [gedge(r["edge"]) for r in ex.store.read(cypher.PARTNERSHIP_EDGES)]
    notes: list[str] = []
    title = "GNLC network"
    extra_nodes, extra_edges = [], []
    if cluster:
        rows = ex.store.read(cypher.CLUSTER_MEMBERS, id=check_cluster(cluster))
        if not rows:
            raise NotFound("cluster", cluster)
        members = set(rows[0]["cities"])
        extra_nodes.append(gnode(rows[0]["cluster"]))
        extra_edges = [gedge(e) for e in rows[0]["edges"] if e.get("source_id")]
        title = f"cluster {extra_nodes[0].name}"
    else:
        members = None

    def active(e: GEdge) -> bool:
        return year is None or ((e.since is None or e.since <= year) and (e.until is None or e.until >= year))

    def chosen(n: GNode) -> bool:
        if n.label != Label.CITY:
            return False
        if region_id and n.region != region_id:
            return False
        if code and n.country != code:
            return False
        if members is not None and n.id not in members:
            return False
        joined = n.props.get("year_joined")
        return year is None or (joined is not None and joined <= year)

    cities = {nid for nid, n in nodes.items() if chosen(n)}
    degree: dict[str, int] = {}  # over all years, so a hub stays out of every year's map
    for e in edges:
        if e.type == "PARTNERS_WITH":
            degree[e.source_id] = degree.get(e.source_id, 0) + 1
    edges = [e for e in edges if active(e)]
    hubs = {o for o, d in degree.items() if hub_degree is not None and d > hub_degree}
    for h in sorted(hubs):
        notes.append(f"{nodes[h].name} partners {degree[h]} cities: left out (hub_degree={hub_degree})")
    keep_edges, keep = [], set(cities)
    for e in edges:
        if e.type == "LINKED_TO" and e.source_id in cities and e.target_id in cities:
            keep_edges.append(e)
        elif e.type == "PARTNERS_WITH" and organisations and e.target_id in cities and e.source_id not in hubs:
            keep_edges.append(e)
            keep.add(e.source_id)
    if region_id:
        title = f"{REGIONS[region_id]}"
    if code:
        title = f"{country_name(code)}"
    if year:
        title += f" in {year}"
    return Subgraph(
        title=title, nodes=[nodes[i] for i in sorted(keep)] + extra_nodes, edges=keep_edges + extra_edges, notes=notes
    )


def paths_and_brokers(ex: Explorer, city: str, target: str) -> Subgraph:
    """The shortest paths between two cities and the brokers who could introduce them."""
    paths = ex.path_subgraph(ex.paths(city, target))
    brokers = brokers_subgraph(ex, city, target)
    nodes = {n.id: n for n in [*paths.nodes, *brokers.nodes]}
    return Subgraph(
        title=f"paths and brokers: {brokers.title.removeprefix('brokers ')}",
        nodes=list(nodes.values()),
        edges=[*paths.edges, *brokers.edges],
        notes=paths.notes,
    )


MAP_KINDS = ("neighbourhood", "cluster", "region", "country", "network", "paths", "recommendations")


def map_subgraph(
    ex: Explorer,
    kind: str,
    *,
    city: str | None = None,
    target: str | None = None,
    depth: int = 1,
    name: str | None = None,
    year: int | None = None,
    hub_degree: int | None = HUB_DEGREE,
) -> Subgraph:
    """The subgraph a map of this kind draws."""
    if kind not in MAP_KINDS:
        raise InputError(f"kind: expected one of {', '.join(MAP_KINDS)}, got {kind!r}")
    if kind in ("neighbourhood", "paths", "recommendations") and not city:
        raise InputError(f"city: expected a city for a {kind} map")
    if kind in ("cluster", "region", "country") and not name:
        raise InputError(f"name: expected the {kind} to draw")
    if kind == "neighbourhood":
        return ex.neighbourhood(str(city), depth=depth, year=year)
    if kind == "paths":
        if not target:
            raise InputError("target: expected a second city for a paths map")
        return paths_and_brokers(ex, str(city), target)
    if kind == "recommendations":  # the candidates beside the links the city already has
        rec = recommendation_subgraph(recommend(ex, str(city)))
        now = ex.neighbourhood(str(city), depth=1)
        nodes = {n.id: n for n in [*now.nodes, *rec.nodes]}
        return Subgraph(title=rec.title, nodes=list(nodes.values()), edges=[*now.edges, *rec.edges], notes=now.notes)
    return network_subgraph(
        ex,
        year=year,
        hub_degree=hub_degree,
        cluster=name if kind == "cluster" else None,
        region=name if kind == "region" else None,
        country=name if kind == "country" else None,
    )
