"""Peer-partner recommendations: which cities to approach, why, and who could introduce.

Candidates are cities the city is not yet linked to, from six pools: cities two steps
away (through a linked city or a partner organisation that is not a hub), cities of the
same thematic cluster, award winners (possible mentors, when that weight is set), the
most active cities of the countries the city's country twins most with, the cities
nearest to the city and to each of its linked cities (when a nearness weight is set),
and, when those give fewer than COLD_START, member cities of the same UNESCO region.

Every candidate is scored at once by :mod:`gnlc.candidates` (numpy over the in-memory
projection; the features and weights of :mod:`gnlc.peers`, the code ``bench/recommend_eval.py``
measures); only the candidates shown are explained (:mod:`gnlc.reasons`), by one reason per
feature that counts, naming its evidence: the cities and organisations linked to both, the two
countries, the clusters, the awards. A reason that every candidate shares tells no candidate
apart: it is dropped (and named in the notes). Hubs (:mod:`gnlc.hubs`) are not reasons and not brokers unless
``include_hubs``. Ties are broken by city id, so the same input gives the same ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gnlc.candidates import (
    Neighbourhood,
    feature_values,
    neighbourhood,
    round4,
    top_three_steps,
    weighted_scores,
)
from gnlc.facts import CityArrays, CityTable, city_arrays, city_facts, city_table
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.hubs import hub_mask
from gnlc.names import bounded, summary_of
from gnlc.peers import CityFacts, NetworkContext, near_pool
from gnlc.projection import Projection, projection
from gnlc.reasons import Around, reason, reason_evidence, reason_text
from gnlc.schemas import Candidate, CitySummary, GEdge, GNode, Recommendation, Subgraph, Weights

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_CANDIDATES = 100
REGION_POOL = 500  # same-region peers considered for a city with few candidates
COLD_START = 50  # fewer candidates than this from the other pools: add region peers


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
    table, places = city_table(ex.store, proj), ctx.coords or {}
    arrays = city_arrays(ex.store, proj, places)
    me = city_facts(table.rows([cid])[0], places.get(cid))
    w = weights.model_dump()
    hubs = ex.hubs(proj)
    around = _around(proj, arrays, cid, None if include_hubs else hub_mask(proj, hubs), places, w)
    found = _Found.of(proj, arrays, ctx, around.nb, me, _pool(proj, arrays, table, around, me, ctx, w, members_only), w)
    notes = _drop_shared(found, me, table, around, ctx, w)
    ranked = found.ranked()
    around.find_paths([proj.ids[int(found.cands[j])] for j in ranked[:limit].tolist()])
    top = [_candidate(found.shown(j, table, around, places), me, around, ctx, w) for j in ranked[:limit].tolist()]
    if brokers and top:
        introducers = ex.brokers_of(
            cid, [c.city.id for c in top], limit=brokers, include_hubs=include_hubs, hubs=hubs, proj=proj
        )
        for c in top:
            c.brokers = introducers[c.city.id]
    summary = summary_of(ex.store.node(Label.CITY, cid) or {"id": cid})
    if not ctx.degree.get(cid) and not around.orgs:
        notes.insert(
            0,
            f"{summary.name} has no city-to-city links and no partner organisations beyond hubs: "
            "these suggestions are built from context alone (its country's twinning, its region, "
            "size, clusters and awards)",
        )
    if around.hubs_left_out:
        notes.append(hubs.note(around.hubs_left_out).replace("hubs left out", "not reasons or brokers, as hubs"))
    return Recommendation(city=summary, weights=weights, considered=len(ranked), candidates=top, notes=notes)


def _with_places(ex: Explorer, ctx: NetworkContext) -> NetworkContext:
    """The context with every city's coordinates (read once per cached context)."""
    if ctx.coords is None:
        ctx.coords = {r["id"]: (float(r["latitude"]), float(r["longitude"])) for r in ex.store.read(cypher.CITY_PLACES)}
    return ctx


