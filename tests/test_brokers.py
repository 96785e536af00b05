"""Brokers, profiles and links with few engine reads: who is joined to whom and every degree come
from the projection, equal to what the engine's own statements (CITY_ADJACENCY, CITY_DEGREE,
ORG_DEGREE) give; a profile or a city's links asked by id take one read."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from gnlc.explore import Explorer
from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.projection import LINK, PARTNER, projection


@pytest.fixture(scope="module")
def ex(loaded: GraphStore) -> Explorer:
    return Explorer(loaded)


@pytest.fixture
def reads(ex: Explorer, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the statements the explorer runs (projection and hubs built before)."""
    ex.hubs(projection(ex.store))
    names: list[str] = []
    read = ex.store.read

    def counted(query: Any, **params: Any) -> Any:
        names.append(getattr(query, "name", "variant"))
        return read(query, **params)

    monkeypatch.setattr(ex.store, "read", counted)
    yield names


def _pairs(ex: Explorer, n: int) -> list[tuple[str, str]]:
    """Pairs of cities two steps apart (through a city or an organisation), so they have brokers."""
    proj = projection(ex.store)
    rng = random.Random(11)
    cities = [i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c]
    pairs = []
    for a in rng.sample(cities, len(cities)):
        through_cities = {y for x in proj.adjacent(a, LINK) for y in proj.adjacent(x, LINK)}
        through_orgs = {y for o in proj.adjacent(a, PARTNER) for y in proj.adjacent(o, PARTNER)}
        far = sorted((through_cities | through_orgs) - {a})
        if far:
            pairs.append((a, rng.choice(far)))
        if len(pairs) == n:
            break
    return pairs


def _engine_brokers(ex: Explorer, a: str, b: str, *, include_hubs: bool) -> list[tuple[Any, ...]]:
    """The brokers of a and b as the engine's statements give them: (id, degree, to a, to b), ranked."""
    adj = {r["id"]: r for r in ex.store.read(cypher.CITY_ADJACENCY, ids=[a, b])}

    def joined(row: dict[str, Any]) -> dict[str, set[str]]:
        ways: dict[str, set[str]] = defaultdict(set)
        for key in ("orgs", "cities"):
            for x in row[key]:
                ways[x["id"]].add(x["how"] or "link")
        return ways

    left_out = set() if include_hubs else ex.hubs().ids()
    mine, theirs = joined(adj[a]), joined(adj[b])
    shared = sorted(k for k in mine if k in theirs and k not in left_out)
    degree = {r["id"]: r["degree"] for r in ex.store.read(cypher.CITY_DEGREE, ids=shared)}
    degree |= {r["id"]: r["degree"] for r in ex.store.read(cypher.ORG_DEGREE, ids=shared)}
    rows = [(k, degree[k], sorted(mine[k]), sorted(theirs[k])) for k in shared]
    return sorted(rows, key=lambda r: (-round(1 / math.log(max(r[1], 2)), 4), r[0]))


@pytest.mark.parametrize("include_hubs", [False, True])
def test_brokers_from_the_projection_equal_the_engine_statements(ex: Explorer, include_hubs: bool) -> None:
    pairs = _pairs(ex, 30)
    found = 0
    for a, b in pairs:
        res = ex.brokers(a, b, include_hubs=include_hubs, limit=1000)
        ours = [(x.node.id, x.degree, x.to_source, x.to_target) for x in res.brokers]
        assert ours == _engine_brokers(ex, a, b, include_hubs=include_hubs), (a, b)
        assert all(x.score == round(1 / math.log(max(x.degree, 2)), 4) for x in res.brokers)
        found += len(ours)
    assert len(pairs) == 30 and found >= 10


def test_brokers_of_several_targets_equal_each_pair(ex: Explorer) -> None:
    a, b = _pairs(ex, 1)[0]
    others = [y for _, y in _pairs(ex, 6)]
    many = ex.brokers_of(a, [b, *others], limit=3)
    assert many[b] == ex.brokers(a, b, limit=3).brokers
    for t in others:
        assert [x.node.id for x in many[t]] == [r[0] for r in _engine_brokers(ex, a, t, include_hubs=False)][:3]


def test_profile_and_links_by_id_take_one_read(ex: Explorer, reads: list[str]) -> None:
    cid = next(a for a, _ in _pairs(ex, 5) if projection(ex.store).adjacent(a, LINK))
    reads.clear()
    by_id = ex.profile(cid)
    assert reads == ["city_profile"]
    reads.clear()
    links = ex.links(cid)
    assert reads == ["city_links"] and links
    name = by_id.city.name
    if ex.city_id(name) == cid:  # by name (not a homonym): the same answers
        assert ex.profile(name) == by_id and ex.links(name) == links


def test_brokers_by_id_take_at_most_three_reads(ex: Explorer, reads: list[str]) -> None:
    a, b = _pairs(ex, 1)[0]
    reads.clear()
    assert ex.brokers(a, b).source.id == a
    assert reads[0] == "graph_state_read" and len(reads) <= 3, reads
