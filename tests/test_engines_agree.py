"""The same files loaded into FalkorDB (embedded) and into Neo4j give the same graph, node by
node and property by property (load times aside), and the same answer to every question:
profiles, links as of a year, paths, brokers, recommendations, analytics and exports. Once on
the bundled data plus the test links, once on a synthetic network."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from gnlc import export
from gnlc.analytics import Analytics
from gnlc.explore import Explorer
from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.loaders.bundled import load_bundled
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.recommend import recommend
from gnlc.settings import load_settings
from tests.conftest import LOADED_FILES, engine_store
from tests.neo4j_server import Neo4jServer

pytestmark = pytest.mark.neo4j

# When a load happened is the one thing that differs: `loaded_at`, and the load time a
# provenance entry may end with.
_LOAD_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
SYNTHETIC_CITIES = 400


def _bundled(store: GraphStore, _: Path) -> None:
    load_bundled(store, load_settings().dataset_dir)
    load_files(store, list(LOADED_FILES))


def _synthetic(store: GraphStore, folder: Path) -> None:
    load_files(store, sorted(folder.glob("*.csv")))


LOADERS: dict[str, Callable[[GraphStore, Path], None]] = {"bundled": _bundled, "synthetic": _synthetic}


@pytest.fixture(scope="module", params=list(LOADERS))
def both(
    request: pytest.FixtureRequest, session_data_dir: Path, neo4j: Neo4jServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Explorer, Explorer]]:
    """(FalkorDB, Neo4j) explorers over the same files."""
    folder = tmp_path_factory.mktemp("synthetic")
    generate(folder, cities=SYNTHETIC_CITIES, seed=7)
    settings = load_settings(data_dir=session_data_dir, graph_name="q_" + uuid.uuid4().hex[:12])
    with engine_store("embedded", settings) as falkor, engine_store("neo4j", settings, neo4j) as neo:
        for store in (falkor, neo):
            LOADERS[request.param](store, folder)
        yield Explorer(falkor), Explorer(neo)


def plain(value: Any) -> Any:
    """A comparable form: pydantic models as JSON data, load times blanked, dict keys sorted."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in sorted(value.items()) if k != "loaded_at"}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return _LOAD_TIME.sub("<time>", value)
    return value


def dump_of(store: GraphStore) -> tuple[list[str], list[str]]:
    nodes = sorted(json.dumps(plain(r), sort_keys=True) for r in store.read(cypher.DUMP_NODES))
    edges = sorted(json.dumps(plain(r), sort_keys=True) for r in store.read(cypher.DUMP_RELS))
    return nodes, edges


