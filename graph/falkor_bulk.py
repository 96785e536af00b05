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

import re
import struct
from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

import numpy as np

from gnlc import collector
from gnlc.errors import QueryError
from gnlc.graph.model import ENDPOINTS, NODE_KEY, SYMMETRIC, Label, Rel
from gnlc.graph.store import ABSENT, BulkNodes, BulkRels, Chunk, chunks_of

MAX_CALL_BYTES = 8 * 1024 * 1024  # one GRAPH.BULK call carries at most about this much (held while sent)
PACK_BATCH = 10_000  # nodes or relationships packed at a time
_NULL = b"\x00"
_TYPED_LONG = struct.Struct("=Bq").pack
_TYPED_DOUBLE = struct.Struct("=Bd").pack
_BOOLS = {False: b"\x01\x00", True: b"\x01\x01"}
_ALIKE = frozenset({str, int, float, bool})
_ONE = _TYPED_LONG(5, 1)


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
        if values.count(values[0]) == len(values):  # (one value: the load's time, a file's name)
            return [pack_value(values[0])] * len(values)
        distinct = list(dict.fromkeys(values))
        packed = _packed_alike(distinct, types.pop())
        if len(packed) == len(values):  # (all distinct)
            return packed
        return list(map(dict(zip(distinct, packed, strict=True)).__getitem__, values))
    if types == {list}:
        return _packed_lists(values)
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


def _packed_alike(distinct: list[Any], kind: type) -> list[bytes]:
    """:func:`pack_value` of each of ``distinct`` (values of type ``kind``, or None): texts or
    whole numbers without None packed together (see :func:`_texts`, :func:`_longs`)."""
    if None not in distinct:
        if kind is str:
            return _texts(distinct)
        if kind is int:
            return _longs(distinct)
    return [pack_value(value) for value in distinct]


_PACKED_TEXT = re.compile(rb"\x03[^\x00]*\x00")


def _texts(values: list[str]) -> list[bytes]:
    """:func:`pack_value` of each text, encoded together and cut at each terminating NUL (one
    a text: a text holding a NUL of its own is packed alone, which refuses it)."""
    data = ("\x03" + "\x00\x03".join(values) + "\x00").encode("utf-8")
    if data.count(b"\x00") != len(values):
        return [pack_value(value) for value in values]
    return _PACKED_TEXT.findall(data)


_LONG = np.dtype([("type", "u1"), ("value", "=i8")])  # a type byte and the long, 9 bytes, no padding


def _longs(values: list[int]) -> list[bytes]:
    """:func:`pack_value` of each whole number, packed as one array and cut in 9 bytes each."""
    packed = np.empty(len(values), dtype=_LONG)
    packed["type"] = 4
    try:
        packed["value"] = values
    except OverflowError:  # (beyond 64 bits: packed alone, which refuses it)
        return [pack_value(value) for value in values]
    data, size = packed.tobytes(), _LONG.itemsize
    return [data[at : at + size] for at in range(0, len(data), size)]


def _packed_lists(values: list[Any]) -> list[bytes]:
    """A column of lists (and None): a provenance's one source each, mostly."""
    if None not in values and set(map(len, values)) == {1}:
        texts = list(map(itemgetter(0), values))
        if set(map(type, texts)) == {str}:
            return _one_texts(texts)
    return [_pack_list(value) if value is not None else _NULL for value in values]


_ONE_TEXT = _ONE + b"\x03"  # a list of one text, up to the text
_PACKED_ONE_TEXT = re.compile(re.escape(_ONE_TEXT) + rb"[^\x00]*\x00")


def _one_texts(texts: list[str]) -> list[bytes]:
    """:func:`pack_value` of a list of one text, for each text: encoded together and cut as
    :func:`_texts` does (the list's count holds NULs of its own: as many each)."""
    head = _ONE_TEXT.decode("ascii")
    data = (head + ("\x00" + head).join(texts) + "\x00").encode("utf-8")
    if data.count(b"\x00") != len(texts) * _ONE_TEXT.count(b"\x00") + len(texts):
        return [_ONE + text for text in _texts(texts)]
    return _PACKED_ONE_TEXT.findall(data)


