"""The first load in bulk is made fast without changing what it sends: the GRAPH.BULK calls
are compared byte for byte with a plain reference packer (the one the fast packer replaced:
each value packed alone, each entity joined, then split into calls), and the plan of a small
generated network is pinned by a digest of its calls."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gnlc.graph import falkor_bulk
from gnlc.graph.model import ENDPOINTS, NODE_KEY, SYMMETRIC, Label, MembershipStatus, Rel, source_entry, source_entry_of
from gnlc.graph.store import BulkNodes, BulkRels, batches
from gnlc.loaders import bulk
from gnlc.loaders.bulk import BulkBuilder, _Provenance, plan_first_load
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.rows import ParsedTable, parse_file
from gnlc.loaders.synthetic import generate

LOADED_AT = "2026-01-02T03:04:05+00:00"


# -- the reference: one value, one entity, one call at a time ---------------------------------
def ref_value(value: Any) -> bytes:
    if value is None:
        return b"\x00"
    if isinstance(value, bool):
        return struct.pack("=B?", 1, value)
    if isinstance(value, int):
        return struct.pack("=Bq", 4, value)
    if isinstance(value, float):
        return struct.pack("=Bd", 2, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        assert b"\x00" not in raw
        return b"\x03" + raw + b"\x00"
    assert isinstance(value, list | tuple)
    return struct.pack("=Bq", 5, len(value)) + b"".join(ref_value(v) for v in value)


def ref_header(name: str, props: list[str]) -> bytes:
    return name.encode() + b"\x00" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\x00" for p in props)


def ref_keys(items: list[dict[str, Any]], first: str) -> list[str]:
    return [first, *sorted({k for p in items for k in p} - {first})]


def ref_split(header: bytes, body: list[bytes]) -> Iterator[tuple[bytes, int]]:
    start, size = 0, len(header)
    for i, entity in enumerate(body):
        if size + len(entity) > falkor_bulk.MAX_CALL_BYTES and i > start:
            yield header + b"".join(body[start:i]), i - start
            start, size = i, len(header)
        size += len(entity)
    if len(body) > start:
        yield header + b"".join(body[start:]), len(body) - start


def ref_calls(nodes: BulkNodes, rels: BulkRels) -> Iterator[tuple[list[Any], int]]:
    tokens: list[tuple[bool, bytes, int]] = []
    numbers: dict[Label, dict[str, int]] = {}
    sent = 0
    for label, by_id in nodes.items():
        own = numbers.setdefault(label, {})
        for batch in batches(by_id.items(), falkor_bulk.PACK_BATCH):
            keys = ref_keys([p for _, p in batch], NODE_KEY)
            body = []
            for node_id, p in batch:
                own[node_id], sent = sent, sent + 1
                body.append(ref_value(node_id) + b"".join(ref_value(p.get(k)) for k in keys[1:]))
            tokens += [(True, t, n) for t, n in ref_split(ref_header(label, keys), body)]
    for (rel, start_label), by_ends in rels.items():
        starts, ends = numbers.get(start_label, {}), numbers.get(ENDPOINTS[rel][1], {})
        for rel_batch in batches(by_ends.items(), falkor_bulk.PACK_BATCH):
            keys = ref_keys([p for _, p in rel_batch], "key")
            values = [ref_value(k) + b"".join(ref_value(p.get(x)) for x in keys[1:]) for (_, _, k), p in rel_batch]
            pairs = [(starts[a], ends[b]) for (a, b, _), _ in rel_batch]
            body = [struct.pack("=QQ", a, b) + v for (a, b), v in zip(pairs, values, strict=True)]
            if rel in SYMMETRIC:
                body += [struct.pack("=QQ", b, a) + v for (a, b), v in zip(pairs, values, strict=True)]
            tokens += [(False, t, n) for t, n in ref_split(ref_header(rel, keys), body)]
    call: list[tuple[bool, bytes, int]] = []
    for token in [*tokens, None]:
        if call and (token is None or sum(len(t) for _, t, _ in call) + len(token[1]) > falkor_bulk.MAX_CALL_BYTES):
            node_tokens, rel_tokens = [t for n, t, _ in call if n], [t for n, t, _ in call if not n]
            n_nodes, n_rels = sum(c for n, _, c in call if n), sum(c for n, _, c in call if not n)
            yield [n_nodes, n_rels, len(node_tokens), len(rel_tokens), *node_tokens, *rel_tokens], n_nodes + n_rels
            call = []
        if token is not None:
            call.append(token)


def digest(calls: Iterator[tuple[list[Any], int]]) -> str:
    h = hashlib.sha256()
    for args, entities in calls:
        for a in args:
            h.update(a if isinstance(a, bytes) else repr(a).encode())
            h.update(b"|")
        h.update(f"#{entities}\n".encode())
    return h.hexdigest()


# -- inputs ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[ParsedTable]:
    """A generated network whose partnerships and links come in two files each that repeat
    some rows of each other (those relationships are held, combined)."""
    out = tmp_path_factory.mktemp("net")
    generate(out, cities=150, seed=11)
    files = [out / "cities.csv", out / "organisations.csv"]
    for name in ("partnerships", "links"):
        head, *rows = (out / f"{name}.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        half = len(rows) // 2
        for part, chosen in (("a", rows[: half + 10]), ("b", rows[half:])):
            (out / f"{name}_{part}.csv").write_text(head + "".join(chosen), encoding="utf-8")
            files.append(out / f"{name}_{part}.csv")
    return [pt for f in files for pt in parse_file(Path(f), Mapping())]


def mixed_values() -> tuple[BulkNodes, BulkRels]:
    """Values of every type the packer takes, alike and not, repeated and not, in one column."""
    values: list[Any] = [
        None, True, False, 0, 1, -7, 2**62, 1.0, 0.5, -0.0, float("inf"), "", "x", "Ünïcödé 岡山市",
        [], ["a"], ["a", "b"], [1, 2.5, None, True], ("t", 1), MembershipStatus.MEMBER, "x", 1, True, 1.0,
    ]  # fmt: skip
    cities = {
        f"c{i}": {"name": f"C{i}", "mixed": v, "same": 3, "text": "t" if i % 2 else None} for i, v in enumerate(values)
    }
    cities.update({f"d{i}": {"name": f"D{i}", "num": i * 1.5 if i % 3 else i} for i in range(30)})
    links = {
        (f"c{i}", f"d{i}", "twinning"): {"kind": "twinning", "since": 2000 + i % 3, "sources": [f"l.csv row {i}"]}
        for i in range(20)
    }
    return {Label.CITY: cities}, {(Rel.LINKED_TO, Label.CITY): links}


# (batch, call bytes, rows a stream makes at a time)
SIZES = [
    (falkor_bulk.PACK_BATCH, falkor_bulk.MAX_CALL_BYTES, bulk.CHUNK_ROWS),
    (7, 600, bulk.CHUNK_ROWS),
    (50, 4096, 13),
    (1000, 64 * 1024, 37),
]


@pytest.mark.parametrize(("batch", "call_bytes", "chunk_rows"), SIZES)
def test_calls_are_the_reference_packers(
    network: list[ParsedTable], monkeypatch: pytest.MonkeyPatch, batch: int, call_bytes: int, chunk_rows: int
) -> None:
    """Small batches and calls split batches into several calls and calls out of several batches;
    the streams' chunks of rows (made as columns) are cut and joined into the batches."""
    monkeypatch.setattr(falkor_bulk, "PACK_BATCH", batch)
    monkeypatch.setattr(falkor_bulk, "MAX_CALL_BYTES", call_bytes)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk_rows)
    _, nodes, rels = plan_first_load(network, LOADED_AT)
    calls = list(falkor_bulk.bulk_calls(nodes, rels))
    assert calls == list(ref_calls(nodes, rels))
    assert len(calls) > 1 or batch == falkor_bulk.PACK_BATCH
    mixed = mixed_values()
    assert list(falkor_bulk.bulk_calls(*mixed)) == list(ref_calls(*mixed))


