"""Centrality and communities of an igraph graph, deterministic: the same graph (with its
vertices in the same order) gives the same answer.

- betweenness, normalised as networkx's: exact up to ``EXACT_BETWEENNESS_MAX`` vertices,
  above that estimated from ``SAMPLE`` source vertices drawn with a fixed seed;
- PageRank (igraph's PRPACK, damping 0.85);
- Louvain communities (igraph's multilevel) under a seeded random number generator.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import igraph as ig

EXACT_BETWEENNESS_MAX = 5000  # above this many vertices, betweenness is estimated from a fixed sample
SAMPLE = 500
SEED = 42
_RNG_LOCK = threading.Lock()  # igraph's random number generator is one per process


def betweenness(g: ig.Graph) -> list[float]:
    """Normalised betweenness of every vertex (2 / ((n-1)(n-2)) times the count of shortest paths)."""
    n = g.vcount()
    if n < 3 or not g.ecount():
        return [0.0] * n
    scale = 2.0 / ((n - 1) * (n - 2))
    if n <= EXACT_BETWEENNESS_MAX:
        return [b * scale for b in g.betweenness(directed=False)]
    sources = sorted(random.Random(SEED).sample(range(n), SAMPLE))
    return [b * scale * n / SAMPLE for b in g.betweenness(directed=False, sources=sources)]


def pagerank(g: ig.Graph) -> list[float]:
    """PageRank with damping 0.85; every vertex 1/n on a graph without edges."""
    n = g.vcount()
    if not g.ecount():
        return [1.0 / n if n else 0.0] * n
    return list(g.pagerank(directed=False, damping=0.85))


def louvain(g: ig.Graph) -> list[list[int]]:
    """Louvain communities as lists of vertex indices, with a seeded generator."""
    import igraph as ig

    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(SEED))
        try:
            found = g.community_multilevel()
        finally:
            ig.set_random_number_generator(random)
    return [list(c) for c in found]
