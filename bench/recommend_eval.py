"""How good are the recommendations? Hide city-to-city links, recommend, count the hits.

    .venv/bin/python bench/recommend_eval.py                      # the three networks, 3 seeds
    .venv/bin/python bench/recommend_eval.py --datasets gnlc --seeds 0 --max-queries 300
    .venv/bin/python bench/recommend_eval.py --tune               # choose the default weights

For each network (``world-twinning``: the Wikidata twinning network; ``gnlc``: the bundled
GNLC network; ``synthetic``: ``gnlc generate``, 2,000 cities), loaded once through the
project's own loaders into an embedded engine under ``--data-root`` and read back:

1. hide a share (``--share``, 10%) of the linked city pairs: at random (one split per seed)
   and, where links have a start year, the most recent ones (one split);
2. every city that lost a link asks for recommendations from the visible graph (queries
   sampled with a fixed seed when there are more than ``--max-queries``, and said so);
3. each method ranks every city not yet linked to the asker; a hidden partner ranked in
   the first 10 is a hit. Ties are broken at random, and the *expected* hit@10 and
   reciprocal rank are counted, so no method gains from an arbitrary order.

Methods, in the same run on the same splits: ``ours`` (:mod:`gnlc.peers`, the code the
recommender runs, with the default :class:`~gnlc.schemas.Weights`), ``learned`` (logistic
regression on the same features, trained on the visible links only by hiding a further
10% of them: its weights stay a readable weighted sum), and the baselines ``random``,
``same country``, and networkx's ``preferential_attachment``, ``common_neighbors``,
``adamic_adar_index`` and ``resource_allocation_index`` on the visible graph. Hub
organisations (:mod:`gnlc.hubs`) are left out of the graph for every method.

``coverage`` is the share of hidden partners a method ranks on its own evidence (a score
above the tied rest); ``random`` has none by definition.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gnlc.facts import city_facts  # noqa: E402
from gnlc.graph import cypher  # noqa: E402
from gnlc.graph.store import GraphStore, open_store  # noqa: E402
from gnlc.hubs import find_hubs  # noqa: E402
from gnlc.peers import FEATURES, CityFacts, NetworkContext, feature_values, near_pool, three_steps, top_three_steps  # noqa: E402
from gnlc.recommend import COLD_START, REGION_POOL  # noqa: E402
from gnlc.schemas import Weights  # noqa: E402
from gnlc.settings import load_settings  # noqa: E402

K = 10
BASELINES = (
    "random",
    "same country",
    "preferential attachment",
    "common neighbours",
    "Adamic-Adar",
    "resource allocation",
)


# -- the network, read once from the store ------------------------------------------------------------
@dataclass
class Network:
    name: str
    cities: dict[str, CityFacts]
    links: list[tuple[str, str, int | None]]  # each linked pair once, with its earliest start year
    partners: dict[str, set[str]]  # organisation (hubs left out) -> partner cities
    cluster_mates: dict[str, set[str]] = field(default_factory=dict)
    winners: list[str] = field(default_factory=list)


def load_network(name: str, data_dir: Path) -> Network:
    settings = load_settings(data_dir=data_dir, graph_name="eval")
    store = open_store(settings)
    if not store.read(cypher.CITY_LINK_DEGREES):
        _load(store, name, settings.dataset_dir, data_dir)
    ids = [r["id"] for r in store.read(cypher.CITY_LINK_DEGREES)]
    hubs = find_hubs(store).ids()
    places = {r["id"]: (float(r["latitude"]), float(r["longitude"])) for r in store.read(cypher.CITY_PLACES)}
    cities, partners, clusters = {}, defaultdict(set), defaultdict(set)
    for i in range(0, len(ids), 2000):
        for f in store.read(cypher.CANDIDATE_FACTS, ids=ids[i : i + 2000]):
            cities[f["id"]] = city_facts(f, places.get(f["id"]))  # as the recommender makes them
            for o in f["orgs"]:
                if o not in hubs:
                    partners[o].add(f["id"])
            for c in f["clusters"]:
                clusters[c["id"]].add(f["id"])
    years: dict[tuple[str, str], int | None] = {}
    for r in store.read(cypher.LINK_PAIRS):
        key = (r["a"], r["b"])
        old = years.get(key)
        years[key] = r["since"] if old is None else (old if r["since"] is None else min(old, r["since"]))
    mates = {c: set().union(*(clusters[k] for k in cities[c].clusters)) - {c} for c in cities if cities[c].clusters}
    winners = sorted(c for c, f in cities.items() if f.awards)[:REGION_POOL]
    return Network(name, cities, [(a, b, y) for (a, b), y in sorted(years.items())], dict(partners), mates, winners)


def _load(store: GraphStore, name: str, dataset_dir: Path, data_dir: Path) -> None:
    from gnlc.loaders.bundled import load_bundled
    from gnlc.loaders.pipeline import load_files
    from gnlc.loaders.synthetic import generate

    print(f"loading {name} into {data_dir} ...", file=sys.stderr)
    store.apply_schema()
    if name == "synthetic":
        files = Path(tempfile.mkdtemp(prefix="gnlc-syn-"))
        generate(files, cities=2000, seed=42)
        load_files(store, sorted(files.glob("*.csv")))
    else:
        load_bundled(store, dataset_dir, dataset=name)


# -- splits ----------------------------------------------------------------------------------------------
def random_split(net: Network, share: float, seed: int) -> list[tuple[str, str]]:
    pairs = [(a, b) for a, b, _ in net.links]
    return random.Random(seed).sample(pairs, max(1, round(share * len(pairs))))


def time_split(net: Network, share: float) -> list[tuple[str, str]] | None:
    dated = sorted((y, a, b) for a, b, y in net.links if y is not None)
    if len(dated) < 50:
        return None
    n = max(1, round(share * len(dated)))
    return [(a, b) for _, a, b in dated[-n:]]


# -- one split: features of every candidate, then every method's ranks -----------------------------------
@dataclass
class Query:
    city: str
    targets: set[str]
    universe: int  # cities that could be recommended
    pool: list[str]
    features: np.ndarray  # len(pool) x len(FEATURES)
    baselines: dict[str, dict[str, float]]  # method -> candidate -> score (those above the tied rest)
    same_country: int  # candidates in the asker's country


class Split:
    def __init__(self, net: Network, hidden: list[tuple[str, str]]) -> None:
        self.net = net
        hidden_set = {tuple(sorted(p)) for p in hidden}
        self.visible = [(a, b) for a, b, _ in net.links if (a, b) not in hidden_set]
        self.hidden = hidden
        self.g = nx.Graph()
        self.g.add_nodes_from(net.cities)
        self.g.add_edges_from(self.visible)
        self.cities_only = self.g.copy()
        for org, cities in net.partners.items():
            self.g.add_edges_from((org, c) for c in cities)
        self.ctx = NetworkContext.from_links({c: (f.country, f.status) for c, f in net.cities.items()}, self.visible)
        self.ctx.coords = {c: f.place for c, f in net.cities.items() if f.place is not None}
        self.by_country: dict[str | None, int] = defaultdict(int)
        for f in net.cities.values():
            self.by_country[f.country] += 1
        self.degrees = np.sort(np.array([self.ctx.degree.get(c, 0) for c in net.cities]))
        self.top_degree = sorted(net.cities, key=lambda c: (-self.ctx.degree.get(c, 0), c))[:200]
        self.region_peers: dict[str | None, list[str]] = defaultdict(list)
        for c in sorted(net.cities):
            self.region_peers[net.cities[c].region].append(c)

    def queries(self, limit: int, seed: int) -> tuple[list[Query], int]:
        targets: dict[str, set[str]] = defaultdict(set)
        for a, b in self.hidden:
            targets[a].add(b)
            targets[b].add(a)
        askers = sorted(targets)
        total = len(askers)
        if len(askers) > limit:
            askers = sorted(random.Random(seed).sample(askers, limit))
        return [self.query(c, targets[c]) for c in askers], total

    def query(self, u: str, targets: set[str]) -> Query:
        net, g = self.net, self.g
        linked = set(self.cities_only[u])
        me = net.cities[u]
        two_hop = {x for z in g[u] for x in g[z] if x in net.cities} - linked - {u}
        pool = set(two_hop) | net.cluster_mates.get(u, set()) | set(net.winners)
        pool |= set(self.ctx.context_pool(me.country, members_only=False))
        paths = three_steps(u, linked, self.cities_only.adj, self.ctx.degree)
        pool |= set(top_three_steps(paths))
        partners_at = {y: self.ctx.coords[y] for y in linked if y in self.ctx.coords}
        pool |= near_pool(self.ctx, me.place, partners_at.values())
        if me.region and len(pool - linked - {u}) < COLD_START:
            pool |= set(self.region_peers[me.region][:REGION_POOL])
        pool -= linked | {u}
        ordered = sorted(pool)
        mine = set(g[u])
        rows = []
        for x in ordered:
            commons = mine & set(g[x]) if x in two_hop else ()
            degs = [self.ctx.degree.get(z, 0) if z in net.cities else g.degree(z) for z in commons]
            values = feature_values(
                me, net.cities[x], degs, self.ctx, partners_at, sum(paths[x].values()) if x in paths else 0.0
            )
            rows.append([values[f] for f in FEATURES])
        features = np.array(rows, dtype=float).reshape(len(ordered), len(FEATURES))
        base: dict[str, dict[str, float]] = {}
        pairs = [(u, x) for x in sorted(two_hop)]
        base["common neighbours"] = {x: float(len(list(nx.common_neighbors(g, u, x)))) for _, x in pairs}
        base["Adamic-Adar"] = {v: s for _, v, s in nx.adamic_adar_index(g, pairs)}
        base["resource allocation"] = {v: s for _, v, s in nx.resource_allocation_index(g, pairs)}
        ranked = [x for x in self.top_degree if x not in linked and x != u][:50]
        pa_pairs = [(u, x) for x in sorted(set(ranked) | (targets - linked))]
        base["preferential attachment"] = {
            v: float(s) for _, v, s in nx.preferential_attachment(self.cities_only, pa_pairs)
        }
        universe = len(net.cities) - 1 - len(linked)
        same = self.by_country[me.country] - 1 - sum(1 for y in linked if net.cities[y].country == me.country)
        return Query(u, targets, universe, ordered, features, base, same)


# -- expected hit@10 and reciprocal rank with random tie-breaking -------------------------------------------
def expected(better: int, tied: int) -> tuple[float, float]:
    """Hit@K and 1/rank, expected over the order of ``tied`` candidates sharing the target's score."""
    tied = max(tied, 1)
    hit = min(1.0, max(0.0, (K - better) / tied))
    rr = (_harmonic(better + tied) - _harmonic(better)) / tied
    return hit, rr


