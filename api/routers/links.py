"""Links, neighbourhoods, shortest paths, brokers and recommendations.

Handlers are coroutines that run the question in a worker thread: one hop per request (a plain
function costs two: the handler, then the validation of its answer)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from gnlc.api.deps import ExplorerDep
from gnlc.api.routers.cities import NAME, CityRef, CountryQ
from gnlc.explore import HUB_DEGREE, MAX_SUBGRAPH_NODES
from gnlc.graph.cypher import MAX_PATH_HOPS
from gnlc.recommend import MAX_CANDIDATES, recommend
from gnlc.schemas import BrokerResult, LinkRow, PathResult, Recommendation, Subgraph, Weights

router = APIRouter(tags=["links, paths and partners"])
Kinds = Annotated[
    list[str] | None,
    Query(
        alias="kind",
        description="link kinds (repeat or comma-separate)",
        examples=[["twinning", "sister"]],
        max_length=20,
    ),
]
Year = Annotated[
    int | None,
    Query(
        ge=1900,
        le=2100,
        description="links active that year: started on or before it (or start unknown) and not ended before it",
        examples=[2019],
    ),
]
Source = Annotated[
    str, Query(min_length=1, max_length=200, pattern=NAME, description="first city (id or name)", examples=["Okayama"])
]
IncludeHubs = Annotated[
    bool,
    Query(
        description="also through hub organisations (UIL, national commissions, any "
        "that partners most of a country or region); left out by default"
    ),
]
Target = Annotated[
    str, Query(min_length=1, max_length=200, pattern=NAME, description="second city (id or name)", examples=["Taku"])
]


@router.get("/cities/{city}/links", response_model=list[LinkRow], summary="A city's links, by kind and year")
async def city_links(
    ex: ExplorerDep, city: CityRef, kinds: Kinds = None, year: Year = None, country: CountryQ = None
) -> list[LinkRow]:
    return await run_in_threadpool(ex.links, city, kinds=kinds, year=year, country=country)


@router.get(
    "/cities/{city}/neighbourhood", response_model=Subgraph, summary="Cities and organisations within one or two steps"
)
async def neighbourhood(
    ex: ExplorerDep,
    city: CityRef,
    depth: Annotated[int, Query(ge=1, le=2, examples=[2])] = 1,
    kinds: Kinds = None,
    year: Year = None,
    organisations: Annotated[bool, Query(description="include partner organisations")] = True,
    hub_degree: Annotated[
        int,
        Query(
            ge=1,
            le=10_000_000,
            description="organisations with more partner cities are shown, not walked through",
            examples=[HUB_DEGREE],
        ),
    ] = HUB_DEGREE,
    max_nodes: Annotated[int, Query(ge=1, le=MAX_SUBGRAPH_NODES, examples=[500])] = 500,
    country: CountryQ = None,
) -> Subgraph:
    return await run_in_threadpool(
        ex.neighbourhood,
        city,
        depth=depth,
        kinds=kinds,
        year=year,
        organisations=organisations,
        hub_degree=hub_degree,
        max_nodes=max_nodes,
        country=country,
    )


@router.get("/paths", response_model=PathResult, summary="All shortest paths between two cities, bounded")
async def paths(
    ex: ExplorerDep,
    source: Source,
    target: Target,
    via: Annotated[
        Literal["cities", "all"],
        Query(description="`cities`: city-to-city links only; `all`: also through partner organisations"),
    ] = "all",
    max_hops: Annotated[int, Query(ge=1, le=MAX_PATH_HOPS, examples=[4])] = 4,
    kinds: Kinds = None,
    year: Year = None,
    limit: Annotated[int, Query(ge=1, le=100, examples=[10])] = 10,
    include_hubs: IncludeHubs = False,
) -> PathResult:
    return await run_in_threadpool(
        ex.paths,
        source,
        target,
        via=via,
        max_hops=max_hops,
        kinds=kinds,
        year=year,
        limit=limit,
        include_hubs=include_hubs,
    )


@router.get(
    "/brokers",
    response_model=BrokerResult,
    summary="Who could introduce two cities: cities and organisations linked to both, ranked",
)
async def brokers(
    ex: ExplorerDep,
    source: Source,
    target: Target,
    limit: Annotated[int, Query(ge=1, le=1000, examples=[20])] = 20,
    include_hubs: IncludeHubs = False,
) -> BrokerResult:
    return await run_in_threadpool(ex.brokers, source, target, limit=limit, include_hubs=include_hubs)


@router.get(
    "/cities/{city}/recommendations",
    response_model=Recommendation,
    summary="Peer partners to approach: ranked, with reasons and brokers",
)
async def recommendations(
    ex: ExplorerDep,
    city: CityRef,
    weights: Annotated[Weights, Query()],
    limit: Annotated[int, Query(ge=1, le=MAX_CANDIDATES, examples=[10])] = 10,
    members_only: Annotated[bool, Query(description="only GNLC member cities as candidates")] = True,
    include_hubs: IncludeHubs = False,
    brokers: Annotated[int, Query(ge=0, le=20, description="brokers listed per candidate", examples=[3])] = 3,
    country: CountryQ = None,
) -> Recommendation:
    return await run_in_threadpool(
        recommend,
        ex,
        city,
        weights=weights,
        limit=limit,
        members_only=members_only,
        include_hubs=include_hubs,
        brokers=brokers,
        country=country,
    )
