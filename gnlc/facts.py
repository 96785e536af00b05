"""Every city's facts for scoring recommendations, held in memory per graph version.

Name, country, region, population, status and year joined of each city, its thematic
clusters and its awards: three whole-graph reads (``cypher.ALL_CITY_FACTS``,
``ALL_CITY_CLUSTERS``, ``ALL_CITY_AWARDS``) made once per version of the graph and kept on
its projection (:meth:`gnlc.projection.Projection.memo`), so a recommendation looks its
candidates up instead of reading them (at 100k cities, 300-1,000 candidates cost three
statements of about 100 ms each). The rows have the shape of ``cypher.CANDIDATE_FACTS``'s,
without the partner organisations (the projection knows them).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gnlc.graph import cypher
from gnlc.peers import NetworkContext
from gnlc.projection import LINK, Projection

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


def city_table(store: GraphStore, proj: Projection) -> CityTable:
    """The table of the graph version ``proj`` was built from (read on first need)."""
    return proj.memo("city_table", lambda: read_city_table(store))


def read_city_table(store: GraphStore) -> CityTable:
    cities = {
        r[0]: (r[1], r[2], r[3], _integer(r[4]), r[5], _integer(r[6])) for r in store.read_lists(cypher.ALL_CITY_FACTS)
    }
    clusters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, kid, name in store.read_lists(cypher.ALL_CITY_CLUSTERS):
        clusters[cid].append({"id": kid, "name": name})
    awards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for cid, name, year in store.read_lists(cypher.ALL_CITY_AWARDS):
        awards[cid].append({"name": name, "year": _integer(year)})
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
