"""City-to-city links by kind and year, neighbourhoods one or two steps out, and the whole graph or
a path result as a subgraph (maps, export)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gnlc.cities import read_city
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import Row
from gnlc.names import (
    HUB_DEGREE,
    MAX_SUBGRAPH_NODES,
    bounded,
    check_kinds,
    check_year,
    gedge,
    gnode,
)
from gnlc.schemas import (
    GEdge,
    GNode,
    LinkRow,
    PathResult,
    Subgraph,
)

if TYPE_CHECKING:
    from gnlc.explore import Explorer


def links(
    ex: Explorer, ref: str, *, kinds: Iterable[str] | None = None, year: int | None = None, country: str | None = None
) -> list[LinkRow]:
    """The city's links (of those kinds, active in ``year``), by the linked city's name: one read
    when ``ref`` is a city's id (see :func:`gnlc.cities.read_city`)."""
    params = {"kinds": check_kinds(kinds), "year": check_year(year)}
    rows = read_city(ex, cypher.CITY_LINKS, ref, country, **params)[1]
    return [LinkRow(city=gnode(r["node"]), link=gedge(r["edge"])) for r in rows]


def neighbourhood(
    ex: Explorer,
    ref: str,
    *,
    depth: int = 1,
    kinds: Iterable[str] | None = None,
    year: int | None = None,
    organisations: bool = True,
    hub_degree: int = HUB_DEGREE,
    max_nodes: int = 500,
    country: str | None = None,
) -> Subgraph:
    """Cities and organisations within ``depth`` steps. Organisations with more than
    ``hub_degree`` partner cities (UIL coordinates them all) are shown, not walked through."""
    bounded(depth, "depth", 1, 2)
    bounded(max_nodes, "max_nodes", 1, MAX_SUBGRAPH_NODES)
    bounded(hub_degree, "hub_degree", 1, 10_000_000)
    cid = ex.city_id(ref, country)
    start = ex.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[cid])[0]["node"]
    nodes: dict[str, GNode] = {cid: gnode(start)}
    edges: dict[tuple[str, str, str, str], GEdge] = {}
    frontier: dict[Label, list[str]] = {Label.CITY: [cid], Label.ORGANISATION: []}
    notes: list[str] = []
    truncated = False
    params = {"kinds": check_kinds(kinds), "year": check_year(year)}
    for _step in range(depth):
        rows: list[Row] = []
        if frontier[Label.CITY]:
            rows += ex.store.read(cypher.CITY_STEP, ids=frontier[Label.CITY], with_orgs=organisations, **params)
        orgs = frontier[Label.ORGANISATION]
        if orgs:
            degrees = ex.degrees((Label.ORGANISATION, o) for o in orgs)
            walk = [o for o in orgs if degrees.get(o, 0) <= hub_degree]
            for o in sorted(set(orgs) - set(walk)):
                notes.append(
                    f"{nodes[o].name} partners {degrees[o]} cities: shown, not walked through (hub_degree={hub_degree})"
                )
            if walk:
                rows += ex.store.read(cypher.ORG_STEP, ids=walk, year=params["year"])
        nxt: dict[Label, list[str]] = {Label.CITY: [], Label.ORGANISATION: []}
        for r in sorted(rows, key=lambda r: (r["node"]["id"], r["edge"]["type"], r["edge"].get("kind") or "")):
            node = r["node"]
            if node["id"] not in nodes:
                if len(nodes) >= max_nodes:
                    truncated = True
                    continue
                nodes[node["id"]] = gnode(node)
                nxt[Label(node["label"])].append(node["id"])
            e = gedge(r["edge"])
            a, b = sorted((e.source_id, e.target_id)) if e.type == "LINKED_TO" else (e.source_id, e.target_id)
            edges.setdefault((a, b, e.type, e.kind or e.role or ""), e)
        frontier = nxt
    kept = [e for e in edges.values() if e.source_id in nodes and e.target_id in nodes]
    if truncated:
        notes.append(f"stopped at max_nodes={max_nodes}")
    return Subgraph(
        title=f"{nodes[cid].name}: neighbourhood, depth {depth}",
        nodes=list(nodes.values()),
        edges=kept,
        truncated=truncated,
        notes=notes,
    )


def path_subgraph(ex: Explorer, result: PathResult) -> Subgraph:
    nodes: dict[str, GNode] = {}
    edges: dict[tuple[str, str, str, str], GEdge] = {}
    for p in result.paths:
        for n in p.nodes:
            nodes.setdefault(n.id, n)
        for e in p.edges:
            edges.setdefault((e.source_id, e.target_id, e.type, e.kind or e.role or ""), e)
    return Subgraph(
        title=f"paths {result.source.name} - {result.target.name}",
        nodes=list(nodes.values()),
        edges=list(edges.values()),
        notes=[result.note] if result.note else [],
    )


def whole_graph(ex: Explorer) -> Subgraph:
    nodes = [gnode(r["node"]) for r in ex.store.read(cypher.ALL_NODES)]
    edges = []
    for r in ex.store.read(cypher.ALL_EDGES):
        p = r["props"] or {}
        edges.append(
            GEdge(
                source_id=r["source_id"],
                target_id=r["target_id"],
                type=r["type"],
                **{
                    k: p.get(k)
                    for k in ("kind", "role", "since", "until", "derivation", "source", "source_row", "source_url")
                },
            )
        )
    return Subgraph(title="whole graph", nodes=nodes, edges=edges)
