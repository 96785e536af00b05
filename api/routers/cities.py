"""Cities and organisations: search, filter, profiles.

Handlers are coroutines that run the question in a worker thread: one hop per request (a plain
function costs two: the handler, then the validation of its answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from gnlc.api.deps import ExplorerDep
from gnlc.explore import MAX_LIMIT
from gnlc.schemas import Bridge, CityProfile, CitySummary, OrgSummary, Page, SharedCity

router = APIRouter(tags=["cities and organisations"])
NAME = r"\S"  # a name has at least one character that is not a space
CityRef = Annotated[
    str,
    Path(
        description="city id or name in any spelling (accents optional)",
        examples=["Okayama"],
        min_length=1,
        max_length=200,
        pattern=NAME,
    ),
]
CountryQ = Annotated[
    str | None,
    Query(description="country name or ISO code, to tell homonyms apart", examples=["Japan"], max_length=100),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size", examples=[20])]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip", examples=[0])]


@router.get("/cities", response_model=Page[CitySummary], summary="Search and filter cities, paginated")
async def list_cities(
    ex: ExplorerDep,
    q: Annotated[str | None, Query(max_length=200, description="name in any spelling", examples=["Koeln"])] = None,
    country: CountryQ = None,
    region: Annotated[
        str | None, Query(max_length=100, description="UNESCO region id or name", examples=["asia-pacific"])
    ] = None,
    kind: Annotated[str | None, Query(max_length=50, examples=["municipality"])] = None,
    status: Annotated[
        str | None, Query(pattern="^(member|applicant|former|none)$", max_length=9, examples=["member"])
    ] = None,
    cluster: Annotated[
        str | None, Query(max_length=200, description="cluster id or name", examples=["Global Citizenship Education"])
    ] = None,
    year_from: Annotated[int | None, Query(ge=1900, le=2100, description="joined in or after", examples=[2016])] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2100, description="joined in or before", examples=[2020])] = None,
    award_year: Annotated[
        int | None, Query(ge=1900, le=2100, description="won an award that year", examples=[2015])
    ] = None,
    awarded: Annotated[bool | None, Query(description="won any award (true) or none (false)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CitySummary]:
    return await run_in_threadpool(
        ex.cities,
        q=q,
        country=country,
        region=region,
        kind=kind,
        status=status,
        cluster=cluster,
        year_from=year_from,
        year_to=year_to,
        award_year=award_year,
        awarded=awarded,
        limit=limit,
        offset=offset,
    )


@router.get("/cities/{city}", response_model=CityProfile, summary="A city's profile, with the source of each fact")
async def city_profile(ex: ExplorerDep, city: CityRef, country: CountryQ = None) -> CityProfile:
    return await run_in_threadpool(ex.profile, city, country)


@router.get("/organisations", response_model=Page[OrgSummary], summary="Search and filter organisations")
async def list_organisations(
    ex: ExplorerDep,
    q: Annotated[str | None, Query(max_length=200, examples=["National Commission Japan"])] = None,
    country: CountryQ = None,
    kind: Annotated[str | None, Query(max_length=50, examples=["national_commission"])] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OrgSummary]:
    return await run_in_threadpool(ex.organisations, q=q, country=country, kind=kind, limit=limit, offset=offset)


@router.get(
    "/organisations/bridges",
    response_model=Page[Bridge],
    summary="Organisations partnering more than one city (bridges), most cities first",
)
async def bridges(
    ex: ExplorerDep,
    min_cities: Annotated[int, Query(ge=2, le=10_000_000, examples=[2])] = 2,
    kind: Annotated[str | None, Query(max_length=50, examples=["national_commission"])] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Bridge]:
    return await run_in_threadpool(ex.bridges, min_cities=min_cities, kind=kind, limit=limit, offset=offset)


@router.get("/organisations/shared", response_model=list[SharedCity], summary="Cities two organisations share")
async def shared(
    ex: ExplorerDep,
    a: Annotated[
        str,
        Query(min_length=1, max_length=200, pattern=NAME, description="organisation id or name", examples=["org-uil"]),
    ],
    b: Annotated[
        str, Query(min_length=1, max_length=200, pattern=NAME, examples=["org-jp-national-commission-for-unesco"])
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, examples=[100])] = 100,
) -> list[SharedCity]:
    return await run_in_threadpool(ex.shared_cities, a, b, limit=limit)