def _harmonic(n: int) -> float:
    return float(np.sum(1.0 / np.arange(1, n + 1))) if n < 1000 else math.log(n) + 0.5772156649 + 1 / (2 * n)


def rank_scores(scores: dict[str, float], target: str, universe: int) -> tuple[float, float, bool]:
    """Hit, reciprocal rank, scored-on-evidence for one target, the unscored rest tied below."""
    mine = scores.get(target, 0.0)
    positive = [s for s in scores.values() if s > 0]
    if mine <= 0:
        hit, rr = expected(len(positive), universe - len(positive))
        return hit, rr, False
    better = sum(1 for s in positive if s > mine)
    tied = sum(1 for s in positive if s == mine)
    hit, rr = expected(better, tied)
    return hit, rr, True


def evaluate(
    queries: list[Query], split: Split, weights: np.ndarray, learned: np.ndarray | None
) -> dict[str, list[tuple[float, float, bool]]]:
    out: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
    for q in queries:
        ours = dict(zip(q.pool, q.features @ weights, strict=True))
        fitted = dict(zip(q.pool, q.features @ learned, strict=True)) if learned is not None else None
        me = split.net.cities[q.city]
        for t in sorted(q.targets):
            out["ours"].append(rank_scores(ours, t, q.universe))
            if fitted is not None:
                out["learned"].append(rank_scores(fitted, t, q.universe))
            out["random"].append((*expected(0, q.universe), False))
            if me.country and split.net.cities[t].country == me.country:
                out["same country"].append((*expected(0, q.same_country), True))
            else:
                out["same country"].append((*expected(q.same_country, q.universe - q.same_country), False))
            for name in BASELINES[2:]:
                out[name].append(_baseline(q, split, name, t))
    return out


