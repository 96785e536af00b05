"""The partnership questions: find cities and organisations, profiles, links,
neighbourhoods, bridges, shortest paths and brokers. Every answer comes from the store
(embedded FalkorDB or Neo4j) through the statements of :mod:`gnlc.graph.cypher`."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from gnlc.errors import GnlcError, InputError, NotFound
from gnlc.graph import cypher
from gnlc.graph.model import REGIONS, Label, LinkKind
from gnlc.graph.store import GraphStore, Row
from gnlc.hubs import HUBS_TTL_S, Hubs, find_hubs
from gnlc.loaders.normalise import clean_text, country_code, fold, region_id, slug
from gnlc.loaders.resolver import CityResolver, KnownCity
from gnlc.peers import NetworkContext
from gnlc.schemas import (
    AwardFact,
    Bridge,
    Broker,
    BrokerResult,
    CityProfile,
    CitySummary,
    ClusterFact,
    ConferenceFact,
    Degree,
    GEdge,
    GNode,
    LinkFact,
    LinkRow,
    MembershipFact,
    OrgSummary,
    Page,
    PartnerFact,
    PathResult,
    SharedCity,
    Subgraph,
)

MAX_LIMIT = 1000  # no request pages more rows than this
MAX_SUBGRAPH_NODES = 5000
HUB_DEGREE = 200  # organisations partnering more cities than this are shown but not walked through
KNOWN_TTL_S = 60.0


class Ambiguous(GnlcError):
    """A name that fits more than one city."""

    exit_code = 6
    http_status = 409

    def __init__(self, name: str, candidates: list[str]) -> None:
        self.name, self.suggestions = name, candidates
        super().__init__(f"{name!r} names more than one city: {', '.join(candidates)}; give the id or the country")


def bounded(value: int, name: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InputError(f"{name}: expected a whole number from {low} to {high}, got {value}")
    return value


def summary_of(props: dict[str, Any]) -> CitySummary:
    return CitySummary(
        id=props["id"], name=props.get("name") or props["id"], country=props.get("country_code"),
        region=props.get("region"), kind=props.get("kind"), status=props.get("status"),
        year_joined=props.get("year_joined"), population=props.get("population"),
        population_source=props.get("population_source"), latitude=props.get("latitude"),
        longitude=props.get("longitude"), source=props.get("source"), source_row=props.get("source_row"),
        source_url=props.get("source_url"), wikidata=props.get("wikidata"),
        wikidata_url=f"https://www.wikidata.org/wiki/{props['wikidata']}" if props.get("wikidata") else None,
        sources=list(props.get("sources") or []),
    )


def gnode(raw: dict[str, Any]) -> GNode:
    props = {k: v for k, v in (raw.get("props") or {}).items() if k != "search_names"}
    return GNode(id=raw["id"], label=raw["label"], name=props.get("name"), kind=props.get("kind"),
                 country=props.get("country_code"), region=props.get("region"), props=props)


def gedge(raw: dict[str, Any]) -> GEdge:
    return GEdge(**{k: raw.get(k) for k in GEdge.model_fields})


@dataclass
class _Known:
    at: float
    cities: list[KnownCity]
    plain: CityResolver  # names and aliases only: quick to build
    names: dict[str, str]  # id -> "Name (CC)"
    _full: CityResolver | None = None

    def full(self) -> CityResolver:
        """With the gazetteer's other spellings (built on first need: a few seconds)."""
        if self._full is None:
            self._full = CityResolver(self.cities)
        return self._full


