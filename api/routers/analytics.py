"""Network analytics: counts, growth, centrality, communities, components.

The questions on the projection are coroutines that run the question in a worker thread: one hop per
request (a plain function costs two: the handler, then the validation of its answer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from gnlc.api.deps import AnalyticsDep
from gnlc.schemas import Community, CountRow, GrowthRow, NetworkStats, RankedNode

router = APIRouter(prefix="/stats", tags=["network analytics"])
ScopeQ = Annotated[
    Literal["cities", "partnerships"],
    Query(
        description="`cities`: city-to-city links; `partnerships`: cities and organisations", examples=["partnerships"]
    ),
]


@router.get(
    "/members",
    response_model=list[CountRow] | list[GrowthRow],
    summary="Member cities counted by region, by country, or by year joined (with the running total)",
)
def members(
    an: AnalyticsDep, by: Annotated[Literal["region", "country", "year"], Query(examples=["region"])] = "region"
) -> list[CountRow] | list[GrowthRow]:
    if by == "region":
        return an.members_by_region()
    if by == "country":
        return an.members_by_country()
    return an.members_by_year()


@router.get("/awards", summary="UNESCO Learning City Award laureates, by year")
def awards(
    an: AnalyticsDep, year: Annotated[int | None, Query(ge=1900, le=2100, examples=[2015])] = None
) -> list[dict[str, Any]]:
    return an.awards(year)


@router.get("/network", response_model=NetworkStats, summary="Size, density and connected components")
async def network(an: AnalyticsDep, scope: ScopeQ = "partnerships") -> NetworkStats:
    return await run_in_threadpool(an.stats, scope)


@router.get("/centrality", response_model=list[RankedNode], summary="Top nodes by degree, betweenness or PageRank")
async def centrality(
    an: AnalyticsDep,
    metric: Annotated[Literal["degree", "betweenness", "pagerank"], Query(examples=["betweenness"])] = "degree",
    scope: ScopeQ = "partnerships",
    label: Annotated[Literal["City", "Organisation"] | None, Query(examples=["City"])] = None,
    limit: Annotated[int, Query(ge=1, le=1000, examples=[20])] = 20,
) -> list[RankedNode]:
    return await run_in_threadpool(an.top, metric, scope=scope, limit=limit, label=label)


@router.get("/communities", response_model=list[Community], summary="Communities (Louvain, fixed seed)")
async def communities(
    an: AnalyticsDep,
    scope: ScopeQ = "partnerships",
    limit: Annotated[int, Query(ge=1, le=1000, examples=[20])] = 20,
    min_size: Annotated[int, Query(ge=1, le=1_000_000, examples=[2])] = 2,
) -> list[Community]:
    return await run_in_threadpool(an.communities, scope=scope, limit=limit, min_size=min_size)
