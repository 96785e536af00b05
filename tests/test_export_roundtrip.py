"""Every export, read back with networkx (or csv/json): the same names, kinds and counts."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from gnlc.explore import Explorer
from gnlc.export import write
from gnlc.graph.store import GraphStore
from gnlc.schemas import Subgraph
from gnlc.subgraphs import subgraph

SCOPES = [
    ("whole", {}),
    ("neighbourhood", {"city": "Cork", "depth": 2}),
    ("paths", {"city": "Cork", "target": "Okayama"}),
    ("brokers", {"city": "Cork", "target": "Okayama"}),
    ("recommendations", {"city": "Suwon"}),
]


@pytest.fixture(scope="module")
def subs(loaded: GraphStore) -> dict[str, Subgraph]:
    ex = Explorer(loaded)
    return {scope: subgraph(ex, scope, **options) for scope, options in SCOPES}  # type: ignore[arg-type]


def _expected(sub: Subgraph) -> tuple[dict[str, str], list[tuple[str, str, str, str | None]]]:
    names = {n.id: n.name or n.id for n in sub.nodes}
    edges = sorted((e.source_id, e.target_id, e.type, e.kind) for e in sub.edges)
    return names, edges


@pytest.mark.parametrize("scope", [s for s, _ in SCOPES])
def test_gexf_opens_with_names_as_labels_and_edge_types_as_gexf_means_them(
    subs: dict[str, Subgraph], scope: str, tmp_path: Path
) -> None:
    sub = subs[scope]
    assert sub.nodes and sub.edges
    path = write(sub, tmp_path / "g.gexf")
    g = nx.read_gexf(path)
    names, edges = _expected(sub)
    assert {n: d["label"] for n, d in g.nodes(data=True)} == names
    assert {n: d["node_type"] for n, d in g.nodes(data=True)} == {n.id: n.label for n in sub.nodes}
    got = sorted((a, b, d["relationship"], d.get("kind")) for a, b, d in g.edges(data=True))
    if not g.is_directed():  # an undirected graph may give an edge's ends in either order
        got = sorted((*sorted((a, b)), r, k) for a, b, r, k in got)
        edges = sorted((*sorted((a, b)), r, k) for a, b, r, k in edges)
    assert got == edges
    root = ET.parse(path).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    types = {e.get("type") for e in root.iterfind(".//g:edge", ns)}
    assert types <= {"directed", "undirected"} and len(types) == 1
    assert g.is_directed() == (types == {"directed"})
    if any(e.type == "LINKED_TO" for e in sub.edges):
        assert types == {"undirected"}


@pytest.mark.parametrize("scope", [s for s, _ in SCOPES])
def test_graphml_csv_and_json_hold_the_same_graph(subs: dict[str, Subgraph], scope: str, tmp_path: Path) -> None:
    sub = subs[scope]
    names, edges = _expected(sub)
    g = nx.read_graphml(write(sub, tmp_path / "g.graphml"))
    assert {n: d.get("name", n) for n, d in g.nodes(data=True)} == names
    assert sorted((a, b, d["type"], d.get("kind")) for a, b, d in g.edges(data=True)) == edges
    with zipfile.ZipFile(write(sub, tmp_path / "g.zip")) as zf:
        nodes = list(csv.DictReader(io.StringIO(zf.read("nodes.csv").decode())))
        rows = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode())))
    assert {r["id"]: r["name"] or r["id"] for r in nodes} == names
    assert sorted((r["source_id"], r["target_id"], r["type"], r["kind"] or None) for r in rows) == edges
    back = Subgraph.model_validate(json.loads(write(sub, tmp_path / "g.json").read_text()))
    assert back == sub
