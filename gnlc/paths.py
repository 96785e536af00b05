"""Shortest paths between two cities, every step filtered.

A breadth-first search from both ends on the in-memory projection (:mod:`gnlc.projection`),
one level at a time, the side with the smaller frontier first; the kind and year filters
hold on every step and hub organisations (see :mod:`gnlc.hubs`) are never walked through
unless asked. When link kinds are given, the path holds city-to-city links of those kinds
only: partnerships with organisations have no link kind, so organisations are not steps of
such a path. The first ``limit`` paths of the shortest length (in the order of their node
ids) are then read from the engine with their facts: two statements for the steps, one or
two for the nodes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from gnlc.errors import InputError, NotFound
from gnlc.graph import cypher
from gnlc.graph.cypher import MAX_PATH_HOPS
from gnlc.graph.model import Label
from gnlc.names import bounded, check_kinds, check_year, gedge, gnode, summary_of
from gnlc.projection import Projection, projection
from gnlc.schemas import GEdge, PathOut, PathResult

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_VISITED = 200_000  # nodes one search may reach before it stops and says so


@dataclass
class _Side:
    """One end of the search: distance of each reached node (-1: not reached), the nodes one
    step closer to the start that reached each node, the frontier."""

    start: int
    dist: np.ndarray
    back: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    depth: int = 0
    reached: int = 1
    frontier: np.ndarray = field(init=False)
    reached_now: np.ndarray = field(init=False)  # the nodes the last step reached

    def __post_init__(self) -> None:
        self.dist[self.start] = 0
        self.frontier = np.array([self.start], dtype=np.int64)


def find_paths(
    ex: Explorer,
    source: str,
    target: str,
    *,
    via: str = "all",
    max_hops: int = 4,
    kinds: Iterable[str] | None = None,
    year: int | None = None,
    limit: int = 10,
    include_hubs: bool = False,
) -> PathResult:
    """All shortest paths (up to ``limit``) of at most ``max_hops`` steps."""
    if via not in cypher.PATH_TYPES:
        raise InputError(f"via: expected one of {', '.join(cypher.PATH_TYPES)}, got {via!r}")
    bounded(max_hops, "max_hops", 1, MAX_PATH_HOPS)
    bounded(limit, "limit", 1, 100)
    proj = projection(ex.store)
    a, b = proj.city_id(source) or ex.city_id(source), proj.city_id(target) or ex.city_id(target)
    if a == b:
        raise InputError("target: expected a city other than the source city")
    kinds_, year_ = check_kinds(kinds), check_year(year)
    hubs = set() if include_hubs else ex.hubs(proj).ids()
    with_orgs = via == "all" and kinds_ is None
    search = _Search(proj, proj.allowed(kinds=kinds_, year=year_, with_orgs=with_orgs), hubs)
    found, nodes = _read_paths(ex.store, search.run(a, b, max_hops, limit), proj, kinds_, year_, ends=(a, b))
    notes = []
    if kinds_:
        notes.append(f"only {', '.join(kinds_)} links on every step")
    if year_:
        notes.append(f"only links active in {year_}")
    if not found:
        if search.hubs_seen:
            notes.append(ex.hubs(proj).note(search.hubs_seen))
        what = (
            f"{' or '.join(kinds_)} links"
            if kinds_
            else ("city-to-city links" if not with_orgs else "links and partner organisations")
        )
        notes.insert(
            0,
            f"no path of at most {max_hops} steps through {what}"
            + (f" active in {year_}" if year_ else "")
            + (" (the search stopped: too many cities reached)" if search.stopped else ""),
        )
    return PathResult(
        source=summary_of(nodes[a]["props"]),
        target=summary_of(nodes[b]["props"]),
        via="cities" if via == "cities" else "all",
        max_hops=max_hops,
        paths=found,
        note="; ".join(n for n in notes if n) or None,
    )


class _Search:
    def __init__(self, proj: Projection, allowed: np.ndarray, hubs: set[str]) -> None:
        self.proj, self.allowed = proj, allowed
        self.hub_mask = np.zeros(proj.nodes, dtype=bool)
        self.hub_mask[[proj.index[h] for h in hubs if h in proj.index]] = True
        self.hubs_seen: set[str] = set()
        self.stopped = False

    def run(self, a: str, b: str, max_hops: int, limit: int) -> list[tuple[list[str], list[bool]]]:
        """Up to ``limit`` shortest paths as (node ids from a to b, whether the forward side
        found each step), in the order of their node ids."""
        if a not in self.proj.index or b not in self.proj.index:
            return []
        n = self.proj.nodes
        fwd = _Side(self.proj.index[a], np.full(n, -1, dtype=np.int32))
        bwd = _Side(self.proj.index[b], np.full(n, -1, dtype=np.int32))
        for _ in range(max_hops):
            side, other = (fwd, bwd) if len(fwd.frontier) <= len(bwd.frontier) else (bwd, fwd)
            if not len(side.frontier):
                return []
            self._expand(side)
            meet = side.reached_now[other.dist[side.reached_now] >= 0]
            if len(meet):
                total = fwd.dist[meet] + bwd.dist[meet]
                best = int(total.min())
                if best > max_hops:
                    return []
                middle = sorted((int(m) for m in meet[total == best]), key=self.proj.ids.__getitem__)
                return self._paths(fwd, bwd, middle, limit)
            if self.stopped:
                return []
        return []

    def _expand(self, side: _Side) -> None:
        frm, to = self.proj.step(side.frontier, self.allowed)
        hub = self.hub_mask[to]
        if hub.any():
            self.hubs_seen.update(self.proj.ids[i] for i in np.unique(to[hub]).tolist())
            frm, to = frm[~hub], to[~hub]
        depth = side.depth + 1
        seen = side.dist[to]
        keep = (seen < 0) | (seen >= depth)
        frm, to = frm[keep], to[keep]
        side.dist[to] = depth
        for f, t in zip(frm.tolist(), to.tolist(), strict=True):
            side.back[t].add(f)
        side.frontier = side.reached_now = np.unique(to)
        side.depth, side.reached = depth, side.reached + len(side.frontier)
        if side.reached > MAX_VISITED:
            self.stopped, side.frontier = True, np.zeros(0, dtype=np.int64)

    def _paths(self, fwd: _Side, bwd: _Side, middle: list[int], limit: int) -> list[tuple[list[str], list[bool]]]:
        out: list[list[int]] = []
        for m in middle:
            for head in self._walk(fwd, m, limit):
                for tail in self._walk(bwd, m, limit):
                    nodes = [*head, *reversed(tail[:-1])]
                    if len(set(nodes)) == len(nodes):
                        out.append(nodes)
        ids = self.proj.ids
        out.sort(key=lambda p: tuple(ids[i] for i in p))
        return [
            ([ids[i] for i in nodes], [x in fwd.back.get(y, ()) for x, y in zip(nodes, nodes[1:], strict=False)])
            for nodes in out[:limit]
        ]

    def _walk(self, side: _Side, node: int, limit: int) -> list[list[int]]:
        """Node sequences from the side's start to ``node``, in id order, at most ``limit``."""
        if node == side.start:
            return [[node]]
        out: list[list[int]] = []
        for prev in sorted(side.back[node], key=self.proj.ids.__getitem__):
            out += [[*p, node] for p in self._walk(side, prev, limit - len(out))]
            if len(out) >= limit:
                break
        return out[:limit]


