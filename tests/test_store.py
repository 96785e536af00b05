"""Schema step, round trip of every node and relationship kind, constraint errors."""

from __future__ import annotations

import pytest

from gnlc.errors import QueryError, UniqueConstraintError
from gnlc.graph import cypher
from gnlc.graph.model import ENDPOINTS, Label, NodeRecord, Provenance, Rel, RelRecord
from gnlc.graph.store import GraphStore
from gnlc.graph.writer import GraphWriter

PROV = Provenance(source="roundtrip.csv", source_row=3, source_url="https://example.org/page")


def _node(label: Label, node_id: str, **props: object) -> NodeRecord:
    return NodeRecord(label=label, id=node_id, props={"name": node_id, **props}, provenance=PROV)


def _sample() -> tuple[list[NodeRecord], list[RelRecord]]:
    nodes = [_node(lbl, f"{lbl.lower()}-1") for lbl in Label] + [_node(Label.CITY, "city-2")]
    rels = []
    for rel, (starts, end) in ENDPOINTS.items():
        for start in starts:
            end_id = "city-2" if end is Label.CITY else f"{end.lower()}-1"
            rels.append(
                RelRecord(
                    type=rel,
                    start_label=start,
                    start=f"{start.lower()}-1",
                    end=end_id,
                    key="k",
                    props={"since": 2019, "kind": "twinning"},
                    provenance=PROV,
                )
            )
    return nodes, rels


def test_schema_step_is_repeatable(store: GraphStore) -> None:
    # the fixture applied it once already
    assert store.apply_schema() == []
    assert store.apply_schema() == []
    GraphWriter(store).write([_node(Label.CITY, "c")], [])
    assert store.apply_schema() == []


def test_schema_step_creates_constraints_and_indexes_on_a_new_graph(settings) -> None:  # type: ignore[no-untyped-def]
    from gnlc.graph.store import open_store
    from tests.conftest import drop_graph

    s = open_store(settings)
    try:
        created = s.apply_schema()
        assert {f"unique constraint {lbl}.id" for lbl in Label} <= set(created)
        assert "full-text index City(name, search_names)" in created
    finally:
        drop_graph(s)
        s.close()


def test_round_trip_of_every_node_and_relationship_kind(store: GraphStore) -> None:
    nodes, rels = _sample()
    report = GraphWriter(store).write(nodes, rels)
    assert {lbl: c["created"] for lbl, c in report.nodes.items()} == {
        str(lbl): (2 if lbl is Label.CITY else 1) for lbl in Label
    }
    summary = store.summary()
    assert summary["nodes"][str(Label.CITY)] == 2
    for rel in Rel:
        expected = 2 if rel is Rel.IN_COUNTRY else 1  # from a city and from an organisation
        assert summary["relationships"][str(rel)] == expected, rel
    city = store.node(Label.CITY, "city-1")
    assert city["source"] == "roundtrip.csv" and city["source_row"] == 3
    assert city["source_url"] == "https://example.org/page" and city["loaded_at"]


def test_symmetric_link_is_stored_both_ways_and_counted_once(store: GraphStore) -> None:
    nodes = [_node(Label.CITY, "a"), _node(Label.CITY, "b")]
    link = RelRecord(
        type=Rel.LINKED_TO,
        start_label=Label.CITY,
        start="b",
        end="a",
        key="twinning",
        props={"kind": "twinning", "since": 1990},
        provenance=PROV,
    )
    reverse = link.model_copy(update={"start": "a", "end": "b"})
    report = GraphWriter(store).write(nodes, [link, reverse])
    assert report.relationships["LINKED_TO"]["created"] == 1
    rows = store.read(cypher.COUNT_RELS_BY_TYPE)
    assert {r["type"]: r["n"] for r in rows}["LINKED_TO"] == 2
    assert store.summary()["relationships"]["LINKED_TO"] == 1


