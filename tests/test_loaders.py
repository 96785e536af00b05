"""Loaders on real files: the bundled GNLC data, multi-script names, re-loads, dry runs."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gnlc.graph import cypher
from gnlc.graph.model import Label
from gnlc.graph.store import GraphStore
from gnlc.loaders.bundled import load_bundled
from gnlc.loaders.mapping import Mapping
from gnlc.loaders.pipeline import LoadRejected, load_files
from gnlc.loaders.resolver import city_id
from tests.conftest import DATA, DATA_ROOT, SharedGraph, cli, shared_graph

HERE = Path(__file__).parent / "data"


def _members(name: str = "gnlc_members.csv") -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def bundled(request: pytest.FixtureRequest, session_data_dir: Path) -> Iterator[SharedGraph]:
    """The bundled data loaded once per engine for the tests below that read it (a load each was
    four loads per engine, half a minute each on Neo4j on a busy machine); the reload test asserts
    that it changes nothing, and the graph is loaded again if anything did."""
    with shared_graph(request, session_data_dir, lambda s: load_bundled(s, DATA_ROOT)) as graph:
        yield graph


def test_bundled_data_holds_every_member_once_with_country_region_year_source(bundled: SharedGraph) -> None:
    store = bundled.get()
    report = bundled.filled
    members = _members() + _members("gnlc_members_added.csv")
    assert report.files[0].loaded + report.files[1].loaded == len(members)
    from gnlc.loaders.normalise import country_code, region_id

    for row in members:
        node = store.node(Label.CITY, city_id(row["city"], country_code(row["country"])))
        assert node is not None, row["city"]
        assert node["country_code"] == country_code(row["country"]) and node["status"] == "member"
        assert node["name"] == row["city"], "a later file renamed a member"
        assert node["source_url"] == row["source_url"] and node["source"].startswith("gnlc_members")
        assert node.get("year_joined") == (int(row["year_joined"]) if row["year_joined"] else None)
        country = store.node(Label.COUNTRY, node["country_code"])
        assert country["region"] == region_id(row["unesco_region"])
    summary = store.summary()["relationships"]
    assert summary["MEMBER_OF"] == len(members) and summary["RECEIVED"] == 58 and summary["HOSTED"] == 6
    # each member is endorsed by its national commission and coordinated by UIL, as derived facts
    derived = [r for r in store.read(cypher.ALL_EDGES) if r["type"] == "PARTNERS_WITH" and r["props"].get("derivation")]
    assert len(derived) == 2 * len(members)


def test_bundled_twinning_links_carry_wikidata_provenance_and_partners_are_non_members(bundled: SharedGraph) -> None:
    store = bundled.get()
    links = _rows(DATA_ROOT / "wikidata_twins" / "links_members.csv")
    hamburg = store.node(Label.CITY, "de-hamburg")
    assert hamburg["wikidata"] == "Q1055" and hamburg["status"] == "member"
    assert hamburg["source"] == "gnlc_members.csv"  # the member's source stays; Wikidata is added to its sources
    assert any("cities_members.csv" in s for s in hamburg["sources"])
    first = links[0]
    pairs = {tuple(sorted((r["a"], r["b"]))) for r in store.read(cypher.LINK_PAIRS)}
    assert len(pairs) >= len(links)
    partners = [r for r in _rows(DATA_ROOT / "wikidata_twins" / "cities_members.csv") if r["status"] == "none"]
    for row in partners[:50]:
        node = store.node(Label.CITY, city_id(row["name"], row["country"]))
        assert node is not None and node["wikidata"] == row["wikidata"] and node["status"] == "none", row
        assert node["source_url"] == f"https://www.wikidata.org/wiki/{row['wikidata']}"
    assert first["source_url"].startswith("https://www.wikidata.org/wiki/Q") and first["source_url"].endswith("#P190")


def test_member_populations_come_only_from_certain_gazetteer_matches(bundled: SharedGraph) -> None:
    """Melton (Australia) is the City of Melton; the gazetteer's Melton is a town of 7,999."""
    store = bundled.get()
    melton = store.node(Label.CITY, "au-melton")
    assert melton["status"] == "member" and melton.get("population") is None
    for row in _members() + _members("gnlc_members_added.csv"):
        from gnlc.loaders.normalise import country_code

        node = store.node(Label.CITY, city_id(row["city"], country_code(row["country"])))
        if node.get("population_source") == "geonames":
            assert node["population"] >= 10_000, row["city"]


def test_reloading_the_bundled_data_changes_nothing(bundled: SharedGraph) -> None:
    store = bundled.get()  # the bundled data, loaded
    before = store.summary()
    city = store.node(Label.CITY, "kr-yeonsu-gu")
    again = load_bundled(store, DATA_ROOT)
    assert again.write.changed() == 0
    assert store.summary() == before
    assert store.node(Label.CITY, "kr-yeonsu-gu") == city


def test_names_in_several_scripts_resolve_to_the_right_cities(store: GraphStore) -> None:
    load_files(store, [HERE / "partner_cities.csv"])
    report = load_files(store, [HERE / "partner_links_multiscript.csv"])
    assert report.files[0].loaded == 4
    pairs = {tuple(sorted((r["a"], r["b"]))) for r in store.read(cypher.LINK_PAIRS)}
    assert pairs == {
        ("jp-okayama", "us-san-jose"),
        ("de-cologne", "it-turin"),
        ("us-chicago", "za-durban"),
        ("de-kiel", "fr-brest"),
    }
    assert store.count(Label.CITY) == 9  # nothing new was created, nothing merged
    decisions = "\n".join(report.decisions)
    assert "'岡山市' -> matched jp-okayama" in decisions and "'Torino' -> matched it-turin" in decisions


