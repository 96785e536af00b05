"""The one store interface used by loaders, API, CLI, maps and notebooks.

Two implementations: :class:`~gnlc.graph.falkor.FalkorStore` (embedded, the default)
and :class:`~gnlc.graph.neo4j_store.Neo4jStore`. Only :class:`~gnlc.graph.cypher.Query`
objects can be run, so every statement comes from :mod:`gnlc.graph.cypher`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any, TypeVar

from gnlc.errors import QueryError, SettingsError
from gnlc.graph import cypher
from gnlc.graph.cypher import Dialect, Query, Variant
from gnlc.graph.model import SYMMETRIC, Label, Rel

if TYPE_CHECKING:
    from gnlc.settings import Settings

Row = dict[str, Any]
_SEARCH_SPLIT = re.compile(r"[^\w]+", re.UNICODE)  # full-text syntax characters never reach the engine


CREATE_BATCH = 10_000
# A first load's nodes and relationships, each label's or type's read once, in order (a loader
# may make them again from its rows as they are read rather than hold them: gnlc.loaders.bulk);
# on Neo4j read twice: the second time for the rows' content hashes, written last.
BulkNodes = Mapping[Label, Mapping[str, dict[str, Any]]]
BulkRels = Mapping[tuple[Rel, Label], Mapping[tuple[str, str, str], dict[str, Any]]]


T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last one shorter), read as they are needed."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()  # in a Chunk's column: this entity does not have the property (None: has it, unset)


@dataclass(slots=True)
class Chunk:
    """Consecutive entities of one label or type as columns: ``keys`` (node ids, or relationships'
    (start, end, key)) and a list of values for each property some of them have (:data:`ABSENT`
    where one does not; ``full``: the columns without ABSENT). A part of :data:`BulkNodes` or
    :data:`BulkRels` may give its entities this way, ``chunks()`` in the order of ``items()``,
    rather than as one dict each: the same entities, each with the same properties."""

    keys: list[Any]
    columns: dict[str, list[Any]]
    full: set[str]

    def __len__(self) -> int:
        return len(self.keys)

    def names(self) -> list[str]:
        """The properties some entity of the chunk has."""
        return [n for n, values in self.columns.items() if n in self.full or values.count(ABSENT) < len(values)]

    def values(self, name: str) -> list[Any]:
        """A property's values, None where an entity does not have it."""
        values = self.columns[name]
        return values if name in self.full else [None if v is ABSENT else v for v in values]


def chunks_of(part: Mapping[Any, dict[str, Any]], size: int = CREATE_BATCH) -> Iterator[Chunk]:
    """A part's entities as chunks: its own ``chunks()`` when it has them, else its items' dicts
    ``size`` at a time."""
    own: Callable[[], Iterator[Chunk]] | None = getattr(part, "chunks", None)
    return own() if own is not None else dict_chunks(part.items(), size)


def dict_chunks(items: Iterable[tuple[Any, dict[str, Any]]], size: int) -> Iterator[Chunk]:
    """Entities given as (key, properties), ``size`` at a time as chunks."""
    return (dict_chunk(batch) for batch in batches(items, size))


def dict_chunk(items: list[tuple[Any, dict[str, Any]]]) -> Chunk:
    """Entities given as (key, properties) as a chunk: a column for each property any of them has."""
    props = [p for _, p in items]
    names: set[str] = set()
    for p in props:
        names.update(p)
    columns = {name: list(map(dict.get, props, repeat(name), repeat(ABSENT))) for name in names}
    return Chunk([k for k, _ in items], columns, {name for name, values in columns.items() if ABSENT not in values})


