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
from collections.abc import Iterator
from typing import Any

from gnlc.errors import QueryError
from gnlc.graph.model import ENDPOINTS, NODE_KEY, SYMMETRIC, Label, Rel
from gnlc.graph.store import BulkNodes, BulkRels, batches

MAX_CALL_BYTES = 8 * 1024 * 1024  # one GRAPH.BULK call carries at most about this much (held while sent)
PACK_BATCH = 10_000  # nodes or relationships packed at a time
_CACHE_LIMIT = 50_000  # distinct values of one property whose packed form is kept
_NULL = b"\x00"
_EDGE_ENDS = struct.Struct("=QQ")


def pack_value(value: Any) -> bytes:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return struct.pack("=B?", 1, value)
    if isinstance(value, int):
        return struct.pack("=Bq", 4, value)
    if isinstance(value, float):
        return struct.pack("=Bd", 2, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        if b"\x00" in raw:
            raise ValueError("a text with a NUL character cannot be stored")
        return b"\x03" + raw + b"\x00"
    if isinstance(value, list | tuple):
        return struct.pack("=Bq", 5, len(value)) + b"".join(pack_value(v) for v in value)
    raise TypeError(f"cannot store a {type(value).__name__} value")


def _column(values: list[Any]) -> list[bytes]:
    """The packed values of one property; repeated values (kinds, years, sources) are
    packed once."""
    cache: dict[tuple[type, Any], bytes] = {}
    out: list[bytes] = []
    append = out.append
    for value in values:
        if isinstance(value, list):
            append(pack_value(value))
            continue
        key = (type(value), value)
        got = cache.get(key)
        if got is None:
            got = pack_value(value)
            if len(cache) < _CACHE_LIMIT:
                cache[key] = got
        append(got)
    return out


def _header(name: str, props: list[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


def _keys(items: Any, first: list[str]) -> list[str]:
    seen: set[str] = set()
    for props in items:
        seen.update(props)
    return first + sorted(seen - set(first))


def _entities(columns: list[list[bytes]]) -> list[bytes]:
    """One bytes string per entity: its columns' values side by side."""
    return [b"".join(parts) for parts in zip(*columns, strict=True)]


def bulk_calls(nodes: BulkNodes, rels: BulkRels) -> Iterator[tuple[list[Any], int]]:
    """The argument lists of the GRAPH.BULK calls (without the graph name and BEGIN),
    each with the number of entities it carries. Each label's nodes and each type's
    relationships are read once and packed ``PACK_BATCH`` at a time, a call sent as soon
    as it is full: what is held is the node numbers, a batch and a call."""
    numbers: dict[Label, dict[str, int]] = {}  # label -> node id -> its number (the order sent, from 0)
    calls, sent = _Calls(), 0
    for label, by_id in nodes.items():
        own = numbers.setdefault(label, {})
        for batch in batches(by_id.items(), PACK_BATCH):
            for node_id, _ in batch:
                own[node_id] = sent
                sent += 1
            props = _keys((p for _, p in batch), [NODE_KEY])
            columns = [_column([i for i, _ in batch])] + [_column([p.get(k) for _, p in batch]) for k in props[1:]]
            for token, n in _split(_header(label, props), _entities(columns)):
                yield from calls.add(True, token, n)
    for (rel, start_label), by_ends in rels.items():
        starts, ends = numbers.get(start_label, {}), numbers.get(ENDPOINTS[rel][1], {})
        for rel_batch in batches(by_ends.items(), PACK_BATCH):
            pairs = [_ends(rel, start_label, starts, ends, key) for key, _ in rel_batch]
            props = _keys((p for _, p in rel_batch), ["key"])
            columns = [_column([k for (_, _, k), _ in rel_batch])] + [
                _column([p.get(k) for _, p in rel_batch]) for k in props[1:]
            ]
            values = _entities(columns)
            body = [_EDGE_ENDS.pack(a, b) + packed for (a, b), packed in zip(pairs, values, strict=True)]
            if rel in SYMMETRIC:
                body += [_EDGE_ENDS.pack(b, a) + packed for (a, b), packed in zip(pairs, values, strict=True)]
            for token, n in _split(_header(rel, props), body):
                yield from calls.add(False, token, n)
    yield from calls.flush()


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
