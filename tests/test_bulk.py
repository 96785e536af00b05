"""The bulk first load gives the same graph as the row-by-row path, steps aside when it
cannot be sure, and leaves nothing behind when it fails."""

from __future__ import annotations

import gc
import uuid
from pathlib import Path
from typing import Any

import pytest

from gnlc.errors import GnlcError
from gnlc.graph.model import Label, Rel
from gnlc.graph.store import GraphStore
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import LoadRejected, load_files
from gnlc.loaders.synthetic import generate
from gnlc.settings import Settings, load_settings
from tests.conftest import DATA, dump, engine_store

MEMBERS = Mapping(defaults={"status": "member"})


@pytest.fixture
def other(settings: Settings) -> Any:
    other_settings = load_settings(data_dir=settings.data_dir, graph_name="t_" + uuid.uuid4().hex[:12])
    with engine_store("embedded", other_settings) as s:
        yield s


def both_ways(store: GraphStore, other: GraphStore, files: list[Path], mapping: Mapping | None = None) -> Any:
    bulk = load_files(store, files, mapping=mapping)
    rows = load_files(other, files, mapping=mapping, bulk=False)
    return bulk, rows


def test_synthetic_network_in_bulk_is_the_same_graph(store: GraphStore, other: GraphStore, tmp_path: Path) -> None:
    generate(tmp_path, cities=400, seed=7)
    files = sorted(tmp_path.glob("*.csv"))
    bulk, rows = both_ways(store, other, files)
    assert bulk.path == "bulk"
    assert rows.path == "row by row"
    assert dump(store) == dump(other)
    assert bulk.write.table() == rows.write.table()
    assert [(f.label, f.rows, f.loaded) for f in bulk.files] == [(f.label, f.rows, f.loaded) for f in rows.files]
    linked = store.summary()["relationships"]["LINKED_TO"]
    assert linked == sum(1 for _ in (tmp_path / "links.csv").open()) - 1


def test_real_member_list_in_bulk_is_the_same_graph(store: GraphStore, other: GraphStore) -> None:
    """Real names: gazetteer coordinates, aliases, near-duplicate notes."""
    bulk, rows = both_ways(store, other, [DATA / "gnlc_members.csv"], MEMBERS)
    assert bulk.path == "bulk"
    assert dump(store) == dump(other)
    assert bulk.decisions == rows.decisions
    assert store.count(Label.CITY) == bulk.files[0].rows == 331


def test_a_first_load_pauses_the_cyclic_collector_and_enables_it_again(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(gnlc.collector: the collector scanned the plan's millions of objects again and again.)"""
    import gnlc.loaders.pipeline as pipeline

    generate(tmp_path, cities=50, seed=5)
    seen: list[bool] = []
    real = pipeline.plan_first_load
    monkeypatch.setattr(pipeline, "plan_first_load", lambda *a: (seen.append(gc.isenabled()), real(*a))[1])
    assert gc.isenabled()
    assert load_files(store, sorted(tmp_path.glob("*.csv"))).path == "bulk"
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()  # paused by someone else before: left paused
    try:
        store.clear()
        assert load_files(store, sorted(tmp_path.glob("*.csv"))).path == "bulk"
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_second_load_goes_row_by_row_and_changes_nothing(store: GraphStore, tmp_path: Path) -> None:
    generate(tmp_path, cities=200, seed=3)
    files = sorted(tmp_path.glob("*.csv"))
    assert load_files(store, files).path == "bulk"
    before = dump(store)
    again = load_files(store, files)
    assert again.path == "row by row"
    assert again.write.changed() == 0
    assert dump(store) == before


def test_bad_rows_are_reported_by_the_row_by_row_path(store: GraphStore, tmp_path: Path) -> None:
    generate(tmp_path, cities=50, seed=1)
    links = tmp_path / "links.csv"
    lines = links.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("Synthcity", "Nowhere", 1)
    links.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadRejected, match=r"links\.csv, row 4, column 'city_a'.*--no-new-cities"):
        load_files(store, sorted(tmp_path.glob("*.csv")), new_cities=False)  # else it is brought in as a partner
    assert store.is_empty()


def test_rows_that_name_one_city_twice_go_row_by_row(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "cities.csv").write_text("name,country\nMunich,DE\nMünchen,Germany\n", encoding="utf-8")
    report = load_files(store, [tmp_path / "cities.csv"])
    assert report.path.startswith("row by row (not in bulk:")
    assert store.count(Label.CITY) == 1


def test_files_of_other_kinds_go_row_by_row(store: GraphStore) -> None:
    report = load_files(store, [DATA / "gnlc_members.csv", DATA / "gnlc_awards.csv"], mapping=MEMBERS)
    assert report.path == "row by row (not in bulk: gnlc_awards.csv holds awards)"
    assert store.summary()["relationships"]["RECEIVED"] > 0


def test_a_failed_bulk_create_leaves_an_empty_graph_with_its_schema(store: GraphStore) -> None:
    nodes = {Label.CITY: {"xx-a": {"name": "A"}}}
    rels = {(Rel.LINKED_TO, Label.CITY): {("xx-a", "xx-missing", "twinning"): {"kind": "twinning"}}}
    with pytest.raises(GnlcError, match="xx-missing"):
        store.create_all(nodes, rels)
    assert store.is_empty()
    assert store.apply_schema() == []  # nothing was missing


def test_bulk_create_refuses_a_graph_that_holds_data(store: GraphStore) -> None:
    store.create_all({Label.CITY: {"xx-a": {"name": "A"}}}, {})
    with pytest.raises(GnlcError, match="empty graph"):
        store.create_all({Label.CITY: {"xx-b": {"name": "B"}}}, {})
    assert store.count(Label.CITY) == 1
