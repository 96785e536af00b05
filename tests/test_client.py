"""The Python API: DataFrames in, DataFrames out, on the real engine."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from gnlc.client import Gnlc
from gnlc.graph.store import GraphStore
from gnlc.settings import load_settings
from tests.conftest import DATA, REPO


def test_questions_as_dataframes(loaded: GraphStore, tmp_path: Path) -> None:
    g = Gnlc(load_settings(), store=loaded)
    regions = g.members_by_region()
    members = pd.concat([pd.read_csv(DATA / f) for f in ("gnlc_members.csv", "gnlc_members_added.csv")])
    assert regions["count"].sum() == len(members)
    assert set(regions.columns) >= {"region", "name", "count"}
    rec = g.recommend("Bangkok", weights={"mentor": 0, "similar_size": 0, "same_region": 0}, limit=3)
    assert list(rec["rank"]) == [1, 2, 3] and rec["reasons"].str.len().gt(0).all()
    assert not rec["brokers"].str.contains("National Commission|Institute for Lifelong").any()  # hubs
    assert "fi-espoo" in set(g.brokers("Cork", "Okayama")["broker"])
    assert "org-jp-national-commission-for-unesco" in set(g.brokers("Okayama", "Taku", include_hubs=True)["broker"])
    hubs = g.path_table("Okayama", "Taku", include_hubs=True)
    assert len(hubs) and hubs["length"].eq(2).all()
    assert len(g.awards(2015)) == 12
    assert g.cities(region="africa", status="member")["id"].nunique() == (members.unesco_region == "Africa").sum()
    facts = g.city_facts("Okayama")
    assert facts["source_url"].notna().all() and "award" in set(facts["fact"])
    assert g.eligibility("Okayama").attrs["verdict"] == "eligible"
    path = g.export(g.neighbourhood("Cork", depth=2), tmp_path / "n.graphml")
    assert "fi-espoo" in nx.read_graphml(path)


def test_load_and_report(store: GraphStore) -> None:
    g = Gnlc(load_settings(), store=store)
    first = g.report_frame(g.load([REPO / "tests" / "data" / "partner_cities.csv"]))
    assert first.loc[first["name"] == "City", "created"].item() == 9
    again = g.report_frame(g.load([REPO / "tests" / "data" / "partner_cities.csv"]))
    assert again[["created", "updated"]].sum().sum() == 0
    assert g.summary().query("name == 'City'")["count"].item() == 9
