"""Shortest paths between two cities, every step filtered.

A breadth-first search from both ends, one level per statement (`CITY_STEP` from cities,
`ORG_STEP` from organisations), so the kind and year filters hold on every step and hub
organisations (see :mod:`gnlc.hubs`) are never walked through unless asked. When link
kinds are given, the path holds city-to-city links of those kinds only: partnerships
with organisations have no link kind, so organisations are not steps of such a path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gnlc.errors import InputError
from gnlc.graph import cypher
from gnlc.graph.cypher import MAX_PATH_HOPS
from gnlc.graph.model import Label
from gnlc.names import bounded, check_kinds, check_year, gedge, gnode
from gnlc.schemas import GEdge, GNode, PathOut, PathResult

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_VISITED = 200_000  # nodes one search may reach before it stops and says so


@dataclass
class _Side:
    """One end of the search: distance, the steps that reached each node, the frontier."""

    start: str
    dist: dict[str, int] = field(default_factory=dict)
    back: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    frontier: dict[str, Label] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dist[self.start] = 0
        self.frontier = {self.start: Label.CITY}


def find_paths(ex: Explorer, source: str, target: str, *, via: str = "all", max_hops: int = 4,
               kinds: Iterable[str] | None = None, year: int | None = None, limit: int = 10,
               include_hubs: bool = False) -> PathResult:
    """All shortest paths (up to ``limit``) of at most ``max_hops`` steps."""
    if via not in cypher.PATH_TYPES:
        raise InputError(f"via: expected one of {', '.join(cypher.PATH_TYPES)}, got {via!r}")
    bounded(max_hops, "max_hops", 1, MAX_PATH_HOPS)
    bounded(limit, "limit", 1, 100)
    a, b = ex.city_id(source), ex.city_id(target)
    if a == b:
        raise InputError("target: expected a city other than the source city")
    kinds_, year_ = check_kinds(kinds), check_year(year)
    hubs = set() if include_hubs else ex.hubs().ids()
    with_orgs = via == "all" and kinds_ is None
    search = _Search(ex.store, kinds_, year_, with_orgs, hubs)
    found = search.run(a, b, max_hops, limit)
    notes = []
    if kinds_:
        notes.append(f"only {', '.join(kinds_)} links on every step")
    if year_:
        notes.append(f"only links active in {year_}")
    if not found:
        if search.hubs_seen:
            notes.append(ex.hubs().note(search.hubs_seen))
        what = f"{' or '.join(kinds_)} links" if kinds_ else ("city-to-city links" if not with_orgs else
                                                              "links and partner organisations")
        notes.insert(0, f"no path of at most {max_hops} steps through {what}"
                        + (f" active in {year_}" if year_ else "")
                        + (" (the search stopped: too many cities reached)" if search.stopped else ""))
    return PathResult(source=ex._city(a), target=ex._city(b), via=via, max_hops=max_hops,  # type: ignore[arg-type]
                      paths=found, note="; ".join(n for n in notes if n) or None)


class _Search:
    def __init__(self, store: Any, kinds: list[str] | None, year: int | None, with_orgs: bool,
                 hubs: set[str]) -> None:
        self.store, self.kinds, self.year, self.with_orgs, self.hubs = store, kinds, year, with_orgs, hubs
        self.nodes: dict[str, dict[str, Any]] = {}
        self.hubs_seen: set[str] = set()
        self.stopped = False

    def run(self, a: str, b: str, max_hops: int, limit: int) -> list[PathOut]:
        fwd, bwd = _Side(a), _Side(b)
        for _ in range(max_hops):
            side = fwd if len(fwd.frontier) <= len(bwd.frontier) else bwd
            if not side.frontier:
                return []
            self._expand(side)
            meet = set(fwd.dist) & set(bwd.dist)
            if meet:
                best = min(fwd.dist[m] + bwd.dist[m] for m in meet)
                if best > max_hops:
                    return []
                middle = sorted(m for m in meet if fwd.dist[m] + bwd.dist[m] == best)
                return self._paths(fwd, bwd, middle, limit)
            if self.stopped:
                return []
        return []

    def _expand(self, side: _Side) -> None:
        cities = [i for i, lbl in side.frontier.items() if lbl is Label.CITY]
        orgs = [i for i, lbl in side.frontier.items() if lbl is Label.ORGANISATION]
        rows: list[Any] = []
        if cities:
            rows += self.store.read(cypher.CITY_STEP, ids=cities, with_orgs=self.with_orgs, kinds=self.kinds,
                                    year=self.year)
        if orgs:
            rows += self.store.read(cypher.ORG_STEP, ids=orgs, year=self.year)
        depth = side.dist[next(iter(side.frontier))] + 1
        nxt: dict[str, Label] = {}
        for r in rows:
            node, edge = r["node"], r["edge"]
            nid = node["id"]
            if nid in self.hubs:
                self.hubs_seen.add(nid)
                continue
            if side.dist.get(nid, depth) < depth:
                continue
            self.nodes.setdefault(nid, node)
            side.dist[nid] = depth
            held = side.back[nid].get(r["from_id"])
            if held is None or _edge_order(edge) < _edge_order(held):  # two links of one pair: the same on every engine
                side.back[nid][r["from_id"]] = edge
            nxt[nid] = Label(node["label"])
        side.frontier = nxt
        if len(side.dist) > MAX_VISITED:
            self.stopped, side.frontier = True, {}

    def _paths(self, fwd: _Side, bwd: _Side, middle: list[str], limit: int) -> list[PathOut]:
        out: list[PathOut] = []
        for m in middle:
            for head in self._walk(fwd, m, limit):
                for tail in self._walk(bwd, m, limit):
                    ids = [*head, *reversed(tail[:-1])]
                    if len(set(ids)) == len(ids):
                        out.append(self._path(fwd, bwd, ids))
        return sorted(out, key=lambda p: tuple(n.id for n in p.nodes))[:limit]

    def _walk(self, side: _Side, node: str, limit: int) -> list[list[str]]:
        """Node sequences from the side's start to ``node``, in id order, at most ``limit``."""
        if node == side.start:
            return [[node]]
        out: list[list[str]] = []
        for prev in sorted(side.back[node]):
            out += [[*p, node] for p in self._walk(side, prev, limit - len(out))]
            if len(out) >= limit:
                break
        return out[:limit]

    def _path(self, fwd: _Side, bwd: _Side, ids: list[str]) -> PathOut:
        edges: list[GEdge] = []
        for x, y in zip(ids, ids[1:], strict=False):
            raw = fwd.back.get(y, {}).get(x) or bwd.back.get(x, {}).get(y)
            assert raw is not None, f"{x} and {y} are next to each other on the path found"
            edges.append(gedge(raw))
        nodes: list[GNode] = [gnode(self.nodes[i]) if i in self.nodes else gnode(self._node(i)) for i in ids]
        return PathOut(length=len(ids) - 1, nodes=nodes, edges=edges)

    def _node(self, nid: str) -> dict[str, Any]:
        rows = self.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[nid])
        self.nodes[nid] = rows[0]["node"]
        return self.nodes[nid]


def _edge_order(edge: dict[str, Any]) -> tuple[str, str, str, int, str]:
    """Which of two links between the same two nodes a path shows (the engines return rows in
    different orders): by kind, role, then source."""
    return (str(edge.get("kind") or ""), str(edge.get("role") or ""), str(edge.get("source") or ""),
            int(edge.get("source_row") or 0), str(edge.get("source_url") or ""))
