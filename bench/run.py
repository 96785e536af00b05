"""Benchmarks on synthetic networks from the generator, on the embedded engine.

    python bench/run.py                          # 1k, 10k and 100k cities, writes bench/RESULTS.md
    python bench/run.py --sizes 1000 --runs 3    # a quick run
    python bench/run.py --engine both --sizes 10000 --runs 1   # Neo4j beside FalkorDB (a section)

For each size: first load (our pipeline into an empty graph) beside the same records written
one row per query (the py2neo-era way) in the same run; an incremental reload with 1% of
the rows changed; query latencies (p50/p95) directly through the store and through the API
(uvicorn on loopback), with the API's overhead; map generation time and size; peak resident
memory of the engine and of the API process. Medians over --runs runs where a step is
repeated. Nothing here is asserted: the numbers are written down.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gnlc import maps
from gnlc.analytics import Analytics
from gnlc.explore import Explorer
from gnlc.graph import cypher
from gnlc.graph.embedded import EmbeddedEngine
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore, open_store
from gnlc.loaders.build import RecordBuilder
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.readers import read_tables
from gnlc.loaders.resolver import CityResolver
from gnlc.loaders.rows import parse_table
from gnlc.loaders.synthetic import generate
from gnlc.projection import projection
from gnlc.recommend import recommend
from gnlc.schemas import GEdge, GNode, Subgraph
from gnlc.settings import load_settings

sys.path.insert(0, str(Path(__file__).parent))
import peers  # noqa: E402 - bench/peers.py, beside this script

HERE = Path(__file__).parent
NAIVE_ROWS = 5000  # the one-row-per-query baseline writes this many relationships (its rate is what counts)
QUERIES = 100  # latency samples per question


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = (
        next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        / 1024
        / 1024
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


# -- loads ------------------------------------------------------------------------------------------------
def first_load(store: GraphStore, files: list[Path]) -> dict[str, float]:
    store.clear()
    store.apply_schema()
    seconds, report = timed(lambda: load_files(store, files))
    if report.path != "bulk":
        print(f"first load went {report.path}", flush=True)
    labels = {str(lbl) for lbl in Label}
    nodes = sum(v for k, v in report.write.written.items() if k in labels)
    rels = sum(v for k, v in report.write.written.items() if k not in labels)  # a symmetric link once
    stored = sum(int(r["n"]) for r in store.read(cypher.COUNT_RELS_BY_TYPE))  # each direction
    return {
        "seconds": seconds,
        "nodes": nodes,
        "rels": rels,
        "stored": stored,
        "nodes_s": nodes / seconds,
        "rels_s": rels / seconds,
        "stored_s": stored / seconds,
    }


def naive_load(store: GraphStore, files: list[Path]) -> dict[str, float]:
    """The same records, one MERGE per row: the way row-at-a-time loaders write."""
    store.clear()
    store.apply_schema()
    builder = RecordBuilder(CityResolver([]), {})
    nodes, rels = [], []
    tables = sorted(
        (parse_table(t, Mapping()) for p in files for t in read_tables(p)),
        key=lambda t: ["cities", "organisations", "partnerships", "links"].index(t.kind),
    )
    for table in tables:
        for row in table.rows:
            built = builder.build(table.kind, row)
            nodes += built.nodes
            rels += built.rels
    seen_nodes = {}
    for n in nodes:
        seen_nodes.setdefault((n.label, n.id), n)
    t = time.perf_counter()
    for n in seen_nodes.values():
        store.write(cypher.NODE_UPSERT[n.label], rows=[{"id": n.id, "props": dict(n.props)}])
    node_s = time.perf_counter() - t
    sample = rels[:NAIVE_ROWS]
    t = time.perf_counter()
    for r in sample:
        store.write(
            cypher.REL_UPSERT[(r.type, r.start_label)],
            rows=[{"start": r.start, "end": r.end, "key": r.key, "props": dict(r.props)}],
        )
    rel_s = time.perf_counter() - t
    return {"nodes_s": len(seen_nodes) / node_s, "rels_s": len(sample) / rel_s, "rels_measured": len(sample)}


def changed_copy(files: list[Path], out: Path, share: float, seed: int) -> tuple[list[Path], int, int]:
    """The same files with `share` of the city and link rows changed (population, since)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    total = changed = 0
    result = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        col = {"cities.csv": "population", "links.csv": "since"}.get(f.name)
        if col:
            i = header.index(col)
            for row in rng.sample(body, max(1, int(len(body) * share))):
                row[i] = str(int(row[i]) + 1 if row[i] else 2000)
                changed += 1
        total += len(body)
        target = out / f.name
        with target.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, *body])
        result.append(target)
    return result, total, changed


