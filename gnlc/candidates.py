"""A recommendation's candidates and their features, all at once, with numpy over the projection.

:func:`gnlc.peers.feature_values` defines each feature for one candidate (``bench/recommend_eval.py``
measures it); this module computes the same values for every candidate of a city in one pass over
the arrays of :class:`gnlc.facts.CityArrays`: the cities and organisations two steps away and their
Adamic-Adar sums, the paths through linked cities three steps away (the L3 score), shared clusters,
country affinity, size, region, awards and nearness. The recommender explains only the candidates
it shows. ``tests/test_recommend_vectorised.py`` checks that the ranking is the one the
per-candidate computation gives.

Nodes are projection indexes, whose order is the order of their ids: sorting by index is sorting by id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from gnlc.facts import CityArrays
from gnlc.peers import EARTH_KM, FEATURES, NEAR_KM, NEAR_MAX_KM, THREE_STEP_POOL, CityFacts, NetworkContext

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass
class Neighbourhood:
    """What one city is joined to, as projection indexes.

    ``via_z``/``via_x``: each linked city or partner organisation ``z`` (hubs left out) and a node
    ``x`` it is joined to (for an organisation, other than the city), sorted by ``x`` then ``z``;
    ``path_*``: each path ``me - a - b - x`` through linked cities (``b`` not the city, ``x``
    neither the city nor ``a``) and its weight 1 / sqrt(degree a x degree b), when asked for."""

    me: int
    linked: np.ndarray
    orgs: np.ndarray
    hubs: np.ndarray  # partner organisations left out as hubs
    via_z: np.ndarray
    via_x: np.ndarray
    via_w: np.ndarray  # 1 / ln(max(degree z, 2)): z's share of the Adamic-Adar sum
    path_a: np.ndarray = field(default_factory=lambda: _EMPTY)
    path_b: np.ndarray = field(default_factory=lambda: _EMPTY)
    path_x: np.ndarray = field(default_factory=lambda: _EMPTY)
    path_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _l3: tuple[np.ndarray, np.ndarray] | None = None

    def three_step_scores(self, nodes: int) -> tuple[np.ndarray, np.ndarray]:
        """Each node's L3 score (the sum of its paths' weights) and whether any path reaches it."""
        if self._l3 is None:
            x = self.path_x
            self._l3 = np.bincount(x, weights=self.path_w, minlength=nodes), np.bincount(x, minlength=nodes) > 0
        return self._l3

    def commons(self, x: int) -> np.ndarray:
        """The linked cities and organisations joining the city to ``x``, in id order."""
        lo, hi = np.searchsorted(self.via_x, [x, x + 1])
        return self.via_z[lo:hi]

    def paths(self, xs: np.ndarray) -> dict[int, list[tuple[int, int, float]]]:
        """Candidate -> its three-step paths (a, b, weight), the heaviest first, then by ids."""
        keep = np.flatnonzero(np.isin(self.path_x, xs))
        a, b, x, w = self.path_a[keep], self.path_b[keep], self.path_x[keep], self.path_w[keep]
        order = np.lexsort((b, a, -w, x))
        out: dict[int, list[tuple[int, int, float]]] = {}
        for xi, ai, bi, wi in zip(
            x[order].tolist(), a[order].tolist(), b[order].tolist(), w[order].tolist(), strict=True
        ):
            out.setdefault(xi, []).append((ai, bi, wi))
        return out


def gather(indptr: np.ndarray, nbr: np.ndarray, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``frontier``, neighbour) for each neighbour of each frontier node, in CSR order."""
    starts = indptr[frontier]
    counts = indptr[frontier + 1] - starts
    owner = np.repeat(np.arange(len(frontier)), counts)
    first = np.cumsum(counts) - counts
    pos = starts[owner] + np.arange(len(owner)) - first[owner]
    return owner, nbr[pos].astype(np.int64)


