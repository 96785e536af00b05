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
(countries, regions, organisations, the network). What each row alone gives is made again
from the rows when the store reads it (:class:`Streamed`), not held: a cities row's city, its
country relationship, its membership and the partnerships a membership implies; a
partnerships or links row's relationship (a hash per row while they are checked, and its ends:
24 bytes a row; one that rows of two files give is held, combined). Held, they took 500-800
bytes a row (traced; tests/test_bulk_memory.py). Of a cities row, a byte is held: whether the
gazetteer knows its name (asked once, when the row is checked).

Speed: the streams give their nodes and relationships as columns, ``CHUNK_ROWS`` rows at a
time (:class:`~gnlc.graph.store.Chunk`, which FalkorDB's packer reads without a dict per
entity; Neo4j's reads the same entities as dicts); a partnerships or links block's properties
come from the rows' columns (the rules' column forms), its ends from the checks. The facts a
cities or organisations row shares with others (its country, the network, ...) are combined
at the first and the last row that gives them. tests/test_bulk_identical.py pins the output:
the same GRAPH.BULK calls, byte for byte, as a reference packer of the dicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, TypeVar

from gnlc.graph.model import (
    ENDPOINTS,
    SYMMETRIC,
    Label,
    MembershipStatus,
    Rel,
    combine_sources,
    has_entry,
    source_entry_of,
)
from gnlc.graph.store import ABSENT, BulkNodes, BulkRels, Chunk, dict_chunk, dict_chunks
from gnlc.loaders import rules
from gnlc.loaders.build import CITY_FIELDS, city_props
from gnlc.loaders.normalise import fold, region_of
from gnlc.loaders.resolver import FUZZY_THRESHOLD, CityResolver, KnownCity, Place, city_id, gazetteer_lookups
from gnlc.loaders.rows import ParsedTable
from gnlc.loaders.rules import Fact, NodeFact, RelFact, organisation_id
from gnlc.loaders.unchanged import Predictor, stamped_plan

BULK_KINDS = ("cities", "organisations", "partnerships", "links")
CITY_PROPS = CITY_FIELDS
MEMBER_STATES = (MembershipStatus.MEMBER.value, MembershipStatus.FORMER.value)
NATCOM_DERIVATION = "derived: GNLC admission is endorsed by the National Commission for UNESCO"
UIL_DERIVATION = "derived: UIL coordinates the GNLC"


class NotBulk(Exception):
    """This input is loaded row by row instead; the message says why."""


RelKey = tuple[str, str, str]  # start id, end id, key
K = TypeVar("K")
PARTNERSHIPS = (Rel.PARTNERS_WITH, Label.ORGANISATION)
LINKS = (Rel.LINKED_TO, Label.CITY)
# What a cities row gives once, whatever else the load holds: its city, the city's country
# relationship, its membership and the partnerships that implies. These are made again from
# the rows when the store reads them rather than held (held, about 700 bytes a city).
STREAMED_NODES = frozenset({Label.CITY})
STREAMED_RELS = frozenset({(Rel.IN_COUNTRY, Label.CITY), (Rel.MEMBER_OF, Label.CITY), PARTNERSHIPS})
# Partnerships and links rows give one relationship each, made again from the rows too: what is
# held of them is a hash per row while the rows are checked (a repeat in a later file is held,
# combined), then nothing (held, they took about 800 bytes a row).
DERIVED_PARTNERSHIPS = 2  # a member city's: its National Commission's and UIL's (rules.membership)
LOOKUP_ROWS = 50_000  # rows whose names the gazetteer is asked for together
CHUNK_ROWS = 10_000  # rows made again at a time, as columns (Streamed.chunks)
_ROW_BITS = 40  # a row's place among the rows of its kind: its table's number, then its position


