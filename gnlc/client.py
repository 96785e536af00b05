"""The Python API for notebooks and scripts: the partnership questions, answered as pandas
DataFrames (or typed models where a table does not fit).

    from gnlc.client import Gnlc
    g = Gnlc()                  # settings from the environment; embedded engine by default
    g.load_demo()               # the bundled GNLC data (repeatable: a re-run changes nothing)
    g.members_by_region()       # DataFrame: region, name, count
    g.recommend("Bangkok")      # DataFrame: one row per candidate, reasons and brokers as text
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gnlc import maps
from gnlc.analytics import Analytics, Metric, Scope
from gnlc.eligibility import check_city, check_profile
from gnlc.explore import Explorer
from gnlc.export import write
from gnlc.graph.store import GraphStore, open_store
from gnlc.loaders.bundled import load_bundled
from gnlc.loaders.control import LoadControl
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import LoadReport, load_files
from gnlc.recommend import recommend, recommendation_subgraph
from gnlc.schemas import CityProfile, PathResult, ProfileInput, Recommendation, Subgraph, Weights
from gnlc.settings import Settings, load_settings
from gnlc.subgraphs import brokers_subgraph, map_subgraph


def frame(items: Iterable[Any]) -> pd.DataFrame:
    """A DataFrame from models or dicts (nested models become dict columns)."""
    rows = [i.model_dump() if hasattr(i, "model_dump") else dict(i) for i in items]
    return pd.DataFrame(rows)


class Gnlc:
    """One connection to the graph and every question over it."""

    def __init__(self, settings: Settings | None = None, *, store: GraphStore | None = None, **overrides: Any) -> None:
        self.settings = settings or load_settings(**overrides)
        self.store = store or open_store(self.settings)
        self.explorer = Explorer(self.store)
        self.analytics = Analytics(self.explorer)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Gnlc:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- loading -------------------------------------------------------------------------------
    def load_demo(self) -> LoadReport:
        """Load the bundled GNLC dataset (GNLC_DATASET_DIR)."""
        self.store.apply_schema()
        report = load_bundled(self.store, self.settings.dataset_dir)
        self.analytics.invalidate()
        return report

    def load(
        self,
        paths: Sequence[str | Path],
        *,
        kind: str | None = None,
        dry_run: bool = False,
        keep_going: bool = False,
        control: LoadControl | None = None,
    ) -> LoadReport:
        """Load files (CSV, TSV, XLSX, JSON); see `gnlc load --help` for their columns. With a
        ``control`` (``gnlc.loaders.control.LoadControl``), another thread sees its phase and rows
        and can cancel it: it then raises ``LoadCancelled``, the graph as it was."""
        self.store.apply_schema()
        report = load_files(
            self.store,
            [Path(p) for p in paths],
            mapping=Mapping(kind=kind),
            dry_run=dry_run,
            keep_going=keep_going,
            control=control,
        )
        self.analytics.invalidate()
        return report

    @staticmethod
    def report_frame(report: LoadReport) -> pd.DataFrame:
        """What a load changed, per label and relationship type."""
        return pd.DataFrame(report.write.table(), columns=["what", "name", "created", "updated", "unchanged"])

    def summary(self) -> pd.DataFrame:
        counts = self.store.summary()
        return pd.DataFrame(
            [(k[:-1], n, c) for k in ("nodes", "relationships") for n, c in sorted(counts[k].items())],
            columns=["what", "name", "count"],
        )

    # -- cities and organisations --------------------------------------------------------------
    def cities(self, **filters: Any) -> pd.DataFrame:
        """Cities matching the filters of :meth:`Explorer.cities` (all pages)."""
        limit = filters.pop("limit", None)
        out, offset = [], 0
        while True:
            page = self.explorer.cities(**filters, limit=1000, offset=offset)
            out += page.data
            if page.next_offset is None or (limit and len(out) >= limit):
                break
            offset = page.next_offset
        return frame(out[:limit] if limit else out)

    def organisations(self, **filters: Any) -> pd.DataFrame:
        return frame(self.explorer.organisations(**filters, limit=filters.pop("limit", 1000)).data)

    def city(self, name: str, country: str | None = None) -> CityProfile:
        return self.explorer.profile(name, country)

    def city_facts(self, name: str, country: str | None = None) -> pd.DataFrame:
        """A city's profile as one row per fact, with its source."""
        p = self.city(name, country)
        rows: list[tuple[str, str | None, int | str | None, str | None]]
        rows = [("membership", m.name, m.since, m.source_url) for m in p.memberships]
        rows += [("award", a.name, a.year, a.source_url) for a in p.awards]
        rows += [("cluster", k.name, k.role, k.source_url) for k in p.clusters]
        rows += [("partner", o.name, o.role, o.source_url) for o in p.partners]
        rows += [(f"link: {kind}", x.name, x.since, x.source_url) for kind, xs in p.links.items() for x in xs]
        rows += [("hosted", h.name, h.year, h.source_url) for h in p.hosted]
        return pd.DataFrame(rows, columns=["fact", "what", "detail", "source_url"])

    # -- links, paths, brokers, recommendations ------------------------------------------------
    def links(self, name: str, *, kinds: Iterable[str] | None = None, year: int | None = None) -> pd.DataFrame:
        rows = self.explorer.links(name, kinds=kinds, year=year)
        return pd.DataFrame(
            [
                {
                    "city": r.city.id,
                    "name": r.city.name,
                    "country": r.city.country,
                    "kind": r.link.kind,
                    "since": r.link.since,
                    "until": r.link.until,
                    "source_url": r.link.source_url,
                }
                for r in rows
            ],
            columns=["city", "name", "country", "kind", "since", "until", "source_url"],
        )

    def neighbourhood(self, name: str, **options: Any) -> Subgraph:
        return self.explorer.neighbourhood(name, **options)

    def paths(self, source: str, target: str, **options: Any) -> PathResult:
        return self.explorer.paths(source, target, **options)

    def path_table(self, source: str, target: str, **options: Any) -> pd.DataFrame:
        """One row per shortest path: its length and its steps as text."""
        res = self.paths(source, target, **options)
        return pd.DataFrame(
            [
                {
                    "length": p.length,
                    "via": [n.id for n in p.nodes[1:-1]],
                    "steps": " - ".join(n.name or n.id for n in p.nodes),
                }
                for p in res.paths
            ],
            columns=["length", "via", "steps"],
        )

    def brokers(self, source: str, target: str, *, limit: int = 20, include_hubs: bool = False) -> pd.DataFrame:
        res = self.explorer.brokers(source, target, limit=limit, include_hubs=include_hubs)
        return pd.DataFrame(
            [
                {
                    "broker": b.node.id,
                    "name": b.node.name,
                    "label": b.node.label,
                    "score": b.score,
                    "degree": b.degree,
                    "to_source": ", ".join(b.to_source),
                    "to_target": ", ".join(b.to_target),
                    "why": b.text,
                }
                for b in res.brokers
            ],
            columns=["broker", "name", "label", "score", "degree", "to_source", "to_target", "why"],
        )

    def recommendation(
        self, name: str, *, weights: Weights | dict[str, float] | None = None, **options: Any
    ) -> Recommendation:
        if isinstance(weights, dict):
            weights = Weights(**weights)
        return recommend(self.explorer, name, weights=weights, **options)

    def recommend(
        self, name: str, *, weights: Weights | dict[str, float] | None = None, **options: Any
    ) -> pd.DataFrame:
        """One row per candidate: score, each feature's contribution, reasons and brokers."""
        rec = self.recommendation(name, weights=weights, **options)
        rows = []
        for rank, c in enumerate(rec.candidates, 1):
            row: dict[str, Any] = {
                "rank": rank,
                "city": c.city.id,
                "name": c.city.name,
                "country": c.city.country,
                "score": c.score,
            }
            row.update({r.feature: r.contribution for r in c.reasons})
            row["reasons"] = "; ".join(r.text for r in c.reasons)
            row["brokers"] = "; ".join(b.node.name or b.node.id for b in c.brokers)
            rows.append(row)
        return pd.DataFrame(rows).fillna({f: 0.0 for f in Weights.model_fields})

    # -- analytics -----------------------------------------------------------------------------
    def members_by_region(self) -> pd.DataFrame:
        return frame(self.analytics.members_by_region()).rename(columns={"key": "region"})

    def members_by_country(self) -> pd.DataFrame:
        return frame(self.analytics.members_by_country()).rename(columns={"key": "country"})

    def members_by_year(self) -> pd.DataFrame:
        return frame(self.analytics.members_by_year())

    def awards(self, year: int | None = None) -> pd.DataFrame:
        return frame(self.analytics.awards(year))

    def top(self, metric: Metric = "degree", **options: Any) -> pd.DataFrame:
        return frame(self.analytics.top(metric, **options))

    def communities(self, **options: Any) -> pd.DataFrame:
        return frame(self.analytics.communities(**options))

    def network_stats(self, scope: Scope = "partnerships") -> dict[str, Any]:
        return self.analytics.stats(scope).model_dump()

    # -- eligibility and export ------------------------------------------------------------------
    def eligibility(
        self, name: str | None = None, *, profile: dict[str, Any] | None = None, country: str | None = None
    ) -> pd.DataFrame:
        """Each rule's verdict and evidence, for a city in the graph or a submitted profile."""
        res = check_profile(ProfileInput(**profile)) if profile else check_city(self.explorer, str(name), country)
        df = frame(res.rules)
        df.attrs["verdict"] = res.verdict
        return df

    def whole_graph(self) -> Subgraph:
        return self.explorer.whole_graph()

    def recommendation_graph(self, name: str, **options: Any) -> Subgraph:
        return recommendation_subgraph(self.recommendation(name, **options))

    def brokers_graph(self, source: str, target: str) -> Subgraph:
        return brokers_subgraph(self.explorer, source, target)

    @staticmethod
    def export(sub: Subgraph, path: str | Path, fmt: str | None = None) -> Path:
        """Write a subgraph as .graphml, .gexf, .zip (CSV) or .json."""
        return write(sub, Path(path), fmt)

    # -- maps ------------------------------------------------------------------------------------
    def map(self, kind: str, name: str | None = None, **options: Any) -> Subgraph:
        """The subgraph of a map: kind neighbourhood/paths/recommendations (name: a city),
        cluster/region/country (name: which one) or network; see :func:`map_subgraph`."""
        city = name if kind in ("neighbourhood", "paths", "recommendations") else None
        return map_subgraph(self.explorer, kind, city=city, name=None if city else name, **options)

    @staticmethod
    def map_html(sub: Subgraph, **options: Any) -> str:
        """The map as one self-contained HTML page (size_by=, geo=)."""
        return maps.render(sub, **options)

    @staticmethod
    def show(sub: Subgraph, *, height: int = 650, **options: Any) -> Any:
        """Display a map inline in a notebook (JupyterLab, VS Code)."""
        return maps.inline(maps.render(sub, **options), height=height)

    @staticmethod
    def nodes(sub: Subgraph) -> pd.DataFrame:
        return pd.DataFrame([n.model_dump(exclude={"props"}) for n in sub.nodes])

    @staticmethod
    def edges(sub: Subgraph) -> pd.DataFrame:
        return frame(sub.edges)