def test_second_write_changes_nothing(store: GraphStore) -> None:
    nodes, rels = _sample()
    GraphWriter(store).write(nodes, rels)
    before = store.node(Label.CITY, "city-1")
    again = GraphWriter(store).write(nodes, rels)
    assert again.changed() == 0
    assert all(c["unchanged"] > 0 for c in again.nodes.values())
    assert store.node(Label.CITY, "city-1") == before  # loaded_at untouched too


def test_changed_property_updates_only_that_node(store: GraphStore) -> None:
    nodes, rels = _sample()
    GraphWriter(store).write(nodes, rels)
    changed = [n if n.id != "city-2" else _node(Label.CITY, "city-2", population=12000) for n in nodes]
    report = GraphWriter(store).write(changed, rels)
    assert report.nodes["City"] == {"updated": 1, "unchanged": 1}
    assert store.node(Label.CITY, "city-2")["population"] == 12000


def test_dry_run_reports_without_writing(store: GraphStore) -> None:
    nodes, rels = _sample()
    report = GraphWriter(store).write(nodes, rels, dry_run=True)
    assert report.dry_run and report.nodes["City"]["created"] == 2
    assert report.relationships["LINKED_TO"]["created"] == 1
    assert store.summary() == {"nodes": {}, "relationships": {}}


def test_uniqueness_violation_is_the_projects_error(store: GraphStore) -> None:
    GraphWriter(store).write([_node(Label.CITY, "dup")], [])
    with pytest.raises(UniqueConstraintError) as info:
        store.write(cypher.NODE_CREATE[Label.CITY], rows=[{"id": "dup", "props": {"name": "again"}}])
    assert info.value.label == "City" and info.value.key == "id"
    assert "City.id" in str(info.value)
    assert store.count(Label.CITY) == 1


def test_failed_batch_leaves_nothing_behind(store: GraphStore) -> None:
    GraphWriter(store).write([_node(Label.CITY, "dup")], [])
    rows = [{"id": f"new-{i}", "props": {}} for i in range(100)] + [{"id": "dup", "props": {}}]
    with pytest.raises(UniqueConstraintError):
        store.write(cypher.NODE_CREATE[Label.CITY], rows=rows)
    assert store.count(Label.CITY) == 1


def test_only_registered_statements_run(store: GraphStore) -> None:
    with pytest.raises(TypeError, match="only statements from gnlc.graph.cypher"):
        store.read("MATCH (n) RETURN n")  # type: ignore[arg-type]
    other = cypher.NEO4J_LIST_SCHEMA if store.dialect == "falkordb" else cypher.FALKOR_LIST_INDEXES
    with pytest.raises(QueryError, match=f"not written for {store.dialect}"):
        store.read(other)


def _linked(store: GraphStore, *pairs: tuple[str, str]) -> None:
    ids = sorted({x for p in pairs for x in p})
    nodes = [_node(Label.CITY, i, search_names=i.replace("-", " ")) for i in ids]
    rels = [
        RelRecord(
            type=Rel.LINKED_TO,
            start_label=Label.CITY,
            start=a,
            end=b,
            key="twinning",
            props={"kind": "twinning"},
            provenance=PROV,
        )
        for a, b in pairs
    ]
    GraphWriter(store).write(nodes, rels)


def test_shortest_path_follows_links_in_either_stored_direction(store: GraphStore) -> None:
    # written as a-b, c-b, c-d: the path from d to a runs against the written direction
    _linked(store, ("a", "b"), ("c", "b"), ("c", "d"), ("x", "y"))
    assert store.shortest_link_path("d", "a") == ["d", "c", "b", "a"]
    assert store.shortest_link_path("a", "d") == ["a", "b", "c", "d"]
    assert store.shortest_link_path("a", "x") == []


