"""The in-memory projection beside its peers, in one run on one synthetic network.

    .venv/bin/python bench/projection.py                    # 100k cities; the section of RESULTS.md
    .venv/bin/python bench/projection.py --cities 1000      # a quick look (prints, --out to write)

Generates `gnlc generate --cities N --seed 42`, loads it into a fresh embedded engine (the bulk
path), then for the same random city pairs measures, p50 / p95 ms:

- shortest path (city-to-city links, at most 6 steps): ours (`Explorer.paths`: the search on the
  projection, then the facts of the paths from the engine), ours without the facts (the search
  alone), FalkorDB's own `shortestPath` statement, networkx and igraph in-process;
- centrality: the first PageRank and the first sampled betweenness on a warm projection, and a
  repeated top 20 (ours keeps the scores per graph version); networkx and igraph PageRank;
- the projection's build time and size, and the resident memory the process gained building it,
  beside a networkx graph of the same links and partnerships.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from gnlc.analytics import Analytics
from gnlc.explore import Explorer
from gnlc.graph import cypher
from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.store import open_store
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate
from gnlc.paths import _Search
from gnlc.projection import projection
from gnlc.settings import load_settings

HERE = Path(__file__).parent
SECTION = "## The in-memory projection beside its peers"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed_ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def p50_p95(fn: Callable[[str, str], Any], pairs: list[tuple[str, str]]) -> str:
    fn(*pairs[0])
    times = sorted(timed_ms(lambda a=a, b=b: fn(a, b))[0] for a, b in pairs)
    return f"{times[len(times) // 2]:.2f} / {times[min(len(times) - 1, int(len(times) * 0.95))]:.2f}"


def run(cities: int, n_pairs: int, work: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    files_dir = work / f"syn{cities}"
    generate(files_dir, cities=cities, seed=42)
    settings = load_settings(data_dir=work / "data", graph_name="proj")
    store = open_store(settings)
    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    try:
        load_s, _ = timed_ms(lambda: load_files(store, sorted(files_dir.glob("*.csv"))))
        ex, an = Explorer(store), Analytics(Explorer(store))
        before = rss_mib()
        build_ms, proj = timed_ms(lambda: projection(store, refresh=True))
        proj_rss = rss_mib() - before
        before = rss_mib()
        nx_ms, g = timed_ms(lambda: _networkx(store))
        nx_rss = rss_mib() - before
        links = g.edge_subgraph((a, b) for a, b, d in g.edges(data=True) if d["link"]).copy()
        links.add_nodes_from(i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c)
        ig_links, vertices = proj.graph("cities")
        local = {proj.ids[v]: i for i, v in enumerate(vertices.tolist())}
        notes.append(
            f"{cities:,} cities: {proj.nodes:,} nodes and {len(proj.src):,} edges in the projection, "
            f"loaded in {load_s / 1000:.1f} s; projection built in {build_ms / 1000:.1f} s, "
            f"{proj.nbytes() / 2**20:.0f} MiB of arrays, +{proj_rss:.0f} MiB resident; a networkx graph of "
            f"the same nodes and edges: {nx_ms / 1000:.1f} s, +{nx_rss:.0f} MiB resident"
        )
        ids = [i for i, c in zip(proj.ids, proj.is_city.tolist(), strict=True) if c]
        rng = random.Random(cities)
        pairs = [tuple(rng.sample(ids, 2)) for _ in range(n_pairs)]
        allowed = proj.allowed(kinds=None, year=None, with_orgs=False)
        q = "shortest path (links, at most 6 steps)"
        rows += [
            (q, "ours (`Explorer.paths`)", p50_p95(lambda a, b: ex.paths(a, b, via="cities", max_hops=6), pairs)),
            (q, "ours, the search alone", p50_p95(lambda a, b: _Search(proj, allowed, set()).run(a, b, 6, 10), pairs)),
            (q, "FalkorDB `shortestPath` statement", p50_p95(store.shortest_link_path, pairs)),
            (q, "networkx `shortest_path`", p50_p95(lambda a, b: _nx_path(links, a, b), pairs)),
            (
                q,
                "igraph `get_shortest_paths`",
                p50_p95(lambda a, b: ig_links.get_shortest_paths(local[a], to=local[b]), pairs),
            ),
        ]
        q = "centrality (partnerships)"
        rows += [
            (q, "ours: first PageRank, warm projection", f"{timed_ms(lambda: an.top('pagerank', limit=20))[0]:.0f}"),
            (q, "ours: first sampled betweenness", f"{timed_ms(lambda: an.top('betweenness', limit=20))[0]:.0f}"),
            (q, "ours: top 20 again (kept scores)", p50_p95(lambda a, b: an.top("pagerank", limit=20), pairs[:20])),
            (q, "networkx `pagerank`", f"{timed_ms(lambda: nx.pagerank(g))[0]:.0f}"),
            (q, "igraph `pagerank`", f"{timed_ms(lambda: proj.graph('partnerships')[0].pagerank())[0]:.0f}"),
        ]
    finally:
        store.close()
        EmbeddedEngine(settings.engine_dir).stop()
    return rows, notes


def _networkx(store: Any) -> nx.Graph:
    """A networkx graph from the projection's own reads (nodes by key, then links and partnerships)."""
    g = nx.Graph()
    ids = {key: node_id for key, node_id, _label, _name in store.read_lists(cypher.PROJECTION_NODES)}
    g.add_nodes_from(ids.values())
    for query, link in ((cypher.PROJECTION_LINKS, True), (cypher.PROJECTION_PARTNERS, False)):
        g.add_edges_from((ids[r[0]], ids[r[1]], {"link": link}) for r in store.read_lists(query))
    return g


def _nx_path(g: nx.Graph, a: str, b: str) -> list[str]:
    try:
        path: list[str] = nx.shortest_path(g, a, b)
    except nx.NetworkXNoPath:
        return []
    return path if len(path) <= 7 else []


def section(rows: list[tuple[str, str, str]], notes: list[str], command: str) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `{command}` (one run, the machine shared with other work: read the ratios).",
        "",
        *[f"- {n}" for n in notes],
        "",
        "| question | who | p50 / p95 ms (or one run, ms) |",
        "|---|---|---|",
    ]
    lines += [f"| {q} | {who} | {value} |" for q, who, value in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--out", type=Path, default=None, help="RESULTS.md to write the section into")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gnlc-proj-"))
    try:
        rows, notes = run(args.cities, args.pairs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = section(rows, notes, "python bench/projection.py " + " ".join(sys.argv[1:]))
    print(text)
    if args.out:
        sys.path.insert(0, str(HERE))
        from run import replace_section

        args.out.write_text(replace_section(args.out.read_text(encoding="utf-8"), text), encoding="utf-8")


if __name__ == "__main__":
    main()
