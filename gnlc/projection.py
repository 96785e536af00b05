"""The partnership graph in memory, as compact arrays: a projection beside the engine.

Cities and organisations (in id order, the same on every engine), every city-to-city link
(once per pair of cities and kind, as :data:`cypher.PROJECTION_LINKS` reads it) and every
partnership of an organisation with a city, held as numpy arrays, with a CSR adjacency
(each node's incident edges, both ways). Analytics (igraph) and paths run on it; the
engine still answers every question about properties and sources.

One projection per store and process, built from plain lists of rows (the nodes in one read,
the edges on FalkorDB in pages of start nodes by the engine's integer node ids, so the rows
read are never all held at once) and rebuilt when the graph's change counter
(:meth:`GraphStore.change_token`, written by every load) moves: one cheap read per question.
100k cities: about 20 MiB of arrays, built in about 5 s on a quiet machine; the build's peak
adds about 150 MiB to the process (250 MiB when every edge row was held at once).
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import numpy as np

from gnlc import collector
from gnlc.graph import cypher
from gnlc.graph.model import Label

if TYPE_CHECKING:
    import igraph as ig

    from gnlc.graph.store import GraphStore

Scope = Literal["cities", "partnerships"]
LINK, PARTNER = 0, 1  # edge types
NO_SINCE, NO_UNTIL = np.iinfo(np.int32).min, np.iinfo(np.int32).max
_MASKS_KEPT = 32
T = TypeVar("T")


@dataclass(eq=False)
class Projection:
    """One snapshot of the graph's structure; read-only once built."""

    token: str | None
    ids: list[str]
    is_city: np.ndarray  # bool per node
    names: list[str | None]
    src: np.ndarray  # int32 per edge (a link: the smaller id first; a partnership: the organisation)
    dst: np.ndarray
    etype: np.ndarray  # int8: LINK or PARTNER
    kind: np.ndarray  # int16 code into kinds (link kind, or partnership role); -1: none
    kinds: list[str]
    since: np.ndarray  # int32, NO_SINCE when unknown
    until: np.ndarray  # int32, NO_UNTIL when unknown
    index: dict[str, int] = field(init=False)
    indptr: np.ndarray = field(init=False)  # CSR: node i's incident edges are eid[indptr[i]:indptr[i+1]]
    nbr: np.ndarray = field(init=False)  # ... leading to nbr[...]
    eid: np.ndarray = field(init=False)
    _graphs: dict[str, tuple[ig.Graph, np.ndarray]] = field(init=False, default_factory=dict)
    _masks: dict[tuple[object, ...], np.ndarray] = field(init=False, default_factory=dict)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _memos: dict[str, Any] = field(init=False, default_factory=dict)
    _memo_lock: threading.RLock = field(init=False, default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.index = {v: i for i, v in enumerate(self.ids)}
        n, m = len(self.ids), len(self.src)
        heads = np.concatenate([self.src, self.dst])
        tails = np.concatenate([self.dst, self.src])
        order = np.lexsort((tails, heads))
        self.nbr = tails[order].astype(np.int32)
        self.eid = np.concatenate([np.arange(m, dtype=np.int32)] * 2)[order]
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(heads, minlength=n), out=self.indptr[1:])

    @property
    def nodes(self) -> int:
        return len(self.ids)

    def nbytes(self) -> int:
        arrays = (
            self.is_city,
            self.src,
            self.dst,
            self.etype,
            self.kind,
            self.since,
            self.until,
            self.indptr,
            self.nbr,
            self.eid,
        )
        return sum(a.nbytes for a in arrays)

    def city_id(self, ref: str) -> str | None:
        """``ref`` when it is the id of a city of this graph version (no read), else None: then
        :func:`gnlc.names.city_id` resolves it as a name."""
        i = self.index.get(ref)
        return ref if i is not None and self.is_city[i] else None

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """What ``make`` gives, made once for this version of the graph (what changes only when
        a load changes the graph: the hub organisations, the cities' facts)."""
        with self._memo_lock:
            if key not in self._memos:
                self._memos[key] = make()
            return cast(T, self._memos[key])

    # -- whole-graph views for igraph ----------------------------------------------------------
    def graph(self, scope: Scope) -> tuple[ig.Graph, np.ndarray]:
        """The simple undirected graph of the scope (cities and links only, or also organisations
        and partnerships) and the projection index of each of its vertices (in id order)."""
        with self._lock:
            if scope not in self._graphs:
                self._graphs[scope] = self._build_graph(scope)
            return self._graphs[scope]

    def _build_graph(self, scope: Scope) -> tuple[ig.Graph, np.ndarray]:
        import igraph as ig

        keep = self.is_city if scope == "cities" else np.ones(self.nodes, dtype=bool)
        vertices = np.flatnonzero(keep)
        n = len(vertices)
        local = np.full(self.nodes, -1, dtype=np.int64)
        local[vertices] = np.arange(n)
        edges = self.etype == LINK if scope == "cities" else np.ones(len(self.src), dtype=bool)
        a, b = local[self.src[edges]], local[self.dst[edges]]
        del local
        # each pair once, as one integer (smaller * n + larger): the order of (smaller, larger), in a
        # fraction of the memory of np.unique(axis=0) over the pairs as rows
        key = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
        del a, b
        key = key[key // n != key % n]  # no loops
        pairs = np.stack([key // n, key % n], axis=1)
        del key
        g = ig.Graph(n=n)
        g.add_edges(pairs)  # from the array's buffer: Graph(edges=pairs) walked it row by row (+146 MiB, 2.5x slower)
        return g, vertices

    # -- per-step filters ------------------------------------------------------------------------
    def allowed(self, *, kinds: Sequence[str] | None, year: int | None, with_orgs: bool) -> np.ndarray:
        """Which edges a step may follow: links of those kinds (any when None) active in ``year``,
        and partnerships active in ``year`` when ``with_orgs``. Kept for the next question."""
        key = (tuple(kinds) if kinds is not None else None, year, with_orgs)
        with self._lock:
            mask = self._masks.get(key)
        if mask is not None:
            return mask
        link = self.etype == LINK
        if kinds is not None:
            codes = [self.kinds.index(k) for k in kinds if k in self.kinds]
            link &= np.isin(self.kind, codes)
        mask = link | (self.etype == PARTNER) if with_orgs else link
        if year is not None:
            mask &= (self.since <= year) & (self.until >= year)
        with self._lock:
            if len(self._masks) >= _MASKS_KEPT:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def adjacent(self, node_id: str, etype: int) -> list[str]:
        """Ids of the nodes one edge of that type away (LINK: the linked cities; PARTNER: a city's
        partner organisations, or an organisation's cities), each once, in id order."""
        i = self.index.get(node_id)
        if i is None:
            return []
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        near = self.nbr[lo:hi][self.etype[self.eid[lo:hi]] == etype]
        return [self.ids[j] for j in np.unique(near).tolist()]

    def step(self, frontier: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(from, to) node pairs one allowed edge away from the frontier nodes, in CSR order."""
        starts, ends = self.indptr[frontier], self.indptr[frontier + 1]
        counts = ends - starts
        total = int(counts.sum())
        if not total:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        pos = offsets + np.arange(total)
        keep = allowed[self.eid[pos]]
        return np.repeat(frontier, counts)[keep], self.nbr[pos][keep].astype(np.int64)


def build(store: GraphStore, token: str | None = None) -> Projection:
    """Read the projection from ``store``: one statement for the nodes, then the links and the
    partnerships (on FalkorDB in pages of start nodes, named by the engine's integer node ids, so
    that the rows read are never all held at once), as plain lists; sorted and coded with numpy."""
    with collector.paused():  # (millions of small objects: see gnlc.collector)
        nodes = sorted(store.read_lists(cypher.PROJECTION_NODES), key=lambda r: r[1])  # Python's order on any engine
        keys, ids, labels, names = (list(c) for c in zip(*nodes, strict=True)) if nodes else ([], [], [], [])
        del nodes
        code: dict[str, int] = {}  # kind -> code, in the order met; renumbered in sorted order below
        index = _Index(keys)
        a, b, kind, since, until = _read_edges(
            store, cypher.PROJECTION_LINKS, cypher.PROJECTION_LINKS_PAGE, index, code
        )
        links: _Columns = (np.minimum(a, b), np.maximum(a, b), kind, since, until)  # a link: the smaller id first
        partners = _read_edges(store, cypher.PROJECTION_PARTNERS, cypher.PROJECTION_PARTNERS_PAGE, index, code)
    kinds = sorted(code)
    renumber = np.array([kinds.index(k) for k in code] + [-1], dtype=np.int16)  # -1 (no kind) stays -1
    parts = [_sorted(src, dst, renumber[kind], since, until) for src, dst, kind, since, until in (links, partners)]
    return Projection(
        token=token,
        ids=ids,
        names=names,
        is_city=np.array([lbl == Label.CITY for lbl in labels], dtype=bool),
        src=np.concatenate([p[0] for p in parts]).astype(np.int32),
        dst=np.concatenate([p[1] for p in parts]).astype(np.int32),
        etype=np.concatenate(
            [np.full(len(p[0]), e, dtype=np.int8) for p, e in zip(parts, (LINK, PARTNER), strict=True)]
        ),
        kind=np.concatenate([p[2] for p in parts]).astype(np.int16),
        kinds=kinds,
        since=np.concatenate([p[3] for p in parts]),
        until=np.concatenate([p[4] for p in parts]),
    )


PAGE_NODES = 25_000  # start nodes per page of edges read (FalkorDB)


def _read_edges(
    store: GraphStore, whole: cypher.Variant, page: cypher.Query, index: _Index, code: dict[str, int]
) -> _Columns:
    """The edges of one statement as columns: on FalkorDB (integer node ids) page by page over the
    sorted node ids, [lo, hi) each, the last page reaching past the largest; elsewhere in one read."""
    if not index.ints:
        return _edges(store.read_lists(whole), index, code)
    ids = np.flatnonzero(index.lookup >= 0)  # the node ids, sorted
    bounds = ids[::PAGE_NODES].tolist()
    his = [*bounds[1:], len(index.lookup)]
    pieces = [_edges(store.read_lists(page, lo=lo, hi=hi), index, code) for lo, hi in zip(bounds, his, strict=True)]
    return cast(_Columns, tuple(np.concatenate([p[i] for p in pieces]) for i in range(5)))


_Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _edges(rows: list[list[object]], index: _Index, code: dict[str, int]) -> _Columns:
    """(source, target) as projection indexes (rows naming a node outside the projection
    dropped), the kinds as codes (``code`` gains the kinds not met before; -1: none), since and
    until as int32 with NO_SINCE / NO_UNTIL for none."""
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty.astype(np.int16), empty.astype(np.int32), empty.astype(np.int32)
    source, target, kind, since, until = zip(*rows, strict=True)
    del rows
    src, dst = index.of(source), index.of(target)
    keep = (src >= 0) & (dst >= 0)
    kinds = _codes(kind, code)
    return src[keep], dst[keep], kinds[keep], _years(since, NO_SINCE)[keep], _years(until, NO_UNTIL)[keep]


class _Index:
    """The projection index of each node key (-1: not a node of the projection), made once per build:
    an array over FalkorDB's integer ids, a dict over Neo4j's text ids."""

    def __init__(self, keys: list[object]) -> None:
        self.ints = bool(keys) and isinstance(keys[0], int)
        if self.ints:
            known = np.asarray(keys, dtype=np.int64)
            self.lookup = np.full(int(known.max()) + 1, -1, dtype=np.int64)
            self.lookup[known] = np.arange(len(keys))
        else:
            self.index = {k: i for i, k in enumerate(keys)}

    def of(self, refs: Sequence[object]) -> np.ndarray:
        if self.ints:
            at = np.asarray(refs, dtype=np.int64)
            inside = (at >= 0) & (at < len(self.lookup))
            return np.where(inside, self.lookup[np.where(inside, at, 0)], -1)
        return np.fromiter((self.index.get(r, -1) for r in refs), dtype=np.int64, count=len(refs))


def _years(values: Sequence[object], none: int) -> np.ndarray:
    years = np.array(values, dtype=float)  # None -> nan
    return np.where(np.isnan(years), none, years).astype(np.int32)


def _codes(kinds: Sequence[object], code: dict[str, int]) -> np.ndarray:
    for k in set(kinds) - code.keys() - {None}:
        code[cast(str, k)] = len(code)
    return np.fromiter((-1 if k is None else code[cast(str, k)] for k in kinds), dtype=np.int16, count=len(kinds))


def _sorted(
    src: np.ndarray, dst: np.ndarray, kind: np.ndarray, since: np.ndarray, until: np.ndarray
) -> tuple[np.ndarray, ...]:
    """The edges in the order of (source id, target id, kind, since, until), unknown kind last."""
    kind_order = np.where(kind < 0, np.iinfo(np.int16).max, kind)
    order = np.lexsort((until, since, kind_order, dst, src))
    return src[order], dst[order], kind[order], since[order], until[order]


_CACHE: weakref.WeakKeyDictionary[GraphStore, Projection] = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()


def projection(store: GraphStore, *, refresh: bool = False) -> Projection:
    """This process's projection of ``store``, rebuilt when a load changed the graph."""
    token = store.change_token()
    held = _CACHE.get(store)
    if held is not None and held.token == token and not refresh:
        return held
    with _BUILDING:
        held = _CACHE.get(store)
        if held is None or held.token != token or refresh:
            held = build(store, token)
            _CACHE[store] = held
            _give_back()
    return held


def _give_back() -> None:
    """Hand the heap a build freed back to the system: glibc's malloc keeps it otherwise (about
    50 MiB of resident memory at 100k cities). Nothing where there is no ``malloc_trim``."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