def _read_paths(
    store: Any,
    found: list[tuple[list[str], list[bool]]],
    proj: Projection,
    kinds: list[str] | None,
    year: int | None,
    *,
    ends: tuple[str, str],
) -> tuple[list[PathOut], dict[str, Any]]:
    """The paths with their nodes and steps read from the engine, and the nodes read (the two
    ends among them, found or not). A step found from the source's side is read from the node
    nearer the source, else from the node nearer the target (as a walk from each end meets it);
    of two links between the same two nodes, the first by :func:`_edge_order`."""
    steps: set[tuple[str, str]] = set()
    for ids, forward in found:
        steps.update((x, y) if fw else (y, x) for x, y, fw in zip(ids, ids[1:], forward, strict=False))
    is_city = dict.fromkeys(ends, True) | {i: bool(proj.is_city[proj.index[i]]) for ids, _ in found for i in ids}
    links = [{"a": x, "b": y} for x, y in sorted(steps) if is_city[x] and is_city[y]]
    partners = [
        {"a": x if not is_city[x] else y, "b": y if not is_city[x] else x}
        for x, y in sorted(steps)
        if not (is_city[x] and is_city[y])
    ]
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    rows = store.read(cypher.PATH_LINK_EDGES, pairs=links, kinds=kinds, year=year) if links else []
    rows += store.read(cypher.PATH_PARTNER_EDGES, pairs=partners, year=year) if partners else []
    for r in rows:
        key = (r["from_id"], r["to_id"])
        if key not in edges or _edge_order(r["edge"]) < _edge_order(edges[key]):
            edges[key] = r["edge"]
    nodes: dict[str, Any] = {}
    for label in (Label.CITY, Label.ORGANISATION):
        wanted = sorted(i for i, c in is_city.items() if c == (label is Label.CITY))
        if wanted:
            nodes.update((r["node"]["id"], r["node"]) for r in store.read(cypher.NODES_BY_IDS[label], ids=wanted))
    if not all(e in nodes for e in ends):
        raise NotFound("city", next(e for e in ends if e not in nodes))  # removed since the projection was read
    out = []
    for ids, forward in found:
        path_edges: list[GEdge] = []
        for x, y, fw in zip(ids, ids[1:], forward, strict=False):
            a, b = (x, y) if fw else (y, x)
            raw = edges.get((a, b)) or edges.get((b, a))  # a partnership is read from its organisation
            path_edges.append(gedge(raw or {}))
        out.append(PathOut(length=len(ids) - 1, nodes=[gnode(nodes[i]) for i in ids], edges=path_edges))
    return out, nodes


def _edge_order(edge: dict[str, Any]) -> tuple[str, str, str, int, str]:
    """Which of two links between the same two nodes a path shows (the engines return rows in
    different orders): by kind, role, then source."""
    return (
        str(edge.get("kind") or ""),
        str(edge.get("role") or ""),
        str(edge.get("source") or ""),
        int(edge.get("source_row") or 0),
        str(edge.get("source_url") or ""),
    )
