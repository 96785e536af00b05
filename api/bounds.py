"""How large an answer the API builds. A whole-graph export or a map above the settings' size
(``GNLC_EXPORT_MAX_ELEMENTS``, ``GNLC_MAP_MAX_ELEMENTS``: nodes plus links) is refused with a
422 that says how to ask for less, before the file or page is rendered (on a 100,000-city
graph an unbounded export took 148 s and 5 GB; a map never finished)."""

from __future__ import annotations

from gnlc.errors import AnswerTooLarge
from gnlc.explore import Explorer
from gnlc.graph.model import Label, Rel

EXPORT_NARROW = (
    "export a part instead (scope=neighbourhood, paths, brokers or recommendations, with city=...), "
    "or the whole graph with `gnlc export` on the server, which has no limit"
)
MAP_NARROW = {
    "network": "draw a part instead: /maps/region/{name}, /maps/country/{name} or /maps/cluster/{name}",
    "region": "draw a smaller part: /maps/country/{name} for one of its countries, or /maps/cluster/{name}",
}
MAP_NARROW_OTHER = "draw a smaller part (depth=1 for a neighbourhood, one country instead of a region)"


def whole_graph_size(ex: Explorer) -> tuple[int, int]:
    """(nodes, relationships) of the whole graph, from the engine's counts (nothing is read)."""
    counts = ex.store.summary()
    return sum(counts["nodes"].values()), sum(counts["relationships"].values())


def refuse_large_export(nodes: int, edges: int, *, limit: int, what: str) -> None:
    _refuse(
        nodes,
        edges,
        limit=limit,
        what=what,
        answer="an export",
        setting="GNLC_EXPORT_MAX_ELEMENTS",
        narrow=EXPORT_NARROW,
    )


def network_size(ex: Explorer) -> tuple[int, int]:
    """(cities, links) of the graph: fewer than the network map draws (it adds partner organisations)."""
    counts = ex.store.summary()
    return counts["nodes"].get(Label.CITY.value, 0), counts["relationships"].get(Rel.LINKED_TO.value, 0)


def refuse_large_map(nodes: int, edges: int, *, limit: int, kind: str) -> None:
    _refuse(
        nodes,
        edges,
        limit=limit,
        what=f"the {kind} map",
        answer="a map",
        setting="GNLC_MAP_MAX_ELEMENTS",
        narrow=MAP_NARROW.get(kind, MAP_NARROW_OTHER),
    )


def _refuse(nodes: int, edges: int, *, limit: int, what: str, answer: str, setting: str, narrow: str) -> None:
    if nodes + edges > limit:
        raise AnswerTooLarge(
            f"{what} holds {nodes:,} nodes and {edges:,} links, over the {limit:,} nodes and links "
            f"{answer} holds on this server ({setting}); {narrow}"
        )
