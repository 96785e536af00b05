"""Named subgraphs, for export and maps: the whole graph, a neighbourhood, the paths or
the brokers between two cities, a city's recommended partners."""

from __future__ import annotations

from typing import Literal

from gnlc.errors import InputError
from gnlc.explore import Explorer, gnode
from gnlc.recommend import recommend, recommendation_subgraph
from gnlc.schemas import CitySummary, GEdge, GNode, Subgraph

Scope = Literal["whole", "neighbourhood", "paths", "brokers", "recommendations"]
SCOPES = ("whole", "neighbourhood", "paths", "brokers", "recommendations")


def subgraph(ex: Explorer, scope: str, *, city: str | None = None, target: str | None = None,
             depth: int = 1) -> Subgraph:
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
    return gnode({"id": c.id, "label": "City", "props": {"name": c.name, "country_code": c.country,
                                                         "region": c.region}})