class GraphStore(ABC):
    """A graph database seen through the project's model."""

    dialect: Dialect
    description: str
    fulltext_and = " "  # how a full-text query requires every word (RediSearch: a space; Lucene: AND)

    # -- what each engine implements ----------------------------------------------------
    @abstractmethod
    def _read(self, query: Query, params: dict[str, Any]) -> list[Row]: ...

    @abstractmethod
    def _write(self, query: Query, params: dict[str, Any]) -> list[Row]: ...

    @abstractmethod
    def _write_transaction(self, steps: Sequence[tuple[Query, dict[str, Any]]]) -> list[list[Row]]: ...

    @abstractmethod
    def apply_schema(self) -> list[str]:
        """Create missing constraints and indexes; return what was created (empty when
        the schema was already in place)."""

    @abstractmethod
    def close(self) -> None: ...

    # -- the interface ----------------------------------------------------------------------
    def _pick(self, query: Query | Variant) -> Query:
        if isinstance(query, Variant):
            query = query.for_(self.dialect)
        if not isinstance(query, Query):
            raise TypeError("only statements from gnlc.graph.cypher can be run")
        if self.dialect not in query.dialects:
            raise QueryError(f"statement {query.name} is not written for {self.dialect}")
        return query

    def read(self, query: Query | Variant, **params: Any) -> list[Row]:
        """Run a read statement and return its rows as dicts."""
        return self._read(self._pick(query), params)

    def read_lists(self, query: Query | Variant, **params: Any) -> list[list[Any]]:
        """Run a read statement and return its rows as lists, in the statement's column order:
        for whole-graph reads (the projection), where an engine can skip building a dict per row."""
        return [list(r.values()) for r in self.read(query, **params)]

    def write(self, query: Query | Variant, **params: Any) -> list[Row]:
        """Run one write statement atomically."""
        return self._write(self._pick(query), params)

    def write_transaction(self, steps: Sequence[tuple[Query | Variant, dict[str, Any]]]) -> list[list[Row]]:
        """Run several write statements as one unit: all apply or none does."""
        return self._write_transaction([(self._pick(q), p) for q, p in steps])

    def ping(self) -> bool:
        return self.read(cypher.PING)[0]["ok"] == 1

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts by label and by relationship type. A symmetric link stored in both
        directions counts once."""
        labels = {r["label"]: r["n"] for r in self.read(cypher.COUNT_NODES_BY_LABEL) if r["label"]}
        rels = {}
        for r in self.read(cypher.COUNT_RELS_BY_TYPE):
            rels[r["type"]] = r["n"] // 2 if r["type"] in {s.value for s in SYMMETRIC} else r["n"]
        return {"nodes": labels, "relationships": rels}

    def count(self, label: Any) -> int:
        return int(self.read(cypher.COUNT_LABEL[label])[0]["n"])

    def node(self, label: Any, node_id: str) -> Row | None:
        rows = self.read(cypher.NODE_BY_ID[label], id=node_id)
        return rows[0]["props"] if rows else None

    def search_cities(self, text: str, *, limit: int = 10) -> list[Row]:
        """Cities whose name or alias matches a full-text query (engine's own index)."""
        return self._search(cypher.NAME_SEARCH, text, limit)

    def search_organisations(self, text: str, *, limit: int = 10) -> list[Row]:
        """Organisations whose name matches a full-text query (engine's own index)."""
        return self._search(cypher.ORG_NAME_SEARCH, text, limit)

    def _search(self, query: Variant, text: str, limit: int) -> list[Row]:
        words = [w for w in _SEARCH_SPLIT.split(text) if w][:20]
        if not words:
            return []
        q = self.fulltext_and.join(f"{w}*" if len(w) > 2 else w for w in words)
        return self.read(query, q=q, limit=max(1, min(limit, 100)))

    def shortest_link_path(self, a: str, b: str) -> list[str]:
        """City ids along a shortest chain of city-to-city links (empty if none within the bound)."""
        rows = self.read(cypher.SHORTEST_LINK_PATH, a=a, b=b)
        return list(rows[0]["ids"] or []) if rows else []

    def mark_changed(self) -> None:
        """Count one change of the graph (every load calls it after writing): caches such as
        the in-memory projection compare :meth:`change_token` with the one they were built at."""
        import uuid

        self.write(cypher.STATE_BUMP, token=uuid.uuid4().hex)

    def change_token(self) -> str | None:
        """What the graph's change counter says now (one cheap read); None for a graph no load wrote."""
        rows = self.read(cypher.STATE_READ)
        return f"{rows[0]['changes']}:{rows[0]['token']}" if rows else None

    def is_empty(self) -> bool:
        return int(self.read(cypher.COUNT_ALL)[0]["n"]) == 0

    def create_all(self, nodes: BulkNodes, rels: BulkRels, *, progress: Callable[[int], None] | None = None) -> None:
        """Create the nodes and relationships of a first load into an empty graph, without
        looking up what exists (nothing does). ``nodes``: label -> id -> properties;
        ``rels``: (type, start label) -> (start id, end id, key) -> properties, a symmetric
        type once per pair. If it fails, the graph is emptied again: nothing is half-written."""
        if not self.is_empty():
            raise QueryError("create_all needs an empty graph")
        try:
            self._create_all(nodes, rels, progress or (lambda n: None))
        except BaseException:
            self.clear()
            self.apply_schema()
            raise
        self.mark_changed()

    def _create_all(self, nodes: BulkNodes, rels: BulkRels, progress: Callable[[int], None]) -> None:
        """Batches of ``UNWIND ... CREATE``, each committed on its own, each row with its content
        hash. A load killed between two batches (kill -9: nothing undoes it) leaves hashes on part
        of what its rows write, but no change counter (``mark_changed`` comes after the last batch),
        and the next load trusts no hash of a graph without one
        (:meth:`~gnlc.loaders.unchanged.Unchanged.read`): it builds every row again."""
        for label, by_id in nodes.items():
            for batch in batches(by_id.items(), CREATE_BATCH):
                rows = [{"id": node_id, "props": p} for node_id, p in batch]
                self.write(cypher.NODE_CREATE[label], rows=rows)
                progress(len(batch))
        for key, by_ends in rels.items():
            for rel_batch in batches(by_ends.items(), CREATE_BATCH):
                rows = [{"start": s, "end": e, "key": k, "props": p} for (s, e, k), p in rel_batch]
                self.write(cypher.REL_CREATE[key], rows=rows)
                progress(len(rel_batch))

    @contextmanager
    def load_lock(self, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Held by a load from reading the graph to the last write, so that two loads into one
        graph run one after the other (concurrent MERGEs were seen to store a relationship
        twice). Here: no lock; the embedded store has one."""
        yield

    def clear(self) -> None:
        """Delete every node and relationship (tests and `gnlc engine reset`)."""
        self.write(cypher.DELETE_ALL)

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(settings: Settings, *, autostart: bool = True) -> GraphStore:
    """Open the store the settings name; the embedded engine is started when needed."""
    if settings.engine == "embedded":
        from gnlc.graph.falkor import FalkorStore

        return FalkorStore.open(settings, autostart=autostart)
    if settings.engine == "neo4j":
        from gnlc.graph.neo4j_store import Neo4jStore

        return Neo4jStore.open(settings)
    raise SettingsError(f"unknown engine {settings.engine!r}: expected 'embedded' or 'neo4j'")