def _around(
    proj: Projection,
    arrays: CityArrays,
    cid: str,
    hub: np.ndarray | None,
    places: dict[str, tuple[float, float]],
    w: dict[str, float],
) -> Around:
    """Linked cities and partner organisations that are not hubs, and what they join the city to."""
    nb = neighbourhood(arrays, proj.index[cid], hub, paths=w["three_steps"] > 0)
    ids = proj.ids
    return Around(
        proj,
        nb,
        orgs={ids[o] for o in nb.orgs.tolist()},
        hubs_left_out={ids[o] for o in nb.hubs.tolist()},
        partners_at={ids[y]: places[ids[y]] for y in nb.linked.tolist() if ids[y] in places},
    )


def _pool(
    proj: Projection,
    arrays: CityArrays,
    table: CityTable,
    around: Around,
    me: CityFacts,
    ctx: NetworkContext,
    w: dict[str, float],
    members_only: bool,
) -> np.ndarray:
    """The candidates (projection indexes, in id order): cities two steps away, cluster mates,
    award winners, the active cities of the countries the city's country twins with, those three
    steps away, those near, and region peers when these are few; not those already linked."""
    nb, index = around.nb, proj.index
    pool = np.zeros(proj.nodes, dtype=bool)
    pool[nb.via_x] = True

    def add(ids: Any) -> None:
        pool[[index[i] for i in ids if i in index]] = True

    if w["shared_clusters"] > 0 and me.clusters:
        mates = np.concatenate([arrays.clusters.get(k, np.zeros(0, dtype=np.int64)) for k in me.clusters])
        pool[mates[mates != nb.me]] = True
    if w["mentor"] > 0:
        add(proj.memo("award_winners", lambda: sorted(table.awards)[:REGION_POOL]))
    if w["country_affinity"] > 0 or w["active_partner"] > 0:
        add(ctx.context_pool(me.country, members_only=members_only))
    if w["three_steps"] > 0:
        pool[top_three_steps(*nb.three_step_scores(proj.nodes))] = True
    if w["nearby"] > 0 or w["near_partners"] > 0:
        add(near_pool(ctx, me.place, around.partners_at.values()))
    if me.region and int(pool.sum()) < COLD_START:
        peers = (arrays.region == arrays.region[nb.me]) & arrays.known & (arrays.member if members_only else True)
        peers[nb.me] = False
        pool[np.flatnonzero(peers)[:REGION_POOL]] = True
    pool[nb.linked] = False
    pool[nb.me] = False
    return np.flatnonzero(pool & arrays.known & (arrays.member if members_only else True))


@dataclass
class _Shown:
    """One candidate's facts, feature values and evidence (made for the candidates shown, and
    for those compared to find the reasons every candidate shares)."""

    x: CityFacts
    row: dict[str, Any]
    commons: list[str]
    values: dict[str, float]
    score: float
    features: list[str]  # those that count (a value and a weight), in the features' order
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)  # made when needed

    def evidence_of(self, feature: str, me: CityFacts, around: Around) -> tuple[str, ...]:
        if feature not in self.evidence:
            self.evidence[feature] = tuple(reason_evidence(feature, me, self.x, self.commons, around))
        return self.evidence[feature]