class Streamed(Mapping[K, dict[str, Any]]):
    """Nodes (by id) or relationships (by ends and key) made from the rows each time they
    are read, in the same order; only counted and, for cities, looked up in between."""

    def __init__(
        self,
        make: Callable[[], Iterator[tuple[K, dict[str, Any]]]],
        count: int,
        chunks: Callable[[], Iterator[Chunk]] | None = None,
    ) -> None:
        self._make, self._count, self._chunks = make, count, chunks

    def chunks(self) -> Iterator[Chunk]:
        """The same entities as columns, a block of rows at a time (:class:`~gnlc.graph.store.Chunk`)."""
        if self._chunks is not None:
            return self._chunks()
        return dict_chunks(self._make(), CHUNK_ROWS)

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

    def __init__(
        self,
        make: Callable[[], Iterator[tuple[str, dict[str, Any]]]],
        known: Mapping[str, Any],
        chunks: Callable[[], Iterator[Chunk]],
    ) -> None:
        super().__init__(make, len(known), chunks)
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
        # each cities table with its good rows' city ids and, a byte a row, 1 where the gazetteer
        # knows no place of the row's name (it is not asked again when the city is made again)
        self._city_tables: list[tuple[ParsedTable, list[str], bytearray]] = []
        self._members = 0
        self._member_countries: set[str] = set()
        self._shared: dict[tuple[str, bool], list[tuple[dict[Any, dict[str, Any]], Any, dict[str, Any]]]] = {}
        self._row_tables: dict[tuple[Rel, Label], list[ParsedTable]] = defaultdict(list)
        self._row_firsts: dict[tuple[Rel, Label], dict[int, int]] = defaultdict(dict)  # hash of ends -> place
        self._row_count: dict[tuple[Rel, Label], int] = defaultdict(int)  # distinct, not held
        # each table's rows' relationships by (start, end, key), as three lists (24 bytes a row)
        self._row_ends: dict[tuple[Rel, Label], list[tuple[list[str], list[str], list[str]]]] = defaultdict(list)
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
        self._row_firsts.clear()  # (only for the checks)
        self.plan.nodes.update(self._nodes)
        self.plan.rels.update({k: v for k, v in self._rels.items() if k not in (PARTNERSHIPS, LINKS)})
        if self._city_tables:
            self.plan.nodes[Label.CITY] = _Cities(self._city_nodes, self.resolver.cities, self._city_chunks)
            self.plan.rels[(Rel.IN_COUNTRY, Label.CITY)] = self._city_stream(_in_country, len(self.resolver.cities))
        if self._members:
            self.plan.rels[(Rel.MEMBER_OF, Label.CITY)] = self._city_stream(_membership, self._members)
        for kind, derived in ((PARTNERSHIPS, DERIVED_PARTNERSHIPS * self._members), (LINKS, 0)):
            count = derived + len(self._rels.get(kind, ())) + self._row_count[kind]
            if count:
                self.plan.rels[kind] = self._kind_stream(kind, count)
        return self.plan

    def _kind_stream(self, kind: tuple[Rel, Label], count: int) -> Streamed[RelKey]:
        """The relationships of the partnerships or links rows (for partnerships after those each
        member's row implies)."""
        derived = self._city_stream(_derived_partnerships, count) if kind == PARTNERSHIPS and self._members else None

        def items() -> Iterator[tuple[RelKey, dict[str, Any]]]:
            if derived is not None:
                yield from derived.items()
            yield from self._row_rels(kind)

        def chunks() -> Iterator[Chunk]:
            if derived is not None:
                yield from derived.chunks()
            yield from self._row_chunks(kind)

        return Streamed(items, count, chunks)

    # -- helpers ----------------------------------------------------------------------------
    def _merge(self, held: dict[Any, dict[str, Any]], key: Any, props: dict[str, Any], prov: dict[str, Any]) -> None:
        """Add a node or relationship (``props``: its known properties), or combine it with the
        same one met earlier, as the writer does (:func:`combine_sources`; with a row of the file
        that made it, in place: what it gives is the same)."""
        current = held.get(key)
        if current is None:
            held[key] = {**props, **prov}
            return
        sources, source = current.get("sources"), prov["source"]
        known = _has_entry(sources, source) if sources else False
        if known and current.get("source") == source:
            current.update(props)
            current.update(prov)
            current["sources"] = sources
        elif not known or any(current.get(k) is None for k in props):
            held[key] = combine_sources(current, {**props, **prov})
        # (else it has this file's entry and every property: combining changes nothing)

    def _held(self, f: Fact) -> tuple[dict[Any, dict[str, Any]], Any, dict[str, Any]]:
        """Where a fact the plan holds goes, its key there and its known properties."""
        if isinstance(f, NodeFact):
            return self._nodes[f.label], f.id, _known(f.props)
        return self._rels[(f.type, f.start_label)], _ends(f), _known(f.props)

    def _emit(self, facts: list[Fact], prov: dict[str, Any]) -> None:
        """The rules' facts into the plan, with the row's provenance (but the streamed ones)."""
        for f in facts:
            if not _is_streamed(f):
                self._merge(*self._held(f), prov)

    def _shared_facts(
        self, cid: str, code: str, status: str | None, year: int | None
    ) -> list[tuple[dict[Any, dict[str, Any]], Any, dict[str, Any]]]:
        """What a cities row gives but the city's own facts (streamed): its country and region
        and, for a member, the network, its National Commission and UIL. They follow from the
        country and the membership alone: made once per country (held, without provenance)."""
        member = status in rules.MEMBER_STATES
        shared = self._shared.get((code, member))
        if shared is None:
            facts = rules.city(cid, code, {"status": status})
            if member:
                facts += rules.membership(cid, code, year, status or "")
            shared = self._shared[(code, member)] = [self._held(f) for f in facts if not _is_streamed(f)]
        return shared

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
        get, ids, unplaced = _city_columns(pt), list[str](), bytearray()
        prov, last = _Provenance(pt, self.loaded_at), dict[tuple[str, bool], int]()  # group of shared facts -> row
        names, codes, regions, statuses, years = (
            get[k] for k in ("name", "country", "region", "status", "year_joined")
        )
        for i, place in self._places(get, pt.good):
            name, code = names[i], codes[i]
            region = region_of(code)
            if regions[i] and region and regions[i] != region:
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
            status = rules.membership_status(statuses[i], years[i])
            group = (code, status in rules.MEMBER_STATES)
            if group not in last:
                row_prov = prov(i)
                for held, key, props in self._shared_facts(cid, code, status, years[i]):
                    self._merge(held, key, props, row_prov)
            last[group] = i
            # the gazetteer place city_props would find (the city itself is made when written)
            geonames_id = place.geonames_id if place else get["geonames_id"][i]
            unplaced.append(place is None)
            aliases = tuple(get["aliases"][i] or ())
            self.resolver.add(KnownCity(cid, name, code, aliases, geonames_id, looked_up=True))
            ids.append(cid)
            if status in rules.MEMBER_STATES:
                if code not in self._member_countries:
                    self._member_countries.add(code)
                    self._derived_orgs |= rules.derived_organisations(code)
                self._members += 1
        self._merge_last(last, prov)
        self._city_tables.append((pt, ids, unplaced))

    def city_tables(self) -> list[tuple[ParsedTable, list[str], bytearray]]:
        """Each cities table with its good rows' city ids and whether the gazetteer knows no place of
        the row's name (1)."""
        return self._city_tables

    @staticmethod
    def _places(get: dict[str, Any], rows: Sequence[int]) -> Iterator[tuple[int, Place | None]]:
        """Each row with the gazetteer place of its name (None: a row that gives its own
        ``geonames_id``, or a name the gazetteer does not know), asked for ``LOOKUP_ROWS`` rows
        together (for all the rows of a million-row file, the questions and answers held
        took about 150 MB)."""
        names, codes, given = get["name"], get["country"], get["geonames_id"]
        for start in range(0, len(rows), LOOKUP_ROWS):
            block = rows[start : start + LOOKUP_ROWS]
            unknown = [i for i in block if given[i] is None]
            places = dict(zip(unknown, gazetteer_lookups([(names[i], codes[i]) for i in unknown]), strict=True))
            for i in block:
                yield i, places.get(i)

    def _merge_last(self, last: dict[tuple[str, bool], int], prov: _Provenance) -> None:
        """A cities table's shared facts combined with the last of its rows that gave them (the
        rows after the first that did only set the provenance of the file's own facts again,
        which the last one sets), the latest last."""
        for group, i in sorted(last.items(), key=lambda item: item[1]):
            row_prov = prov(i)
            for held, key, props in self._shared[group]:
                self._merge(held, key, props, row_prov)

    def _city_rows(self) -> Iterator[tuple[dict[str, Any], int, str, str | None, _Provenance, bool]]:
        """The good rows of the cities tables: columns, position, city id, membership status,
        provenance and whether the gazetteer may know the place."""
        for pt, ids, unplaced in self._city_tables:
            get, prov = _city_columns(pt), _Provenance(pt, self.loaded_at)
            statuses, years = get["status"], get["year_joined"]
            for i, cid, no_place in zip(pt.good, ids, unplaced, strict=True):
                yield get, i, cid, rules.membership_status(statuses[i], years[i]), prov, not no_place

    # What a cities row gives once (Streamed), made again from the rows each time it is read.
    def _city_nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for prov, at, ids, cities in self._city_node_blocks():
            for i, cid, city in zip(at, ids, cities, strict=True):
                yield cid, prov.on(city, i)  # (rules.city's city node)

    def _city_chunks(self) -> Iterator[Chunk]:
        """:meth:`_city_nodes` as columns, a block of rows at a time."""
        for prov, at, ids, cities in self._city_node_blocks():
            yield _props_chunk(ids, _columns_of(cities), prov, at)

    def _city_node_blocks(self) -> Iterator[tuple[_Provenance, Sequence[int], list[str], list[dict[str, Any]]]]:
        """For each block of a cities table's rows: the table's provenance, the rows' positions,
        their cities' ids and properties (:func:`city_props`)."""
        for pt, ids, unplaced in self._city_tables:
            get, prov = _city_columns(pt), _Provenance(pt, self.loaded_at)
            names, codes, statuses, years, aliases = (
                get[k] for k in ("name", "country", "status", "year_joined", "aliases")
            )
            props_of = [(k, get[k]) for k in CITY_PROPS]
            for start in range(0, len(ids), CHUNK_ROWS):
                at = pt.good[start : start + CHUNK_ROWS]
                cities = []
                for i, no_place in zip(at, unplaced[start : start + CHUNK_ROWS], strict=True):
                    props = {k: column[i] for k, column in props_of}
                    props.update(
                        aliases=list(aliases[i]) if aliases[i] else None,
                        status=rules.membership_status(statuses[i], years[i]),
                    )
                    cities.append(city_props(names[i], codes[i], props, look_up=not no_place))
                yield prov, at, ids[start : start + CHUNK_ROWS], cities

    def _city_stream(self, facts_of: _CityFacts, count: int) -> Streamed[RelKey]:
        """The relationships ``facts_of`` gives for each cities row, with the row's provenance."""

        def items() -> Iterator[tuple[RelKey, dict[str, Any]]]:
            for prov, at, facts in self._city_blocks(facts_of):
                for i, fact in zip(at, facts, strict=True):
                    yield _ends(fact), prov.on(fact.props, i)

        def chunks() -> Iterator[Chunk]:
            for prov, at, facts in self._city_blocks(facts_of):
                if facts:
                    yield _fact_chunk(facts, prov, at)

        return Streamed(items, count, chunks)

    def _city_blocks(self, facts_of: _CityFacts) -> Iterator[tuple[_Provenance, list[int], list[RelFact]]]:
        """For each block of a cities table's rows: the table's provenance, and the facts
        ``facts_of`` gives for each row, each with its row's position."""
        for pt, ids, _ in self._city_tables:
            get, prov = _city_columns(pt), _Provenance(pt, self.loaded_at)
            statuses, years = get["status"], get["year_joined"]
            for start in range(0, len(ids), CHUNK_ROWS):
                at: list[int] = []
                facts: list[RelFact] = []
                for i, cid in zip(pt.good[start : start + CHUNK_ROWS], ids[start : start + CHUNK_ROWS], strict=True):
                    for fact in facts_of(get, i, cid, rules.membership_status(statuses[i], years[i])):
                        at.append(i)
                        facts.append(fact)
                yield prov, at, facts

    def _organisations(self, pt: ParsedTable) -> None:
        c, seen, prov = pt.columns, set[tuple[Any, ...]](), _Provenance(pt, self.loaded_at)
        country, city, note = (c.get(k) or _ABSENT for k in ("country", "city", "note"))
        last: dict[str, int] = {}  # country -> the last row of it (its place: as a cities table's)
        for i in pt.good:
            name, code = c["name"][i], country[i]
            oid = organisation_id(name, c["kind"][i], code)
            self._unique(pt, ("organisation", oid), seen, i)
            based_in = self._city_ref(pt, i, city[i], code) if city[i] else None
            row = {"name": name, "kind": c["kind"][i], "country": code, "note": note[i]}
            facts, row_prov = rules.organisation(oid, row, based_in), prov(i)
            if code:
                facts = [f for f in facts if not _of_place(f)]
                if code not in last:
                    self._emit(rules.place(code), row_prov)
                last[code] = i
            self._emit(facts, row_prov)
            self.orgs[(fold(name), code)] = oid
            self.orgs.setdefault((fold(name), None), oid)
        for code, i in sorted(last.items(), key=lambda item: item[1]):
            self._emit(rules.place(code), prov(i))

    def _partnerships(self, pt: ParsedTable) -> None:
        self._rows_of(PARTNERSHIPS, pt)

    def _links(self, pt: ParsedTable) -> None:
        self._rows_of(LINKS, pt)

    def _partnership_facts(self, pt: ParsedTable) -> Callable[[int], RelFact]:
        c = pt.columns
        orgs, cities = c["organisation"], c["city"]
        country, role, since, until, note = (c.get(k) or _ABSENT for k in ("country", "role", "since", "until", "note"))
        refs = self._refs  # (a name resolved once; the first time, _city_ref)

        def fact(i: int) -> RelFact:
            folded = fold(orgs[i])
            oid = self.orgs.get((folded, country[i])) or self.orgs.get((folded, None))
            if oid is None:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: unknown organisation")
            cid = refs.get((cities[i], country[i])) or self._city_ref(pt, i, cities[i], country[i])
            row = {"role": role[i], "since": since[i], "until": until[i], "note": note[i]}
            if until[i]:
                _period(pt, i, row)
            return rules.partnership(oid, cid, row)

        return fact

    def _link_facts(self, pt: ParsedTable) -> Callable[[int], RelFact]:
        c = pt.columns
        sources, targets, kinds = c["source"], c["target"], c["kind"]
        optional = ("source_country", "target_country", "since", "until", "note")
        sc, tc, since, until, note = (c.get(k) or _ABSENT for k in optional)
        refs = self._refs

        def fact(i: int) -> RelFact:
            a = refs.get((sources[i], sc[i])) or self._city_ref(pt, i, sources[i], sc[i])
            b = refs.get((targets[i], tc[i])) or self._city_ref(pt, i, targets[i], tc[i])
            if a == b:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)} links a city to itself")
            row = {"kind": kinds[i], "since": since[i], "until": until[i], "note": note[i]}
            if until[i]:
                _period(pt, i, row)
            return rules.link(a, b, row)

        return fact

    def _row_facts(self, kind: tuple[Rel, Label], pt: ParsedTable) -> Callable[[int], RelFact]:
        """The relationship a row of a partnerships or links table gives, by the row's position."""
        return self._partnership_facts(pt) if kind == PARTNERSHIPS else self._link_facts(pt)

    def _rows_of(self, kind: tuple[Rel, Label], pt: ParsedTable) -> None:
        """Check a partnerships or links table; keep a hash of each row's relationship (a row
        repeating one of its table: row by row; of an earlier table: both held, combined)."""
        tables, firsts, held = self._row_tables[kind], self._row_firsts[kind], self._rels[kind]
        number = len(tables)
        tables.append(pt)
        fact_of, prov = self._row_facts(kind, pt), _Provenance(pt, self.loaded_at)
        starts: list[str] = []
        stops: list[str] = []
        keys: list[str] = []
        self._row_ends[kind].append((starts, stops, keys))
        for i in pt.good:
            fact = fact_of(i)
            ends = _ends(fact)
            starts.append(ends[0])
            stops.append(ends[1])
            keys.append(ends[2])
            first = firsts.get(hash(ends))
            if first is not None and first >> _ROW_BITS == number:
                raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)} repeats an earlier row")
            if ends in held:
                held[ends] = combine_sources(held[ends], prov.on(fact.props, i))
            elif first is not None:  # as a row of an earlier file: held from now on, combined
                earlier_pt, j = tables[first >> _ROW_BITS], first & _ROW_MASK
                earlier = self._row_facts(kind, earlier_pt)(j)
                if _ends(earlier) != ends:  # (two hashes alike)
                    raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: not told apart from an earlier row")
                earlier_props = _Provenance(earlier_pt, self.loaded_at).on(earlier.props, j)
                held[ends] = combine_sources(earlier_props, prov.on(fact.props, i))
                self._row_count[kind] -= 1
            else:
                self._row_count[kind] += 1
            if first is None:
                firsts[hash(ends)] = number << _ROW_BITS | i

    def _row_rels(self, kind: tuple[Rel, Label]) -> Iterator[tuple[RelKey, dict[str, Any]]]:
        """The relationships of the partnerships or links rows, made again from the rows; one
        held (given by rows of two files) where its first row is."""
        held, given = self._rels.get(kind, {}), set[RelKey]()
        for prov, block, facts, ends in self._row_blocks(kind):
            yield from _row_items(prov, block, facts, ends, held, given)

    def _row_chunks(self, kind: tuple[Rel, Label]) -> Iterator[Chunk]:
        """:meth:`_row_rels` as columns, a block of rows at a time: the relationships' ends as the
        rows were checked, their properties made from the rows' columns by the rules (a block
        with a held one: from its facts, one at a time)."""
        held, given = self._rels.get(kind, {}), set[RelKey]()
        fields, props_of = (
            (rules.PARTNERSHIP_FIELDS, rules.partnership_props)
            if kind == PARTNERSHIPS
            else (rules.LINK_FIELDS, rules.link_props)
        )
        for pt, (starts, stops, keys) in zip(self._row_tables[kind], self._row_ends[kind], strict=True):
            prov = _Provenance(pt, self.loaded_at)
            for start in range(0, len(pt.good), CHUNK_ROWS):
                block = pt.good[start : start + CHUNK_ROWS]
                ends = list(
                    zip(
                        starts[start : start + CHUNK_ROWS],
                        stops[start : start + CHUNK_ROWS],
                        keys[start : start + CHUNK_ROWS],
                        strict=True,
                    )
                )
                if held and not held.keys().isdisjoint(ends):
                    fact_of = self._row_facts(kind, pt)
                    items = list(_row_items(prov, block, [fact_of(i) for i in block], ends, held, given))
                    if items:
                        yield dict_chunk(items)
                elif ends:
                    yield _props_chunk(ends, props_of({f: _at(pt.columns.get(f), block) for f in fields}), prov, block)

    def _row_blocks(
        self, kind: tuple[Rel, Label]
    ) -> Iterator[tuple[_Provenance, Sequence[int], list[RelFact], list[RelKey]]]:
        """For each block of a partnerships or links table's rows: the table's provenance, the
        rows' positions, their relationships and those relationships' ends."""
        for pt in self._row_tables[kind]:
            fact_of, prov = self._row_facts(kind, pt), _Provenance(pt, self.loaded_at)
            for start in range(0, len(pt.good), CHUNK_ROWS):
                block = pt.good[start : start + CHUNK_ROWS]
                facts = [fact_of(i) for i in block]
                yield prov, block, facts, [_ends(fact) for fact in facts]


