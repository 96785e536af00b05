"""Cities and organisations: search and filters (paginated), profiles with the source of each fact,
bridging organisations and the cities two organisations share."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from gnlc.graph import cypher
from gnlc.graph.cypher import Query
from gnlc.graph.model import REGIONS, Label
from gnlc.graph.store import Row
from gnlc.loaders.normalise import clean_text
from gnlc.names import (
    MAX_LIMIT,
    bounded,
    check_cluster,
    check_country,
    check_region,
    gnode,
    page,
    summary_of,
)
from gnlc.schemas import (
    AwardFact,
    Bridge,
    CityProfile,
    CitySummary,
    ClusterFact,
    ConferenceFact,
    Degree,
    LinkFact,
    MembershipFact,
    OrgSummary,
    Page,
    PartnerFact,
    SharedCity,
)

if TYPE_CHECKING:
    from gnlc.explore import Explorer


def cities(
    ex: Explorer,
    *,
    q: str | None = None,
    country: str | None = None,
    region: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    cluster: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    award_year: int | None = None,
    awarded: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CitySummary]:
    bounded(limit, "limit", 1, MAX_LIMIT)
    bounded(offset, "offset", 0, 10_000_000)
    params = {
        "ids": ex.search_ids(q, Label.CITY) if q else None,
        "country": check_country(country) if country else None,
        "region": check_region(region) if region else None,
        "kind": kind,
        "status": status,
        "year_from": year_from,
        "year_to": year_to,
        "cluster": check_cluster(cluster) if cluster else None,
        "award_year": award_year,
        "awarded": awarded,
    }
    count = int(ex.store.read(cypher.CITY_COUNT, **params)[0]["n"])
    rows = ex.store.read(cypher.CITY_LIST, **params, offset=offset, limit=limit)
    return page([summary_of(r["props"]) for r in rows], count, limit, offset)


def organisations(
    ex: Explorer,
    *,
    q: str | None = None,
    country: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[OrgSummary]:
    bounded(limit, "limit", 1, MAX_LIMIT)
    bounded(offset, "offset", 0, 10_000_000)
    params = {
        "ids": ex.search_ids(q, Label.ORGANISATION) if q else None,
        "country": check_country(country) if country else None,
        "kind": kind,
    }
    count = int(ex.store.read(cypher.ORG_COUNT, **params)[0]["n"])
    rows = ex.store.read(cypher.ORG_LIST, **params, offset=offset, limit=limit)
    data = [
        OrgSummary(
            id=r["props"]["id"],
            name=r["props"].get("name") or r["props"]["id"],
            kind=r["props"].get("kind"),
            country=r["props"].get("country_code"),
            partners=r["partners"],
            source=r["props"].get("source"),
            source_row=r["props"].get("source_row"),
            source_url=r["props"].get("source_url"),
        )
        for r in rows
    ]
    return page(data, count, limit, offset)


def read_city(ex: Explorer, query: Query, ref: str, country: str | None = None, **params: Any) -> tuple[str, list[Row]]:
    """The city ``ref`` names (an id, or a name as :func:`gnlc.names.city_id` resolves it) and the
    rows of ``query`` about it (``$id``: its id). One read when ``ref`` is an id and the city has
    rows (as most requests ask): the id is tried first, as :func:`~gnlc.names.city_id` does."""
    as_id = clean_text(ref or "")
    rows = ex.store.read(query, id=as_id, **params) if 0 < len(as_id) <= 200 else []
    if rows:
        return as_id, rows
    cid = ex.city_id(ref, country)
    return cid, rows if cid == as_id else ex.store.read(query, id=cid, **params)


def profile(ex: Explorer, ref: str, country: str | None = None) -> CityProfile:
    row = read_city(ex, cypher.CITY_PROFILE, ref, country)[1][0]
    props = row["city"]
    links: dict[str, list[LinkFact]] = defaultdict(list)
    for link in sorted(row["links"], key=lambda x: (x["kind"] or "", x["name"] or "", x["id"])):
        links[link["kind"] or "unspecified"].append(LinkFact(**link))
    facts = [
        *row["countries"],
        *row["memberships"],
        *row["clusters"],
        *row["awards"],
        *row["partners"],
        *row["links"],
        *row["hosted"],
        *row["attended"],
    ]
    sources = sorted({f["source_url"] for f in [props, *facts] if f.get("source_url")})
    country_row = row["countries"][0] if row["countries"] else {}
    n_links, n_partners = len(row["links"]), len(row["partners"])
    by_key = lambda xs: sorted(xs, key=lambda x: (str(x.get("year") or x.get("since") or ""), x["id"]))  # noqa: E731
    return CityProfile(
        city=summary_of(props),
        aliases=list(props.get("aliases") or []),
        country_name=country_row.get("name"),
        region_name=REGIONS.get(props.get("region") or ""),
        memberships=[MembershipFact(**m) for m in by_key(row["memberships"])],
        clusters=[ClusterFact(**c) for c in by_key(row["clusters"])],
        awards=[AwardFact(**a) for a in by_key(row["awards"])],
        partners=[PartnerFact(**p) for p in sorted(row["partners"], key=lambda p: (p["name"] or "", p["id"]))],
        links=dict(links),
        hosted=[ConferenceFact(**h) for h in by_key(row["hosted"])],
        attended=[ConferenceFact(**h) for h in by_key(row["attended"])],
        degree=Degree(links=n_links, partners=n_partners, total=n_links + n_partners),
        sources=sources,
    )


def bridges(
    ex: Explorer, *, min_cities: int = 2, kind: str | None = None, limit: int = 50, offset: int = 0
) -> Page[Bridge]:
    bounded(min_cities, "min_cities", 2, 10_000_000)
    bounded(limit, "limit", 1, MAX_LIMIT)
    bounded(offset, "offset", 0, 10_000_000)
    count = int(ex.store.read(cypher.BRIDGES_COUNT, min_cities=min_cities, kind=kind)[0]["n"])
    rows = ex.store.read(cypher.BRIDGES, min_cities=min_cities, kind=kind, offset=offset, limit=limit)
    return page([Bridge(organisation=gnode(r["node"]), cities=r["cities"]) for r in rows], count, limit, offset)


def shared_cities(ex: Explorer, org_a: str, org_b: str, *, limit: int = 100) -> list[SharedCity]:
    bounded(limit, "limit", 1, MAX_LIMIT)
    a, b = ex.organisation_id(org_a), ex.organisation_id(org_b)
    rows = ex.store.read(cypher.SHARED_CITIES, a=a, b=b, limit=limit)
    return [SharedCity(city=gnode(r["node"]), role_a=r["role_a"], role_b=r["role_b"]) for r in rows]