class Explorer:
    """Answers the partnership questions from one store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._known: _Known | None = None
        self._org_degree: dict[str, tuple[float, int]] = {}
        self._hubs: Hubs | None = None
        self._context: NetworkContext | None = None

    def forget_names(self) -> None:
        """Forget the cached city names and degrees (after a write in this process)."""
        self._known = None
        self._hubs = None
        self._context = None
        self._org_degree.clear()

    # -- naming cities ------------------------------------------------------------------------
    def _known_cities(self, *, refresh: bool = False) -> _Known:
        if refresh or self._known is None or time.monotonic() - self._known.at > KNOWN_TTL_S:
            rows = self.store.read(cypher.KNOWN_CITIES)
            cities = [KnownCity(r["id"], r["name"], r["country"], tuple(r["aliases"] or ()))
                      for r in rows if r["name"] and r["country"]]
            names = {r["id"]: f"{r['name']} ({r['country']})" for r in rows}
            self._known = _Known(time.monotonic(), cities, CityResolver(cities, use_gazetteer=False), names)
        return self._known

    def city_id(self, ref: str, country: str | None = None) -> str:
        """The id of a city given by id or by name in any spelling the resolver knows
        (accents optional). Unknown: NotFound with the closest names."""
        ref = clean_text(ref or "")
        if not ref:
            raise InputError("city: expected a city name or id, got an empty value")
        if len(ref) > 200:
            raise InputError("city: expected at most 200 characters")
        if self.store.node(Label.CITY, ref) is not None:
            return ref
        code = check_country(country) if country else None
        for refresh in (False, True):
            known = self._known_cities(refresh=refresh)
            res = known.plain.resolve(ref, code, fuzzy=False)
            if res.status != "matched":
                res = known.full().resolve(ref, code)
            if res.status == "matched" and res.city_id:
                return res.city_id
            if res.status == "ambiguous":
                raise Ambiguous(ref, res.candidates)
        raise NotFound("city", ref, self._suggest(ref, known.names))

    @staticmethod
    def _suggest(ref: str, names: dict[str, str]) -> list[str]:
        choices = {cid: fold(n.rsplit(" (", 1)[0]) for cid, n in names.items()}
        ranked = process.extract(fold(ref), choices, scorer=fuzz.WRatio, limit=5, score_cutoff=60)
        return [f"{names[cid]} [{cid}]" for _, _, cid in ranked]

    def _city(self, cid: str) -> CitySummary:
        props = self.store.node(Label.CITY, cid)
        if props is None:
            raise NotFound("city", cid)
        return summary_of(props)

    def _search_ids(self, q: str, label: Label) -> list[str]:
        ids: list[str] = []
        if label is Label.CITY:
            res = self._known_cities().full().resolve(q, None, fuzzy=False)
            if res.status == "matched" and res.city_id:
                ids.append(res.city_id)
            elif res.status == "ambiguous":
                ids.extend(c.rsplit(", ", 1)[-1].rstrip(")") for c in res.candidates)
            hits = self.store.search_cities(fold(q), limit=100)
        else:
            hits = self.store.search_organisations(fold(q), limit=100)
        ids.extend(h["id"] for h in hits)
        return list(dict.fromkeys(ids))

    # -- cities and organisations -----------------------------------------------------------
    def cities(self, *, q: str | None = None, country: str | None = None, region: str | None = None,
               kind: str | None = None, status: str | None = None, cluster: str | None = None,
               year_from: int | None = None, year_to: int | None = None, award_year: int | None = None,
               awarded: bool | None = None, limit: int = 50, offset: int = 0) -> Page[CitySummary]:
        bounded(limit, "limit", 1, MAX_LIMIT)
        bounded(offset, "offset", 0, 10_000_000)
        params = {
            "ids": self._search_ids(q, Label.CITY) if q else None,
            "country": check_country(country) if country else None,
            "region": check_region(region) if region else None,
            "kind": kind, "status": status, "year_from": year_from, "year_to": year_to,
            "cluster": check_cluster(cluster) if cluster else None, "award_year": award_year, "awarded": awarded,
        }
        count = int(self.store.read(cypher.CITY_COUNT, **params)[0]["n"])
        rows = self.store.read(cypher.CITY_LIST, **params, offset=offset, limit=limit)
        return _page([summary_of(r["props"]) for r in rows], count, limit, offset)

    def organisations(self, *, q: str | None = None, country: str | None = None, kind: str | None = None,
                      limit: int = 50, offset: int = 0) -> Page[OrgSummary]:
        bounded(limit, "limit", 1, MAX_LIMIT)
        bounded(offset, "offset", 0, 10_000_000)
        params = {"ids": self._search_ids(q, Label.ORGANISATION) if q else None,
                  "country": check_country(country) if country else None, "kind": kind}
        count = int(self.store.read(cypher.ORG_COUNT, **params)[0]["n"])
        rows = self.store.read(cypher.ORG_LIST, **params, offset=offset, limit=limit)
        data = [OrgSummary(id=r["props"]["id"], name=r["props"].get("name") or r["props"]["id"],
                           kind=r["props"].get("kind"), country=r["props"].get("country_code"),
                           partners=r["partners"], source=r["props"].get("source"),
                           source_row=r["props"].get("source_row"), source_url=r["props"].get("source_url"))
                for r in rows]
        return _page(data, count, limit, offset)

    def organisation_id(self, ref: str) -> str:
        ref = clean_text(ref or "")
        if not ref:
            raise InputError("organisation: expected an organisation name or id, got an empty value")
        if self.store.node(Label.ORGANISATION, ref) is not None:
            return ref
        hits = self.store.search_organisations(fold(ref), limit=5)
        exact = [h["id"] for h in hits if fold(h["name"] or "") == fold(ref)]
        if len(exact) == 1:
            return exact[0]
        raise NotFound("organisation", ref, [f"{h['name']} [{h['id']}]" for h in hits])

    def profile(self, ref: str, country: str | None = None) -> CityProfile:
        cid = self.city_id(ref, country)
        row = self.store.read(cypher.CITY_PROFILE, id=cid)[0]
        props = row["city"]
        links: dict[str, list[LinkFact]] = defaultdict(list)
        for link in sorted(row["links"], key=lambda x: (x["kind"] or "", x["name"] or "", x["id"])):
            links[link["kind"] or "unspecified"].append(LinkFact(**link))
        facts = [*row["countries"], *row["memberships"], *row["clusters"], *row["awards"], *row["partners"],
                 *row["links"], *row["hosted"], *row["attended"]]
        sources = sorted({f["source_url"] for f in [props, *facts] if f.get("source_url")})
        country_row = row["countries"][0] if row["countries"] else {}
        n_links, n_partners = len(row["links"]), len(row["partners"])
        by_key = lambda xs: sorted(xs, key=lambda x: (str(x.get("year") or x.get("since") or ""), x["id"]))  # noqa: E731
        return CityProfile(
            city=summary_of(props), aliases=list(props.get("aliases") or []),
            country_name=country_row.get("name"), region_name=REGIONS.get(props.get("region") or ""),
            memberships=[MembershipFact(**m) for m in by_key(row["memberships"])],
            clusters=[ClusterFact(**c) for c in by_key(row["clusters"])],
            awards=[AwardFact(**a) for a in by_key(row["awards"])],
            partners=[PartnerFact(**p) for p in sorted(row["partners"], key=lambda p: (p["name"] or "", p["id"]))],
            links=dict(links), hosted=[ConferenceFact(**h) for h in by_key(row["hosted"])],
            attended=[ConferenceFact(**h) for h in by_key(row["attended"])],
            degree=Degree(links=n_links, partners=n_partners, total=n_links + n_partners), sources=sources,
        )

    # -- links and neighbourhoods -------------------------------------------------------------
    def links(self, ref: str, *, kinds: Iterable[str] | None = None, year: int | None = None,
              country: str | None = None) -> list[LinkRow]:
        cid = self.city_id(ref, country)
        rows = self.store.read(cypher.CITY_LINKS, id=cid, kinds=check_kinds(kinds), year=check_year(year))
        return [LinkRow(city=gnode(r["node"]), link=gedge(r["edge"])) for r in rows]

    def neighbourhood(self, ref: str, *, depth: int = 1, kinds: Iterable[str] | None = None,
                      year: int | None = None, organisations: bool = True, hub_degree: int = HUB_DEGREE,
                      max_nodes: int = 500, country: str | None = None) -> Subgraph:
        """Cities and organisations within ``depth`` steps. Organisations with more than
        ``hub_degree`` partner cities (UIL coordinates them all) are shown, not walked through."""
        bounded(depth, "depth", 1, 2)
        bounded(max_nodes, "max_nodes", 1, MAX_SUBGRAPH_NODES)
        bounded(hub_degree, "hub_degree", 1, 10_000_000)
        cid = self.city_id(ref, country)
        start = self.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[cid])[0]["node"]
        nodes: dict[str, GNode] = {cid: gnode(start)}
        edges: dict[tuple[str, str, str, str], GEdge] = {}
        frontier: dict[Label, list[str]] = {Label.CITY: [cid], Label.ORGANISATION: []}
        notes: list[str] = []
        truncated = False
        params = {"kinds": check_kinds(kinds), "year": check_year(year)}
        for _step in range(depth):
            rows: list[Row] = []
            if frontier[Label.CITY]:
                rows += self.store.read(cypher.CITY_STEP, ids=frontier[Label.CITY], with_orgs=organisations,
                                        **params)
            orgs = frontier[Label.ORGANISATION]
            if orgs:
                degrees = self.degrees((Label.ORGANISATION, o) for o in orgs)
                walk = [o for o in orgs if degrees.get(o, 0) <= hub_degree]
                for o in sorted(set(orgs) - set(walk)):
                    notes.append(f"{nodes[o].name} partners {degrees[o]} cities: shown, not walked through "
                                 f"(hub_degree={hub_degree})")
                if walk:
                    rows += self.store.read(cypher.ORG_STEP, ids=walk, year=params["year"])
            nxt: dict[Label, list[str]] = {Label.CITY: [], Label.ORGANISATION: []}
            for r in sorted(rows, key=lambda r: (r["node"]["id"], r["edge"]["type"], r["edge"].get("kind") or "")):
                node = r["node"]
                if node["id"] not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes[node["id"]] = gnode(node)
                    nxt[Label(node["label"])].append(node["id"])
                e = gedge(r["edge"])
                a, b = sorted((e.source_id, e.target_id)) if e.type == "LINKED_TO" else (e.source_id, e.target_id)
                edges.setdefault((a, b, e.type, e.kind or e.role or ""), e)
            frontier = nxt
        kept = [e for e in edges.values() if e.source_id in nodes and e.target_id in nodes]
        if truncated:
            notes.append(f"stopped at max_nodes={max_nodes}")
        return Subgraph(title=f"{nodes[cid].name}: neighbourhood, depth {depth}", nodes=list(nodes.values()),
                        edges=kept, truncated=truncated, notes=notes)

    def bridges(self, *, min_cities: int = 2, kind: str | None = None, limit: int = 50,
                offset: int = 0) -> Page[Bridge]:
        bounded(min_cities, "min_cities", 2, 10_000_000)
        bounded(limit, "limit", 1, MAX_LIMIT)
        bounded(offset, "offset", 0, 10_000_000)
        count = int(self.store.read(cypher.BRIDGES_COUNT, min_cities=min_cities, kind=kind)[0]["n"])
        rows = self.store.read(cypher.BRIDGES, min_cities=min_cities, kind=kind, offset=offset, limit=limit)
        return _page([Bridge(organisation=gnode(r["node"]), cities=r["cities"]) for r in rows], count, limit, offset)

    def shared_cities(self, org_a: str, org_b: str, *, limit: int = 100) -> list[SharedCity]:
        bounded(limit, "limit", 1, MAX_LIMIT)
        a, b = self.organisation_id(org_a), self.organisation_id(org_b)
        rows = self.store.read(cypher.SHARED_CITIES, a=a, b=b, limit=limit)
        return [SharedCity(city=gnode(r["node"]), role_a=r["role_a"], role_b=r["role_b"]) for r in rows]

    # -- paths and brokers ------------------------------------------------------------------------
    def paths(self, source: str, target: str, *, via: str = "all", max_hops: int = 4,
              kinds: Iterable[str] | None = None, year: int | None = None, limit: int = 10,
              include_hubs: bool = False) -> PathResult:
        """All shortest paths (up to ``limit``) of at most ``max_hops`` steps, through
        city-to-city links only (``via='cities'``) or links and partner organisations; the
        kind and year filters hold on every step; hubs are left out unless ``include_hubs``."""
        from gnlc.paths import find_paths

        return find_paths(self, source, target, via=via, max_hops=max_hops, kinds=kinds, year=year, limit=limit,
                          include_hubs=include_hubs)

    def network_context(self) -> NetworkContext:
        """Each city's number of linked cities and the links between countries (for
        recommendations), cached for KNOWN_TTL_S."""
        ctx = self._context
        if ctx is None or time.monotonic() - ctx.at > KNOWN_TTL_S:
            cities = self.store.read(cypher.CITY_LINK_DEGREES)
            pairs = {(r["a"], r["b"]): r["pairs"] for r in self.store.read(cypher.COUNTRY_PAIR_LINKS)
                     if r["a"] and r["b"]}
            ctx = self._context = NetworkContext(
                degree={r["id"]: r["links"] for r in cities}, country={r["id"]: r["country"] for r in cities},
                status={r["id"]: r["status"] for r in cities}, pairs=pairs, at=time.monotonic())
        return ctx

    def hubs(self) -> Hubs:
        """The hub organisations (see :mod:`gnlc.hubs`), cached for HUBS_TTL_S."""
        if self._hubs is None or time.monotonic() - self._hubs.at > HUBS_TTL_S:
            self._hubs = find_hubs(self.store)
        return self._hubs

    def brokers(self, source: str, target: str, *, limit: int = 20, include_hubs: bool = False) -> BrokerResult:
        """Cities linked to both and organisations partnering both, closest first; hub
        organisations (see :mod:`gnlc.hubs`) only with ``include_hubs``."""
        bounded(limit, "limit", 1, MAX_LIMIT)
        a, b = self.city_id(source), self.city_id(target)
        if a == b:
            raise InputError("target: expected a city other than the source city")
        found = self.brokers_of(a, [b], limit=limit, include_hubs=include_hubs)[b]
        linked = any(r.city.id == b for r in self.links(a))
        left_out = set() if include_hubs else self._shared_hubs(a, b)
        return BrokerResult(source=self._city(a), target=self._city(b), linked=linked, brokers=found,
                            note=self.hubs().note(left_out) or None)

    def _shared_hubs(self, a: str, b: str) -> set[str]:
        adj = {r["id"]: {o["id"] for o in r["orgs"]} for r in self.store.read(cypher.CITY_ADJACENCY, ids=[a, b])}
        return (adj.get(a, set()) & adj.get(b, set())) & self.hubs().ids()

    def brokers_of(self, a: str, targets: list[str], *, limit: int = 20,
                   include_hubs: bool = False) -> dict[str, list[Broker]]:
        """Brokers between ``a`` and each target, ranked by Adamic-Adar weight (a broker
        with fewer partners knows each more closely), then by id. What each city is joined to
        is read from the city's side, so a hub's partners are never walked. Hubs are not
        brokers unless ``include_hubs``."""
        out: dict[str, list[Broker]] = {t: [] for t in targets}
        if not targets:
            return out
        adj = {r["id"]: r for r in self.store.read(cypher.CITY_ADJACENCY, ids=[a, *targets])}
        if a not in adj:
            return out

        def joined(row: Row) -> dict[tuple[Label, str], list[str]]:
            ways: dict[tuple[Label, str], list[str]] = defaultdict(list)
            for key, lbl in (("orgs", Label.ORGANISATION), ("cities", Label.CITY)):
                for x in row[key]:
                    ways[(lbl, x["id"])].append(x["how"] or "link")
            return ways

        hubs = set() if include_hubs else self.hubs().ids()
        mine = {k: v for k, v in joined(adj[a]).items() if k[1] not in hubs}
        shared = {t: {k: (mine[k], v) for k, v in joined(adj[t]).items() if k in mine} for t in targets if t in adj}
        found = {k for per in shared.values() for k in per}
        nodes = {}
        for lbl in (Label.CITY, Label.ORGANISATION):
            ids = sorted(i for kl, i in found if kl is lbl)
            if ids:
                nodes.update({r["node"]["id"]: gnode(r["node"]) for r in self.store.read(cypher.NODES_BY_IDS[lbl],
                                                                                           ids=ids)})
        degrees = self.degrees(found)
        names = {r["node"]["id"]: f"{r['node']['props'].get('name')} ({r['node']['props'].get('country_code')})"
                 for r in self.store.read(cypher.NODES_BY_IDS[Label.CITY], ids=[a, *targets])}
        for t, per in shared.items():
            for (lbl, nid), (to_a, to_b) in per.items():
                node, deg = nodes[nid], degrees.get(nid, 2)
                to_a, to_b = sorted(set(to_a)), sorted(set(to_b))
                how = "linked to" if lbl is Label.CITY else "partners"
                text = (f"{node.name} {how} both {names.get(a, a)} ({', '.join(to_a)}) and "
                        f"{names.get(t, t)} ({', '.join(to_b)}); {deg} partners in all")
                out[t].append(Broker(node=node, score=round(1 / math.log(max(deg, 2)), 4), degree=deg,
                                     to_source=to_a, to_target=to_b, text=text))
            out[t] = sorted(out[t], key=lambda x: (-x.score, x.node.id))[:limit]
        return out

    def degrees(self, nodes: Iterable[tuple[Label, str]]) -> dict[str, int]:
        """Degrees in the partnership graph. Organisation degrees are cached for KNOWN_TTL_S
        (a hub's count walks all its partners); writes in this process clear the cache."""
        by_label: dict[Label, set[str]] = defaultdict(set)
        for lbl, nid in nodes:
            by_label[lbl].add(nid)
        out: dict[str, int] = {}
        if by_label.get(Label.CITY):
            out.update({r["id"]: r["degree"] for r in self.store.read(cypher.CITY_DEGREE,
                                                                       ids=sorted(by_label[Label.CITY]))})
        orgs = by_label.get(Label.ORGANISATION, set())
        now = time.monotonic()
        missing = sorted(o for o in orgs if o not in self._org_degree or now - self._org_degree[o][0] > KNOWN_TTL_S)
        if missing:
            for r in self.store.read(cypher.ORG_DEGREE, ids=missing):
                self._org_degree[r["id"]] = (now, r["degree"])
        out.update({o: self._org_degree[o][1] for o in orgs if o in self._org_degree})
        return out

    # -- whole or partial graphs as subgraphs (maps, export) ---------------------------------------
    def path_subgraph(self, result: PathResult) -> Subgraph:
        nodes: dict[str, GNode] = {}
        edges: dict[tuple[str, str, str, str], GEdge] = {}
        for p in result.paths:
            for n in p.nodes:
                nodes.setdefault(n.id, n)
            for e in p.edges:
                edges.setdefault((e.source_id, e.target_id, e.type, e.kind or e.role or ""), e)
        return Subgraph(title=f"paths {result.source.name} - {result.target.name}", nodes=list(nodes.values()),
                        edges=list(edges.values()), notes=[result.note] if result.note else [])

    def whole_graph(self) -> Subgraph:
        nodes = [gnode(r["node"]) for r in self.store.read(cypher.ALL_NODES)]
        edges = []
        for r in self.store.read(cypher.ALL_EDGES):
            p = r["props"] or {}
            edges.append(GEdge(source_id=r["source_id"], target_id=r["target_id"], type=r["type"],
                               **{k: p.get(k) for k in ("kind", "role", "since", "until", "derivation", "source",
                                                        "source_row", "source_url")}))
        return Subgraph(title="whole graph", nodes=nodes, edges=edges)


# -- helpers ------------------------------------------------------------------------------------
def _page(data: list[Any], count: int, limit: int, offset: int) -> Page[Any]:
    nxt = offset + limit if offset + limit < count else None
    return Page(data=data, count=count, limit=limit, offset=offset, next_offset=nxt)


def check_country(value: str) -> str:
    code = country_code(value)
    if not code:
        raise InputError(f"country: expected a country name or ISO code, got {value!r}")
    return code


def check_region(value: str) -> str:
    rid = value if value in REGIONS else region_id(value)
    if not rid:
        raise InputError(f"region: expected one of {', '.join(REGIONS)} (or their names), got {value!r}")
    return rid


def check_cluster(value: str) -> str:
    return value if value.startswith("cluster-") else f"cluster-{slug(value)}"


def check_kinds(kinds: Iterable[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    out = []
    valid = {k.value for k in LinkKind}
    for k in kinds:
        for part in str(k).split(","):
            part = part.strip()
            if part and part not in valid:
                raise InputError(f"kind: expected one of {', '.join(sorted(valid))}, got {part!r}")
            if part:
                out.append(part)
    return out or None


def check_year(year: int | None) -> int | None:
    return None if year is None else bounded(year, "year", 1900, 2100)
