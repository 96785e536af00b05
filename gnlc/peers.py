"""How a peer candidate is scored: its features, their weights, the score.

Pure functions over plain values: one candidate at a time here (``bench/recommend_eval.py``
scores with them, its facts read with links hidden), every candidate at once in
:mod:`gnlc.candidates` (the recommender); ``tests/test_recommend_vectorised.py`` checks that
both rank alike, so the evaluation measures the code that answers users.

Features of a candidate ``x`` for a city ``c`` (each value times its weight in
:class:`gnlc.schemas.Weights`, summed):

- ``common_neighbours``: Adamic-Adar sum over the cities linked to both and the partner
  organisations of both (hubs excepted, see :mod:`gnlc.hubs`): 1/ln(degree) each, so a
  twin of few cities counts more than one of many;
- ``country_affinity``: the share of the city-to-city links of ``c``'s country that go to
  ``x``'s country (0-1): how much the two countries already twin;
- ``active_partner``: ln(1 + number of cities ``x`` is linked to): cities that already hold
  many partnerships take new ones more readily;
- ``shared_clusters``: number of GNLC thematic clusters both are in;
- ``similar_size``: 1 - |log10(population ratio)| / 2, floored at 0, when both are known;
- ``same_region`` / ``other_region``: 1 when the UNESCO regions are equal / differ;
- ``mentor``: 1 when ``x`` won the UNESCO Learning City Award;
- ``three_steps``: the twins of twins of ``c``'s twins: the sum over the paths
  ``c - a - b - x`` through linked cities of 1 / sqrt(degree a x degree b) (the L3
  score of link prediction, a twin of a twin of a twin counting more when they are
  linked to few);
- ``nearby``: 1 / (1 + d / NEAR_KM) for the great-circle distance d between the two
  cities up to NEAR_MAX_KM (0 beyond, or when either has no coordinates): twinning is
  often between near places, and being 15,000 km apart is no reason;
- ``near_partners``: the same nearness from ``x`` to the nearest of ``c``'s linked
  cities: a place beside one of its twins (0 when unknown).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Feature = Literal[
    "common_neighbours",
    "country_affinity",
    "active_partner",
    "shared_clusters",
    "similar_size",
    "same_region",
    "other_region",
    "mentor",
    "three_steps",
    "nearby",
    "near_partners",
]
FEATURES: tuple[Feature, ...] = get_args(Feature)
AFFINE_COUNTRIES = 8  # the countries a city's country twins most with ...
PER_COUNTRY = 40  # ... and their most active cities join the candidates
THREE_STEP_POOL = 300  # the candidates with the largest three-step score join the pool
NEAR_KM = 100.0  # the distance at which nearness is one half
NEAR_MAX_KM = 1500.0  # beyond this, nearness is 0 (it would be below 0.07)
NEAR_POOL = 30  # the cities nearest to the city join the candidates ...
NEAR_PARTNER_POOL = 10  # ... and those nearest to each of its linked cities
EARTH_KM = 6371.0


@dataclass
class CityFacts:
    """What scoring needs to know of one city."""

    id: str
    country: str | None = None
    region: str | None = None
    status: str | None = None
    population: int | None = None
    clusters: dict[str, str] = field(default_factory=dict)  # id -> name
    awards: list[str] = field(default_factory=list)  # "Award name year"
    latitude: float | None = None
    longitude: float | None = None

    @property
    def place(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (float(self.latitude), float(self.longitude))


@dataclass
class NetworkContext:
    """What the whole network says about twinning: each city's number of linked cities and
    how many linked pairs join each two countries."""

    degree: dict[str, int]
    country: dict[str, str | None]
    status: dict[str, str | None]
    pairs: dict[tuple[str, str], int]  # (country of one end, country of the other) -> linked pairs
    at: float = 0.0
    coords: dict[str, tuple[float, float]] | None = None  # city id -> (latitude, longitude); None: not read
    _grid: Any = None
    _ends: dict[str, int] = field(default_factory=dict)
    _by_country: dict[str, list[str]] = field(default_factory=dict)
    _members_by_country: dict[str, list[str]] = field(default_factory=dict)
    _twinned: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ends: dict[str, int] = defaultdict(int)
        for (a, _b), n in self.pairs.items():
            ends[a] += n
        self._ends = dict(ends)
        by_country: dict[str, list[str]] = defaultdict(list)
        for cid, d in self.degree.items():
            code = self.country.get(cid)
            if code and d > 0:
                by_country[code].append(cid)
        self._by_country = {k: sorted(v, key=lambda x: (-self.degree[x], x)) for k, v in by_country.items()}
        self._members_by_country = {
            k: [x for x in v if self.status.get(x) == "member"] for k, v in self._by_country.items()
        }
        twinned: dict[str, list[tuple[int, str]]] = defaultdict(list)  # country -> (pairs, other country)
        for (a, b), n in self.pairs.items():
            twinned[a].append((n, b))
        self._twinned = {a: sorted(v, reverse=True) for a, v in twinned.items()}

    @classmethod
    def from_links(
        cls, cities: Mapping[str, tuple[str | None, str | None]], links: Iterable[tuple[str, str]], at: float = 0.0
    ) -> NetworkContext:
        """From city id -> (country, status) and undirected linked pairs (each once)."""
        seen = {tuple(sorted(p)) for p in links if p[0] != p[1]}
        degree: dict[str, int] = dict.fromkeys(cities, 0)
        pairs: dict[tuple[str, str], int] = defaultdict(int)
        for a, b in seen:
            degree[a] = degree.get(a, 0) + 1
            degree[b] = degree.get(b, 0) + 1
            ca, cb = cities.get(a, (None, None))[0], cities.get(b, (None, None))[0]
            if ca and cb:
                pairs[(ca, cb)] += 1
                pairs[(cb, ca)] += 1
        return cls(
            degree=degree,
            country={k: v[0] for k, v in cities.items()},
            status={k: v[1] for k, v in cities.items()},
            pairs=dict(pairs),
            at=at,
        )

    def near(self, place: tuple[float, float] | None, k: int) -> list[str]:
        """The ``k`` cities (with coordinates) nearest to ``place``, nearest first (ties: by id):
        a k-d tree of the places on the unit sphere finds a few more than ``k`` by chord, which
        orders them as the great-circle distance does; their haversine decides."""
        if place is None or not self.coords or k <= 0:
            return []
        if self._grid is None:
            self._grid = _Places(self.coords)
        return self._grid.near(place, min(k, len(self.coords)))

    def affinity(self, a: str | None, b: str | None) -> float:
        if not a or not b or not self._ends.get(a):
            return 0.0
        return self.pairs.get((a, b), 0) / self._ends[a]

    def affinities(self, a: str | None) -> dict[str, float]:
        """Country -> :meth:`affinity` of ``a`` with it, for every country ``a``'s cities link with."""
        if not a or not self._ends.get(a):
            return {}
        return {b: n / self._ends[a] for n, b in self._twinned.get(a, [])}

    def affinity_text(self, a: str, b: str) -> str:
        return f"{self.pairs.get((a, b), 0):,} of the {self._ends.get(a, 0):,} city links of {a} are with {b}"

    def context_pool(
        self,
        country: str | None,
        *,
        members_only: bool,
        countries: int = AFFINE_COUNTRIES,
        per_country: int = PER_COUNTRY,
    ) -> list[str]:
        """The most active cities of the countries ``country`` twins most with."""
        if not country:
            return []
        out: list[str] = []
        for _n, b in self._twinned.get(country, [])[:countries]:
            cities = (self._members_by_country if members_only else self._by_country).get(b, [])
            out += cities[:per_country]
        return out


