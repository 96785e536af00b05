"""The questions from the command line, through the real entry point (in-process), on the embedded engine."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from gnlc.graph.falkor import FalkorStore
from gnlc.graph.store import GraphStore
from tests.conftest import DATA, cli

N_MEMBERS = sum(
    len(f.read_text(encoding="utf-8").splitlines()) - 1
    for f in (DATA / "gnlc_members.csv", DATA / "gnlc_members_added.csv")
)


pytestmark = pytest.mark.parametrize("loaded", ["embedded"], indirect=True)  # no Neo4j load for a skip


@pytest.fixture(scope="module")
def env(loaded: GraphStore, session_data_dir: Path) -> dict[str, str]:
    assert isinstance(loaded, FalkorStore), "the CLI tests use the embedded engine"
    return {"GNLC_DATA_DIR": str(session_data_dir), "GNLC_GRAPH": loaded.graph_name}


def test_city_profile_and_json(env: dict[str, str]) -> None:
    out = cli("city", "Okayama", env=env)
    assert out.returncode == 0, out.stderr
    assert "Okayama (jp-okayama) - Japan, Asia and the Pacific" in out.stdout
    data = json.loads(cli("city", "Okayama", "--json", env=env).stdout)
    assert data["awards"][0]["year"] == 2017


def test_unknown_and_ambiguous_names(env: dict[str, str]) -> None:
    out = cli("city", "Okayamaa-shi-x", env=env)
    assert out.returncode == 6 and "did you mean" in out.stderr and "[jp-okayama]" in out.stderr
    amb = cli("links", "Brest", env=env)
    assert amb.returncode == 6 and "more than one city" in amb.stderr
    assert cli("links", "Brest", "--country", "France", env=env).returncode == 0


def test_links_path_brokers(env: dict[str, str]) -> None:
    links = json.loads(cli("links", "Limerick", "--as-of", "2021", "--json", env=env).stdout)
    ids = {r["city"]["id"] for r in links}
    assert "ie-cork" in ids and "fi-espoo" not in ids  # Limerick-Espoo ended in 2020
    path = cli("path", "Cork", "Okayama", "--via", "cities", env=env)
    assert "Cork -[twinning]- Espoo -[study_visit]- Okayama" in path.stdout.splitlines()
    twins = cli("path", "Cork", "Okayama", "--kind", "twinning", "--max-hops", "2", env=env)
    assert twins.returncode == 0 and "-[study_visit]-" not in twins.stdout
    assert "no path of at most 2 steps through twinning links" in twins.stdout or "-[twinning]-" in twins.stdout
    brokers = json.loads(cli("brokers", "Cork", "Okayama", "--json", env=env).stdout)
    assert "fi-espoo" in {b["node"]["id"] for b in brokers["brokers"]}
    assert "org-uil" not in {b["node"]["id"] for b in brokers["brokers"]}


def test_recommend_with_weights(env: dict[str, str]) -> None:
    rec = json.loads(cli("recommend", "Cork", "--limit", "3", "--weight", "mentor=10", "--json", env=env).stdout)
    assert rec["weights"]["mentor"] == 10 and len(rec["candidates"]) == 3
    bad = cli("recommend", "Cork", "--weight", "fame=2", env=env)
    assert bad.returncode == 5 and "--weight" in bad.stderr
    neg = cli("recommend", "Cork", "--weight", "mentor=-1", env=env)
    assert neg.returncode == 5


def test_stats_and_eligibility(env: dict[str, str]) -> None:
    regions = json.loads(cli("stats", "region", "--json", env=env).stdout)
    assert sum(r["count"] for r in regions) == N_MEMBERS
    assert cli("stats", "nonsense", env=env).returncode == 5
    el = json.loads(cli("eligibility", "Tiny", "--population", "800", "--kind", "village", "--json", env=env).stdout)
    assert el["verdict"] == "not eligible"


def test_export_files(env: dict[str, str], tmp_path: Path) -> None:
    gexf = tmp_path / "n.gexf"
    out = cli("export", "-o", str(gexf), "--scope", "neighbourhood", "--city", "Cork", "--depth", "2", env=env)
    assert out.returncode == 0, out.stderr
    g = nx.read_gexf(gexf)
    assert "jp-okayama" in g
    bad = cli("export", "-o", str(tmp_path / "x.pdf"), env=env)
    assert bad.returncode == 5 and ".graphml" in bad.stderr