def hits_of_ours(queries: list[Query], weights: np.ndarray) -> list[float]:
    out = []
    for q in queries:
        ours = dict(zip(q.pool, q.features @ weights, strict=True))
        out += [rank_scores(ours, t, q.universe)[0] for t in sorted(q.targets)]
    return out


def _baseline(q: Query, split: Split, name: str, t: str) -> tuple[float, float, bool]:
    scores = q.baselines[name]
    if name != "preferential attachment" or t not in scores:
        return rank_scores(scores, t, q.universe)
    # preferential attachment scores every city: its rank is the number with a larger degree
    d = split.ctx.degree.get(t, 0)
    better = int(len(split.degrees) - np.searchsorted(split.degrees, d, side="right"))
    tied = int(np.searchsorted(split.degrees, d, side="right") - np.searchsorted(split.degrees, d, side="left"))
    hit, rr = expected(better, tied)
    return hit, rr, d > 0


# -- the learned ranker: logistic regression on visible links only -------------------------------------------
def fit_learned(net: Network, split: Split, share: float, seed: int, limit: int) -> np.ndarray | None:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("scikit-learn is not installed: no learned ranker", file=sys.stderr)
        return None
    inner_net = Network(
        net.name, net.cities, [(a, b, None) for a, b in split.visible], net.partners, net.cluster_mates, net.winners
    )
    inner = Split(inner_net, random_split(inner_net, share, seed + 1000))
    queries, _ = inner.queries(limit, seed + 1000)
    xs, ys = [], []
    for q in queries:
        xs.append(q.features)
        ys.append(np.array([1.0 if x in q.targets else 0.0 for x in q.pool]))
    if not xs:
        return None
    x, y = np.vstack(xs), np.concatenate(ys)
    if y.sum() == 0:
        return None
    model = LogisticRegression(max_iter=2000, C=1.0).fit(x, y)
    return model.coef_[0]


