"""Reloads build only the rows that changed: the content hash per row (gnlc.loaders.unchanged)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gnlc.explore import Explorer
from gnlc.export import render
from gnlc.graph import cypher
from gnlc.graph.model import CONTENT_HASH, Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.build import RecordBuilder
from gnlc.loaders.pipeline import load_files
from gnlc.loaders.synthetic import generate

HERE = Path(__file__).parent / "data"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds of the rows built from here on, one entry per row."""
    seen: list[str] = []
    original = RecordBuilder.build

    def counted(self: RecordBuilder, kind: str, row: object) -> object:
        seen.append(kind)
        return original(self, kind, row)  # type: ignore[arg-type]

    monkeypatch.setattr(RecordBuilder, "build", counted)
    return seen


@pytest.fixture
def network(tmp_path: Path) -> list[Path]:
    generate(tmp_path / "net", cities=60, seed=5)
    return sorted((tmp_path / "net").glob("*.csv"))


def _dump(store: GraphStore) -> tuple[list[str], list[str]]:
    nodes = sorted(json.dumps(r, sort_keys=True, default=str) for r in store.read(cypher.DUMP_NODES))
    rels = sorted(json.dumps(r, sort_keys=True, default=str) for r in store.read(cypher.DUMP_RELS))
    return nodes, rels


@pytest.mark.parametrize("bulk", [True, False], ids=["first-in-bulk", "first-row-by-row"])
def test_reloading_unchanged_files_builds_nothing_and_writes_nothing(
    store: GraphStore, network: list[Path], builds: list[str], bulk: bool
) -> None:
    first = load_files(store, network, bulk=bulk)
    assert first.path == ("bulk" if bulk else "row by row")
    before = _dump(store)
    builds.clear()
    again = load_files(store, network)
    assert builds == []  # no row was built again
    assert again.write.changed() == 0 and sum(again.write.written.values()) == 0
    assert [f.unchanged for f in again.files] == [f.rows for f in again.files]
    assert [f.loaded for f in again.files] == [f.rows for f in again.files]
    assert again.write.nodes["City"]["unchanged"] == 60  # what each unchanged row is about
    assert _dump(store) == before  # not even loaded_at


def test_a_changed_row_is_built_and_written_alone(
    store: GraphStore, network: list[Path], builds: list[str], tmp_path: Path
) -> None:
    load_files(store, network)
    cities = next(p for p in network if p.name == "cities.csv")
    rows = list(csv.reader(cities.open(encoding="utf-8")))
    rows[7][rows[0].index("population")] = "123456"
    with cities.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    builds.clear()
    report = load_files(store, network)
    assert builds == ["cities"]
    assert report.write.nodes["City"] == {"updated": 1, "unchanged": 59}
    city = store.node(Label.CITY, f"{rows[7][1].lower()}-synthcity-000006")
    assert city["population"] == 123456 and city["source_row"] == 8
    builds.clear()
    assert load_files(store, network).write.changed() == 0 and builds == []  # and then it is unchanged


def test_a_row_moved_down_is_built_again(store: GraphStore, network: list[Path], builds: list[str]) -> None:
    load_files(store, network)
    links = next(p for p in network if p.name == "links.csv")
    header, *body = list(csv.reader(links.open(encoding="utf-8")))
    with links.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, body[-1], *body[:-1]])  # every row one lower, the last first
    builds.clear()
    report = load_files(store, network)
    assert builds.count("links") == len(body)  # its row number is part of a row's hash
    assert report.write.relationships["LINKED_TO"]["updated"] == len(body)  # each names its new row
    builds.clear()
    assert load_files(store, network).write.changed() == 0 and builds == []


def test_a_repeated_row_stays_a_duplicate_when_its_names_need_the_resolver(
    store: GraphStore, tmp_path: Path, builds: list[str]
) -> None:
    """Row 2 names its cities exactly (it is not built again), row 3 the same cities by other
    names (built, as the resolver must say): it is still the duplicate of row 2."""
    load_files(store, [HERE / "partner_cities.csv"])
    links = tmp_path / "links.csv"
    links.write_text(
        "city_a,country_a,city_b,country_b,kind\n"
        "Turin,Italy,Okayama,Japan,twinning\n"
        "Torino,Italy,岡山市,Japan,twinning\n",
        encoding="utf-8",
    )
    first = load_files(store, [links])
    assert first.files[0].duplicates == 1
    before = _dump(store)
    builds.clear()
    again = load_files(store, [links])
    assert again.write.changed() == 0 and again.files[0].duplicates == 1
    assert builds == ["links", "links"]  # row 3 needed the resolver, so row 2 was built to come first
    assert _dump(store) == before


def test_the_hash_is_the_same_in_another_process(store: GraphStore, network: list[Path]) -> None:
    """The hash a city carries is what another process makes of its row (no salted hash())."""
    load_files(store, network)
    cities = next(p for p in network if p.name == "cities.csv")
    code = (
        "import sys; from pathlib import Path; from gnlc.loaders.mapping import Mapping; "
        "from gnlc.loaders.readers import read_tables; from gnlc.loaders.rows import parse_table; "
        "from gnlc.loaders.resolver import city_id; from gnlc.loaders.unchanged import row_hash; "
        "r = parse_table(read_tables(Path(sys.argv[1]))[0], Mapping()).rows[0]; "
        "cid = city_id(r.values['name'], r.values['country']); "
        "print(cid, row_hash('cities', r.source, r.row, r.values, (cid,)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, str(cities)], env=env, capture_output=True, text=True, check=True)
    cid, there = out.stdout.split()
    assert store.node(Label.CITY, cid)[CONTENT_HASH] == there and len(there) == 16
    stored = [r["props"].get(CONTENT_HASH) for r in store.read(cypher.DUMP_NODES) if r["label"] == "City"]
    assert len(set(stored)) == 60 and None not in stored  # every city carries its own row's hash


def test_the_hash_is_not_in_exports_or_answers(store: GraphStore, network: list[Path]) -> None:
    load_files(store, network)
    ex = Explorer(store)
    for fmt in ("json", "graphml", "gexf", "csv"):
        assert CONTENT_HASH.encode() not in render(ex.whole_graph(), fmt)
    assert CONTENT_HASH not in ex.profile("Synthcity 000001").model_dump_json()