def incremental(store: GraphStore, files: list[Path], tmp: Path) -> dict[str, float]:
    changed_files, total, changed = changed_copy(files, tmp / "changed", 0.01, seed=7)
    seconds, report = timed(lambda: load_files(store, changed_files))
    return {
        "seconds": seconds,
        "rows": total,
        "changed_rows": changed,
        "rows_s": total / seconds,
        "changes_written": report.write.changed(),
    }


# -- queries --------------------------------------------------------------------------------------------------
def pick_pairs(ex: Explorer, n: int, seed: int) -> list[tuple[str, str]]:
    ids = [r["id"] for r in ex.store.read(cypher.KNOWN_CITIES)]
    rng = random.Random(seed)
    return [(rng.choice(ids), rng.choice(ids)) for _ in range(n)]


def questions(ex: Explorer, an: Analytics) -> dict[str, tuple[Callable[[str, str], Any], str]]:
    """name -> (call through the store, API path template)."""
    return {
        "city profile": (lambda a, b: ex.profile(a), "/cities/{a}"),
        "neighbours": (lambda a, b: ex.links(a), "/cities/{a}/links"),
        "neighbourhood depth 2": (lambda a, b: ex.neighbourhood(a, depth=2), "/cities/{a}/neighbourhood?depth=2"),
        "shortest path": (
            lambda a, b: ex.paths(a, b, via="cities", max_hops=6) if a != b else None,
            "/paths?source={a}&target={b}&via=cities&max_hops=6",
        ),
        "brokers": (lambda a, b: ex.brokers(a, b) if a != b else None, "/brokers?source={a}&target={b}"),
        "recommendations": (lambda a, b: recommend(ex, a, limit=10), "/cities/{a}/recommendations?limit=10"),
        "centrality top 20": (lambda a, b: an.top("degree", limit=20), "/stats/centrality?metric=degree&limit=20"),
    }


def latencies(fn: Callable[[str, str], Any], pairs: list[tuple[str, str]]) -> list[float]:
    for attempt in range(3):  # warm caches (city names, projections) once, as a running API has them
        try:
            fn(*pairs[0])
            break
        except OSError as exc:  # urllib's HTTPError too: a busy server's first answer may time out
            print(f"warm-up failed ({exc}), again", flush=True)
            if attempt == 2:
                raise
    out = []
    for a, b in pairs:
        if a == b:
            continue
        t = time.perf_counter()
        fn(a, b)
        out.append((time.perf_counter() - t) * 1000)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gnlc.api.asgi:app", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/ready", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the API did not start")


def http_get(base: str, path: str) -> None:
    with urllib.request.urlopen(base + path, timeout=60) as r:
        r.read()


# -- maps -------------------------------------------------------------------------------------------------------
def map_sizes(runs: int) -> list[dict[str, float]]:
    out = []
    for n in (100, 2000, 10000):
        rng = random.Random(n)
        nodes = [
            GNode(id=f"c{i}", label="City", name=f"Synthcity {i:05d}", country=rng.choice(["FR", "KR", "BR"]))
            for i in range(n)
        ]
        edges = [
            GEdge(source_id=f"c{i}", target_id=f"c{rng.randrange(n)}", type="LINKED_TO", kind="twinning")
            for i in range(n * 2)
        ]
        sub = Subgraph(title=f"synthetic {n}", nodes=nodes, edges=edges)
        times, html = [], ""
        for _ in range(runs):
            s, html = timed(lambda sub=sub: maps.render(sub))
            times.append(s)
        out.append({"nodes": n, "seconds": statistics.median(times), "kib": len(html.encode()) / 1024})
    return out