def sample_cities(ex: Explorer, n: int = 12) -> list[str]:
    """Every n-th city of those with links, and every n-th of the rest: the same on both."""
    rows = sorted(ex.store.read(cypher.LINK_PAIRS), key=lambda r: (r["a"], r["b"]))
    linked = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    others = sorted({r["id"] for r in ex.store.read(cypher.KNOWN_CITIES)} - set(linked))
    return linked[:: max(1, len(linked) // n)][:n] + others[:: max(1, len(others) // 4)][:4]


def same(a: Any, b: Any) -> None:
    assert plain(a) == plain(b)


def as_sets(value: Any) -> Any:
    """Every list as a sorted list: for answers whose order is only partly defined (two facts
    with the same sort key, such as a partner both listed in a file and derived)."""
    if isinstance(value, dict):
        return {k: as_sets(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((as_sets(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def same_facts(a: Any, b: Any) -> None:
    assert as_sets(plain(a)) == as_sets(plain(b))


def test_every_node_relationship_and_property_is_the_same(both: tuple[Explorer, Explorer]) -> None:
    falkor, neo = both
    f_nodes, f_edges = dump_of(falkor.store)
    n_nodes, n_edges = dump_of(neo.store)
    assert len(f_nodes) == len(n_nodes) and len(f_edges) == len(n_edges)
    assert f_nodes == n_nodes
    assert f_edges == n_edges
    same(falkor.store.summary(), neo.store.summary())


def test_profiles_and_links_as_of_each_year(both: tuple[Explorer, Explorer]) -> None:
    falkor, neo = both
    cities = sample_cities(falkor)
    assert cities == sample_cities(neo)
    for cid in cities:
        same_facts(falkor.profile(cid), neo.profile(cid))
        for year in (None, 2005, 2016, 2019, 2021, 2024):
            key = lambda r: (r.city.id, r.link.kind or "", r.link.since or 0)  # noqa: E731
            same(sorted(falkor.links(cid, year=year), key=key), sorted(neo.links(cid, year=year), key=key))


def test_neighbourhoods_paths_and_brokers(both: tuple[Explorer, Explorer]) -> None:
    falkor, neo = both
    cities = sample_cities(falkor, 8)
    for cid in cities[:4]:
        same_facts(falkor.neighbourhood(cid, depth=2), neo.neighbourhood(cid, depth=2))
    for a, b in zip(cities, cities[1:] + cities[:1], strict=True):
        for via in ("cities", "all"):
            fp, np_ = falkor.paths(a, b, via=via, limit=50), neo.paths(a, b, via=via, limit=50)
            assert sorted(json.dumps(plain(p), sort_keys=True) for p in fp.paths) == sorted(
                json.dumps(plain(p), sort_keys=True) for p in np_.paths
            )
            assert fp.note == np_.note
        same(falkor.brokers(a, b), neo.brokers(a, b))
        same(falkor.brokers(a, b, include_hubs=True), neo.brokers(a, b, include_hubs=True))


def test_recommendations(both: tuple[Explorer, Explorer]) -> None:
    falkor, neo = both
    for cid in sample_cities(falkor, 8):
        same(recommend(falkor, cid, limit=10), recommend(neo, cid, limit=10))


def test_analytics(both: tuple[Explorer, Explorer]) -> None:
    falkor, neo = both
    fa, na = Analytics(falkor), Analytics(neo)
    same(fa.members_by_region(), na.members_by_region())
    same(fa.members_by_country(), na.members_by_country())
    same(fa.members_by_year(), na.members_by_year())
    same(fa.awards(), na.awards())
    f_proj, n_proj = fa.projection(), na.projection()
    assert f_proj.ids == n_proj.ids and f_proj.names == n_proj.names and f_proj.kinds == n_proj.kinds
    for column in ("is_city", "src", "dst", "etype", "kind", "since", "until"):  # in the same order, too
        assert getattr(f_proj, column).tolist() == getattr(n_proj, column).tolist(), column
    for scope in ("partnerships", "cities"):
        same(fa.stats(scope), na.stats(scope))
        same(fa.top("degree", scope=scope, limit=20), na.top("degree", scope=scope, limit=20))
    # Betweenness, PageRank and Louvain are igraph over these projections: equal graphs built in
    # the same order give equal answers. Computed on both for the links-only scope (exact
    # betweenness of the partnership scope, with hubs, costs minutes on two cores).
    for metric in ("betweenness", "pagerank"):
        same(fa.top(metric, scope="cities", limit=20), na.top(metric, scope="cities", limit=20))
    same(fa.communities(scope="cities"), na.communities(scope="cities"))
    same(falkor.bridges(limit=100), neo.bridges(limit=100))


def exported(graph: Any, fmt: str) -> Any:
    """What an export file holds, read back: the same content in any order compares equal."""
    data = export.render(graph, fmt)
    if fmt == "json":
        return as_sets(plain(json.loads(data)))
    if fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {n: sorted(_LOAD_TIME.sub("", zf.read(n).decode()).splitlines()) for n in zf.namelist()}
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    g = reader(io.BytesIO(data))
    return (
        sorted(json.dumps(plain([n, d]), sort_keys=True) for n, d in g.nodes(data=True)),
        sorted(json.dumps(plain([u, v, d]), sort_keys=True) for u, v, d in g.edges(data=True)),
    )


@pytest.mark.parametrize("fmt", sorted(export.FORMATS))
def test_exports(both: tuple[Explorer, Explorer], fmt: str) -> None:
    falkor, neo = both
    f_graph, n_graph = falkor.whole_graph(), neo.whole_graph()
    same_facts(f_graph, n_graph)
    assert exported(f_graph, fmt) == exported(n_graph, fmt)
