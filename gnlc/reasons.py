"""Why a candidate is recommended: each feature's reason, in words and with its evidence.

The reasons of :mod:`gnlc.recommend`: for each feature that counts, a sentence naming what makes it
(the cities and organisations linked to both, the two countries, the clusters, the paths three steps
away, the distances) and the ids or values it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gnlc.candidates import Neighbourhood
from gnlc.graph.model import REGIONS
from gnlc.loaders.normalise import country_name
from gnlc.peers import CityFacts, NetworkContext, haversine_km, nearest_partner
from gnlc.projection import Projection
from gnlc.schemas import Reason


@dataclass
class Around:
    """What the city is joined to, by id, for the reasons' texts and evidence."""

    proj: Projection
    nb: Neighbourhood
    orgs: set[str]
    hubs_left_out: set[str]
    partners_at: dict[str, tuple[float, float]]  # linked city -> place
    _paths: dict[str, list[tuple[tuple[str, str], float]]] = field(default_factory=dict)

    def name(self, node_id: str) -> str:
        return self.proj.names[self.proj.index[node_id]] or node_id

    def commons(self, x: str) -> list[str]:
        return [self.proj.ids[z] for z in self.nb.commons(self.proj.index[x]).tolist()]

    def paths(self, x: str) -> list[tuple[tuple[str, str], float]]:
        """Its three-step paths (a, b) and their weights, the heaviest first, then by ids."""
        if x not in self._paths:
            self.find_paths([x])
        return self._paths[x]

    def find_paths(self, xs: list[str]) -> None:
        """Find the three-step paths of these candidates (in one pass over all the paths)."""
        ids, index = self.proj.ids, self.proj.index
        found = self.nb.paths(np.array([index[x] for x in xs], dtype=np.int64))
        for x in xs:
            self._paths[x] = [((ids[a], ids[b]), w) for a, b, w in found.get(index[x], [])]


def reason_text(
    feature: str, me: CityFacts, x: CityFacts, commons: list[str], around: Around, ctx: NetworkContext
) -> str:
    if feature == "common_neighbours":
        cities = [around.name(z) for z in commons if z not in around.orgs]
        orgs = [around.name(z) for z in commons if z in around.orgs]
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
        paths = around.paths(x.id)
        shown = "; ".join(f"{around.name(a)} > {around.name(b)}" for (a, b), _w in paths[:3])
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
        return f"{km:,.0f} km from {around.name(p)}, one of its partner cities"
    if feature == "same_region":
        return f"same UNESCO region: {REGIONS.get(str(x.region), x.region)}"
    if feature == "other_region":
        return f"another UNESCO region ({REGIONS.get(str(x.region), x.region)}): a complementary perspective"
    return f"award winner ({', '.join(x.awards)}): a possible mentor"


def reason_evidence(feature: str, me: CityFacts, x: CityFacts, commons: list[str], around: Around) -> list[str]:
    if feature == "three_steps":
        return [f"{a} > {b}" for (a, b), _w in around.paths(x.id)]
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


def reason(feature: str, value: float, weight: float, text: str, evidence: list[str]) -> Reason:
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