def _pack_list(value: list[Any]) -> bytes:
    """:func:`pack_value` of a list (a provenance's one source, mostly)."""
    if len(value) == 1 and value[0].__class__ is str:
        return _ONE + _pack_text(value[0])
    return pack_value(value)


def _header(name: str, props: list[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


def _names(chunk: Chunk, first: str) -> list[str]:
    """The property names of a batch's header: ``first`` (the id or the key), then the others sorted."""
    return [first, *sorted(set(chunk.names()) - {first})]


def _columns(first: list[Any], chunk: Chunk, names: list[str]) -> list[list[bytes]]:
    """The packed columns of a batch: ``first`` (ids or keys), then each property of ``names``."""
    return [_column(first), *(_column(chunk.values(name)) for name in names)]


def _rebatched(chunks: Iterable[Chunk], size: int) -> Iterator[Chunk]:
    """The entities of ``chunks`` in chunks of ``size`` (the last one shorter): a batch is the
    same entities whatever chunks its part gives."""
    pending: list[Chunk] = []
    count = 0
    for chunk in chunks:
        at = 0
        while at < len(chunk):
            take = min(size - count, len(chunk) - at)
            pending.append(chunk if take == len(chunk) else _part(chunk, at, at + take))
            at, count = at + take, count + take
            if count == size:
                yield _joined(pending)
                pending, count = [], 0
    if pending:
        yield _joined(pending)


def _part(chunk: Chunk, start: int, stop: int) -> Chunk:
    columns = {name: values[start:stop] for name, values in chunk.columns.items()}
    return Chunk(chunk.keys[start:stop], columns, set(chunk.full))


def _joined(pieces: list[Chunk]) -> Chunk:
    """Consecutive chunks as one (a property a piece has no column for: ABSENT in its entities)."""
    if len(pieces) == 1:
        return pieces[0]
    names = dict.fromkeys(name for piece in pieces for name in piece.columns)
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for piece in pieces:
        for name, values in columns.items():
            values += piece.columns.get(name) or [ABSENT] * len(piece)
    full = set(names).intersection(*(piece.full for piece in pieces))
    return Chunk([key for piece in pieces for key in piece.keys], columns, full)


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
        for chunk in _rebatched(chunks_of(by_id, PACK_BATCH), PACK_BATCH):
            ids = chunk.keys
            own.update(zip(ids, range(sent, sent + len(ids)), strict=True))
            sent += len(ids)
            names = _names(chunk, NODE_KEY)
            for token, n in _tokens(_header(label, names), _columns(ids, chunk, names[1:]), None):
                yield from calls.add(True, token, n)
    for (rel, start_label), by_ends in rels.items():
        starts, ends = numbers.get(start_label, {}), numbers.get(ENDPOINTS[rel][1], {})
        for chunk in _rebatched(chunks_of(by_ends, PACK_BATCH), PACK_BATCH):
            pairs = _pairs(rel, start_label, starts, ends, chunk.keys)
            names = _names(chunk, "key")
            columns = _columns([key for _, _, key in chunk.keys], chunk, names[1:])
            for token, n in _tokens(_header(rel, names), columns, (pairs, rel in SYMMETRIC)):
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
    count = len(columns[0])
    if edges is None:
        body = _interleaved(columns)
    else:
        pairs, both_ways = edges
        ends = np.array(pairs, dtype=np.uint64).reshape(-1, 2)
        body = _interleaved([_cut(ends.tobytes(), 16), *columns])
        if both_ways:
            body += _interleaved([_cut(ends[:, ::-1].tobytes(), 16), *columns])
            count *= 2
    token = b"".join([header, *body])
    if len(token) <= MAX_CALL_BYTES:
        yield token, count
        return
    del token
    width = len(columns) + (edges is not None)
    entities = [b"".join(body[at : at + width]) for at in range(0, len(body), width)]
    yield from _split(header, entities)


def _interleaved(columns: list[list[bytes]]) -> list[bytes]:
    """The pieces of each entity in turn: its value of each column."""
    width = len(columns)
    body: list[bytes] = [b""] * (width * len(columns[0]))
    for at, column in enumerate(columns):
        body[at::width] = column
    return body


def _cut(data: bytes, size: int) -> list[bytes]:
    return [data[at : at + size] for at in range(0, len(data), size)]


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
