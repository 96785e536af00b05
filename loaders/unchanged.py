"""Rows a load need not build again: a content hash per row, kept on what the row wrote.

A row of cities, organisations, partnerships or links has a hash of everything its records
follow from: its kind, its file (the table's label), its row number, its parsed values and
the ids its names resolve to. The nodes and relationships a row writes carry that hash
(``content_hash``, set like ``source_row``: by the file that created them, the last of its
rows to write them). A load reads back, for each kind of file, the hashes on the nodes or
relationships such rows are about (cities, organisations, partnerships, links; one list per
kind) and builds only the rows whose hash is not there: an unchanged row would give the
records that the graph holds already. A corrected file is thus built and compared only
where it changed.

The ids are predicted without building the row: a Wikidata item this load knows, an exact
name of one known city (:meth:`CityResolver.exact`), an organisation's id. A row whose names
need more than that (an alias, the gazetteer, a fuzzy match) is always built, and so are
rows that describe the same thing as another row of their file (the first of them wins).
Other kinds of file (clusters, awards, conferences: a few rows) are always built.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from typing import Any, TypeVar

from gnlc.graph import cypher
from gnlc.graph.model import CONTENT_HASH, Label, Provenance, Rel
from gnlc.graph.store import ABSENT, BulkNodes, BulkRels, Chunk, GraphStore, chunks_of
from gnlc.graph.writer import WriteReport
from gnlc.loaders import rules
from gnlc.loaders.build import Built, RecordBuilder
from gnlc.loaders.normalise import fold
from gnlc.loaders.resolver import CityResolver, city_id
from gnlc.loaders.rows import ParsedRow, ParsedTable
from gnlc.loaders.rules import organisation_id

HASH_VERSION = 1  # part of every hash: raise it when a row's records change for the same values
# What a row of each kind is about: the node or relationship that holds its hash for the check.
ABOUT: dict[str, Label | tuple[Rel, Label]] = {
    "cities": Label.CITY,
    "organisations": Label.ORGANISATION,
    "partnerships": (Rel.PARTNERS_WITH, Label.ORGANISATION),
    "links": (Rel.LINKED_TO, Label.CITY),
}
Ids = tuple[str, ...]
K = TypeVar("K")
Identity = tuple[Any, ...]
# The fields :meth:`Predictor.predict_table` reads for each kind, in the order its guess takes them.
PREDICTED_FROM = {
    "cities": ("name", "country", "wikidata"),
    "organisations": ("name", "kind", "country", "city"),
    "partnerships": ("organisation", "city", "country", "role"),
    "links": ("source", "source_country", "source_wikidata", "target", "target_country", "target_wikidata", "kind"),
}
EXACT_REMEMBERED = 100_000  # names whose exact match is remembered (a first load names each city once)


def row_hash(kind: str, source: str, row: int, values: dict[str, Any], ids: Ids | None) -> str:
    """The row's content hash: the same in every process (no salted ``hash()``)."""
    text = repr((HASH_VERSION, kind, source, row, sorted(values.items()), ids))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class Predictor:
    """What a row's names resolve to, when one lookup tells (else None)."""

    def __init__(
        self,
        resolver: CityResolver,
        organisations: dict[tuple[str, str | None], str],
        wikidata: dict[str, str],
        qid_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.resolver, self.organisations, self.wikidata = resolver, organisations, wikidata
        self.qid_of = qid_of or (lambda cid: None)
        self._exact: dict[tuple[str, str | None], str] = {}  # an exact match stays one as cities are added

    def city(self, name: str, country: str | None, qid: str | None = None) -> str | None:
        if qid and qid in self.wikidata:
            return self.wikidata[qid]
        cid = self._exact.get((name, country))
        if cid is None:
            cid = self.resolver.exact(name, country)
            if cid is None:
                return None
            if len(self._exact) < EXACT_REMEMBERED:
                self._exact[(name, country)] = cid
        if qid:
            held = self.qid_of(cid)
            return None if held and held != qid else cid
        return cid

    def predict(self, kind: str, v: dict[str, Any]) -> tuple[Ids, Identity] | None:
        """The ids a row's names resolve to and what it describes (as the builder's identity)."""
        if kind == "cities":
            cid = self.city(v["name"], v["country"], v.get("wikidata"))
            return None if cid is None else ((cid,), ("city", cid))
        if kind == "organisations":
            oid = organisation_id(v["name"], v["kind"], v.get("country"))
            based_in = self.city(v["city"], v.get("country")) if v.get("city") else ""
            return None if based_in is None else ((oid, based_in), ("organisation", oid))
        if kind == "partnerships":
            folded = fold(v["organisation"])
            org = self.organisations.get((folded, v.get("country"))) or self.organisations.get((folded, None))
            cid = self.city(v["city"], v.get("country"))
            if org is None or cid is None:
                return None
            return (org, cid), ("partnership", org, cid, v.get("role") or rules.DEFAULT_ROLE)
        if kind == "links":
            a = self.city(v["source"], v.get("source_country"), v.get("source_wikidata"))
            b = self.city(v["target"], v.get("target_country"), v.get("target_wikidata"))
            if a is None or b is None or a == b:
                return None
            return (a, b), ("link", *sorted((a, b)), v["kind"])
        return None

    def predict_table(self, pt: ParsedTable, rows: Sequence[int] | None = None) -> list[tuple[Ids, Identity] | None]:
        """:meth:`predict` of each good row of a table (or of the good rows at ``rows``), in order,
        read column by column (no dict per row): what the rows of a reload are about, the
        skipped ones included."""
        rows = pt.good if rows is None else rows
        fields = PREDICTED_FROM.get(pt.kind)
        if fields is None:
            return [None] * len(rows)
        by_kind: dict[str, Callable[..., tuple[Ids, Identity] | None]] = {
            "cities": self._city_guess,
            "organisations": self._org_guess,
            "partnerships": self._partnership_guess,
            "links": self._link_guess,
        }
        guess = by_kind[pt.kind]
        absent = [None] * pt.table.row_count
        return [guess(*at) for at in _at(rows, *(pt.columns.get(f, absent) for f in fields))]

    def _exact_city(self, name: str, country: str | None) -> str | None:
        """:meth:`city` without a Wikidata item, its remembered answers read first."""
        cid = self._exact.get((name, country))
        return cid if cid is not None else self.city(name, country)

    def _city_guess(self, name: str, country: str, qid: str | None) -> tuple[Ids, Identity] | None:
        cid = self.city(name, country, qid) if qid else self._exact_city(name, country)
        return None if cid is None else ((cid,), ("city", cid))

    def _org_guess(self, name: str, kind: str, country: str | None, city: str | None) -> tuple[Ids, Identity] | None:
        oid = organisation_id(name, kind, country)
        based_in = self._exact_city(city, country) if city else ""
        return None if based_in is None else ((oid, based_in), ("organisation", oid))

    def _partnership_guess(
        self, organisation: str, city: str, country: str | None, role: str | None
    ) -> tuple[Ids, Identity] | None:
        folded = fold(organisation)
        org = self.organisations.get((folded, country)) or self.organisations.get((folded, None))
        cid = self._exact_city(city, country)
        if org is None or cid is None:
            return None
        return (org, cid), ("partnership", org, cid, role or rules.DEFAULT_ROLE)

    def _link_guess(self, *row: Any) -> tuple[Ids, Identity] | None:
        source, source_country, source_qid, target, target_country, target_qid, kind = row
        a = self.city(source, source_country, source_qid) if source_qid else self._exact_city(source, source_country)
        b = self.city(target, target_country, target_qid) if target_qid else self._exact_city(target, target_country)
        if a is None or b is None or a == b:
            return None
        return (a, b), ("link", *sorted((a, b)), kind)

    def stamp(self, kind: str, row: ParsedRow, built: Built) -> str:
        """The hash of a row just built: with its ids when predicting them gives what the
        build found, else without (such a hash never matches a predicted row's)."""
        guess = self.predict(kind, row.values) if kind in ABOUT else None
        ids = guess[0] if guess is not None and guess[1] == built.identity else None
        return row_hash(kind, row.source, row.row, row.values, ids)


def stamped(built: Built, kind: str, content_hash: str) -> Built:
    """The row's records, the one it is about carrying its hash (the country and derived
    facts it implies carry none: what they hold follows from that one's row)."""
    about = ABOUT.get(kind)

    def prov(p: Provenance) -> Provenance:
        return p.model_copy(update={"content_hash": content_hash})

    if isinstance(about, Label):
        built.nodes = [
            n.model_copy(update={"provenance": prov(n.provenance)}) if n.label == about else n for n in built.nodes
        ]
    elif about is not None:
        built.rels = [
            r.model_copy(update={"provenance": prov(r.provenance)}) if (r.type, r.start_label) == about else r
            for r in built.rels
        ]
    return built


class TableSkip:
    """One table's rows that need not be built (by position, with what each describes); the
    others are built here and carry their hash."""

    def __init__(self, kind: str, predictor: Predictor | None, skipped: dict[int, Identity]) -> None:
        self.kind, self.predictor = kind, predictor
        self.skipped = skipped  # position -> identity
        self._by_identity = {identity: at for at, identity in skipped.items()}

    def to_build(self, pt: ParsedTable) -> Sequence[ParsedRow] | _ToBuild:
        """The table's good rows but those skipped (no row objects made for those), in order."""
        return pt.rows if not self.skipped else _ToBuild(pt, self.skipped)

    def build(self, builder: RecordBuilder, row: ParsedRow) -> Built:
        """The row's records, carrying its hash."""
        built = builder.build(self.kind, row)
        if self.predictor is None or self.kind not in ABOUT:
            return built
        return stamped(built, self.kind, self.predictor.stamp(self.kind, row, built))

    def clash(self, builder: RecordBuilder, pt: ParsedTable, row: ParsedRow, built: Built) -> tuple[int, Built] | None:
        """``row`` (just built) describes what a row not built does (its names needed the
        resolver): that row is built after all. An earlier one is built now and returned (it
        comes first); a later one is built when its turn comes."""
        at = self._by_identity.pop(built.identity, None)
        if at is None:
            return None
        del self.skipped[at]
        other = _row(pt, at)
        return None if other.row > row.row else (other.row, self.build(builder, other))


class _ToBuild:
    """Rows made as they are reached: one skipped may be built after all (see ``clash``)."""

    def __init__(self, pt: ParsedTable, skipped: dict[int, Identity]) -> None:
        self.pt, self.skipped = pt, skipped

    def __iter__(self) -> Iterator[ParsedRow]:
        return (_row(self.pt, i) for i in self.pt.good if i not in self.skipped)

    def __len__(self) -> int:
        return len(self.pt.good) - len(self.skipped)


def _at(positions: Sequence[int], *columns: list[Any]) -> Iterable[tuple[Any, ...]]:
    """The given columns' values at each position, a tuple a position."""
    if positions == range(len(columns[0])):
        return zip(*columns, strict=True)
    if isinstance(positions, range) and positions.step == 1:
        return zip(*(c[positions.start : positions.stop] for c in columns), strict=True)
    return (tuple(c[i] for c in columns) for i in positions)


HASH_BLOCK = 10_000  # rows whose hash texts are made at once (the parts of a million rows'd take 1 GB)


def table_row_hashes(pt: ParsedTable, positions: Sequence[int], ids: Sequence[Ids | None]) -> list[str]:
    """:func:`row_hash` of the rows at ``positions`` (with their ``ids``), read column by column."""
    return [digest.hex() for digest in _row_digests(pt, positions, ids)]


def _row_digests(pt: ParsedTable, positions: Sequence[int], ids: Sequence[Ids | None]) -> list[bytes]:
    """The digests of :func:`table_row_hashes`: each value's part of the text (``('name',
    value)``, as ``repr`` of the sorted items writes it) is made a column at a time, and a row's
    text joins its parts."""
    names = sorted(pt.columns)
    heads = [f"({name!r}, " for name in names]
    columns = [pt.columns[name] for name in names]
    start = f"({HASH_VERSION!r}, {pt.kind!r}, {pt.table.label!r}, "
    first, blake2b = pt.table.first_row, hashlib.blake2b
    out: list[bytes] = []
    for b in range(0, len(positions), HASH_BLOCK):
        block = positions[b : b + HASH_BLOCK]
        parts = [
            [None if (v := c[i]) is None else f"{head}{v!r})" for i in block]
            for head, c in zip(heads, columns, strict=True)
        ]
        for i, items, row_ids in zip(block, zip(*parts, strict=True), ids[b : b + HASH_BLOCK], strict=True):
            text = f"{start}{first + i}, [{', '.join(filter(None, items))}], {row_ids!r})"
            out.append(blake2b(text.encode("utf-8"), digest_size=8).digest())
    return out


def _row(pt: ParsedTable, i: int) -> ParsedRow:
    """The row at position ``i``, as :attr:`ParsedTable.rows` makes it."""
    values = {n: c[i] for n, c in pt.columns.items() if c[i] is not None}
    return ParsedRow(pt.table.path.name, pt.table.label, pt.table.row_number(i), values, pt.bound)


NO_SKIP = TableSkip("", None, {})


class Unchanged:
    """The hashes in the graph of what the files being loaded wrote before."""

    def __init__(self, hashes: dict[str, set[str]]) -> None:
        self.hashes = hashes  # kind -> hashes on what rows of that kind are about
        self.tables: list[TableSkip] = []
        self.unbuilt: dict[str, set[int]] = defaultdict(set)  # file -> rows not built

    @classmethod
    def read(cls, store: GraphStore, tables: Iterable[ParsedTable]) -> Unchanged:
        """The hashes the graph holds; none at all when no load has finished on this graph (it has
        no change counter, which every load writes at its end): then it is what a first load in
        bulk left when it was killed between two of its calls, with hashes on some of what it
        created but not everything their rows wrote, and every row is built again."""
        if store.change_token() is None:
            return cls({})
        sources: dict[str, list[str]] = defaultdict(list)
        for pt in tables:
            if pt.kind in ABOUT:
                sources[pt.kind].append(pt.table.label)
        hashes = {}
        for kind, labels in sources.items():
            about = ABOUT[kind]
            query = cypher.NODE_HASHES[about] if isinstance(about, Label) else cypher.REL_HASHES[about]
            hashes[kind] = {row[0] for row in store.read_lists(query, sources=labels)}  # one a row
        return cls(hashes)

    def table(self, pt: ParsedTable, predictor: Predictor) -> TableSkip:
        """The rows of this table whose hash the graph holds, unless another row of the
        table describes the same thing."""
        held = self.hashes.get(pt.kind)
        if not held:
            return TableSkip(pt.kind, predictor, {})
        guesses = predictor.predict_table(pt)
        known = [(i, guess) for i, guess in zip(pt.good, guesses, strict=True) if guess is not None]
        count = Counter(guess[1] for _, guess in known)
        hashes = table_row_hashes(pt, [i for i, _ in known], [guess[0] for _, guess in known])
        candidates = {i: guess[1] for (i, guess), h in zip(known, hashes, strict=True) if h in held}
        skip = TableSkip(pt.kind, predictor, {i: x for i, x in candidates.items() if count[x] == 1})
        source, first = pt.table.label, pt.table.first_row
        self.unbuilt[source].update(first + i for i in skip.skipped)
        self.tables.append(skip)
        return skip

    def count_into(self, report: WriteReport) -> None:
        """Rows not built count as unchanged in the write report: the node or relationship
        each is about (not the countries and derived facts it implies)."""
        for skip in self.tables:
            about = ABOUT[skip.kind]
            part = report.nodes if isinstance(about, Label) else report.relationships
            part[_name(about)]["unchanged"] += len(skip.skipped)


def _name(about: Label | tuple[Rel, Label]) -> str:
    return str(about if isinstance(about, Label) else about[0])


class RowHashes:
    """Row hashes by position in a table, None for a row without one: 8 bytes a row (a list
    of hash texts took 73 bytes a row: 73 MB for a first load of a million rows)."""

    def __init__(self, rows: int) -> None:
        self._digests = bytearray(8 * rows)
        self._set = bytearray(rows)

    def __len__(self) -> int:
        return len(self._set)

    def __getitem__(self, at: int) -> str | None:
        return self._digests[8 * at : 8 * at + 8].hex() if self._set[at] else None

    def hex_range(self, start: int, stop: int) -> list[str | None]:
        """The hashes of the rows ``start`` to ``stop`` (None outside the table)."""
        if 0 <= start and stop <= len(self._set) and self._set.count(0, start, stop) == 0:
            text = self._digests[8 * start : 8 * stop].hex()
            return [text[at : at + 16] for at in range(0, len(text), 16)]
        return [self[at] if 0 <= at < len(self._set) else None for at in range(start, stop)]

    def set_digests(self, positions: Sequence[int], digests: list[bytes]) -> None:
        """The digests (8 bytes each) of the rows at ``positions``, in order."""
        if isinstance(positions, range) and positions.step == 1:  # (consecutive rows: at once)
            start, stop = positions.start, positions.stop
            if len(digests) != stop - start:
                raise ValueError(f"{len(digests)} digests for {stop - start} rows")
            self._digests[8 * start : 8 * stop] = b"".join(digests)
            self._set[start:stop] = b"\x01" * (stop - start)
            return
        for at, digest in zip(positions, digests, strict=True):
            self._digests[8 * at : 8 * at + 8] = digest
            self._set[at] = 1


def table_hashes(pt: ParsedTable, predictor: Predictor, city_ids: Sequence[str] | None = None) -> RowHashes:
    """Each row's hash by its position in the table (None for a bad row), read column by column
    (no row objects), ``HASH_BLOCK`` rows at a time (the guesses of a million rows took 300 MB):
    for a first load in bulk, whose rows resolve names exactly. ``city_ids``: a cities table's
    city id for each good row, as the plan made them (else made here)."""
    out = RowHashes(pt.table.row_count)
    for start in range(0, len(pt.good), HASH_BLOCK):
        block = pt.good[start : start + HASH_BLOCK]
        guesses = predictor.predict_table(pt, block) if pt.kind in ABOUT else [None] * len(block)
        if pt.kind == "cities":  # (the plan's city has the id of its name)
            if city_ids is None:
                names, countries = pt.columns["name"], pt.columns["country"]
                ids: Sequence[str] = [city_id(names[i], countries[i]) for i in block]
            else:
                ids = city_ids[start : start + HASH_BLOCK]
            guesses = [g if g and g[0] == (cid,) else None for cid, g in zip(ids, guesses, strict=True)]
        out.set_digests(block, _row_digests(pt, block, [g[0] if g else None for g in guesses]))
    return out


def stamped_plan(
    nodes: BulkNodes,
    rels: BulkRels,
    tables: Iterable[ParsedTable],
    predictor: Predictor,
    *,
    city_ids: Mapping[str, Sequence[str]] | None = None,
) -> tuple[BulkNodes, BulkRels]:
    """A first load in bulk: the node or relationship each row is about gets, as the store
    reads it, the hash of that row (as :func:`stamped` does row by row). ``city_ids``: by
    cities table (its label), the plan's city id for each good row."""
    tables = [pt for pt in tables if pt.kind in ABOUT]
    ids = city_ids or {}
    by_label = {
        pt.table.label: (pt.table.first_row, table_hashes(pt, predictor, ids.get(pt.table.label))) for pt in tables
    }
    sources = {ABOUT[pt.kind]: {pt.table.label} for pt in tables}
    for pt in tables:
        sources[ABOUT[pt.kind]].add(pt.table.label)

    def stamper(about: Label | tuple[Rel, Label]) -> _Stamper:
        return _Stamper({label: by_label[label] for label in sources[about]})

    return (
        {label: _Stamped(part, stamper(label)) if label in sources else part for label, part in nodes.items()},
        {key: _Stamped(part, stamper(key)) if key in sources else part for key, part in rels.items()},
    )


class _Stamper:
    """Sets the hash of its row on what a row of one of its files (by label: the first row's
    number and the table's hashes) is about."""

    def __init__(self, own: dict[str, tuple[int, RowHashes]]) -> None:
        self.own = own

    def __call__(self, props: dict[str, Any]) -> dict[str, Any]:
        source = props.get("source")
        if source in self.own:
            first, hashes = self.own[source]
            at = (props.get("source_row") or 0) - first
            props[CONTENT_HASH] = hashes[at] if 0 <= at < len(hashes) else None
        return props

    def chunk(self, chunk: Chunk) -> Chunk:
        """:meth:`__call__` of each entity of a chunk (its column of hashes set, the others None)."""
        sources, rows = chunk.columns.get("source"), chunk.columns.get("source_row")
        if sources is None or rows is None or self.own.keys().isdisjoint(sources):
            return chunk
        first_source, first_row = sources[0], rows[0]
        if (
            sources.count(first_source) == len(sources)
            and isinstance(first_row, int)
            and rows == list(range(first_row, first_row + len(rows)))
        ):  # (a block of one table's rows: the hashes of a range at once)
            first, hashes = self.own[first_source]
            got = hashes.hex_range(first_row - first, first_row - first + len(rows))
            chunk.full.add(CONTENT_HASH)
        else:
            held = chunk.columns.get(CONTENT_HASH) or [ABSENT] * len(chunk)
            got = [self(_one(s, r, h)).get(CONTENT_HASH, ABSENT) for s, r, h in zip(sources, rows, held, strict=True)]
            chunk.full.discard(CONTENT_HASH)
        chunk.columns[CONTENT_HASH] = got
        return chunk


def _one(source: Any, row: Any, content_hash: Any) -> dict[str, Any]:
    """An entity's properties the stamp reads (ABSENT: it does not have that one)."""
    props = {"source": source, "source_row": row, CONTENT_HASH: content_hash}
    return {k: v for k, v in props.items() if v is not ABSENT}


class _Stamped(Mapping[K, dict[str, Any]]):
    """A plan's nodes of one label (or relationships of one type), each stamped as read."""

    def __init__(self, part: Mapping[K, dict[str, Any]], stamp: _Stamper) -> None:
        self.part, self.stamp = part, stamp

    def __iter__(self) -> Iterator[K]:
        return iter(self.part)

    def __len__(self) -> int:
        return len(self.part)

    def __contains__(self, key: object) -> bool:
        return key in self.part

    def __getitem__(self, key: K) -> dict[str, Any]:
        return self.stamp(self.part[key])

    def items(self) -> ItemsView[K, dict[str, Any]]:
        return _StampedItems(self)

    def values(self) -> ValuesView[dict[str, Any]]:
        return _StampedValues(self)

    def chunks(self) -> Iterator[Chunk]:
        return map(self.stamp.chunk, chunks_of(self.part))


class _StampedItems(ItemsView[K, dict[str, Any]]):
    _mapping: _Stamped[K]

    def __iter__(self) -> Iterator[tuple[K, dict[str, Any]]]:
        stamp = self._mapping.stamp
        return ((k, stamp(p)) for k, p in self._mapping.part.items())


class _StampedValues(ValuesView[dict[str, Any]]):
    _mapping: _Stamped[Any]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        stamp = self._mapping.stamp
        return (stamp(p) for p in self._mapping.part.values())