# The digest of the GRAPH.BULK calls of the network above (its plan before the rows' content
# hashes are added, which gnlc.loaders.unchanged owns): every node and relationship, every
# property, the order they are sent in. The network is generated from a seed and loaded_at is
# fixed, so the digest changes only when what a first load sends changes. It was taken before
# the bulk path was made faster (and was the same after). If a change of the graph is meant,
# take the new digest, once the row-by-row comparisons of tests/test_bulk.py pass.
NETWORK_DIGEST = "fdf7029795d4d70d9e959d4bf5b0f2673512f21334ad238c5735df7cc9f17bd6"


def test_the_plan_of_a_generated_network_is_unchanged(network: list[ParsedTable]) -> None:
    plan = BulkBuilder(LOADED_AT).build(network)
    assert plan.rel_count() > 1000
    assert digest(falkor_bulk.bulk_calls(plan.nodes, plan.rels)) == NETWORK_DIGEST


@pytest.mark.parametrize("source", ["a.csv", "", 0])
@pytest.mark.parametrize("row", [None, 0, 1, 12345, "7"])
@pytest.mark.parametrize("url", [None, "", "https://example.org/x", 3])
@pytest.mark.parametrize("loaded_at", [None, "", LOADED_AT])
def test_a_source_entry_reads_as_it_did(source: Any, row: Any, url: Any, loaded_at: Any) -> None:
    """source_entry (now made from its parts, which the bulk path gives it directly) as first written."""
    props = {"source": source, "source_row": row, "source_url": url, "loaded_at": loaded_at}
    where = f"{source} row {row}" if row else str(source)
    assert source_entry(props) == " | ".join(str(x) for x in (where, url, loaded_at) if x)