# -- the run ----------------------------------------------------------------------------------------------------
def run_size(cities: int, runs: int, work: Path) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="gnlc-b-", dir="/tmp"))
    settings = load_settings(data_dir=data_dir, graph_name="bench")
    files_dir = work / f"syn{cities}"
    counts = generate(files_dir, cities=cities, seed=42)
    files = sorted(files_dir.glob("*.csv"))
    store = open_store(settings)
    result: dict[str, Any] = {"cities": cities, "input": counts}
    try:
        result["naive"] = naive_load(store, files)
        loads = [first_load(store, files) for _ in range(max(1, runs))]
        result["first_load"] = {k: statistics.median(x[k] for x in loads) for k in loads[0]}
        result["incremental"] = incremental(store, files, work / f"inc{cities}")
        result.update(measure_questions(store, data_dir, "bench", seed=cities))
        engine_pid = int((settings.engine_dir / "falkordb.pid").read_text())
        result["engine_rss_mib"] = peak_rss_mib(engine_pid)
    finally:
        store.close()
        EmbeddedEngine(settings.engine_dir).stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def beside_peers(ex: Explorer, pairs: list[tuple[str, str]], queries: dict[str, dict[str, Any]]) -> None:
    """Each question's raw engine statement, networkx and igraph on the same pairs (p50, p95 ms)."""
    proj = projection(ex.store)
    hubs = ex.hubs(proj).ids()
    t = time.perf_counter()
    g, links = peers.networkx_graphs(proj)
    print(f"networkx graphs of the projection: {time.perf_counter() - t:.1f} s", flush=True)
    sides = {
        "engine": peers.engine_statements(ex.store),
        "networkx": peers.networkx_questions(g, links, hubs),
        "igraph": peers.igraph_questions(proj, hubs),
    }
    for name, row in queries.items():
        for who, asks in sides.items():
            fn = asks.get(name)
            if fn is not None:
                times = latencies(fn, pairs)
                row[who] = (pct(times, 0.5), pct(times, 0.95))
        print(name, row, flush=True)


# Issue 20: API p95 at 100k cities (ms), and within 5x of the best in-process peer plus HTTP overhead.
TARGETS = {
    "city profile": 5.0,
    "neighbours": 5.0,
    "shortest path": 10.0,
    "brokers": 10.0,
    "recommendations": 25.0,
    "centrality top 20": 10.0,
}


