"""FalkorDB's bulk-insert command, ``GRAPH.BULK``, for a first load into a new graph.

The command takes nodes and relationships in a binary form (the format of
falkordb-bulk-loader): per label or type a header (name, property count, property names)
followed by the entities; a node is its property values, a relationship its start and
end node numbers (in the order the nodes were sent, from 0) then its values. A value is
a type byte and the value: 0 null (property not set), 1 bool, 2 double, 3 string
(NUL-terminated UTF-8), 4 long, 5 array (a long count, then the elements).

It only creates a graph that does not exist yet, so the caller deletes the (empty) graph
first and applies the schema (indexes, constraints) afterwards.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from gnlc import collector
from gnlc.errors import QueryError
from gnlc.graph.model import ENDPOINTS, NODE_KEY, SYMMETRIC, Label, Rel
from gnlc.graph.store import BulkNodes, BulkRels, batches

MAX_CALL_BYTES = 8 * 1024 * 1024  # one GRAPH.BULK call carries at most about this much (held while sent)
PACK_BATCH = 10_000  # nodes or relationships packed at a time
_NULL = b"\x00"
_EDGE_ENDS = struct.Struct("=QQ")
_TYPED_LONG = struct.Struct("=Bq").pack
_TYPED_DOUBLE = struct.Struct("=Bd").pack
_BOOLS = {False: b"\x01\x00", True: b"\x01\x01"}


def pack_value(value: Any) -> bytes:
    if value.__class__ is str:  # (most values)
        return _pack_text(value)
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOLS[value]
    if isinstance(value, int):
        return _TYPED_LONG(4, value)
    if isinstance(value, float):
        return _TYPED_DOUBLE(2, value)
    if isinstance(value, str):
        return _pack_text(value)
    if isinstance(value, list | tuple):
        return b"".join([_TYPED_LONG(5, len(value)), *map(pack_value, value)])
    raise TypeError(f"cannot store a {type(value).__name__} value")


def _pack_text(value: str) -> bytes:
    if "\x00" in value:
        raise ValueError("a text with a NUL character cannot be stored")
    return ("\x03" + value + "\x00").encode("utf-8")


def _column(values: Iterable[Any]) -> list[bytes]:
    """The packed values of one property, each distinct value packed once."""
    values = list(values)
    types = set(map(type, values))
    types.discard(type(None))
    if len(types) == 1 and types <= _ALIKE:  # values of one type (and None): none equal to another's
        table = {value: pack_value(value) for value in dict.fromkeys(values)}
        return list(map(table.__getitem__, values))
    if types == {list}:
        return [_pack_list(value) if value is not None else _NULL for value in values]
    cache: dict[tuple[type, Any], bytes] = {}  # 1, 1.0 and True are equal: with their type
    out: list[bytes] = []
    for value in values:
        if isinstance(value, list):
            out.append(pack_value(value))
            continue
        key = (type(value), value)
        got = cache.get(key)
        if got is None:
            got = cache[key] = pack_value(value)
        out.append(got)
    return out


_ALIKE = frozenset({str, int, float, bool})
_ONE = _TYPED_LONG(5, 1)


def _pack_list(value: list[Any]) -> bytes:
    """:func:`pack_value` of a list (a provenance's one source, mostly)."""
    if len(value) == 1 and value[0].__class__ is str:
        return _ONE + _pack_text(value[0])
    return pack_value(value)


def _header(name: str, props: list[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


def _keys(items: Iterable[dict[str, Any]], first: list[str]) -> list[str]:
    seen: set[str] = set()
    update = seen.update
    for props in items:
        update(props)
    return first + sorted(seen - set(first))


def _columns(first: list[Any], props: list[dict[str, Any]], keys: list[str]) -> list[list[bytes]]:
    """The packed columns of a batch: ``first`` (ids or keys), then each property of ``keys``."""
    return [_column(first), *(_column(map(dict.get, props, repeat(k))) for k in keys)]


def bulk_calls(nodes: BulkNodes, rels: BulkRels) -> Iterator[tuple[list[Any], int]]:
    """The argument lists of the GRAPH.BULK calls (without the graph name and BEGIN),
    each with the number of entities it carries. Each label's nodes and each type's
    relationships are read once and packed ``PACK_BATCH`` at a time, a call sent as soon
    as it is full: what is held is the node numbers, a batch and a call."""
    with collector.paused():  # (the cycle collector took about 40% of this at 100k cities)
        yield from _bulk_calls(nodes, rels)


def _bulk_calls(nodes: BulkNodes, rels: BulkRels) -> Iterator[tuple[list[Any], int]]:
    numbers: dict[Label, dict[str, int]] = {}  # label -> node id -> its number (the order sent, from 0)
    calls, sent = _Calls(), 0
    for label, by_id in nodes.items():
        own = numbers.setdefault(label, {})
        for batch in batches(by_id.items(), PACK_BATCH):
            ids = [node_id for node_id, _ in batch]
            own.update(zip(ids, range(sent, sent + len(ids)), strict=True))
            sent += len(ids)
            props = [p for _, p in batch]
            keys = _keys(props, [NODE_KEY])
            for token, n in _tokens(_header(label, keys), _columns(ids, props, keys[1:]), None):
                yield from calls.add(True, token, n)
    for (rel, start_label), by_ends in rels.items():
        starts, ends = numbers.get(start_label, {}), numbers.get(ENDPOINTS[rel][1], {})
        for rel_batch in batches(by_ends.items(), PACK_BATCH):
            pairs = _pairs(rel, start_label, starts, ends, [key for key, _ in rel_batch])
            props = [p for _, p in rel_batch]
            keys = _keys(props, ["key"])
            columns = _columns([k for (_, _, k), _ in rel_batch], props, keys[1:])
            for token, n in _tokens(_header(rel, keys), columns, (pairs, rel in SYMMETRIC)):
                yield from calls.add(False, token, n)
    yield from calls.flush()


def _pairs(
    rel: Rel, start_label: Label, starts: dict[str, int], ends: dict[str, int], keys: list[tuple[str, str, str]]
) -> list[tuple[int, int]]:
    """The node numbers of each relationship's ends."""
    try:
        return [(starts[start], ends[end]) for start, end, _ in keys]
    except KeyError:
        for key in keys:
            _ends(rel, start_label, starts, ends, key)
        raise


def _tokens(
    header: bytes, columns: list[list[bytes]], edges: tuple[list[tuple[int, int]], bool] | None
) -> Iterator[tuple[bytes, int]]:
    """A batch's entities (``edges``: relationships, with their ends and whether they are sent
    in both directions too) under the header, split where a call would grow too large."""
    values = list(zip(*columns, strict=True))
    if edges is None:
        body: list[bytes] = [piece for entity in values for piece in entity]
        count = len(values)
    else:
        pairs, both_ways = edges
        pack = _EDGE_ENDS.pack
        forward = [pack(a, b) for a, b in pairs]
        body = [piece for ends, entity in zip(forward, values, strict=True) for piece in (ends, *entity)]
        if both_ways:
            backward = [pack(b, a) for a, b in pairs]
            body += [piece for ends, entity in zip(backward, values, strict=True) for piece in (ends, *entity)]
        count = len(values) * (2 if both_ways else 1)
    token = b"".join([header, *body])
    if len(token) <= MAX_CALL_BYTES:
        yield token, count
        return
    del token
    if edges is None:
        entities = [b"".join(entity) for entity in values]
    else:
        pairs, both_ways = edges
        packed = [b"".join(entity) for entity in values]
        entities = [_EDGE_ENDS.pack(a, b) + v for (a, b), v in zip(pairs, packed, strict=True)]
        if both_ways:
            entities += [_EDGE_ENDS.pack(b, a) + v for (a, b), v in zip(pairs, packed, strict=True)]
    yield from _split(header, entities)


def _ends(
    rel: Rel, start_label: Label, starts: dict[str, int], ends: dict[str, int], key: tuple[str, str, str]
) -> tuple[int, int]:
    a, b = starts.get(key[0]), ends.get(key[1])
    if a is None or b is None:
        missing = f"{start_label} {key[0]!r}" if a is None else f"{ENDPOINTS[rel][1]} {key[1]!r}"
        raise QueryError(f"a {rel} relationship refers to {missing}, which is not among the nodes created")
    return a, b


def _split(header: bytes, body: list[bytes]) -> Iterator[tuple[bytes, int]]:
    start, size = 0, len(header)
    for i, entity in enumerate(body):
        if size + len(entity) > MAX_CALL_BYTES and i > start:
            yield header + b"".join(body[start:i]), i - start
            start, size = i, len(header)
        size += len(entity)
    if len(body) > start:
        yield header + b"".join(body[start:]), len(body) - start


class _Calls:
    """Tokens gathered into calls of about MAX_CALL_BYTES, node tokens before relationship
    tokens in each call; a call is given out as soon as the next token would not fit."""

    def __init__(self) -> None:
        self.batch: list[tuple[bool, bytes, int]] = []
        self.size = 0

    def add(self, is_node: bool, token: bytes, entities: int) -> Iterator[tuple[list[Any], int]]:
        if self.batch and self.size + len(token) > MAX_CALL_BYTES:
            yield from self.flush()
        self.batch.append((is_node, token, entities))
        self.size += len(token)

    def flush(self) -> Iterator[tuple[list[Any], int]]:
        if self.batch:
            batch, self.batch, self.size = self.batch, [], 0
            yield _call(batch)


def _call(batch: list[tuple[bool, bytes, int]]) -> tuple[list[Any], int]:
    node_tokens = [t for is_node, t, _ in batch if is_node]
    rel_tokens = [t for is_node, t, _ in batch if not is_node]
    n_nodes = sum(n for is_node, _, n in batch if is_node)
    n_rels = sum(n for is_node, _, n in batch if not is_node)
    return [n_nodes, n_rels, len(node_tokens), len(rel_tokens), *node_tokens, *rel_tokens], n_nodes + n_rels