@pytest.mark.parametrize("first", [-1, 0, 1, 2])
@pytest.mark.parametrize("url", [None, "", "https://example.org/x", 3])
@pytest.mark.parametrize("loaded_at", ["", LOADED_AT])
def test_a_rows_provenance_has_the_source_entry_of_its_parts(first: int, url: Any, loaded_at: str) -> None:
    """The bulk path makes each row's source entry itself (no call a row): as source_entry_of does."""
    table = SimpleNamespace(label="links.csv", first_row=first)
    pt = cast(ParsedTable, SimpleNamespace(table=table, columns={"source_url": [url]}))
    prov = _Provenance(pt, loaded_at).on({"name": "X", "note": None}, 0)
    assert prov["sources"] == [source_entry_of(pt.table.label, first, url, loaded_at)]
    assert prov == {
        "name": "X",
        "source": pt.table.label,
        "source_row": first,
        "source_url": url,
        "loaded_at": loaded_at,
        "sources": prov["sources"],
    }


def test_a_column_packed_together_is_each_value_packed_alone() -> None:
    """Texts and whole numbers of a column are packed together (one encode, one array): the same
    bytes as each packed alone, and a value that cannot be stored is refused as it was."""
    texts = ["", "a", "\x03", "line\nbreak\x03x", "Ünïcödé 岡山市", "a", "\x01\x02"]
    assert falkor_bulk._column(texts) == [ref_value(v) for v in texts]
    assert falkor_bulk._column([[t] for t in texts]) == [ref_value([t]) for t in texts]
    texts += ["\x05\x01", "x\x05\x01\x03y"]  # (as a list of one text begins)
    assert falkor_bulk._column([[t] for t in texts]) == [ref_value([t]) for t in texts]
    numbers = [0, -1, 2**63 - 1, -(2**63), 7, 7]
    assert falkor_bulk._column(numbers) == [ref_value(v) for v in numbers]
    for same in (["one"] * 5, [7] * 3, [2.5] * 2, [True] * 4):
        assert falkor_bulk._column(same) == [ref_value(v) for v in same]
    with pytest.raises(ValueError, match="NUL"):
        falkor_bulk._column(["a", "b\x00c"])
    with pytest.raises(ValueError, match="NUL"):
        falkor_bulk._column([["a"], ["b\x00c"]])
    with pytest.raises(ValueError, match="NUL"):
        falkor_bulk._column(["a\x00"] * 3)
    with pytest.raises(struct.error):
        falkor_bulk._column([1, 2**63])


@pytest.mark.parametrize(("batch", "chunk_rows"), [(4, 6), (9, 5), (25, 7), (1000, 1000)])
def test_properties_some_rows_lack_are_sent_as_the_reference_sends_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int, chunk_rows: int
) -> None:
    """Rows with and without a note, an end year or a source page, in runs of several rows: a batch
    names a property in its header only when one of its own entities has it, wherever the streams'
    chunks of rows are cut."""
    monkeypatch.setattr(falkor_bulk, "PACK_BATCH", batch)
    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk_rows)
    cities = tmp_path / "cities.csv"
    cities.write_text(
        "name,country,year_joined\n" + "".join(f"Town{i},France,{2015 if i % 3 else ''}\n" for i in range(40)),
        encoding="utf-8",
    )
    links = tmp_path / "links.csv"
    rows = [
        f"Town{i},FR,Town{i + 1 + i % 4},FR,twinning,2001,{2010 if i // 10 == 2 else ''},"
        f"{'met in ' + str(i) if 5 <= i < 12 else ''},{'https://example.org/' + str(i) if i % 15 < 8 else ''}\n"
        for i in range(35)
    ]
    links.write_text("city_a,country_a,city_b,country_b,kind,since,until,note,source_url\n" + "".join(rows), "utf-8")
    tables = [pt for f in (cities, links) for pt in parse_file(f, Mapping())]
    _, nodes, rels = plan_first_load(tables, LOADED_AT)
    calls = list(falkor_bulk.bulk_calls(nodes, rels))
    assert calls == list(ref_calls(nodes, rels))
    assert any(b"note\x00" in a for args, _ in calls for a in args if isinstance(a, bytes))
