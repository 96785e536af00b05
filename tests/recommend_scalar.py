"""The recommender as it was before it scored candidates in vectorised form (gnlc.recommend up to
issue 20): each candidate's features computed one by one with :func:`gnlc.peers.feature_values`.

Kept only as the reference of ``tests/test_recommend_vectorised.py``, which checks that the
vectorised recommender gives the same ranking, scores, reasons and notes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gnlc.facts import city_table
from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, Label, MembershipStatus
from gnlc.loaders.normalise import country_name
from gnlc.names import bounded, summary_of
from gnlc.peers import (
    CityFacts,
    NetworkContext,
    feature_values,
    haversine_km,
    near_pool,
    nearest_partner,
    score,
    three_steps,
    top_three_steps,
)
from gnlc.projection import LINK, PARTNER, Projection, projection
from gnlc.schemas import Candidate, CitySummary, Reason, Recommendation, Weights

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_CANDIDATES = 100
REGION_POOL = 500  # same-region peers considered for a city with few candidates
COLD_START = 50  # fewer candidates than this from the other pools: add region peers


@dataclass
class _Around:
    """What the city is joined to: the candidates reached through each neighbour."""

    via: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: dict[str, str] = field(default_factory=dict)
    degree: dict[str, int] = field(default_factory=dict)
    orgs: set[str] = field(default_factory=set)
    hubs_left_out: set[str] = field(default_factory=set)
    partners_at: dict[str, tuple[float, float]] = field(default_factory=dict)  # linked city -> place
    paths: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)  # candidate -> three-step paths


def recommend(
    ex: Explorer,
    ref: str,
    *,
    weights: Weights | None = None,
    limit: int = 10,
    members_only: bool = True,
    include_hubs: bool = False,
    brokers: int = 3,
    country: str | None = None,
) -> Recommendation:
    """Ranked peer partners for a city, each with its reasons and who could introduce them."""
    weights = weights or Weights()
    bounded(limit, "limit", 1, MAX_CANDIDATES)
    bounded(brokers, "brokers", 0, 20)
    proj = projection(ex.store)
    cid = proj.city_id(ref) or ex.city_id(ref, country)
    ctx = _with_places(ex, ex.network_context(proj))
    table = city_table(ex.store, proj)
    me = _facts(table.rows([cid])[0], ctx)
    hubs = set() if include_hubs else ex.hubs(proj).ids()
    around = _around(ex, proj, cid, hubs)
    linked = {*proj.adjacent(cid, LINK), cid}
    places = ctx.coords or {}
    around.partners_at = {y: places[y] for y in linked - {cid} if y in places}
    pool = _pool(ex, proj, cid, me, around, ctx, weights, members_only) - linked
    w = weights.model_dump()
    scored = [
        _score(me, _facts(f, ctx), f, around, ctx, w)
        for f in table.rows(sorted(pool))
        if not members_only or f["status"] == MembershipStatus.MEMBER.value
    ]
    notes = _drop_shared(scored, me, around, ctx, w)
    ranked = sorted((c for c in scored if c.score > 0), key=lambda c: (-c.score, c.x.id))
    top = [_candidate(c, me, around, ctx, w) for c in ranked[:limit]]
    if brokers and top:
        found = ex.brokers_of(
            cid, [c.city.id for c in top], limit=brokers, include_hubs=include_hubs, hubs=ex.hubs(proj)
        )
        for c in top:
            c.brokers = found[c.city.id]
    summary = summary_of(ex.store.node(Label.CITY, cid) or {"id": cid})
    if not ctx.degree.get(cid) and not around.orgs:
        notes.insert(
            0,
            f"{summary.name} has no city-to-city links and no partner organisations beyond hubs: "
            "these suggestions are built from context alone (its country's twinning, its region, "
            "size, clusters and awards)",
        )
    if around.hubs_left_out:
        notes.append(
            ex.hubs(proj).note(around.hubs_left_out).replace("hubs left out", "not reasons or brokers, as hubs")
        )
    return Recommendation(city=summary, weights=weights, considered=len(ranked), candidates=top, notes=notes)


def _facts(f: dict[str, Any], ctx: NetworkContext) -> CityFacts:
    place = (ctx.coords or {}).get(f["id"])
    return CityFacts(
        id=f["id"],
        country=f["country"],
        region=f["region"],
        status=f["status"],
        population=f["population"],
        clusters={c["id"]: c["name"] for c in f["clusters"]},
        awards=[f"{a['name']} {a['year']}" for a in sorted(f["awards"], key=lambda a: a["year"] or 0)],
        latitude=place[0] if place else None,
        longitude=place[1] if place else None,
    )


def _with_places(ex: Explorer, ctx: NetworkContext) -> NetworkContext:
    """The context with every city's coordinates (read once per cached context)."""
    if ctx.coords is None:
        ctx.coords = {r["id"]: (float(r["latitude"]), float(r["longitude"])) for r in ex.store.read(cypher.CITY_PLACES)}
    return ctx