class _Places:
    """The cities' places for nearest-neighbour questions (ids in order, radians, a k-d tree)."""

    SPARE = 8  # neighbours asked beyond k, so ties and rounding at the k-th are decided exactly

    def __init__(self, coords: Mapping[str, tuple[float, float]]) -> None:
        import numpy as np
        from scipy.spatial import cKDTree  # type: ignore[import-untyped]

        self.ids = sorted(coords)
        self.rad = np.radians(np.array([coords[i] for i in self.ids], dtype=float))
        self.tree = cKDTree(_unit(self.rad[:, 0], self.rad[:, 1]))

    def near(self, place: tuple[float, float], k: int) -> list[str]:
        import numpy as np

        la, lo = math.radians(place[0]), math.radians(place[1])
        n = len(self.ids)
        ask = min(n, k + self.SPARE)
        dist, idx = self.tree.query(_unit(np.array([la]), np.array([lo]))[0], k=ask)
        dist, idx = np.atleast_1d(dist), np.atleast_1d(idx)
        if ask < n and dist[-1] - dist[k - 1] < 1e-9:  # a crowd at the k-th distance: look at every place
            idx = np.arange(n)
        arr = self.rad[idx]
        h = np.sin((arr[:, 0] - la) / 2) ** 2 + np.cos(la) * np.cos(arr[:, 0]) * np.sin((arr[:, 1] - lo) / 2) ** 2
        best = idx[np.lexsort((idx, h))][:k]
        return [self.ids[i] for i in best.tolist()]