def _row_items(
    prov: _Provenance,
    block: Sequence[int],
    facts: list[RelFact],
    ends: list[RelKey],
    held: dict[RelKey, dict[str, Any]],
    given: set[RelKey],
) -> Iterator[tuple[RelKey, dict[str, Any]]]:
    for i, fact, key in zip(block, facts, ends, strict=True):
        if key not in held:
            yield key, prov.on(fact.props, i)
        elif key not in given:
            given.add(key)
            yield key, held[key]


# What a cities row gives in a stream of relationships (its table's columns, its position, its
# city's id and membership status): rules' facts.
_CityFacts = Callable[[dict[str, Any], int, str, str | None], list[RelFact]]


def _in_country(get: dict[str, Any], i: int, cid: str, status: str | None) -> list[RelFact]:
    return [rules.city_in_country(cid, get["country"][i])]


def _membership(get: dict[str, Any], i: int, cid: str, status: str | None) -> list[RelFact]:
    return [rules.member_of(cid, get["year_joined"][i], status or "")] if status in rules.MEMBER_STATES else []


def _derived_partnerships(get: dict[str, Any], i: int, cid: str, status: str | None) -> list[RelFact]:
    if status not in rules.MEMBER_STATES:
        return []
    year = get["year_joined"][i]
    return [rules.endorsement(cid, rules.natcom_id(get["country"][i]), year), rules.coordination(cid, year)]