def neighbourhood(arrays: CityArrays, me: int, hub: np.ndarray | None, *, paths: bool) -> Neighbourhood:
    """The city's neighbourhood (``hub``: which nodes are hubs; None: none left out)."""
    linked = arrays.linked(me)
    partners = arrays.partnered(me)
    is_hub = hub[partners] if hub is not None else np.zeros(len(partners), dtype=bool)
    orgs, hubs = partners[~is_hub], partners[is_hub]
    pos_l, x_l = gather(*arrays.links, linked)
    pos_o, x_o = gather(*arrays.partners, orgs)
    other = x_o != me
    z = np.concatenate([linked[pos_l], orgs[pos_o][other]])
    x = np.concatenate([x_l, x_o[other]])
    w = _inverse_log(arrays.degree[np.concatenate([linked, orgs])])
    zw = np.concatenate([w[: len(linked)][pos_l], w[len(linked) :][pos_o][other]])
    order = np.lexsort((z, x))
    out = Neighbourhood(me, linked, orgs, hubs, z[order], x[order], zw[order])
    if paths:
        out.path_a, out.path_b, out.path_x, out.path_w = _three_steps(arrays, me, linked)
    return out


def _inverse_log(degrees: np.ndarray) -> np.ndarray:
    """1 / ln(max(d, 2)) for each degree, as :func:`gnlc.peers.adamic_adar` computes it."""
    return np.array([1 / math.log(max(d, 2)) for d in degrees.tolist()], dtype=float)


def _three_steps(arrays: CityArrays, me: int, linked: np.ndarray) -> tuple[np.ndarray, ...]:
    pos, b = gather(*arrays.links, linked)
    a = linked[pos]
    keep = b != me
    a, b = a[keep], b[keep]
    step, x = gather(*arrays.links, b)
    keep = (x != me) & (x != a[step])
    step, x = step[keep], x[keep]
    deg = np.maximum(arrays.degree, 1)
    w = 1.0 / np.sqrt(deg[a] * deg[b])
    return a[step], b[step], x, w[step]


def adamic_adar(nb: Neighbourhood, nodes: int) -> np.ndarray:
    """Each node's Adamic-Adar sum over the linked cities and organisations joining it to the city
    (summed in the order of their ids, as the per-candidate sum is)."""
    return np.bincount(nb.via_x, weights=nb.via_w, minlength=nodes)


def top_three_steps(scores: np.ndarray, reached: np.ndarray, k: int = THREE_STEP_POOL) -> np.ndarray:
    """The ``k`` nodes with the largest L3 score (ties: by id), like :func:`gnlc.peers.top_three_steps`."""
    xs = np.flatnonzero(reached)
    return xs[np.lexsort((xs, -scores[xs]))][:k]


# -- the features of every candidate -------------------------------------------------------------------------
def feature_values(
    arrays: CityArrays,
    ctx: NetworkContext,
    nb: Neighbourhood,
    me: CityFacts,
    cands: np.ndarray,
    weights: Mapping[str, float],
) -> dict[str, np.ndarray]:
    """Each weighted feature's value for every candidate (features of weight 0 are left out: they
    add nothing to a score and are no reason)."""
    nodes = len(arrays.degree)
    out: dict[str, np.ndarray] = {}
    for feature in FEATURES:  # in their order: the score sums them in it
        if weights.get(feature):
            out[feature] = _VALUES[feature](arrays, ctx, nb, me, cands, nodes)
    return out