def _around(ex: Explorer, proj: Projection, cid: str, hubs: set[str]) -> _Around:
    """Candidates two steps away, through linked cities and partner organisations that are not
    hubs (from the in-memory projection)."""
    out = _Around()
    for z in proj.adjacent(cid, LINK):
        out.via[z].update(proj.adjacent(z, LINK))
        out.names[z] = proj.names[proj.index[z]] or z
    partners = proj.adjacent(cid, PARTNER)
    out.hubs_left_out = {o for o in partners if o in hubs}
    orgs = {o: proj.names[proj.index[o]] or o for o in partners if o not in hubs}
    out.orgs = set(orgs)
    out.names.update(orgs)
    for o in sorted(orgs):
        cities = [x for x in proj.adjacent(o, PARTNER) if x != cid]
        if cities:
            out.via[o].update(cities)
    ctx = ex.network_context(proj)
    out.degree = {z: ctx.degree.get(z, 0) for z in out.via if z not in orgs}
    out.degree.update(ex.degrees((Label.ORGANISATION, o) for o in orgs))
    return out


def _pool(
    ex: Explorer,
    proj: Projection,
    cid: str,
    me: CityFacts,
    around: _Around,
    ctx: NetworkContext,
    weights: Weights,
    members_only: bool,
) -> set[str]:
    pool: set[str] = set().union(*around.via.values()) if around.via else set()
    if weights.shared_clusters > 0:
        pool |= {r["id"] for r in ex.store.read(cypher.CLUSTER_MATES, id=cid)}
    if weights.mentor > 0:
        pool |= {r["id"] for r in ex.store.read(cypher.AWARD_WINNERS, limit=REGION_POOL)}
    if weights.country_affinity > 0 or weights.active_partner > 0:
        pool |= set(ctx.context_pool(me.country, members_only=members_only))
    if weights.three_steps > 0:
        around.paths = _three_steps(proj, cid, around, ctx)
        pool |= set(top_three_steps(around.paths))
    if weights.nearby > 0 or weights.near_partners > 0:
        pool |= near_pool(ctx, me.place, around.partners_at.values())
    if me.region and len(pool) < COLD_START:
        status = MembershipStatus.MEMBER.value if members_only else None
        pool |= {
            r["id"]
            for r in ex.store.read(cypher.REGION_PEERS, region=me.region, id=cid, status=status, limit=REGION_POOL)
        }
    return pool


def _three_steps(
    proj: Projection, cid: str, around: _Around, ctx: NetworkContext
) -> dict[str, dict[tuple[str, str], float]]:
    """Paths city - a - b - candidate through linked cities (a: its linked cities, known from ``around``)."""
    linked = [a for a in around.via if a not in around.orgs and ctx.degree.get(a)]
    neighbours: dict[str, set[str]] = {a: set(around.via[a]) for a in linked}
    second = sorted(set().union(*neighbours.values()) - {cid}) if neighbours else []
    for b in second:
        near = proj.adjacent(b, LINK)
        if near:
            neighbours.setdefault(b, set()).update(near)
            around.names.setdefault(b, proj.names[proj.index[b]] or b)
    return three_steps(cid, linked, neighbours, ctx.degree)


@dataclass
class _Scored:
    """A candidate's feature values and score, and the evidence of each feature that counts (the
    reasons' texts and models are made only for the candidates shown)."""

    x: CityFacts
    row: dict[str, Any]
    commons: list[str]
    values: dict[str, float]
    score: float
    features: list[str]  # those that count (a value and a weight), in the order of the values
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)  # made when needed

    def evidence_of(self, feature: str, me: CityFacts, around: _Around) -> tuple[str, ...]:
        if feature not in self.evidence:
            self.evidence[feature] = tuple(_evidence(feature, me, self.x, self.commons, around))
        return self.evidence[feature]


def _score(
    me: CityFacts, x: CityFacts, row: dict[str, Any], around: _Around, ctx: NetworkContext, w: dict[str, float]
) -> _Scored:
    commons = sorted(z for z, reached in around.via.items() if x.id in reached)
    paths = around.paths.get(x.id, {})
    values = feature_values(
        me, x, [around.degree.get(z, 2) for z in commons], ctx, around.partners_at, sum(paths.values())
    )
    features = [f for f, v in values.items() if v and w[f]]
    return _Scored(x, row, commons, values, round(score(values, w), 4), features)


def _candidate(c: _Scored, me: CityFacts, around: _Around, ctx: NetworkContext, w: dict[str, float]) -> Candidate:
    x = c.x
    reasons = [
        _reason(f, c.values[f], w[f], _text(f, me, x, c.commons, around, ctx), list(c.evidence_of(f, me, around)))
        for f in c.features
    ]
    summary = CitySummary(
        id=x.id,
        name=c.row["name"] or x.id,
        country=x.country,
        region=x.region,
        status=x.status,
        year_joined=c.row["year_joined"],
        population=x.population,
    )
    return Candidate(city=summary, score=c.score, reasons=reasons, brokers=[])


