"""Interactive maps as self-contained HTML pages. Each answer says what it draws in headers:
X-Map-Nodes, X-Map-Links, X-Map-Hidden-Links (hub links, shown on demand) and X-Map-Unplaced
(cities that could not be placed on the geographic view; the page lists them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from gnlc.api.bounds import network_size, refuse_large_map
from gnlc.api.deps import ExplorerDep, Services, ServicesDep
from gnlc.api.routers.cities import NAME, CityRef
from gnlc.api.routers.links import Source, Target
from gnlc.explore import HUB_DEGREE, Explorer
from gnlc.maps import SizeBy as SizeByName
from gnlc.maps import build
from gnlc.schemas import Subgraph
from gnlc.subgraphs import map_subgraph

router = APIRouter(prefix="/maps", tags=["maps"], default_response_class=HTMLResponse)
SizeBy = Annotated[Literal["degree", "betweenness", "pagerank"], Query(description="node size", examples=["degree"])]
Geo = Annotated[bool, Query(description="cities at their coordinates")]
YearQ = Annotated[
    int | None,
    Query(
        ge=1900,
        le=2100,
        description="the year the slider starts at (area and network "
        "maps hold every year); a neighbourhood: links active then",
        examples=[2019],
    ),
]
HTML: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"example": '<!DOCTYPE html><html lang="en">...</html>'}},
        "description": "a self-contained HTML page (works offline; every year on one layout, a year slider)",
    }
}


def _page(
    ex: Explorer, sub: Subgraph, kind: str, *, size_by: SizeByName, geo: bool, year: int | None = None, svc: Services
) -> HTMLResponse:
    refuse_large_map(len(sub.nodes), len(sub.edges), limit=svc.settings.map_max_elements, kind=kind)  # before layout
    page = build(sub, size_by=size_by, geo=geo, kind=kind, year=year, hubs=ex.hubs().ids())
    return HTMLResponse(
        page.html,
        headers={
            "X-Map-Nodes": str(page.nodes),
            "X-Map-Links": str(page.links),
            "X-Map-Hidden-Links": str(page.hidden_links),
            "X-Map-Unplaced": str(len(page.unplaced)),
        },
    )


@router.get("/neighbourhood/{city}", responses=HTML, summary="A city's neighbourhood (depth 1 or 2)")
def neighbourhood(
    ex: ExplorerDep,
    svc: ServicesDep,
    city: CityRef,
    depth: Annotated[int, Query(ge=1, le=2, examples=[2])] = 1,
    year: YearQ = None,
    size_by: SizeBy = "degree",
    geo: Geo = False,
) -> HTMLResponse:
    return _page(
        ex,
        map_subgraph(ex, "neighbourhood", city=city, depth=depth, year=year),
        "neighbourhood",
        size_by=size_by,
        geo=geo,
        svc=svc,
    )


@router.get(
    "/recommendations/{city}",
    responses=HTML,
    summary="A city's recommended partners, apart from its links; reasons in the tooltips",
)
def recommendations(
    ex: ExplorerDep, svc: ServicesDep, city: CityRef, size_by: SizeBy = "degree", geo: Geo = False
) -> HTMLResponse:
    return _page(
        ex, map_subgraph(ex, "recommendations", city=city), "recommendations", size_by=size_by, geo=geo, svc=svc
    )


@router.get("/paths", responses=HTML, summary="Shortest paths and brokers between two cities")
def paths(
    ex: ExplorerDep, svc: ServicesDep, source: Source, target: Target, size_by: SizeBy = "degree", geo: Geo = False
) -> HTMLResponse:
    return _page(ex, map_subgraph(ex, "paths", city=source, target=target), "paths", size_by=size_by, geo=geo, svc=svc)


@router.get("/{kind}/{name}", responses=HTML, summary="A cluster, a UNESCO region or a country")
def area(
    ex: ExplorerDep,
    svc: ServicesDep,
    kind: Literal["cluster", "region", "country"],
    name: Annotated[
        str,
        Path(
            min_length=1,
            max_length=200,
            pattern=NAME,
            description="cluster, region or country name",
            examples=["Africa"],
        ),
    ],
    year: YearQ = None,
    size_by: SizeBy = "degree",
    geo: Geo = False,
    hub_degree: Annotated[int, Query(ge=1, le=10_000_000, examples=[HUB_DEGREE])] = HUB_DEGREE,
) -> HTMLResponse:
    return _page(
        ex, map_subgraph(ex, kind, name=name, hub_degree=hub_degree), kind, size_by=size_by, geo=geo, year=year, svc=svc
    )


@router.get("/network", responses=HTML, summary="The whole network, or as it was in a year")
def network(
    ex: ExplorerDep,
    svc: ServicesDep,
    year: YearQ = None,
    size_by: SizeBy = "degree",
    geo: Geo = False,
    hub_degree: Annotated[int, Query(ge=1, le=10_000_000, examples=[HUB_DEGREE])] = HUB_DEGREE,
) -> HTMLResponse:
    refuse_large_map(*network_size(ex), limit=svc.settings.map_max_elements, kind="network")  # before reading it
    return _page(
        ex, map_subgraph(ex, "network", hub_degree=hub_degree), "network", size_by=size_by, geo=geo, year=year, svc=svc
    )
