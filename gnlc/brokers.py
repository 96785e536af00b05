"""Who could introduce two cities: cities linked to both and organisations partnering both, hubs
left out unless asked (see :mod:`gnlc.hubs`), ranked by Adamic-Adar weight; degrees in the
partnership graph."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

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
from gnlc.projection import LINK, PARTNER, Projection, projection
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
    comes from the in-memory projection; the engine gives the properties of the two cities
    and of the brokers shown (one or two reads)."""
    bounded(limit, "limit", 1, MAX_LIMIT)
    proj = projection(ex.store)
    a, b = proj.city_id(source) or ex.city_id(source), proj.city_id(target) or ex.city_id(target)
    if a == b:
        raise InputError("target: expected a city other than the source city")
    hubs = ex.hubs(proj)
    found, ends = _brokers(ex, proj, a, [b], limit=limit, left_out=set() if include_hubs else hubs.ids())
    if a not in ends or b not in ends:
        raise NotFound("city", a if a not in ends else b)
    left_out = set() if include_hubs else set(proj.adjacent(a, PARTNER)) & set(proj.adjacent(b, PARTNER)) & hubs.ids()
    return BrokerResult(
        source=summary_of(ends[a]),
        target=summary_of(ends[b]),
        linked=b in proj.adjacent(a, LINK),
        brokers=found[b],
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
    proj: Projection | None = None,
) -> dict[str, list[Broker]]:
    """Brokers between ``a`` and each target, ranked by Adamic-Adar weight (a broker
    with fewer partners knows each more closely), then by id. What each city is joined to
    and every degree come from the projection (``proj``, else this process's), so a hub's
    partners are never walked. Hubs are not brokers unless ``include_hubs``."""
    proj = proj if proj is not None else projection(ex.store)
    left_out = set() if include_hubs else (hubs or ex.hubs(proj)).ids()
    return _brokers(ex, proj, a, targets, limit=limit, left_out=left_out)[0]


def _brokers(
    ex: Explorer, proj: Projection, a: str, targets: list[str], *, limit: int, left_out: set[str]
) -> tuple[dict[str, list[Broker]], dict[str, dict[str, Any]]]:
    """The first ``limit`` brokers of each target, and the properties of ``a`` and the targets."""
    i = proj.index.get(a)
    mine = {j: how for j, how in _joined(proj, i).items() if proj.ids[j] not in left_out} if i is not None else {}
    ranked: dict[str, list[tuple[float, str, int, list[str], list[str]]]] = {}
    for t in targets:
        k = proj.index.get(t)
        theirs = _joined(proj, k) if k is not None and mine else {}
        shared = [(_score(_degree(proj, j)), proj.ids[j], j, mine[j], to_t) for j, to_t in theirs.items() if j in mine]
        ranked[t] = sorted(shared, key=lambda x: (-x[0], x[1]))[:limit]
    shown = {j for per in ranked.values() for _, _, j, _, _ in per}
    nodes = _nodes(ex, Label.CITY, [a, *targets, *(proj.ids[j] for j in shown if proj.is_city[j])])
    nodes.update(_nodes(ex, Label.ORGANISATION, [proj.ids[j] for j in shown if not proj.is_city[j]]))
    ends = {c: nodes[c]["props"] for c in [a, *targets] if c in nodes}
    names = {c: f"{p.get('name')} ({p.get('country_code')})" for c, p in ends.items()}
    out: dict[str, list[Broker]] = {}
    for t, per in ranked.items():
        out[t] = []
        for score, nid, j, to_a, to_t in per:
            if nid not in nodes:  # gone since the projection was built
                continue
            node, deg = gnode(nodes[nid]), _degree(proj, j)
            how = "linked to" if proj.is_city[j] else "partners"
            text = (
                f"{node.name} {how} both {names.get(a, a)} ({', '.join(to_a)}) and "
                f"{names.get(t, t)} ({', '.join(to_t)}); {deg} partners in all"
            )
            out[t].append(Broker(node=node, score=score, degree=deg, to_source=to_a, to_target=to_t, text=text))
    return out, ends


def _joined(proj: Projection, i: int) -> dict[int, list[str]]:
    """The nodes one edge from node ``i`` (projection indexes) and how: the link kinds or partner
    roles of the edges between them, each once and sorted (``link`` for an edge without one)."""
    lo, hi = int(proj.indptr[i]), int(proj.indptr[i + 1])
    ways: dict[int, set[str]] = defaultdict(set)
    for j, k in zip(proj.nbr[lo:hi].tolist(), proj.kind[proj.eid[lo:hi]].tolist(), strict=True):
        ways[j].add(proj.kinds[k] if k >= 0 else "link")
    return {j: sorted(how) for j, how in ways.items()}


def _degree(proj: Projection, j: int) -> int:
    """Edges of node ``j`` in the partnership graph (a city's links and partnerships, an organisation's
    partnerships), as ``cypher.CITY_DEGREE`` and ``ORG_DEGREE`` count them."""
    return int(proj.indptr[j + 1] - proj.indptr[j])


def _score(degree: int) -> float:
    return round(1 / math.log(max(degree, 2)), 4)


def _nodes(ex: Explorer, label: Label, ids: list[str]) -> dict[str, Row]:
    """The nodes of that label with those ids (id, label, props), by id: one read."""
    if not ids:
        return {}
    return {r["node"]["id"]: r["node"] for r in ex.store.read(cypher.NODES_BY_IDS[label], ids=sorted(set(ids)))}


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
