"""Exports of the whole graph or a subgraph as GraphML, GEXF, CSV (zip) or JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from gnlc.api.bounds import refuse_large_export, whole_graph_size
from gnlc.api.deps import ExplorerDep, ServicesDep
from gnlc.export import FORMATS, render
from gnlc.subgraphs import Scope, subgraph

router = APIRouter(tags=["export"])


@router.get(
    "/export",
    summary="Download the graph or a subgraph (GraphML, GEXF, CSV zip, JSON)",
    response_class=Response,
    responses={200: {"content": {m: {} for _, m in FORMATS.values()}, "description": "the file"}},
)
def export(
    ex: ExplorerDep,
    svc: ServicesDep,
    format: Annotated[Literal["graphml", "gexf", "csv", "json"], Query(examples=["gexf"])] = "graphml",
    scope: Annotated[Scope, Query(description="what to export", examples=["neighbourhood"])] = "whole",
    city: Annotated[
        str | None, Query(max_length=200, description="the city (all scopes but `whole`)", examples=["Okayama"])
    ] = None,
    target: Annotated[
        str | None, Query(max_length=200, description="second city (`paths`, `brokers`)", examples=["Taku"])
    ] = None,
    depth: Annotated[int, Query(ge=1, le=2, description="`neighbourhood` depth", examples=[2])] = 1,
) -> Response:
    limit = svc.settings.export_max_elements
    if scope == "whole":  # counted before anything is read
        refuse_large_export(*whole_graph_size(ex), limit=limit, what="the whole graph")
    sub = subgraph(ex, scope, city=city, target=target, depth=depth)
    refuse_large_export(len(sub.nodes), len(sub.edges), limit=limit, what=f"the {scope} export")
    suffix, media = FORMATS[format]
    name = f"gnlc-{scope}{suffix}"
    return Response(
        render(sub, format), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