def _ms(v: float) -> str:
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def peers_report(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        PEERS_SECTION,
        "",
        "p50 / p95 ms on the same random city pairs, in one run: ours through the store (in-process) and "
        "through the API (uvicorn on loopback); the raw engine statement that does each question's core "
        "work, given ids; networkx and igraph in-process on the projection's nodes and edges "
        "(bench/peers.py says what each does). Bound: 5x the best peer's p95 plus the API's own "
        "overhead (p95 of `/health`, which does not touch the engine).",
        "",
        "| cities | question | ours, store | ours, API | raw engine statement | networkx | igraph "
        "| target (API p95) | 5x best peer + HTTP | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        floor = r.get("http_floor", (math.nan, math.nan))
        for name, q in r["queries"].items():
            cell = {
                k: f"{_ms(q[k][0])} / {_ms(q[k][1])}" if k in q else "n/a" for k in ("engine", "networkx", "igraph")
            }
            best = min((q[k][1] for k in ("networkx", "igraph") if k in q), default=math.nan)
            bound = 5 * best + floor[1]
            target = TARGETS.get(name)
            met = (
                "n/a"
                if target is None
                else ("yes" if q["api_p95"] <= target else f"no ({q['api_p95'] / target:.1f}x)")
                + (", within 5x" if q["api_p95"] <= bound else f", {q['api_p95'] / bound:.1f}x the bound")
            )
            lines.append(
                f"| {r['cities']:,} | {name} | {q['store_p50']:.1f} / {q['store_p95']:.1f} | "
                f"{q['api_p50']:.1f} / {q['api_p95']:.1f} | {cell['engine']} | {cell['networkx']} | "
                f"{cell['igraph']} | {target if target is not None else ''} | {bound:.1f} | {met} |"
            )
        lines.append(f"| {r['cities']:,} | API overhead (`/health`) | | {floor[0]:.1f} / {floor[1]:.1f} | | | | | | |")
    return lines


def measure_questions(store: GraphStore, data_dir: Path, graph: str, *, seed: int) -> dict[str, Any]:
    """Each question's latency through the store and the API, then beside its peers."""
    ex = Explorer(store)
    an = Analytics(ex)
    pairs = pick_pairs(ex, QUERIES, seed=seed)
    result: dict[str, Any] = {"queries": {}}
    # the first question of a process builds the projection: seconds at 100k on a busy machine
    api, base = start_api({"GNLC_DATA_DIR": str(data_dir), "GNLC_GRAPH": graph, "GNLC_QUERY_TIMEOUT_MS": "120000"})
    try:
        for name, (fn, path) in questions(ex, an).items():
            direct = latencies(fn, pairs)
            over_http = latencies(lambda a, b, path=path: http_get(base, path.format(a=a, b=b)), pairs)
            result["queries"][name] = {
                "store_p50": pct(direct, 0.5),
                "store_p95": pct(direct, 0.95),
                "api_p50": pct(over_http, 0.5),
                "api_p95": pct(over_http, 0.95),
            }
            print(name, result["queries"][name], flush=True)
        floor = latencies(lambda a, b: http_get(base, "/health"), pairs)
        result["http_floor"] = (pct(floor, 0.5), pct(floor, 0.95))
        result["api_rss_mib"] = peak_rss_mib(api.pid)
    finally:
        api.terminate()
        api.wait(10)
    beside_peers(ex, pairs, result["queries"])
    return result


def main_questions(args: argparse.Namespace) -> None:
    """--questions-on: the questions alone on a graph already loaded (no loads, no maps); the
    section of the peers table replaced in --out."""
    settings = load_settings(data_dir=args.questions_on, query_timeout_ms=120_000)
    store = open_store(settings)
    try:
        cities = store.count(Label.CITY)
        result = {"cities": cities, **measure_questions(store, args.questions_on, settings.graph_name, seed=cities)}
    finally:
        store.close()
    section = "\n".join(peers_report([result])[1:]) + "\n"
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    section = section.replace("\n\np50 / p95", f"\n\nCommand: `{command}`.\n\np50 / p95", 1)
    args.out.write_text(replace_section(args.out.read_text(encoding="utf-8"), section), encoding="utf-8")
    print(section)


def report(results: list[dict[str, Any]], map_rows: list[dict[str, float]], command: str) -> list[str]:
    """The full run's sections (loads, query latency, the peers, memory, map generation), each opening with
    the run's command, machine and load average; written into --out with `replace_section`, so the sections
    other runs wrote (reloads, maps in the browser, the load test, Neo4j, one million rows) stay."""
    run = (
        f"Run: `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {machine()}; "
        f"load average {os.getloadavg()[0]:.1f} at the end."
    )
    lines = [
        "Synthetic networks from `gnlc generate` (preferential attachment, about 5 links per city on average; "
        "half as many organisations as cities, 3 partner cities each). Every city has a joining year in most "
        "rows, so the loader also derives memberships and the national commission and UIL partnerships.",
        "",
    ]
    lines = [
        LOADS_SECTION,
        "",
        run,
        "",
        *lines,
        "Relationship rows count a city-to-city link once; stored relationships count it "
        "in each direction (as the engine holds it). The one-row-per-query baseline writes each record with "
        "its own MERGE statement, in the same run.",
        "",
        "| cities | input rows | nodes | relationship rows (stored) | first load s | nodes/s "
        "| relationship rows/s | stored relationships/s | one row per query: nodes/s | relationship rows/s "
        "| ratio (relationship rows) | 1% changed: rows/s | changes written |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f, n, i = r["first_load"], r["naive"], r["incremental"]
        lines.append(
            f"| {r['cities']:,} | {sum(r['input'].values()):,} | {f['nodes']:,.0f} | {f['rels']:,.0f} "
            f"({f['stored']:,.0f}) | {f['seconds']:.1f} | {f['nodes_s']:,.0f} | {f['rels_s']:,.0f} | "
            f"{f['stored_s']:,.0f} | {n['nodes_s']:,.0f} | {n['rels_s']:,.0f} | "
            f"{f['rels_s'] / n['rels_s']:.1f}x | {i['rows_s']:,.0f} | {i['changes_written']:,} |"
        )
    sections = ["\n".join(lines) + "\n"]
    lines = [
        LATENCY_SECTION,
        "",
        run,
        "",
        "| cities | question | store p50 | store p95 | API p50 | API p95 | API overhead (p50 ratio) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, q in r["queries"].items():
            lines.append(
                f"| {r['cities']:,} | {name} | {q['store_p50']:.1f} | {q['store_p95']:.1f} | "
                f"{q['api_p50']:.1f} | {q['api_p95']:.1f} | {q['api_p50'] / max(q['store_p50'], 1e-6):.2f} |"
            )
    sections.append("\n".join(lines) + "\n")
    peers_lines = peers_report(results)[1:]
    sections.append("\n".join([peers_lines[0], "", run, *peers_lines[1:]]) + "\n")
    lines = [MEMORY_SECTION, "", run, "", "| cities | engine | API process |", "|---|---|---|"]
    for r in results:
        lines.append(f"| {r['cities']:,} | {r['engine_rss_mib']:.0f} | {r['api_rss_mib']:.0f} |")
    sections.append("\n".join(lines) + "\n")
    lines = [MAPGEN_SECTION, "", run, "", "| nodes | generation s | HTML KiB |", "|---|---|---|"]
    for m in map_rows:
        lines.append(f"| {m['nodes']:,} | {m['seconds']:.2f} | {m['kib']:,.0f} |")
    sections.append("\n".join(lines) + "\n")
    return sections


# -- Neo4j beside FalkorDB ------------------------------------------------------------------------------------
ENGINES_SECTION = "## Neo4j beside FalkorDB"
LOADS_SECTION = "## Loads"
LATENCY_SECTION = "## Query latency (ms)"
MEMORY_SECTION = "## Memory (peak resident, MiB)"
MAPGEN_SECTION = "## Map generation (bench/run.py, synthetic subgraphs)"
PEERS_SECTION = "## Questions beside the raw engine statement, networkx and igraph"


def engine_store(engine: str, data_dir: Path, neo4j_uri: str | None, password: str | None) -> GraphStore:
    timeout = 120_000  # the whole-network questions at 10k+ cities on a shared machine
    if engine == "neo4j":
        return open_store(
            load_settings(engine="neo4j", neo4j_uri=neo4j_uri, neo4j_password=password, query_timeout_ms=timeout)
        )
    return open_store(load_settings(data_dir=data_dir, graph_name="bench", query_timeout_ms=timeout))


def run_engines(cities: int, runs: int, work: Path, neo4j_uri: str, password: str, n_pairs: int) -> dict[str, Any]:
    """The same synthetic files into each engine: first load, and the main questions' latency."""
    files_dir = work / f"syn{cities}"
    generate(files_dir, cities=cities, seed=42)
    files = sorted(files_dir.glob("*.csv"))
    out: dict[str, Any] = {"cities": cities}
    for engine in ("embedded", "neo4j"):
        data_dir = Path(tempfile.mkdtemp(prefix="gnlc-b-", dir="/tmp"))
        store = engine_store(engine, data_dir, neo4j_uri, password)
        try:
            loads = [first_load(store, files) for _ in range(max(1, runs))]
            ex = Explorer(store)
            an = Analytics(ex)
            pairs = pick_pairs(ex, n_pairs, seed=cities)
            qs = {name: latencies(fn, pairs) for name, (fn, _) in questions(ex, an).items()}
            out[engine] = {
                "load_s": statistics.median(x["seconds"] for x in loads),
                "stored": loads[0]["stored"],
                "queries": {k: (pct(v, 0.5), pct(v, 0.95)) for k, v in qs.items()},
            }
            print(engine, out[engine], flush=True)
        finally:
            store.close()
            if engine == "embedded":
                EmbeddedEngine(data_dir / "engine").stop()
            shutil.rmtree(data_dir, ignore_errors=True)
    return out


def engines_report(results: list[dict[str, Any]], command: str, server: str, n_pairs: int) -> str:
    lines = [
        ENGINES_SECTION,
        "",
        f"Command: `{command}`. Neo4j: {server}. The same synthetic files into each engine "
        "from an empty graph (the bulk first load), then each question on the same "
        f"{n_pairs} random city pairs through the store (ms, p50 / p95), after one call to warm caches.",
        "",
        "| cities | question | FalkorDB p50 | FalkorDB p95 | Neo4j p50 | Neo4j p95 |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        f, n = r["embedded"], r["neo4j"]
        lines.append(
            f"| {r['cities']:,} | first load, s ({f['stored']:,.0f} stored relationships) | {f['load_s']:.1f} "
            f"| | {n['load_s']:.1f} | |"
        )
        for name, (fp50, fp95) in f["queries"].items():
            np50, np95 = n["queries"][name]
            lines.append(f"| {r['cities']:,} | {name} | {fp50:.1f} | {fp95:.1f} | {np50:.1f} | {np95:.1f} |")
    return "\n".join(lines) + "\n"


def replace_section(text: str, section: str) -> str:
    """`text` with the section of the same title replaced, or with it added at the end."""
    title = section.split("\n", 1)[0]
    if title not in text:
        return text.rstrip("\n") + "\n\n" + section
    before, rest = text.split(title, 1)
    after = rest.split("\n## ", 1)
    return before + section + ("\n## " + after[1] if len(after) == 2 else "")


def main_engines(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE.parent))
    from tests import neo4j_server  # the tests' Neo4j launcher, unless NEO4J_URI names a server

    work = Path(tempfile.mkdtemp(prefix="gnlc-bench-"))
    own = neo4j_server.from_environment()
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    with contextlib.ExitStack() as stack:
        server = own or stack.enter_context(neo4j_server.launched(heap="2g", page_cache_mb=512))
        what = (
            "NEO4J_URI's server"
            if own
            else (f"5.26 Community from tests/neo4j (heap 2 GiB, page cache 512 MiB), ready in {server.start_s:.0f} s")
        )
        results = [
            run_engines(int(n), args.runs, work, server.uri, server.password, args.pairs) for n in args.sizes.split(",")
        ]
        if not own:
            what += f", peak RSS {server.rss_mib('VmHWM'):.0f} MiB"
    section = engines_report(results, command, what, args.pairs)
    args.out.write_text(replace_section(args.out.read_text(encoding="utf-8"), section), encoding="utf-8")
    print(section)
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated city counts")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the repeated steps (median)")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--pairs", type=int, default=QUERIES, help="city pairs per question (--engine both)")
    parser.add_argument(
        "--engine",
        choices=["embedded", "both"],
        default="embedded",
        help="embedded: the full benchmark, written to --out; both: FalkorDB beside Neo4j "
        f"(NEO4J_URI, or the tests' launcher), written as the section '{ENGINES_SECTION}'",
    )
    parser.add_argument(
        "--questions-on",
        type=Path,
        default=None,
        help="a data directory already loaded: only the questions beside their peers (no loads), "
        f"written as the section '{PEERS_SECTION}'",
    )
    args = parser.parse_args()
    if args.questions_on:
        main_questions(args)
        return
    if args.engine == "both":
        main_engines(args)
        return
    work = Path(tempfile.mkdtemp(prefix="gnlc-bench-"))
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"== {size:,} cities", flush=True)
        results.append(run_size(size, args.runs, work))
        print("\n".join(report(results, [], "")[:4]), flush=True)
    map_rows = map_sizes(args.runs)
    sections = report(results, map_rows, "python bench/run.py " + " ".join(sys.argv[1:]))
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else "# Benchmark results\n"
    for section in sections:
        text = replace_section(text, section)
    args.out.write_text(text, encoding="utf-8")
    print("\n".join(sections))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