@dataclass
class _Found:
    """Every candidate's weighted feature values and score (rounded to 4 places), as arrays."""

    proj: Projection
    cands: np.ndarray
    values: dict[str, np.ndarray]
    scores: np.ndarray
    counted: dict[str, np.ndarray]  # feature -> whether it counts for each candidate
    _shown: dict[int, _Shown] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        proj: Projection,
        arrays: CityArrays,
        ctx: NetworkContext,
        nb: Neighbourhood,
        me: CityFacts,
        cands: np.ndarray,
        w: dict[str, float],
    ) -> _Found:
        values = feature_values(arrays, ctx, nb, me, cands, w)
        counted = {f: v != 0 for f, v in values.items()}
        return cls(proj, cands, values, weighted_scores(values, w, len(cands)), counted)

    def ranked(self) -> np.ndarray:
        """Positions of the candidates with a positive score, the best first (ties: by id)."""
        positive = np.flatnonzero(self.scores > 0)
        return positive[np.lexsort((self.cands[positive], -self.scores[positive]))]

    def shown(self, j: int, table: CityTable, around: Around, places: dict[str, tuple[float, float]]) -> _Shown:
        if j not in self._shown:
            cid = self.proj.ids[int(self.cands[j])]
            row = table.rows([cid])[0]
            features = [f for f, c in self.counted.items() if c[j]]
            self._shown[j] = _Shown(
                x=city_facts(row, places.get(cid)),
                row=row,
                commons=around.commons(cid),
                values={f: float(self.values[f][j]) for f in features},
                score=float(self.scores[j]),
                features=features,
            )
        return self._shown[j]


def _candidate(c: _Shown, me: CityFacts, around: Around, ctx: NetworkContext, w: dict[str, float]) -> Candidate:
    x = c.x
    reasons = [
        reason(f, c.values[f], w[f], reason_text(f, me, x, c.commons, around, ctx), list(c.evidence_of(f, me, around)))
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


def _drop_shared(
    found: _Found, me: CityFacts, table: CityTable, around: Around, ctx: NetworkContext, w: dict[str, float]
) -> list[str]:
    """Remove the reasons every candidate has with the same evidence (they change no rank)."""
    count = len(found.cands)
    if count < 2:
        return []
    places = ctx.coords or {}

    def shown(j: int) -> _Shown:
        return found.shown(j, table, around, places)

    every = [f for f, c in found.counted.items() if c.all()]  # only these can be shared
    shared = [
        f
        for f in every
        if all(shown(j).evidence_of(f, me, around) == shown(0).evidence_of(f, me, around) for j in range(1, count))
    ]
    texts = set()
    for f in shared:
        texts |= {reason_text(f, me, shown(j).x, shown(j).commons, around, ctx) for j in range(count)}
        found.scores = round4(found.scores - round4(found.values[f] * w[f]))
        found.counted[f] = np.zeros(count, dtype=bool)
    found._shown.clear()  # made before the shared reasons were removed
    return [f"every candidate shares this, so it is not a reason: {t}" for t in sorted(texts)]


def recommendation_subgraph(rec: Recommendation) -> Subgraph:
    """The city, its candidates (edges carry the score) and the brokers between them."""
    me = GNode(
        id=rec.city.id,
        label=Label.CITY,
        name=rec.city.name,
        country=rec.city.country,
        region=rec.city.region,
        props={"status": rec.city.status},
    )
    nodes: dict[str, GNode] = {me.id: me}
    edges: list[GEdge] = []
    for c in rec.candidates:
        nodes[c.city.id] = GNode(
            id=c.city.id,
            label=Label.CITY,
            name=c.city.name,
            country=c.city.country,
            region=c.city.region,
            props={"score": c.score, "reasons": [r.text for r in c.reasons]},
        )
        edges.append(
            GEdge(
                source_id=me.id,
                target_id=c.city.id,
                type="RECOMMENDED",
                kind=f"score {c.score}",
                derivation="; ".join(r.text for r in c.reasons),
            )
        )
        for b in c.brokers:
            nodes.setdefault(b.node.id, b.node)
            edges.append(GEdge(source_id=b.node.id, target_id=me.id, type="BROKER", role=", ".join(b.to_source)))
            edges.append(GEdge(source_id=b.node.id, target_id=c.city.id, type="BROKER", role=", ".join(b.to_target)))
    return Subgraph(title=f"{rec.city.name}: recommended partners", nodes=list(nodes.values()), edges=edges)