def _unit(lat: Any, lon: Any) -> Any:
    """Points on the unit sphere (x, y, z) of latitudes and longitudes in radians."""
    import numpy as np

    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def nearness(km: float | None) -> float:
    return 0.0 if km is None or km > NEAR_MAX_KM else 1.0 / (1.0 + km / NEAR_KM)


def nearest_partner(
    x: tuple[float, float] | None, partners: Mapping[str, tuple[float, float]]
) -> tuple[str, float] | None:
    """The linked city nearest to ``x`` and its distance in km (None when unknown)."""
    if x is None or not partners:
        return None
    return min(((p, haversine_km(x, at)) for p, at in partners.items()), key=lambda t: (t[1], t[0]))


def near_pool(
    ctx: NetworkContext,
    place: tuple[float, float] | None,
    partners_at: Iterable[tuple[float, float]],
    near: int = NEAR_POOL,
    per_partner: int = NEAR_PARTNER_POOL,
) -> set[str]:
    """Candidates by place: the cities nearest to the city and to each of its linked cities."""
    out = set(ctx.near(place, near))
    for at in partners_at:
        out |= set(ctx.near(at, per_partner))
    return out


def three_steps(
    me: str, linked: Iterable[str], neighbours: Mapping[str, Iterable[str]], degree: Mapping[str, int]
) -> dict[str, dict[tuple[str, str], float]]:
    """Candidate -> {(a, b): weight} over the paths ``me - a - b - candidate`` through
    linked cities (``neighbours``: the linked cities of each ``a`` and each ``b``)."""
    out: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for a in linked:
        for b in neighbours.get(a, ()):
            if b == me:
                continue
            w = 1.0 / math.sqrt(max(degree.get(a, 1), 1) * max(degree.get(b, 1), 1))
            for x in neighbours.get(b, ()):
                if x not in (me, a):
                    out[x][(a, b)] = w
    return out


def top_three_steps(paths: Mapping[str, Mapping[tuple[str, str], float]], k: int = THREE_STEP_POOL) -> list[str]:
    return sorted(paths, key=lambda x: (-sum(paths[x].values()), x))[:k]


def adamic_adar(degrees: Iterable[int]) -> float:
    return sum(1 / math.log(max(d, 2)) for d in degrees)


def size_similarity(a: int | None, b: int | None) -> float | None:
    if not a or not b or a <= 0 or b <= 0:
        return None
    return max(0.0, 1.0 - abs(math.log10(a / b)) / 2.0)


def feature_values(
    me: CityFacts,
    x: CityFacts,
    common_degrees: Iterable[int],
    ctx: NetworkContext,
    partners_at: Mapping[str, tuple[float, float]] | None = None,
    three_step: float = 0.0,
) -> dict[str, float]:
    """Each feature's value for candidate ``x`` of city ``me`` (0 when it does not apply);
    ``partners_at``: the coordinates of ``me``'s linked cities; ``three_step``: the sum of
    :func:`three_steps` for ``x``."""
    same = bool(me.region and x.region and me.region == x.region)
    here, there = me.place, x.place
    np_ = nearest_partner(there, partners_at or {})
    return {
        "common_neighbours": adamic_adar(common_degrees),
        "country_affinity": ctx.affinity(me.country, x.country),
        "active_partner": math.log1p(ctx.degree.get(x.id, 0)),
        "shared_clusters": float(len(set(me.clusters) & set(x.clusters))),
        "similar_size": size_similarity(me.population, x.population) or 0.0,
        "same_region": 1.0 if same else 0.0,
        "other_region": 1.0 if me.region and x.region and not same else 0.0,
        "mentor": 1.0 if x.awards else 0.0,
        "three_steps": three_step,
        "nearby": nearness(haversine_km(here, there)) if here and there else 0.0,
        "near_partners": nearness(np_[1]) if np_ else 0.0,
    }


def score(values: Mapping[str, float], weights: Any) -> float:
    """The weighted sum (``weights``: a :class:`gnlc.schemas.Weights` or a mapping)."""
    w = weights if isinstance(weights, Mapping) else weights.model_dump()
    return sum(values.get(f, 0.0) * w.get(f, 0.0) for f in FEATURES)
