"""Peer-partner recommendations: which cities to approach, why, and who could introduce.

Candidates are cities the city is not yet linked to, found in five pools: cities two
links away, cities sharing a partner organisation (hubs excepted, see below), cities of
the same thematic cluster, award-winning cities (possible mentors) and, when those give
fewer than COLD_START, member cities of the same UNESCO region (so that an applicant with
no links yet still gets answers).

Each candidate's score is the sum of feature value x weight (weights in
:class:`gnlc.schemas.Weights`, adjustable per request):

- ``shared_clusters``: number of thematic clusters both cities are in;
- ``common_neighbours``: Adamic-Adar sum over common partner organisations and linked
  cities, 1/ln(degree) each, so a partner of few cities counts more than one of many;
- ``similar_size``: 1 - |log10(population ratio)| / 2, floored at 0 (1 = same size,
  0 = a hundred times larger or smaller), when both populations are known;
- ``same_region`` / ``other_region``: 1 when the regions are equal / differ;
- ``mentor``: 1 when the candidate won the UNESCO Learning City Award.

Ties are broken by city id, so the same input always gives the same ranking.
Organisations with more than ``hub_degree`` partner cities (UIL partners every member)
are not used to find candidates: they connect everyone, so they tell no one apart; they
still count in Adamic-Adar and appear as brokers.
"""

from __future__ import annotations

import math
from collections import defaultdict

from gnlc.explore import HUB_DEGREE, Explorer, bounded, summary_of
from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, Label, MembershipStatus
from gnlc.schemas import Candidate, CitySummary, GEdge, GNode, Reason, Recommendation, Subgraph, Weights

MAX_CANDIDATES = 100
FACT_BATCH = 200  # candidates whose facts are read at a time, best-known first
REGION_POOL = 500  # same-region peers considered for a city with few candidates
COLD_START = 50  # fewer candidates than this from links, partners, clusters and awards: add region peers


def size_similarity(a: int | None, b: int | None) -> float | None:
    if not a or not b or a <= 0 or b <= 0:
        return None
    return max(0.0, 1.0 - abs(math.log10(a / b)) / 2.0)


def recommend(ex: Explorer, ref: str, *, weights: Weights | None = None, limit: int = 10,
              members_only: bool = True, hub_degree: int = HUB_DEGREE, brokers: int = 3,
              country: str | None = None) -> Recommendation:
    """Ranked peer partners for a city, each with its reasons and brokers."""
    weights = weights or Weights()
    bounded(limit, "limit", 1, MAX_CANDIDATES)
    bounded(brokers, "brokers", 0, 20)
    bounded(hub_degree, "hub_degree", 1, 10_000_000)
    cid = ex.city_id(ref, country)
    store = ex.store
    me = store.read(cypher.CANDIDATE_FACTS, ids=[cid])[0]
    linked = {r["id"] for r in store.read(cypher.CITY_LINKED_IDS, id=cid)} | {cid}

    # who is connected to whom through what (node id -> candidates reached through it)
    via: dict[str, set[str]] = defaultdict(set)
    via_names: dict[str, str] = {}
    for r in store.read(cypher.TWO_STEP_LINKS, id=cid):
        via[r["via"]].add(r["id"])
        via_names[r["via"]] = r["via_name"] or r["via"]
    my_orgs = store.read(cypher.CITY_ORGS, id=cid)
    orgs = ex.degrees((Label.ORGANISATION, r["id"]) for r in my_orgs)
    org_names = {r["id"]: r["name"] or r["id"] for r in my_orgs}
    small = sorted(o for o, d in orgs.items() if d <= hub_degree)
    if small:
        for r in store.read(cypher.ORG_CITIES, ids=small):
            via[r["via"]].add(r["id"])
    pool: set[str] = set().union(*via.values()) if via else set()
    mates = {r["id"] for r in store.read(cypher.CLUSTER_MATES, id=cid)}
    pool |= mates
    winners: set[str] = set()
    if weights.mentor > 0:
        winners = {r["id"] for r in store.read(cypher.AWARD_WINNERS, limit=REGION_POOL)}
        pool |= winners
    all_winners = len(winners) < REGION_POOL  # else a winner may be missing from the set
    if me["region"] and len(pool - linked) < COLD_START and (weights.same_region > 0 or weights.similar_size > 0):
        # few candidates (an applicant, a city without partners): peers of its region
        pool |= {r["id"] for r in store.read(cypher.REGION_PEERS, region=me["region"], id=cid,
                                             status=MembershipStatus.MEMBER.value if members_only else None,
                                             limit=REGION_POOL)}
    pool -= linked
    degree_of = ex.degrees((Label.CITY, v) for v in via if v not in orgs)
    degree_of.update(orgs)
    names = {**via_names, **org_names}
    my_clusters = {c["id"]: c["name"] for c in me["clusters"]}
    # Facts are read best-first by an upper bound of each candidate's score, from what is
    # already known (Adamic-Adar through links and small partners, every hub partner
    # shared, cluster mates, award winners, the largest size and region values), and
    # reading stops when the next bound is below the current last place: the ranking is
    # the one a full read gives (a test compares them).
    known: dict[str, float] = defaultdict(float)
    for z, reached in via.items():
        for x in reached:
            known[x] += 1 / math.log(max(degree_of.get(z, 2), 2))
    hubs = sum(1 / math.log(max(d, 2)) for o, d in orgs.items() if d > hub_degree)
    base = weights.common_neighbours * hubs + weights.similar_size + max(weights.same_region, weights.other_region)

    def bound(x: str) -> float:
        return (base + weights.common_neighbours * known.get(x, 0.0)
                + (weights.shared_clusters * len(my_clusters) if x in mates else 0.0)
                + (weights.mentor if x in winners or not all_winners else 0.0))

    bounds = {x: bound(x) for x in pool}
    order = sorted(pool, key=lambda x: (-bounds[x], x))
    scored: list[Candidate] = []
    for start in range(0, len(order), FACT_BATCH):
        if len(scored) >= limit:
            last = sorted((c.score for c in scored), reverse=True)[limit - 1]
            if last > bounds[order[start]] + 1e-3:
                break
        facts = {r["id"]: r for r in store.read(cypher.CANDIDATE_FACTS, ids=order[start : start + FACT_BATCH])}
        for xid, f in facts.items():
            if members_only and f["status"] != MembershipStatus.MEMBER.value:
                continue
            for o in f["orgs"]:  # common partners, hubs included (read from the candidate's side)
                if o in orgs:
                    via[o].add(xid)
            candidate = _score(f, me, via, degree_of, names, my_clusters, weights)
            if candidate is not None:
                scored.append(candidate)
    scored.sort(key=lambda c: (-c.score, c.city.id))
    top = scored[:limit]
    if brokers and top:
        found = ex.brokers_of(cid, [c.city.id for c in top], limit=brokers)
        for c in top:
            c.brokers = found[c.city.id]
    me_summary = summary_of(store.node(Label.CITY, cid) or {"id": cid})
    return Recommendation(city=me_summary, weights=weights, considered=len(scored), candidates=top)


