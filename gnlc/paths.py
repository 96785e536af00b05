"""Shortest paths between two cities, every step filtered.

A breadth-first search from both ends on the in-memory projection (:mod:`gnlc.projection`),
one level at a time, the side with the smaller frontier first; the kind and year filters
hold on every step and hub organisations (see :mod:`gnlc.hubs`) are never walked through
unless asked. When link kinds are given, the path holds city-to-city links of those kinds
only: partnerships with organisations have no link kind, so organisations are not steps of
such a path. The first ``limit`` paths of the shortest length (in the order of their node
ids) are then read from the engine with their facts, in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from gnlc.errors import InputError, NotFound
from gnlc.graph import cypher
from gnlc.graph.cypher import MAX_PATH_HOPS
from gnlc.hubs import hub_mask
from gnlc.names import bounded, check_kinds, check_year, gedge, gnode, summary_of
from gnlc.projection import Projection, projection
from gnlc.schemas import GEdge, PathOut, PathResult

if TYPE_CHECKING:
    from gnlc.explore import Explorer

MAX_VISITED = 200_000  # nodes one search may reach before it stops and says so


@dataclass
class _Side:
    """One end of the search: distance of each reached node (-1: not reached), the steps that
    reached each level (from, to; the nodes one step closer to the start that reached a node
    are its predecessors), the frontier."""

    start: int
    dist: np.ndarray
    levels: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # index d-1: the steps to depth d
    depth: int = 0
    reached: int = 1
    frontier: np.ndarray = field(init=False)
    reached_now: np.ndarray = field(init=False)  # the nodes the last step reached
    _by_to: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _preds: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.dist[self.start] = 0
        self.frontier = np.array([self.start], dtype=np.int64)

    def predecessors(self, node: int) -> list[int]:
        """The nodes one step closer to the start that reached ``node``, each once."""
        if node in self._preds:
            return self._preds[node]
        d = int(self.dist[node])
        if d <= 0:
            return []
        if d not in self._by_to:  # sorted by destination on first need: only paths' nodes are asked
            frm, to = self.levels[d - 1]
            order = np.argsort(to, kind="stable")
            self._by_to[d] = (frm[order], to[order])
        frm, to = self._by_to[d]
        lo, hi = np.searchsorted(to, [node, node + 1]).tolist()
        self._preds[node] = found = list(set(frm[lo:hi].tolist()))
        return found


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
    hubs = None if include_hubs else hub_mask(proj, ex.hubs(proj))
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
    def __init__(self, proj: Projection, allowed: np.ndarray, hubs: np.ndarray | None) -> None:
        """``hubs``: which nodes no path may go through (see :func:`gnlc.hubs.hub_mask`), or None."""
        self.proj, self.allowed = proj, allowed
        self.hub_mask = hubs if hubs is not None else np.zeros(proj.nodes, dtype=bool)
        self.hubs_seen: set[str] = set()
        self.stopped = False

    def run(self, a: str, b: str, max_hops: int, limit: int) -> list[tuple[list[str], list[bool]]]:
        """Up to ``limit`` shortest paths as (node ids from a to b, whether the forward side
        found each step), in the order of their node ids."""
        if a not in self.proj.index or b not in self.proj.index:
            return []
        n = self.proj.nodes
        fwd = _Side(self.proj.index[a], np.full(n, -1, dtype=np.int8))  # distances up to MAX_PATH_HOPS
        bwd = _Side(self.proj.index[b], np.full(n, -1, dtype=np.int8))
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
        side.levels.append((frm, to))
        side.frontier = side.reached_now = np.unique(to)
        side.depth, side.reached = depth, side.reached + len(side.frontier)
        if side.reached > MAX_VISITED:
            self.stopped, side.frontier = True, np.zeros(0, dtype=np.int64)

    def _paths(self, fwd: _Side, bwd: _Side, middle: list[int], limit: int) -> list[tuple[list[str], list[bool]]]:
        """The first ``limit`` shortest paths in the order of their node ids, walked from the
        source in that order: through the nodes that lead to a meeting node, then from the
        meeting node to the target. Only the paths returned are walked."""
        ids = self.proj.ids
        depth = int(fwd.dist[middle[0]])  # every meeting node is this far from the source
        on = np.zeros(self.proj.nodes, dtype=bool)  # the nodes that lead to a meeting node
        on[middle] = True
        for d in range(depth, 0, -1):
            frm, to = fwd.levels[d - 1]
            on[frm[on[to]]] = True
        nexts: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def after(node: int, d: int) -> list[int]:  # the next nodes toward a meeting node, in id order
            if d not in nexts:
                frm, to = fwd.levels[d]
                keep = on[to]
                order = np.argsort(frm[keep], kind="stable")
                nexts[d] = (frm[keep][order], to[keep][order])
            frm, to = nexts[d]
            lo, hi = np.searchsorted(frm, [node, node + 1]).tolist()
            return sorted(set(to[lo:hi].tolist()), key=ids.__getitem__)

        def tails(node: int) -> Iterator[list[int]]:  # from a meeting node to the target
            if node == bwd.start:
                yield [node]
                return
            for nxt in sorted(bwd.predecessors(node), key=ids.__getitem__):
                for rest in tails(nxt):
                    yield [node, *rest]

        def walks(node: int, d: int) -> Iterator[list[int]]:
            if d == depth:
                yield from tails(node)
                return
            for nxt in after(node, d):
                for rest in walks(nxt, d + 1):
                    yield [node, *rest]

        out = list(islice((n for n in walks(fwd.start, 0) if len(set(n)) == len(n)), limit))
        return [
            ([ids[i] for i in nodes], [x in fwd.predecessors(y) for x, y in zip(nodes, nodes[1:], strict=False)])
            for nodes in out
        ]


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
    rows = store.read(
        cypher.PATH_FACTS,
        links=links,
        partners=partners,
        kinds=kinds,
        year=year,
        cities=sorted(i for i, c in is_city.items() if c),
        orgs=sorted(i for i, c in is_city.items() if not c),
    )
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    nodes: dict[str, Any] = {}
    for r in rows:
        if r["node"] is not None:
            nodes[r["node"]["id"]] = r["node"]
            continue
        key = (r["from_id"], r["to_id"])
        if key not in edges or _edge_order(r["edge"]) < _edge_order(edges[key]):
            edges[key] = r["edge"]
    if not all(e in nodes for e in ends):
        raise NotFound("city", next(e for e in ends if e not in nodes))  # removed since the projection was read
    # each node and step made once: ten paths of six steps share most of them
    made_nodes = {i: gnode(n) for i, n in nodes.items()}
    made_edges: dict[tuple[str, str], GEdge] = {}
    out = []
    for ids, forward in found:
        path_edges: list[GEdge] = []
        for x, y, fw in zip(ids, ids[1:], forward, strict=False):
            a, b = (x, y) if fw else (y, x)
            if (a, b) not in made_edges:
                raw = edges.get((a, b)) or edges.get((b, a))  # a partnership is read from its organisation
                made_edges[a, b] = gedge(raw or {})
            path_edges.append(made_edges[a, b])
        out.append(PathOut(length=len(ids) - 1, nodes=[made_nodes[i] for i in ids], edges=path_edges))
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