def _fact_chunk(facts: list[RelFact], prov: _Provenance, at: Sequence[int]) -> Chunk:
    """Relationships as a chunk: their known properties and the provenance of their rows (``at``:
    each one's row), as :meth:`_Provenance.on` gives them."""
    return _props_chunk([_ends(fact) for fact in facts], _columns_of([fact.props for fact in facts]), prov, at)


def _columns_of(dicts: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Dicts as columns: each key any of them has, with its value in each (None where one lacks it)."""
    names: set[str] = set()
    for d in dicts:
        names.update(d)
    return {name: list(map(dict.get, dicts, repeat(name))) for name in names}


def _props_chunk(keys: list[Any], columns: dict[str, list[Any]], prov: _Provenance, at: Sequence[int]) -> Chunk:
    """Entities as a chunk from their properties as columns (None: not known, so not a property of
    that one; a property none knows: no column) and the provenance of their rows."""
    out, full = prov.columns(at), set(PROVENANCE_KEYS)
    for name, values in columns.items():
        unknown = values.count(None)
        if name in out or unknown == len(values):  # (the provenance's own; none known)
            continue
        if unknown == 0:
            full.add(name)
        else:
            values = [ABSENT if v is None else v for v in values]
        out[name] = values
    return Chunk(keys, out, full)


def _at(column: Sequence[Any] | None, at: Sequence[int]) -> list[Any]:
    """A table's column at the positions ``at`` (a column the table lacks: None at each)."""
    if column is None:
        return [None] * len(at)
    if isinstance(at, range) and at.step == 1:
        values = column[at.start : at.stop]
        return values if isinstance(values, list) else list(values)
    return [column[i] for i in at]


PROVENANCE_KEYS = ("source", "source_row", "source_url", "loaded_at", "sources")  # each row's, always set


class _Provenance:
    """The provenance of a table's rows by position (what all rows share made once)."""

    __slots__ = ("first", "loaded_at", "source", "tail", "urls")

    def __init__(self, pt: ParsedTable, loaded_at: str) -> None:
        self.source, self.first, self.loaded_at = pt.table.label, pt.table.first_row, loaded_at
        self.urls = pt.columns.get("source_url") or _ABSENT
        self.tail = f" | {loaded_at}" if loaded_at else ""  # the end of each row's source entry

    def __call__(self, i: int) -> dict[str, Any]:
        return self.on({}, i)

    def on(self, props: dict[str, Any], i: int) -> dict[str, Any]:
        """A fact's known properties (None is not known) and the provenance of row ``i``."""
        out = {k: v for k, v in props.items() if v is not None}
        row, url = self.first + i, self.urls[i]
        out["source"] = self.source
        out["source_row"] = row
        out["source_url"] = url
        out["loaded_at"] = self.loaded_at
        out["sources"] = [self.entry(row, url)]
        return out

    def columns(self, at: Sequence[int]) -> dict[str, list[Any]]:
        """:meth:`on`'s provenance of the rows at ``at`` as columns."""
        rows = [self.first + i for i in at]
        urls = [self.urls[i] for i in at]
        return {
            "source": [self.source] * len(rows),
            "source_row": rows,
            "source_url": urls,
            "loaded_at": [self.loaded_at] * len(rows),
            "sources": [[self.entry(row, url)] for row, url in zip(rows, urls, strict=True)],
        }

    def entry(self, row: int, url: Any) -> str:
        """``source_entry_of(source, row, url, loaded_at)``, made here (a million entries took 0.3 s more)."""
        if row <= 0:  # (no row number in the entry)
            return source_entry_of(self.source, row, url, self.loaded_at)
        return f"{self.source} row {row} | {url}{self.tail}" if url else f"{self.source} row {row}{self.tail}"


def _has_entry(entries: list[str], source: str) -> bool:
    """:func:`has_entry`, the first entry (the file's that made it, mostly) looked at here."""
    first = entries[0]
    return first == source or first.startswith((source + " row ", source + " | ")) or has_entry(entries, source)


def _of_place(f: Fact) -> bool:
    """Whether a fact is one :func:`rules.place` gives (a country, its region, the link of the two)."""
    if isinstance(f, NodeFact):
        return f.label in (Label.COUNTRY, Label.REGION)
    return f.type == Rel.IN_REGION


def _is_streamed(f: Fact) -> bool:
    if isinstance(f, NodeFact):
        return f.label in STREAMED_NODES
    return (f.type, f.start_label) in STREAMED_RELS


def _ends(fact: RelFact) -> RelKey:
    """A relationship's start, end and key as the plan holds it (a symmetric one start < end)."""
    if fact.type in SYMMETRIC and fact.end < fact.start:
        return fact.end, fact.start, fact.key
    return fact.start, fact.end, fact.key


_ROW_MASK = (1 << _ROW_BITS) - 1


def plan_first_load(tables: list[ParsedTable], loaded_at: str) -> tuple[BulkPlan, BulkNodes, BulkRels]:
    """The plan of a first load in bulk, and its nodes and relationships as the store reads
    them: each carrying the content hash of its row (:func:`~gnlc.loaders.unchanged.stamped_plan`).
    Raises :class:`NotBulk` when the input goes row by row."""
    builder = BulkBuilder(loaded_at)
    plan = builder.build(tables)
    # the builder's own resolver answers exact names as KnownCities does (another index of a
    # million names took 700 MB: issue 18)
    city_ids = {pt.table.label: ids for pt, ids, _ in builder.city_tables()}
    predictor = Predictor(builder.resolver, builder.orgs, {})
    nodes, rels = stamped_plan(plan.nodes, plan.rels, tables, predictor, city_ids=city_ids)
    return plan, nodes, rels


def _known(props: dict[str, Any]) -> dict[str, Any]:
    """A fact's known properties (None is not known)."""
    return {k: v for k, v in props.items() if v is not None}


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
    """(Only a row with an ``until`` can have a period error.)"""
    if rules.period_error(row):
        raise NotBulk(f"{pt.table.label} row {pt.table.row_number(i)}: until before since")


def end_label(rel: Rel) -> Label:
    return ENDPOINTS[rel][1]