def _common_neighbours(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    return adamic_adar(nb, nodes)[cands]


def _country_affinity(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    shares = np.zeros(len(arrays.countries) + 1)  # the last: no country (code -1)
    code = arrays.country_code
    for b, share in ctx.affinities(me.country).items():
        if b in code:
            shares[code[b]] = share
    return shares[arrays.country[cands]]


def _active_partner(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    degrees, inverse = np.unique(arrays.degree[cands], return_inverse=True)
    return np.array([math.log1p(d) for d in degrees.tolist()], dtype=float)[inverse]


def _shared_clusters(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    members = [arrays.clusters[k] for k in me.clusters if k in arrays.clusters]
    if not members:
        return np.zeros(len(cands))
    return np.bincount(np.concatenate(members), minlength=nodes)[cands].astype(float)


def _similar_size(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    mine = float(me.population) if me.population and me.population > 0 else 0.0
    theirs = arrays.population[cands]
    known = (theirs > 0) & (mine > 0)
    out = np.zeros(len(cands))
    out[known] = np.maximum(0.0, 1.0 - np.abs(np.log10(mine / theirs[known])) / 2.0)
    return out


def _same_region(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    mine = arrays.region[nb.me]
    return ((arrays.region[cands] == mine) & (mine >= 0)).astype(float)


def _other_region(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    mine, theirs = arrays.region[nb.me], arrays.region[cands]
    return ((theirs != mine) & (theirs >= 0) & (mine >= 0)).astype(float)


def _mentor(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    return arrays.awarded[cands].astype(float)


def _three_steps_value(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    return nb.three_step_scores(nodes)[0][cands]


def _nearby(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    here = me.place
    if here is None:
        return np.zeros(len(cands))
    return nearness(haversine_km(here[0], here[1], arrays.latitude[cands], arrays.longitude[cands]))


def _near_partners(
    arrays: CityArrays, ctx: NetworkContext, nb: Neighbourhood, me: CityFacts, cands: np.ndarray, nodes: int
) -> np.ndarray:
    placed = nb.linked[~np.isnan(arrays.latitude[nb.linked])]
    best = np.full(len(cands), np.inf)
    for p in placed.tolist():  # one pass per partner city: candidates x partners without the matrix
        km = haversine_km(
            float(arrays.latitude[p]), float(arrays.longitude[p]), arrays.latitude[cands], arrays.longitude[cands]
        )
        np.fmin(best, km, out=best)
    return nearness(np.where(np.isinf(best), np.nan, best))


_VALUES = {
    "common_neighbours": _common_neighbours,
    "country_affinity": _country_affinity,
    "active_partner": _active_partner,
    "shared_clusters": _shared_clusters,
    "similar_size": _similar_size,
    "same_region": _same_region,
    "other_region": _other_region,
    "mentor": _mentor,
    "three_steps": _three_steps_value,
    "nearby": _nearby,
    "near_partners": _near_partners,
}


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle km from (lat, lon) to each place, as :func:`gnlc.peers.haversine_km` (nan: no place)."""
    la1, lo1 = math.radians(lat), math.radians(lon)
    la2, lo2 = np.radians(lats), np.radians(lons)
    h = np.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def nearness(km: np.ndarray) -> np.ndarray:
    """As :func:`gnlc.peers.nearness`: 0 beyond NEAR_MAX_KM or without a distance (nan)."""
    with np.errstate(invalid="ignore"):
        near = km <= NEAR_MAX_KM
    out = np.zeros(len(km))
    out[near] = 1.0 / (1.0 + km[near] / NEAR_KM)
    return out


def weighted_scores(values: Mapping[str, np.ndarray], weights: Mapping[str, float], count: int) -> np.ndarray:
    """Each candidate's score, rounded to 4 places: the weighted values summed in the features' order
    (the order :func:`gnlc.peers.score` sums them in)."""
    total = np.zeros(count)
    for feature, v in values.items():
        total = total + v * weights[feature]
    return round4(total)


def round4(x: np.ndarray) -> np.ndarray:
    """``round(v, 4)`` of each value, as Python rounds (its correctly rounded result, where numpy's
    scaled rounding can differ near a half)."""
    y = x * 10_000.0
    out = np.rint(y) / 10_000.0
    close = np.flatnonzero(np.abs(y - np.floor(y) - 0.5) < 1e-6)
    if len(close):
        out[close] = [round(v, 4) for v in x[close].tolist()]
    return out