def test_homonym_without_country_is_reported_ambiguous_and_not_merged(store: GraphStore) -> None:
    load_files(store, [HERE / "partner_cities.csv"])
    before = store.summary()
    with pytest.raises(LoadRejected) as info:
        load_files(store, [HERE / "partner_links_ambiguous.csv"])
    msg = str(info.value)
    assert "row 2, column 'city_a'" in msg and "Brest (BY, by-brest)" in msg and "Brest (FR, fr-brest)" in msg
    assert store.summary() == before


def test_corrected_file_updates_only_what_changed(store: GraphStore, tmp_path: Path) -> None:
    src = tmp_path / "cities.csv"
    shutil.copy(HERE / "partner_cities.csv", src)
    load_files(store, [src])
    src.write_text(src.read_text().replace("Kiel,Deutschland,municipality,,", "Kiel,Deutschland,municipality,246000,"))
    report = load_files(store, [src])
    assert report.write.nodes["City"] == {"updated": 1, "unchanged": 8}
    assert store.node(Label.CITY, "de-kiel")["population"] == 246000
    assert "population_source" in store.node(Label.CITY, "de-kiel")  # was filled from the gazetteer first


def test_gazetteer_fills_coordinates_and_population_marked_as_such(store: GraphStore) -> None:
    load_files(store, [HERE / "partner_cities.csv"])
    okayama = store.node(Label.CITY, "jp-okayama")
    assert 34 < okayama["latitude"] < 35 and okayama["latitude_source"] == "geonames"
    assert okayama["population"] > 500_000 and okayama["population_source"] == "geonames"


def test_dry_run_reports_and_writes_nothing(store: GraphStore) -> None:
    report = load_bundled(store, DATA_ROOT, dry_run=True)
    assert report.write.nodes["City"]["created"] > len(_members()) + len(_members("gnlc_members_added.csv"))
    assert store.summary() == {"nodes": {}, "relationships": {}}


def test_keep_going_loads_good_rows_and_writes_rejects_beside_input(store: GraphStore, tmp_path: Path) -> None:
    src = tmp_path / "mixed.csv"
    src.write_text("name,country,population\nGoodtown,France,12000\nBadtown,France,lots\n  ,France,5\n")
    report = load_files(store, [src], keep_going=True)
    assert report.files[0].loaded == 1 and len(report.files[0].rejected) == 2
    rejected = list(csv.DictReader((tmp_path / "mixed.rejected.csv").open()))
    assert [r["row"] for r in rejected] == ["3", "4"]
    assert rejected[0]["column"] == "population" and "whole number" in rejected[0]["expected"]
    assert store.count(Label.CITY) == 1


def test_mapping_names_the_columns(store: GraphStore, tmp_path: Path) -> None:
    load_files(store, [HERE / "partner_cities.csv"])
    src = tmp_path / "agreements.csv"
    src.write_text("from_city;from_country;to_city;to_country;what;year\nKiel;DE;Brest;FR;twinning;1964\n")
    mapping = Mapping.parse(
        kind="links",
        pairs=[
            "source=from_city",
            "source_country=from_country",
            "target=to_city",
            "target_country=to_country",
            "kind=what",
        ],
    )
    report = load_files(store, [src], mapping=mapping)
    assert report.write.relationships["LINKED_TO"]["created"] == 1


def test_cli_demo_loads_and_reports(tmp_path: Path) -> None:
    from tests.conftest import short_tmp

    data_dir = short_tmp("gnlc-c-")
    try:
        result = cli("demo", env={"GNLC_DATA_DIR": str(data_dir)})
        assert result.returncode == 0, result.stderr
        members = len(_members()) + len(_members("gnlc_members_added.csv"))
        out = " ".join(result.stdout.split())  # the terminal width wraps lines
        assert f"({members} members)" in out and "gnlc_awards.csv" in out
        assert "between two members" in out and "have at least one such link" in out
    finally:
        cli("engine", "stop", env={"GNLC_DATA_DIR": str(data_dir)})
        shutil.rmtree(data_dir, ignore_errors=True)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    from gnlc.loaders.synthetic import generate

    a = generate(tmp_path / "a", cities=300, seed=7)
    b = generate(tmp_path / "b", cities=300, seed=7)
    assert a == b and a["links"] > 250
    for name in ("cities.csv", "links.csv", "partnerships.csv", "organisations.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_synthetic_files_load(store: GraphStore, tmp_path: Path) -> None:
    from gnlc.loaders.synthetic import generate

    counts = generate(tmp_path, cities=200, seed=3)
    files = [tmp_path / f for f in ("cities.csv", "organisations.csv", "partnerships.csv", "links.csv")]
    load_files(store, files)
    summary = store.summary()
    assert summary["nodes"]["City"] == 200
    assert summary["relationships"]["LINKED_TO"] == counts["links"]


def test_every_country_the_generator_uses_is_accepted() -> None:
    from gnlc.loaders.normalise import country_code
    from gnlc.loaders.synthetic import COUNTRIES

    assert [c for c in COUNTRIES if country_code(c) != c] == []
    assert country_code("Kosovo") == "XK"