def _score(f: dict, me: dict, via: dict[str, set[str]], degree_of: dict, names: dict[str, str],
           my_clusters: dict[str, str], weights: Weights) -> Candidate | None:
    """One candidate's score, with a reason per feature that counts."""
    xid = f["id"]
    reasons: list[Reason] = []
    shared = sorted(my_clusters[c["id"]] for c in f["clusters"] if c["id"] in my_clusters)
    if shared and weights.shared_clusters:
        reasons.append(_reason("shared_clusters", len(shared), weights.shared_clusters,
                               f"both in the cluster(s) {', '.join(shared)}", shared))
    commons = sorted(z for z, reached in via.items() if xid in reached)
    if commons and weights.common_neighbours:
        aa = sum(1 / math.log(max(degree_of.get(z, 2), 2)) for z in commons)
        labels = [names.get(z, z) for z in commons]
        reasons.append(_reason("common_neighbours", round(aa, 4), weights.common_neighbours,
                               f"{len(commons)} common partner(s) or linked cities: {', '.join(labels)}",
                               commons))
    sim = size_similarity(me["population"], f["population"])
    if sim and weights.similar_size:
        reasons.append(_reason("similar_size", round(sim, 4), weights.similar_size,
                               f"similar size: {f['population']:,} inhabitants against {me['population']:,}",
                               [f"population {f['population']}", f"population {me['population']}"]))
    if me["region"] and f["region"]:
        if f["region"] == me["region"] and weights.same_region:
            reasons.append(_reason("same_region", 1, weights.same_region,
                                   f"same UNESCO region: {REGIONS.get(f['region'], f['region'])}", [f["region"]]))
        elif f["region"] != me["region"] and weights.other_region:
            reasons.append(_reason("other_region", 1, weights.other_region,
                                   f"another UNESCO region ({REGIONS.get(f['region'], f['region'])}): "
                                   "a complementary perspective", [f["region"]]))
    if f["awards"] and weights.mentor:
        won = ", ".join(f"{a['name']} {a['year']}" for a in sorted(f["awards"], key=lambda a: a["year"] or 0))
        reasons.append(_reason("mentor", 1, weights.mentor, f"award winner ({won}): a possible mentor",
                               [won]))
    score = round(sum(r.contribution for r in reasons), 4)
    return Candidate(city=_summary(f), score=score, reasons=reasons, brokers=[]) if score > 0 else None


def _reason(feature: str, value: float, weight: float, text: str, evidence: list[str]) -> Reason:
    return Reason(feature=feature, value=value, weight=weight, contribution=round(value * weight, 4), text=text,  # type: ignore[arg-type]
                  evidence=evidence)


def _summary(f: dict) -> CitySummary:
    return CitySummary(id=f["id"], name=f["name"] or f["id"], country=f["country"], region=f["region"],
                       status=f["status"], year_joined=f["year_joined"], population=f["population"])


def recommendation_subgraph(rec: Recommendation) -> Subgraph:
    """The city, its candidates (edges carry the score) and the brokers between them."""
    me = GNode(id=rec.city.id, label=Label.CITY, name=rec.city.name, country=rec.city.country,
               region=rec.city.region, props={"status": rec.city.status})
    nodes: dict[str, GNode] = {me.id: me}
    edges: list[GEdge] = []
    for c in rec.candidates:
        nodes[c.city.id] = GNode(id=c.city.id, label=Label.CITY, name=c.city.name, country=c.city.country,
                                 region=c.city.region, props={"score": c.score,
                                                              "reasons": [r.text for r in c.reasons]})
        edges.append(GEdge(source_id=me.id, target_id=c.city.id, type="RECOMMENDED", kind=f"score {c.score}",
                           derivation="; ".join(r.text for r in c.reasons)))
        for b in c.brokers:
            nodes.setdefault(b.node.id, b.node)
            edges.append(GEdge(source_id=b.node.id, target_id=me.id, type="BROKER", role=", ".join(b.to_source)))
            edges.append(GEdge(source_id=b.node.id, target_id=c.city.id, type="BROKER", role=", ".join(b.to_target)))
    return Subgraph(title=f"{rec.city.name}: recommended partners", nodes=list(nodes.values()), edges=edges)
