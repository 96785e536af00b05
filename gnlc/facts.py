"""Every city's facts for scoring recommendations, held in memory per graph version.

Name, country, region, population, status and year joined of each city, its thematic
clusters and its awards: three whole-graph reads (``cypher.ALL_CITY_FACTS``,
``ALL_CITY_CLUSTERS``, ``ALL_CITY_AWARDS``) made once per version of the graph and kept on
its projection (:meth:`gnlc.projection.Projection.memo`), so a recommendation looks its
candidates up instead of reading them (at 100k cities, 300-1,000 candidates cost three
statements of about 100 ms each). The rows have the shape of ``cypher.CANDIDATE_FACTS``'s,
without the partner organisations (the projection knows them).

:func:`city_facts` makes one city's :class:`~gnlc.peers.CityFacts` of such a row (the recommender
and ``bench/recommend_eval.py`` both use it); :func:`city_arrays` holds every node's facts as
numpy arrays over the projection, so the recommender scores all its candidates at once.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from gnlc.graph import cypher
from gnlc.peers import CityFacts, NetworkContext
from gnlc.projection import LINK, PARTNER, Projection

if TYPE_CHECKING:
    from gnlc.graph.store import GraphStore

_FIELDS = ("name", "country", "region", "population", "status", "year_joined")


@dataclass(frozen=True)
class CityTable:
    """id -> (name, country, region, population, status, year_joined), clusters and awards."""

    cities: dict[str, tuple[Any, ...]]
    clusters: dict[str, list[dict[str, Any]]]
    awards: dict[str, list[dict[str, Any]]]

    def rows(self, ids: list[str]) -> list[dict[str, Any]]:
        """The facts of the given cities (unknown ids left out), as ``CANDIDATE_FACTS`` gives them."""
        out = []
        for cid in ids:
            values = self.cities.get(cid)
            if values is None:
                continue
            row: dict[str, Any] = {"id": cid, **dict(zip(_FIELDS, values, strict=True))}
            row["clusters"] = self.clusters.get(cid, [])
            row["awards"] = self.awards.get(cid, [])
            out.append(row)
        return out


def city_facts(row: Mapping[str, Any], place: tuple[float, float] | None = None) -> CityFacts:
    """One city's facts for scoring, from a row shaped like ``cypher.CANDIDATE_FACTS``'s (a
    :meth:`CityTable.rows` row is one) and its (latitude, longitude) when known; its awards
    in the order of their years."""
    return CityFacts(
        id=row["id"],
        country=row["country"],
        region=row["region"],
        status=row["status"],
        population=row["population"],
        clusters={c["id"]: c["name"] for c in row["clusters"]},
        awards=[f"{a['name']} {a['year']}" for a in sorted(row["awards"], key=lambda a: a["year"] or 0)],
        latitude=place[0] if place else None,
        longitude=place[1] if place else None,
    )


def city_table(store: GraphStore, proj: Projection) -> CityTable:
    """The table of the graph version ``proj`` was built from (read on first need)."""
    return proj.memo("city_table", lambda: read_city_table(store, proj.ids))


def read_city_table(store: GraphStore, ids: Sequence[str] = ()) -> CityTable:
    """The table as read; each id held as the string of ``ids`` (the projection's) when it is one of them,
    and each country, region, status, cluster and award once: the reply holds a string per cell
    (about 10 MiB more resident at 100k cities, kept as long as the graph version)."""
    once: dict[str, str] = {i: i for i in ids}

    def held(value: Any) -> Any:
        return once.setdefault(value, value) if type(value) is str else value  # a str only: 1 == 1.0 == True

    cities = {
        held(r[0]): (r[1], held(r[2]), held(r[3]), _integer(r[4]), held(r[5]), _integer(r[6]))
        for r in store.read_lists(cypher.ALL_CITY_FACTS)
    }
    clusters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, kid, name in store.read_lists(cypher.ALL_CITY_CLUSTERS):
        clusters[held(cid)].append({"id": held(kid), "name": held(name)})
    awards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, name, year in store.read_lists(cypher.ALL_CITY_AWARDS):
        awards[held(cid)].append({"name": held(name), "year": _integer(year)})
    return CityTable(cities, dict(clusters), dict(awards))


def _integer(value: Any) -> int | None:
    """An integer property as read (FalkorDB's plain reply gives a float as text)."""
    return value if value is None or isinstance(value, int) else int(float(value))


def network_context(store: GraphStore, proj: Projection) -> NetworkContext:
    """Each city's number of linked cities and the linked pairs between each two countries
    (what ``cypher.CITY_LINK_DEGREES`` and ``COUNTRY_PAIR_LINKS`` read, which took over 10 s at
    100k cities under load), from the projection's links and the cities' facts; once per
    graph version."""
    return proj.memo("network_context", lambda: _context(proj, city_table(store, proj)))


def _context(proj: Projection, table: CityTable) -> NetworkContext:
    link = proj.etype == LINK
    pairs = np.unique(np.stack([proj.src[link], proj.dst[link]], axis=1), axis=0)  # linked cities, once
    degree = np.bincount(pairs.ravel(), minlength=proj.nodes).tolist()
    countries = sorted({v[1] for v in table.cities.values() if v[1]})
    code = {c: i for i, c in enumerate(countries)}
    node_country = np.full(proj.nodes, -1, dtype=np.int64)
    for cid, values in table.cities.items():
        if values[1]:
            node_country[proj.index[cid]] = code[values[1]]
    a, b = node_country[pairs[:, 0]], node_country[pairs[:, 1]]
    known = (a >= 0) & (b >= 0)
    both = np.concatenate([np.stack([a, b], axis=1)[known], np.stack([b, a], axis=1)[known]])
    linked: dict[tuple[str, str], int] = {}
    if len(both):
        keys, counts = np.unique(both, axis=0, return_counts=True)
        linked = {(countries[x], countries[y]): n for (x, y), n in zip(keys.tolist(), counts.tolist(), strict=True)}
    return NetworkContext(
        degree={cid: degree[proj.index[cid]] for cid in table.cities},
        country={cid: v[1] for cid, v in table.cities.items()},
        status={cid: v[4] for cid, v in table.cities.items()},
        pairs=linked,
        at=time.monotonic(),
    )


@dataclass(frozen=True)
class CityArrays:
    """Every node's facts as arrays in the projection's order (an organisation has no country,
    region, population or place: -1, 0, nan), and each node's linked cities and partners, each
    once and in id order (CSR): what scoring every candidate at once needs."""

    country: np.ndarray  # int32 code into countries; -1: none
    countries: list[str]
    region: np.ndarray  # int32 code; -1: none
    known: np.ndarray  # bool: a city of the table
    member: np.ndarray  # bool: status "member"
    population: np.ndarray  # float64; 0: unknown or not positive
    latitude: np.ndarray  # float64 degrees; nan: no place
    longitude: np.ndarray
    awarded: np.ndarray  # bool
    degree: np.ndarray  # int64: a city's linked cities; an organisation's partnerships with cities
    clusters: dict[str, np.ndarray]  # cluster id -> its cities
    links: tuple[np.ndarray, np.ndarray]  # (indptr, neighbours): each node's linked cities
    partners: tuple[np.ndarray, np.ndarray]  # a city's partner organisations, an organisation's cities

    @cached_property
    def country_code(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.countries)}

    def linked(self, i: int) -> np.ndarray:
        return self.links[1][self.links[0][i] : self.links[0][i + 1]].astype(np.int64)

    def partnered(self, i: int) -> np.ndarray:
        return self.partners[1][self.partners[0][i] : self.partners[0][i + 1]].astype(np.int64)


def city_arrays(store: GraphStore, proj: Projection, coords: Mapping[str, tuple[float, float]] | None) -> CityArrays:
    """The arrays of the graph version ``proj`` was built from (made on first need; ``coords``:
    each placed city's latitude and longitude, as ``cypher.CITY_PLACES`` reads them)."""
    return proj.memo("city_arrays", lambda: _arrays(proj, city_table(store, proj), coords or {}))


def _arrays(proj: Projection, table: CityTable, coords: Mapping[str, tuple[float, float]]) -> CityArrays:
    n = proj.nodes
    rows = [(proj.index[cid], v) for cid, v in table.cities.items() if cid in proj.index]
    at = np.array([i for i, _ in rows], dtype=np.int64)
    countries = sorted({v[1] for _, v in rows if v[1]})
    regions = sorted({v[2] for _, v in rows if v[2]})
    country, region = _coded(n, at, [v[1] for _, v in rows], countries), _coded(n, at, [v[2] for _, v in rows], regions)
    known, member, population = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n)
    known[at] = True
    member[at] = [v[4] == "member" for _, v in rows]
    population[at] = [v[3] if v[3] and v[3] > 0 else 0 for _, v in rows]
    latitude, longitude = np.full(n, np.nan), np.full(n, np.nan)
    placed = [(proj.index[c], p) for c, p in coords.items() if c in proj.index]
    if placed:
        where = np.array([i for i, _ in placed], dtype=np.int64)
        latitude[where] = [p[0] for _, p in placed]
        longitude[where] = [p[1] for _, p in placed]
    awarded = np.zeros(n, dtype=bool)
    awarded[[proj.index[c] for c in table.awards if c in proj.index]] = True
    members: dict[str, list[int]] = defaultdict(list)
    for cid, ks in table.clusters.items():
        if cid in proj.index:
            for k in ks:
                members[k["id"]].append(proj.index[cid])
    link, partner = proj.etype == LINK, proj.etype == PARTNER
    links, partners = _adjacency(proj.src[link], proj.dst[link], n), _adjacency(proj.src[partner], proj.dst[partner], n)
    orgs = np.bincount(proj.src[partner], minlength=n)  # each partnership, as cypher.ORG_DEGREE counts them
    return CityArrays(
        country=country,
        countries=countries,
        region=region,
        known=known,
        member=member,
        population=population,
        latitude=latitude,
        longitude=longitude,
        awarded=awarded,
        degree=np.where(proj.is_city, np.diff(links[0]), orgs).astype(np.int64),
        clusters={k: np.array(sorted(v), dtype=np.int64) for k, v in members.items()},
        links=links,
        partners=partners,
    )


def _coded(n: int, at: np.ndarray, values: list[Any], codes: list[str]) -> np.ndarray:
    """Each node's code of its value (-1: none, or not a city of the table)."""
    index = {c: i for i, c in enumerate(codes)}
    out = np.full(n, -1, dtype=np.int32)
    out[at] = [index[v] if v else -1 for v in values]
    return out


def _adjacency(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the undirected edges: each node's neighbours once, in index order."""
    pairs = np.unique(np.concatenate([src, dst]).astype(np.int64) * n + np.concatenate([dst, src]))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs // n, minlength=n), out=indptr[1:])
    return indptr, (pairs % n).astype(np.int32)
