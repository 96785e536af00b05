"""The first load into an empty graph, in bulk.

The row-by-row path (:mod:`gnlc.loaders.build` and :class:`gnlc.graph.writer.GraphWriter`)
checks every record against the graph before it writes; into an empty graph there is
nothing to check against, so this path builds the same nodes and relationships as plain
values (no per-record models, each distinct name resolved once) and hands them to the
store to create at once (FalkorDB: ``GRAPH.BULK``; Neo4j: ``UNWIND ... CREATE``).

It takes cities, organisations, partnerships and links. Whenever the outcome could
differ from the row-by-row path it steps aside and says why (:class:`NotBulk`): a bad row,
a row that repeats another, a name that is not an exact match for one city, two rows that
name the same city, other kinds of file. The caller then loads row by row, which gives
the detailed errors and decisions. The result is the same graph either way (a test loads
the same files both ways and compares every node, relationship and property).

Memory: the rows are checked first, keeping what later rows are checked against (the
resolver's index of names, the keys of repeated rows) and the few shared nodes and facts
(countries, regions, organisations, the network, derived partnerships, links). What each
cities row alone gives (its city, the city's country relationship, its membership) is made
again from the rows when the store reads it (:class:`Streamed`), not held: held, they took
about 700 bytes a city (traced; tests/test_bulk_memory.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gnlc.graph.model import (
    ENDPOINTS,
    SYMMETRIC,
    Label,
    MembershipStatus,
    Rel,
    combine_sources,
    source_entry,
)
from gnlc.loaders import rules
from gnlc.loaders.build import CITY_FIELDS, city_props
from gnlc.loaders.normalise import fold, region_of
from gnlc.loaders.resolver import FUZZY_THRESHOLD, CityResolver, KnownCity, city_id
from gnlc.loaders.rows import ParsedTable
from gnlc.loaders.rules import Fact, NodeFact, RelFact, organisation_id

BULK_KINDS = ("cities", "organisations", "partnerships", "links")
CITY_PROPS = CITY_FIELDS
MEMBER_STATES = (MembershipStatus.MEMBER.value, MembershipStatus.FORMER.value)
NATCOM_DERIVATION = "derived: GNLC admission is endorsed by the National Commission for UNESCO"
UIL_DERIVATION = "derived: UIL coordinates the GNLC"


class NotBulk(Exception):
    """This input is loaded row by row instead; the message says why."""


RelKey = tuple[str, str, str]  # start id, end id, key
K = TypeVar("K")
# What a cities row gives once, whatever else the load holds: its city, the city's country
# relationship and its membership. These are made again from the rows when the store reads
# them rather than held (held, about 700 bytes a city); the rest is held.
STREAMED_NODES = frozenset({Label.CITY})
STREAMED_RELS = frozenset({(Rel.IN_COUNTRY, Label.CITY), (Rel.MEMBER_OF, Label.CITY)})


class Streamed(Mapping[K, dict[str, Any]]):
    """Nodes (by id) or relationships (by ends and key) made from the rows each time they
    are read, in the same order; only counted and, for cities, looked up in between."""

    def __init__(self, make: Callable[[], Iterator[tuple[K, dict[str, Any]]]], count: int) -> None:
        self._make, self._count = make, count

    def __iter__(self) -> Iterator[K]:
        return (key for key, _ in self._make())

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: K) -> dict[str, Any]:  # a whole read: not for loops
        return next(props for k, props in self._make() if k == key)

    def items(self) -> ItemsView[K, dict[str, Any]]:
        return _Items(self)

    def values(self) -> ValuesView[dict[str, Any]]:
        return _Values(self)


class _Items(ItemsView[K, dict[str, Any]]):
    _mapping: Streamed[K]

    def __iter__(self) -> Iterator[tuple[K, dict[str, Any]]]:
        return self._mapping._make()


class _Values(ValuesView[dict[str, Any]]):
    _mapping: Streamed[Any]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (props for _, props in self._mapping._make())


class _Cities(Streamed[str]):
    """The cities of a first load: whether one is among them is known without a read."""

    def __init__(self, make: Callable[[], Iterator[tuple[str, dict[str, Any]]]], known: Mapping[str, Any]) -> None:
        super().__init__(make, len(known))
        self._known = known

    def __contains__(self, key: object) -> bool:
        return key in self._known


@dataclass
class BulkPlan:
    """Every node and relationship of a first load, de-duplicated, with its properties
    (provenance included). Relationships of a symmetric type are held once, start < end.
    Cities, their country relationships and memberships are :class:`Streamed`."""

    nodes: dict[Label, Mapping[str, dict[str, Any]]] = field(default_factory=dict)
    rels: dict[tuple[Rel, Label], Mapping[RelKey, dict[str, Any]]] = field(default_factory=dict)
    loaded: dict[str, int] = field(default_factory=dict)  # table label -> rows loaded
    decisions: list[str] = field(default_factory=list)

    def node_count(self) -> int:
        return sum(len(v) for v in self.nodes.values())

    def rel_count(self, *, stored: bool = False) -> int:
        """Relationship rows; ``stored=True`` counts a symmetric link twice (one per direction)."""
        return sum(len(v) * (2 if stored and rel in SYMMETRIC else 1) for (rel, _), v in self.rels.items())


class BulkBuilder:
    """Builds a :class:`BulkPlan` the way :class:`~gnlc.loaders.build.RecordBuilder` builds
    records, for an empty graph."""

    def __init__(self, loaded_at: str) -> None:
        self.loaded_at = loaded_at
        self.plan = BulkPlan()
        self._nodes: dict[Label, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._rels: dict[tuple[Rel, Label], dict[RelKey, dict[str, Any]]] = defaultdict(dict)
        self._city_tables: list[ParsedTable] = []
        self._members = 0
        self.resolver = CityResolver([])
        self.orgs: dict[tuple[str, str | None], str] = {}
        self._refs: dict[tuple[str, str | None], str] = {}  # (name, country) -> city id, resolved once
        self._derived_orgs: set[str] = set()

    def build(self, tables: list[ParsedTable]) -> BulkPlan:
        for pt in tables:
            if pt.kind not in BULK_KINDS:
                raise NotBulk(f"{pt.table.label} holds {pt.kind}")
            if pt.errors:
                raise NotBulk(f"{pt.table.label} has bad rows")
        for pt in tables:
            getattr(self, f"_{pt.kind}")(pt)
            self.plan.loaded[pt.table.label] = len(pt.good)
        clash = self._derived_orgs & {o for o in self.orgs.values()}
        if clash:
            raise NotBulk(f"an organisation of the files has the id of a derived one: {sorted(clash)[0]}")
        self.plan.nodes.update(self._nodes)
        self.plan.rels.update(self._rels)
        if self._city_tables:
            self.plan.nodes[Label.CITY] = _Cities(lambda: self._streamed(Label.CITY), self.resolver.cities)
            self.plan.rels[(Rel.IN_COUNTRY, Label.CITY)] = Streamed(
                lambda: self._streamed((Rel.IN_COUNTRY, Label.CITY)), len(self.resolver.cities)
            )
        if self._members:
            self.plan.rels[(Rel.MEMBER_OF, Label.CITY)] = Streamed(
                lambda: self._streamed((Rel.MEMBER_OF, Label.CITY)), self._members
            )
        return self.plan

    # -- helpers ----------------------------------------------------------------------------
    def _prov(self, pt: ParsedTable, i: int, source_url: str | None) -> dict[str, Any]:
        prov = {
            "source": pt.table.label,
            "source_row": pt.table.row_number(i),
            "source_url": source_url,
            "loaded_at": self.loaded_at,
        }
        return {**prov, "sources": [source_entry(prov)]}

    def _node(self, label: Label, node_id: str, props: dict[str, Any], prov: dict[str, Any]) -> None:
        """Add a node, or combine it with the same node met earlier (as the writer does)."""
        nodes, new = self._nodes[label], _with_prov(props, prov)
        nodes[node_id] = new if node_id not in nodes else combine_sources(nodes[node_id], new)

    def _rel(
        self, rel: Rel, start_label: Label, start: str, end: str, key: str, props: dict[str, Any], prov: dict[str, Any]
    ) -> None:
        if rel in SYMMETRIC and end < start:
            start, end = end, start
        rels, new = self._rels[(rel, start_label)], _with_prov(props, prov)
        ends = (start, end, key)
        rels[ends] = new if ends not in rels else combine_sources(rels[ends], new)

    def _emit(self, facts: list[Fact], prov: dict[str, Any]) -> None:
        """The rules' facts into the plan, with the row's provenance (but the streamed ones)."""
        for f in facts:
            if isinstance(f, NodeFact):
                if f.label not in STREAMED_NODES:
                    self._node(f.label, f.id, f.props, prov)
            elif (f.type, f.start_label) not in STREAMED_RELS:
                self._rel(f.type, f.start_label, f.start, f.end, f.key, f.props, prov)

    def _unique(self, pt: ParsedTable, identity: tuple[Any, ...], seen: set[tuple[Any, ...]], i: int) -> None:
        if identity in seen:
            raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)} repeats an earlier row")
        seen.add(identity)

    def _city_ref(self, pt: ParsedTable, i: int, name: str, country: str | None) -> str:
        """An exact match for one city, else the row-by-row path decides."""
        cid = self._refs.get((name, country))
        if cid is None:
            cid = self.resolver.exact(name, country)
            if cid is None:
                res = self.resolver.resolve(name, country)
                if res.status != "matched" or res.method != "exact":
                    raise NotBulk(
                        f"{pt.table.label} row {pt.table.row_number(i)}: {name!r} is not an exact match "
                        f"for one city ({res.describe()})"
                    )
                cid = str(res.city_id)
            self._refs[(name, country)] = cid
        return cid

    # -- one method per kind ----------------------------------------------------------------
    def _cities(self, pt: ParsedTable) -> None:
        get = _city_columns(pt)
        for i in pt.good:
            name, code = get["name"][i], get["country"][i]
            region = region_of(code)
            if get["region"][i] and region and get["region"][i] != region:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: region does not fit the country")
            res = self.resolver.resolve(name, code, fuzzy=False)
            if res.status != "new":
                raise NotBulk(
                    f"{pt.table.label} row {pt.table.row_number(i)}: {name!r} names a city of an "
                    f"earlier row ({res.describe()})"
                )
            if res.score >= FUZZY_THRESHOLD:
                self.plan.decisions.append(
                    f"{pt.table.label} row {pt.table.row_number(i)}: {name!r} -> {res.describe()}"
                )
            cid = city_id(name, code)
            if cid in self.resolver.cities:  # a city is streamed once: a second row of its id goes row by row
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)} repeats an earlier row")
            props, facts, prov = self._city_row(pt, get, i, cid, with_props=True)
            self._emit(facts, prov)
            aliases = tuple(props.get("aliases") or ())
            self.resolver.add(KnownCity(cid, name, code, aliases, props.get("geonames_id"), looked_up=True))
            if props["status"] in rules.MEMBER_STATES:
                self._derived_orgs |= rules.derived_organisations(code)
                self._members += 1
        self._city_tables.append(pt)

    def _city_row(
        self, pt: ParsedTable, get: dict[str, Any], i: int, cid: str, *, with_props: bool
    ) -> tuple[dict[str, Any], list[Fact], dict[str, Any]]:
        """A cities row's city properties, facts and provenance; without the properties (and
        their gazetteer look-ups) when only its relationships are wanted."""
        name, code, year, aliases = get["name"][i], get["country"][i], get["year_joined"][i], get["aliases"][i]
        status = rules.status_of({"status": get["status"][i], "year_joined": year})
        props: dict[str, Any] = {"status": status}
        if with_props:
            props = {k: get[k][i] for k in CITY_PROPS}
            props.update(aliases=list(aliases) if aliases else None, status=status)
            props = city_props(name, code, props)
        facts = rules.city(cid, code, props)
        if status in rules.MEMBER_STATES:
            facts += rules.membership(cid, code, year, status)
        return props, facts, self._prov(pt, i, get["source_url"][i])

    def _streamed(self, kind: Label | tuple[Rel, Label]) -> Iterator[tuple[Any, dict[str, Any]]]:
        """The cities rows' streamed nodes of a label or relationships of a type, as the plan
        would hold them, made again from the rows."""
        for pt in self._city_tables:
            get = _city_columns(pt)
            for i in pt.good:
                cid = self.resolver.cities[city_id(get["name"][i], get["country"][i])].id  # the id held once
                _, facts, prov = self._city_row(pt, get, i, cid, with_props=kind == Label.CITY)
                for f in facts:
                    if isinstance(f, NodeFact) and f.label == kind:
                        yield f.id, _with_prov(f.props, prov)
                    elif isinstance(f, RelFact) and (f.type, f.start_label) == kind:
                        yield (f.start, f.end, f.key), _with_prov(f.props, prov)

    def _organisations(self, pt: ParsedTable) -> None:
        c, seen = pt.columns, set[tuple[Any, ...]]()
        country, city, note, src = (c.get(k) or _ABSENT for k in ("country", "city", "note", "source_url"))
        for i in pt.good:
            name = c["name"][i]
            oid = organisation_id(name, c["kind"][i], country[i])
            self._unique(pt, ("organisation", oid), seen, i)
            based_in = self._city_ref(pt, i, city[i], country[i]) if city[i] else None
            row = {"name": name, "kind": c["kind"][i], "country": country[i], "note": note[i]}
            self._emit(rules.organisation(oid, row, based_in), self._prov(pt, i, src[i]))
            self.orgs[(fold(name), country[i])] = oid
            self.orgs.setdefault((fold(name), None), oid)

    def _partnerships(self, pt: ParsedTable) -> None:
        c, seen = pt.columns, set[tuple[Any, ...]]()
        country, role_col, since, until, note, src = (
            c.get(k) or _ABSENT for k in ("country", "role", "since", "until", "note", "source_url")
        )
        for i in pt.good:
            folded = fold(c["organisation"][i])
            oid = self.orgs.get((folded, country[i])) or self.orgs.get((folded, None))
            if oid is None:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: unknown organisation")
            cid = self._city_ref(pt, i, c["city"][i], country[i])
            row = {"role": role_col[i], "since": since[i], "until": until[i], "note": note[i]}
            _period(pt, i, row)
            fact = rules.partnership(oid, cid, row)
            self._unique(pt, ("partnership", oid, cid, fact.key), seen, i)
            self._emit([fact], self._prov(pt, i, src[i]))

    def _links(self, pt: ParsedTable) -> None:
        c, seen = pt.columns, set[tuple[Any, ...]]()
        optional = ("source_country", "target_country", "since", "until", "note", "source_url")
        sc, tc, since, until, note, src = (c.get(k) or _ABSENT for k in optional)
        for i in pt.good:
            a = self._city_ref(pt, i, c["source"][i], sc[i])
            b = self._city_ref(pt, i, c["target"][i], tc[i])
            if a == b:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)} links a city to itself")
            row = {"kind": c["kind"][i], "since": since[i], "until": until[i], "note": note[i]}
            _period(pt, i, row)
            self._unique(pt, ("link", *sorted((a, b)), row["kind"]), seen, i)
            self._emit([rules.link(a, b, row)], self._prov(pt, i, src[i]))


def _with_prov(props: dict[str, Any], prov: dict[str, Any]) -> dict[str, Any]:
    """A fact's known properties (None is not known) and the row's provenance."""
    return {**{k: v for k, v in props.items() if v is not None}, **prov}


class _Absent:
    """A column the file does not have: None in every row (a list of Nones per absent
    column took 8 MB per million rows)."""

    def __getitem__(self, i: int) -> None:
        return None


_ABSENT: Any = _Absent()


def _city_columns(pt: ParsedTable) -> dict[str, Any]:
    keys = ("name", "country", "region", "status", "aliases", "source_url", *CITY_PROPS)
    return {k: pt.columns.get(k) or _ABSENT for k in keys}


def _period(pt: ParsedTable, i: int, row: dict[str, Any]) -> None:
    if rules.period_error(row):
        raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: until before since")


def end_label(rel: Rel) -> Label:
    return ENDPOINTS[rel][1]
