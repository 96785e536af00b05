"""Who could introduce two cities: cities linked to both and organisations partnering both, hubs
left out unless asked (see :mod:`gnlc.hubs`), ranked by Adamic-Adar weight; degrees in the
partnership graph."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from gnlc.errors import InputError, NotFound
from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import Row
from gnlc.names import (
    KNOWN_TTL_S,
    MAX_LIMIT,
    bounded,
    gnode,
    summary_of,
)
from gnlc.projection import LINK, PARTNER, projection
from gnlc.schemas import (
    Broker,
    BrokerResult,
)

if TYPE_CHECKING:
    from gnlc.explore import Explorer
    from gnlc.hubs import Hubs


def brokers(ex: Explorer, source: str, target: str, *, limit: int = 20, include_hubs: bool = False) -> BrokerResult:
    """Cities linked to both and organisations partnering both, closest first; hub
    organisations (see :mod:`gnlc.hubs`) only with ``include_hubs``. Who is joined to whom
    beyond the brokers comes from the in-memory projection."""
    bounded(limit, "limit", 1, MAX_LIMIT)
    proj = projection(ex.store)
    a, b = proj.city_id(source) or ex.city_id(source), proj.city_id(target) or ex.city_id(target)
    if a == b:
        raise InputError("target: expected a city other than the source city")
    hubs = ex.hubs(proj)
    found = ex.brokers_of(a, [b], limit=limit, include_hubs=include_hubs, hubs=hubs)[b]
    linked = b in proj.adjacent(a, LINK)
    left_out = set() if include_hubs else set(proj.adjacent(a, PARTNER)) & set(proj.adjacent(b, PARTNER)) & hubs.ids()
    ends = {r["node"]["id"]: r["node"]["props"] for r in ex.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[a, b])}
    if a not in ends or b not in ends:
        raise NotFound("city", a if a not in ends else b)
    return BrokerResult(
        source=summary_of(ends[a]),
        target=summary_of(ends[b]),
        linked=linked,
        brokers=found,
        note=hubs.note(left_out) or None,
    )


def brokers_of(
    ex: Explorer,
    a: str,
    targets: list[str],
    *,
    limit: int = 20,
    include_hubs: bool = False,
    hubs: Hubs | None = None,
) -> dict[str, list[Broker]]:
    """Brokers between ``a`` and each target, ranked by Adamic-Adar weight (a broker
    with fewer partners knows each more closely), then by id. What each city is joined to
    is read from the city's side, so a hub's partners are never walked. Hubs are not
    brokers unless ``include_hubs``."""
    out: dict[str, list[Broker]] = {t: [] for t in targets}
    if not targets:
        return out
    adj = {r["id"]: r for r in ex.store.read(cypher.CITY_ADJACENCY, ids=[a, *targets])}
    if a not in adj:
        return out

    def joined(row: Row) -> dict[tuple[Label, str], list[str]]:
        ways: dict[tuple[Label, str], list[str]] = defaultdict(list)
        for key, lbl in (("orgs", Label.ORGANISATION), ("cities", Label.CITY)):
            for x in row[key]:
                ways[(lbl, x["id"])].append(x["how"] or "link")
        return ways

    left_out = set() if include_hubs else (hubs or ex.hubs()).ids()
    mine = {k: v for k, v in joined(adj[a]).items() if k[1] not in left_out}
    shared = {t: {k: (mine[k], v) for k, v in joined(adj[t]).items() if k in mine} for t in targets if t in adj}
    found = {k for per in shared.values() for k in per}
    nodes = {}
    for lbl in (Label.CITY, Label.ORGANISATION):
        ids = sorted(i for kl, i in found if kl is lbl)
        if ids:
            nodes.update({r["node"]["id"]: gnode(r["node"]) for r in ex.store.read(cypher.NODES_BY_IDS[lbl], ids=ids)})
    degrees = ex.degrees(found)
    names = {
        r["node"]["id"]: f"{r['node']['props'].get('name')} ({r['node']['props'].get('country_code')})"
        for r in ex.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[a, *targets])
    }
    for t, per in shared.items():
        for (lbl, nid), (to_a, to_b) in per.items():
            node, deg = nodes[nid], degrees.get(nid, 2)
            to_a, to_b = sorted(set(to_a)), sorted(set(to_b))
            how = "linked to" if lbl is Label.CITY else "partners"
            text = (
                f"{node.name} {how} both {names.get(a, a)} ({', '.join(to_a)}) and "
                f"{names.get(t, t)} ({', '.join(to_b)}); {deg} partners in all"
            )
            out[t].append(
                Broker(
                    node=node,
                    score=round(1 / math.log(max(deg, 2)), 4),
                    degree=deg,
                    to_source=to_a,
                    to_target=to_b,
                    text=text,
                )
            )
        out[t] = sorted(out[t], key=lambda x: (-x.score, x.node.id))[:limit]
    return out


def degrees(ex: Explorer, nodes: Iterable[tuple[Label, str]]) -> dict[str, int]:
    """Degrees in the partnership graph. Organisation degrees are cached for KNOWN_TTL_S
    (a hub's count walks all its partners); writes in this process clear the cache."""
    by_label: dict[Label, set[str]] = defaultdict(set)
    for lbl, nid in nodes:
        by_label[lbl].add(nid)
    out: dict[str, int] = {}
    if by_label.get(Label.CITY):
        out.update({r["id"]: r["degree"] for r in ex.store.read(cypher.CITY_DEGREE, ids=sorted(by_label[Label.CITY]))})
    orgs = by_label.get(Label.ORGANISATION, set())
    now = time.monotonic()
    missing = sorted(o for o in orgs if o not in ex._org_degree or now - ex._org_degree[o][0] > KNOWN_TTL_S)
    if missing:
        for r in ex.store.read(cypher.ORG_DEGREE, ids=missing):
            ex._org_degree[r["id"]] = (now, r["degree"])
    out.update({o: ex._org_degree[o][1] for o in orgs if o in ex._org_degree})
    return out