def _text(feature: str, me: CityFacts, x: CityFacts, commons: list[str], around: _Around, ctx: NetworkContext) -> str:
    if feature == "common_neighbours":
        cities = [around.names.get(z, z) for z in commons if z not in around.orgs]
        orgs = [around.names.get(z, z) for z in commons if z in around.orgs]
        parts = ([f"linked to {len(cities)} of its partner cities: {', '.join(cities)}"] if cities else []) + (
            [f"shares the partner organisation(s) {', '.join(orgs)}"] if orgs else []
        )
        return "; ".join(parts)
    if feature == "country_affinity":
        a, b = str(me.country), str(x.country)
        n, share = ctx.pairs.get((a, b), 0), ctx.affinity(a, b)
        if a == b:
            return f"cities of {_country(a)} often link with each other: {share:.0%} of their city links ({n:,})"
        return (
            f"{_country(a)} and {_country(b)} already twin: {share:.0%} of the city links of {_country(a)} "
            f"({n:,}) are with {_country(b)}"
        )
    if feature == "active_partner":
        return f"an active partner: linked to {ctx.degree.get(x.id, 0)} cities"
    if feature == "shared_clusters":
        return f"both in the cluster(s) {', '.join(sorted(me.clusters[k] for k in set(me.clusters) & set(x.clusters)))}"
    if feature == "similar_size":
        return f"similar size: {x.population:,} inhabitants against {me.population:,}"
    if feature == "three_steps":
        paths = sorted(around.paths.get(x.id, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        shown = "; ".join(f"{around.names.get(a, a)} > {around.names.get(b, b)}" for (a, b), _w in paths[:3])
        more = f" (and {len(paths) - 3} more paths)" if len(paths) > 3 else ""
        return f"three steps away through linked cities, its partner > their partner > this city: {shown}{more}"
    if feature == "nearby":
        here, there = me.place, x.place
        assert here is not None and there is not None, "nearness has a value only between two placed cities"
        km = haversine_km(here, there)
        dists = [haversine_km(here, at) for at in around.partners_at.values()]
        nearer = sum(1 for d in dists if d > km)
        tail = (
            ""
            if not dists
            else (
                f", nearer than all {len(dists)} of its partner cities"
                if nearer == len(dists)
                else f", nearer than {nearer} of its {len(dists)} partner cities"
            )
        )
        return f"{km:,.0f} km away{tail}"
    if feature == "near_partners":
        near = nearest_partner(x.place, around.partners_at)
        assert near is not None, "near_partners has a value only beside a placed partner city"
        p, km = near
        return f"{km:,.0f} km from {around.names.get(p, p)}, one of its partner cities"
    if feature == "same_region":
        return f"same UNESCO region: {REGIONS.get(str(x.region), x.region)}"
    if feature == "other_region":
        return f"another UNESCO region ({REGIONS.get(str(x.region), x.region)}): a complementary perspective"
    return f"award winner ({', '.join(x.awards)}): a possible mentor"


def _evidence(feature: str, me: CityFacts, x: CityFacts, commons: list[str], around: _Around) -> list[str]:
    if feature == "three_steps":
        paths = sorted(around.paths.get(x.id, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        return [f"{a} > {b}" for (a, b), _w in paths]
    if feature == "near_partners":
        near = nearest_partner(x.place, around.partners_at)
        return [near[0]] if near else []
    return {
        "common_neighbours": commons,
        "country_affinity": [str(me.country), str(x.country)],
        "active_partner": [x.id],
        "shared_clusters": sorted(set(me.clusters) & set(x.clusters)),
        "similar_size": [f"population {x.population}", f"population {me.population}"],
        "same_region": [str(x.region)],
        "other_region": [str(x.region)],
        "mentor": list(x.awards),
        "nearby": [f"{x.latitude},{x.longitude}", f"{me.latitude},{me.longitude}"],
    }[feature]


def _country(code: str) -> str:
    return country_name(code) or code


def _reason(feature: str, value: float, weight: float, text: str, evidence: list[str]) -> Reason:
    return Reason.model_validate(
        {
            "feature": feature,
            "value": round(value, 4),
            "weight": weight,
            "contribution": round(value * weight, 4),
            "text": text,
            "evidence": evidence,
        }
    )


def _drop_shared(
    scored: list[_Scored], me: CityFacts, around: _Around, ctx: NetworkContext, w: dict[str, float]
) -> list[str]:
    """Remove the reasons every candidate has with the same evidence (they change no rank)."""
    if len(scored) < 2:
        return []
    every = set.intersection(*(set(c.features) for c in scored))  # only these can be shared
    shared = set.intersection(*({(f, c.evidence_of(f, me, around)) for f in c.features if f in every} for c in scored))
    if not shared:
        return []
    texts = set()
    for c in scored:
        for f in [f for f in c.features if f in every and (f, c.evidence_of(f, me, around)) in shared]:
            texts.add(_text(f, me, c.x, c.commons, around, ctx))
            c.score = round(c.score - round(c.values[f] * w[f], 4), 4)
            c.features.remove(f)
    return [f"every candidate shares this, so it is not a reason: {t}" for t in sorted(texts)]