def test_full_text_search_finds_by_prefix_and_ignores_query_syntax(store: GraphStore) -> None:
    _linked(store, ("yeonsu-gu", "okayama"), ("brest-fr", "kiel"))
    assert [r["id"] for r in store.search_cities("yeon")] == ["yeonsu-gu"]
    assert [r["id"] for r in store.search_cities("Okayama")] == ["okayama"]
    assert store.search_cities("\"'})-[*]-() //") == []  # only words reach the index


def test_report_says_what_was_written_when_a_later_batch_fails(store: GraphStore) -> None:
    from gnlc.graph.writer import PartialWriteError

    GraphWriter(store).write([_node(Label.CITY, i) for i in ("a", "b", "c")], [])
    links = [
        RelRecord(
            type=Rel.LINKED_TO,
            start_label=Label.CITY,
            start="a",
            end=e,
            key="twinning",
            props={"kind": "twinning"},
            provenance=PROV,
        )
        for e in ("b", "c")
    ]

    def remove_everything_after_first_batch(_: int) -> None:
        store.clear()  # the graph changes under the load, as another process could do

    writer = GraphWriter(store, batch_size=1, progress=remove_everything_after_first_batch)
    with pytest.raises(PartialWriteError) as info:
        writer.write([], links)
    assert info.value.report.written == {"LINKED_TO": 1}
    assert "0 of 1 rows of a batch were written" in str(info.value)
    assert "rows written before the failure: LINKED_TO: 1" in str(info.value)


def test_the_quick_reply_reader_equals_the_clients_parser(embedded_store: GraphStore) -> None:
    """FalkorStore reads plain values (null, text, integer, boolean, double, list, map) from the
    engine's compact reply itself: the same values as the client's parser and _plain, on every
    such type and on real statements; nodes and edges are left to the client's parser."""
    from falkordb.query_result import parse_scalar

    from gnlc.graph.falkor import _NotPlain, _plain, _value

    s = embedded_store
    conn, graph = s._db.connection, s._graph  # type: ignore[attr-defined]  # noqa: SLF001
    literal = (
        "RETURN null, 'Łódź \\u00e9 \"q\"', '', -7, 9007199254740993, true, false, 1.5, -0.0, 1e300,"
        " [1, 'a', [true, null, 2.25]], {a: 1, b: {c: 'é', d: [{e: null}]}, f: []}, {}"
    )
    (row,) = conn.execute_command("GRAPH.RO_QUERY", s.graph_name, literal, "--compact")[1]  # type: ignore[attr-defined]
    ours, theirs = [_value(cell) for cell in row], [_plain(parse_scalar(cell, graph)) for cell in row]
    assert ours == theirs and [type(v) for v in ours] == [type(v) for v in theirs]
    assert ours[5:7] == [True, False] and ours[11]["b"]["d"] == [{"e": None}] and ours[4] == 9007199254740993
    nodes, rels = _sample()
    GraphWriter(s).write(nodes, rels)
    for query in (cypher.DUMP_NODES, cypher.DUMP_RELS):
        result = graph.ro_query(query)
        names = [h[1] for h in result.header]
        expected = [dict(zip(names, map(_plain, r), strict=True)) for r in result.result_set]
        assert s.read(query) == expected and len(expected) >= len(nodes)
    (row,) = conn.execute_command("GRAPH.RO_QUERY", s.graph_name, "MATCH (n) RETURN n LIMIT 1", "--compact")[1]  # type: ignore[attr-defined]
    with pytest.raises(_NotPlain):
        _value(row[0])

    class Unregistered(str):  # the store's own reads are all plain: a node returned whole is not one of them
        name = "a_node_whole"

    ((whole,),) = (r.values() for r in s._call(Unregistered("MATCH (n) RETURN n LIMIT 1"), {}, read_only=True))  # type: ignore[attr-defined]  # noqa: SLF001
    assert whole == _plain(graph.ro_query("MATCH (n) RETURN n LIMIT 1").result_set[0][0]) and whole["id"]
