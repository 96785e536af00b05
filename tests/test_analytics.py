"""Centrality computed outside networkx agrees with networkx's definition."""

from __future__ import annotations

import networkx as nx
import pytest

from gnlc.analytics import betweenness


@pytest.mark.parametrize(
    "graph",
    [nx.karate_club_graph(), nx.gnm_random_graph(120, 300, seed=7), nx.path_graph(2)],
    ids=["karate", "random", "tiny"],
)
def test_betweenness_equals_networkx_exact(graph: nx.Graph) -> None:
    g = nx.relabel_nodes(graph, {n: f"n{n}" for n in graph})
    ours, theirs = betweenness(g), nx.betweenness_centrality(g, normalized=True)
    assert ours.keys() == theirs.keys()
    assert all(ours[n] == pytest.approx(theirs[n], abs=1e-12) for n in g)
    assert max(ours.values()) > 0 or len(g) < 3
