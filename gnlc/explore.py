"""The partnership questions over one store: :class:`Explorer` is the one door.

Each family of questions lives in its own module, as functions whose first argument is
the explorer (its store and caches):

- :mod:`gnlc.names`: naming cities and organisations, checking values, row -> model;
- :mod:`gnlc.cities`: search and filters, profiles, bridges, shared cities;
- :mod:`gnlc.links`: links by kind and year, neighbourhoods, whole-graph and path subgraphs;
- :mod:`gnlc.paths`: shortest paths, filters on every step, hubs left out;
- :mod:`gnlc.brokers`: who could introduce two cities, degrees;
- :mod:`gnlc.recommend`: peer partners (scored by :mod:`gnlc.peers`);
- :mod:`gnlc.analytics` and :mod:`gnlc.eligibility`.

The functions are the explorer's methods too (``ex.paths(a, b)`` is
``gnlc.paths.find_paths(ex, a, b)``), so the API, the CLI and the Python API call one
thing, one way. Every answer comes from the store (embedded FalkorDB or Neo4j) through the
statements of :mod:`gnlc.graph.cypher`.
"""

from __future__ import annotations

import time

from gnlc import brokers as _brokers
from gnlc import cities as _cities
from gnlc import links as _links
from gnlc import names as _names
from gnlc import paths as _paths
from gnlc import recommend as _recommend
from gnlc.facts import city_table, network_context
from gnlc.graph import cypher
from gnlc.graph.store import GraphStore
from gnlc.hubs import HUBS_TTL_S, Hubs, find_hubs, hubs_on_projection
from gnlc.names import (  # noqa: F401 - the names other modules import from here
    HUB_DEGREE,
    KNOWN_TTL_S,
    MAX_LIMIT,
    MAX_SUBGRAPH_NODES,
    Ambiguous,
    bounded,
    check_cluster,
    check_country,
    check_kinds,
    check_region,
    check_year,
    gedge,
    gnode,
    summary_of,
)
from gnlc.peers import NetworkContext
from gnlc.projection import Projection


class Explorer:
    """Answers the partnership questions from one store (and caches what many ask)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._known: _names._Known | None = None
        self._org_degree: dict[str, tuple[float, int]] = {}
        self._hubs: Hubs | None = None
        self._context: NetworkContext | None = None

    def forget_names(self) -> None:
        """Forget the cached city names, degrees, hubs and network context (after a write)."""
        self._known = None
        self._hubs = None
        self._context = None
        self._org_degree.clear()

    def hubs(self, proj: Projection | None = None) -> Hubs:
        """The hub organisations (see :mod:`gnlc.hubs`): with the projection, found on it once per
        graph version (:func:`gnlc.hubs.hubs_on_projection`); else read from the engine and
        cached for HUBS_TTL_S."""
        if proj is not None:
            return proj.memo("hubs", lambda: hubs_on_projection(self.store, proj, city_table(self.store, proj)))
        if self._hubs is None or time.monotonic() - self._hubs.at > HUBS_TTL_S:
            self._hubs = find_hubs(self.store)
        return self._hubs

    def network_context(self, proj: Projection | None = None) -> NetworkContext:
        """Each city's number of linked cities and the links between countries (for
        recommendations): from the projection when given (once per graph version, see
        :func:`gnlc.facts.network_context`), else read from the engine and cached for KNOWN_TTL_S."""
        if proj is not None:
            return network_context(self.store, proj)
        ctx = self._context
        if ctx is None or time.monotonic() - ctx.at > KNOWN_TTL_S:
            cities = self.store.read(cypher.CITY_LINK_DEGREES)
            pairs = {
                (r["a"], r["b"]): r["pairs"] for r in self.store.read(cypher.COUNTRY_PAIR_LINKS) if r["a"] and r["b"]
            }
            ctx = self._context = NetworkContext(
                degree={r["id"]: r["links"] for r in cities},
                country={r["id"]: r["country"] for r in cities},
                status={r["id"]: r["status"] for r in cities},
                pairs=pairs,
                at=time.monotonic(),
            )
        return ctx

    # names
    city_id = _names.city_id
    organisation_id = _names.organisation_id
    search_ids = _names.search_ids
    _city = _names.city_summary
    _known_cities = _names.known_cities
    # cities and organisations
    cities = _cities.cities
    organisations = _cities.organisations
    profile = _cities.profile
    bridges = _cities.bridges
    shared_cities = _cities.shared_cities
    # links, neighbourhoods, subgraphs
    links = _links.links
    neighbourhood = _links.neighbourhood
    path_subgraph = _links.path_subgraph
    whole_graph = _links.whole_graph
    # paths, brokers, recommendations
    paths = _paths.find_paths
    brokers = _brokers.brokers
    brokers_of = _brokers.brokers_of
    degrees = _brokers.degrees
    recommend = _recommend.recommend