# -- tables ---------------------------------------------------------------------------------------------------
def summarise(runs: list[dict[str, list[tuple[float, float, bool]]]]) -> dict[str, tuple[float, float, float, float]]:
    """Method -> (hit@10, its spread over runs, MRR, coverage)."""
    out = {}
    for name in runs[0]:
        hits = [statistics.fmean(h for h, _, _ in r[name]) for r in runs]
        rrs = [statistics.fmean(rr for _, rr, _ in r[name]) for r in runs]
        cov = [statistics.fmean(1.0 if c else 0.0 for _, _, c in r[name]) for r in runs]
        out[name] = (statistics.fmean(hits), statistics.pstdev(hits), statistics.fmean(rrs), statistics.fmean(cov))
    return out


def table(title: str, summary: dict[str, tuple[float, float, float, float]], note: str) -> str:
    best = max(v[0] for k, v in summary.items() if k in BASELINES)
    lines = [
        f"### {title}",
        "",
        note,
        "",
        "| method | hit@10 | ± (runs) | MRR | coverage | vs best baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, (hit, sd, mrr, cov) in sorted(summary.items(), key=lambda kv: -kv[1][0]):
        gain = f"{(hit / best - 1):+.0%}" if best > 0 else "-"
        cov_s = "-" if name == "random" else f"{cov:.1%}"
        lines.append(f"| {name} | {hit:.1%} | {sd:.1%} | {mrr:.3f} | {cov_s} | {gain} |")
    return "\n".join(lines)


def weights_vector(w: Weights) -> np.ndarray:
    d = w.model_dump()
    return np.array([d[f] for f in FEATURES], dtype=float)


def run_dataset(net: Network, args: argparse.Namespace, weights: np.ndarray) -> list[str]:
    out = []
    splits: list[tuple[str, list[list[tuple[str, str]]]]] = [
        (
            f"random {args.share:.0%}, seeds {', '.join(map(str, args.seeds))}",
            [random_split(net, args.share, s) for s in args.seeds],
        )
    ]
    recent = time_split(net, args.share)
    if recent is not None:
        out_of = sum(1 for *_, y in net.links if y is not None)
        splits.append((f"by time: the {len(recent)} most recent of {out_of} dated links", [recent]))
    for label, hidden_sets in splits:
        runs, asked, total = [], 0, 0
        t0 = time.monotonic()
        for i, hidden in enumerate(hidden_sets):
            split = Split(net, hidden)
            seed = args.seeds[i] if i < len(args.seeds) else 0
            queries, total = split.queries(args.max_queries, seed)
            asked = len(queries)
            learned = fit_learned(net, split, args.share, seed, args.max_queries) if args.learned else None
            if learned is not None:
                print(
                    f"{net.name} {label} seed {seed}: learned weights "
                    + ", ".join(f"{f}={v:.3f}" for f, v in zip(FEATURES, learned, strict=True)),
                    file=sys.stderr,
                )
            runs.append(evaluate(queries, split, weights, learned))
        note = (
            f"{len(net.cities):,} cities, {len(net.links):,} linked pairs; {len(hidden_sets[0]):,} hidden per run; "
            f"{asked:,} of the {total:,} cities that lost a link asked"
            + (" (sampled with a fixed seed)" if asked < total else "")
            + f"; {time.monotonic() - t0:.0f} s"
        )
        out.append(table(f"{net.name}: {label}", summarise(runs), note))
        print(out[-1] + "\n", file=sys.stderr)
    return out


# -- choosing the default weights ------------------------------------------------------------------------------
def tune(nets: list[Network], args: argparse.Namespace) -> np.ndarray:
    """Coordinate search over each weight on tuning seeds (not the reported ones): the
    weights with the best mean hit@10 over the given networks."""
    prepared = []
    for net in nets:
        for seed in (101, 102):
            split = Split(net, random_split(net, args.share, seed))
            prepared.append((split, split.queries(args.max_queries, seed)[0]))

    def objective(w: np.ndarray) -> float:
        return statistics.fmean(statistics.fmean(hits_of_ours(q, w)) for _, q in prepared)

    w = weights_vector(Weights())
    best = objective(w)
    grid = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    for _round in range(2):
        for i, f in enumerate(FEATURES):
            if f == "common_neighbours":
                continue  # the scale: every other weight is relative to it
            for v in grid:
                trial = w.copy()
                trial[i] = v
                got = objective(trial)
                if got > best + 1e-6:
                    best, w = got, trial
            print(f"tune: {f} = {w[i]} (hit@10 {best:.2%})", file=sys.stderr)
    return w


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default="world-twinning,gnlc,synthetic")
    p.add_argument("--seeds", default="0,1,2", type=lambda s: [int(x) for x in s.split(",")])
    p.add_argument("--share", type=float, default=0.1)
    p.add_argument("--max-queries", type=int, default=600)
    p.add_argument("--data-root", type=Path, default=Path("/tmp/gnlc-eval"))
    p.add_argument("--no-learned", dest="learned", action="store_false")
    p.add_argument("--tune", action="store_true", help="Choose the weights (on seeds 101-102) before reporting.")
    p.add_argument("--out", type=Path, help="Also write the tables to this file.")
    args = p.parse_args(argv)
    names = args.datasets.split(",")
    t0 = time.monotonic()
    nets = [load_network(n, args.data_root / n) for n in names]
    weights = weights_vector(Weights())
    if args.tune:
        weights = tune([n for n in nets if n.name != "synthetic"], args)
        print("tuned weights: " + ", ".join(f"{f}={v:g}" for f, v in zip(FEATURES, weights, strict=True)))
    lines = ["weights of `ours`: " + ", ".join(f"{f}={v:g}" for f, v in zip(FEATURES, weights, strict=True)), ""]
    for net in nets:
        lines += [*run_dataset(net, args, weights), ""]
    lines.append(f"({time.monotonic() - t0:.0f} s in all)")
    text = "\n\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
